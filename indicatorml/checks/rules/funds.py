"""The funds rule: a cost target above the project's own money (header block 年度资金总额).

Why: a cost indicator of 600万元 in a 500万元 project is a typo or a unit slip (元 for 万元);
either way the reviewer cannot check it against the budget it asks for.
"""

from __future__ import annotations

from collections.abc import Iterator

from ...targets import parse_target
from ...taxonomy import COST_CODES
from ..context import ProjectContext, level1_of
from ..finding import Finding, Rule, excerpt
from ..sources import CORE_2021, cite

__all__ = ["RULES", "funds_findings"]

COST_OVER_FUNDS = Rule(
    "target.cost-over-funds",
    "target",
    "warning",
    "成本超过项目资金",
    "成本指标的金额大于项目本身的资金(表头的年度资金总额)",
    cite(CORE_2021, "成本指标反映预期提供的产出所需的成本,应与预算相匹配"),
    "表头金额以「元」而非「万元」填写;成本指标写的是多年累计成本",
)
RULES = (COST_OVER_FUNDS,)

_TO_WAN = {"元": 1e-4, "万元": 1.0, "亿元": 1e4}


def funds_findings(ctx: ProjectContext) -> Iterator[Finding]:
    """``target.cost-over-funds`` per cost row (成本指标, either layout) with a money target
    above ``ctx.funds`` (万元). Nothing where the table gives no amount."""
    if ctx.funds is None:
        return
    for i, rec in ctx.rows:
        if rec.level2_code not in COST_CODES and level1_of(rec) != "4":
            continue
        t = parse_target(rec.target)
        if t.kind != "money" or t.value is None or t.unit not in _TO_WAN:
            continue
        wan = t.value * _TO_WAN[t.unit]
        if wan > ctx.funds * (1 + 1e-9):
            yield ctx.at_row(
                COST_OVER_FUNDS,
                i,
                rec,
                f"成本「{excerpt(rec.target)}」大于项目资金 {ctx.funds:g}万元;核对金额和单位(元/万元)",
                "target",
            )
