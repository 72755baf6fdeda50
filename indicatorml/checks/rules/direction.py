"""The direction rule: a target that asks for more of something bad, or for less of something good.

Why a rule of its own: "安全事故发生率≥2%" rewards accidents; the wording says lower is better
(故障率、发生率、事故、投诉、超标、误差、中断、差错) and the target asks for at least. The
reverse (合格率≤90%) caps a good thing. Judged per row, so the 填报 page runs it on a draft.
"""

from __future__ import annotations

from collections.abc import Iterator

from ...segment import clean_indicator
from ...targets import parse_target
from ..context import ProjectContext
from ..finding import Finding, Rule, excerpt
from ..sources import CORE_2021, cite
from ..wording import higher_is_better, lower_is_better

__all__ = ["RULES", "direction_findings"]

DIRECTION = Rule(
    "target.direction",
    "target",
    "error",
    "指标方向写反",
    "越低越好的指标(故障率、事故、投诉、超标、误差、中断、差错)要求「≥」,或越高越好的比率要求「≤」",
    cite(CORE_2021, "指标方向(正向/反向)与指标值的比较符一致"),
    "名称含「投诉」「事故」但量的是处理情况而没用「处理」「办结」等字的指标;以「控制在…以上」表达下限的写法",
)
RULES = (DIRECTION,)


def direction_findings(ctx: ProjectContext) -> Iterator[Finding]:
    """``target.direction`` per row: a ≥ (or >) on a lower-is-better wording, a ≤ (or <) on a
    higher-is-better rate. ``≤100%`` on a rate sets no direction and is left to the others."""
    for i, rec in ctx.rows:
        text = clean_indicator(rec.indicator)
        t = parse_target(rec.target)
        if t.value is None or t.comparison is None:
            continue
        tq, iq = excerpt(rec.target), excerpt(rec.indicator)
        if lower_is_better(text) and (t.comparison == ">" or (t.comparison == "≥" and t.value > 0)):
            yield ctx.at_row(
                DIRECTION,
                i,
                rec,
                f"「{iq}」越低越好,指标值「{tq}」却要求不低于;写成上限(如「≤{_num(t.value)}{t.unit or ''}」"
                "或「0起」)",
                "target",
            )
        elif (
            higher_is_better(text)
            and t.comparison in ("≤", "<")
            and t.kind in ("percent", "number")
            and not (t.comparison == "≤" and t.value >= 100)
        ):
            yield ctx.at_row(
                DIRECTION,
                i,
                rec,
                f"「{iq}」越高越好,指标值「{tq}」却只给了上限;写成下限(如「≥{_num(t.value)}{t.unit or ''}」)",
                "target",
            )


def _num(v: float) -> str:
    return str(int(v)) if v == int(v) else f"{v:g}"
