"""The unit rule: an amount of money whose target is a percentage, or a rate whose target is money.

Why: 「补助资金 95%」 or 「资金拨付率 50万元」 cannot be checked at year end — the indicator and
its value measure different things. (A count with a % and a rate with a count are the target
family's ``rate-on-count`` and ``count-on-rate``.)
"""

from __future__ import annotations

from collections.abc import Iterator

from ...segment import clean_indicator
from ...targets import parse_target
from ..context import ProjectContext
from ..finding import Finding, Rule, excerpt
from ..sources import CORE_2021, cite
from ..wording import UNCAPPED, is_money, is_rate, is_satisfaction

__all__ = ["RULES", "unit_findings"]

UNIT_MONEY = Rule(
    "target.unit-money",
    "target",
    "warning",
    "金额与百分比不符",
    "金额指标的指标值是百分比,或比率指标的指标值是金额",
    cite(CORE_2021, "指标值与度量单位相符"),
    "「资金足额」一类省略了「率」字的比率(名称含足额、及时、到位时不报)",
)
RULES = (UNIT_MONEY,)


def unit_findings(ctx: ProjectContext) -> Iterator[Finding]:
    """``target.unit-money`` per row."""
    for i, rec in ctx.rows:
        text = clean_indicator(rec.indicator)
        t = parse_target(rec.target)
        iq, tq = excerpt(rec.indicator), excerpt(rec.target)
        if t.kind == "percent" and is_money(text) and not UNCAPPED.search(text):
            if is_satisfaction(text, rec.level2_code):
                continue
            yield ctx.at_row(
                UNIT_MONEY,
                i,
                rec,
                f"「{iq}」是金额,指标值「{tq}」却是百分比;写成金额(如「≤N万元」),或把指标改成比率(如「…到位率」)",
                "target",
            )
        elif t.kind == "money" and is_rate(text):
            yield ctx.at_row(
                UNIT_MONEY,
                i,
                rec,
                f"「{iq}」是比率,指标值「{tq}」却是金额;写成百分比(如「≥95%」),或把指标改成金额",
                "target",
            )
