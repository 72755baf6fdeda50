"""This year's project against last year's: a lowered standard, a dropped indicator, a target
copied for three years, a target left below what last year reached.

Why these four: they are the reviewer's first questions when last year's table lies beside
this year's (the performance modules of the 预算管理一体化 systems show the two side by side) —
"was this standard lowered?", "where did last year's indicator go?", "why has this target not
moved in three years?", "last year they reached 98%, why is the target still 80%?". Each
finding says what last year had: the value, the year and the file, so the reviewer can check.

The family reads ``ProjectContext.last_year`` (a :class:`~..past.PastProject` the review
pipeline found in the store and matched, :mod:`indicatorml.reviews.history`); a project without
one gets no history finding. Indicators are paired within the project by
:func:`..matching.match_indicators`.
"""

from __future__ import annotations

from collections.abc import Iterator

from ...records import Indicator
from ...segment import clean_indicator, normalize
from ...targets import Target, parse_target
from ..context import ProjectContext
from ..finding import Finding, Rule, excerpt
from ..matching import IndicatorSide, match_indicators
from ..past import PastProject, PastRow
from ..sources import LOCAL_FORMS, TARGETS_2015, cite
from ..wording import is_satisfaction, lower_is_better

__all__ = [
    "RULES",
    "LOWERED",
    "DROPPED",
    "COPIED",
    "TOO_LOW",
    "history_findings",
    "far_above",
    "FAR_ABOVE_POINTS",
    "FAR_ABOVE_RATIO",
    "ACTUAL_MARGIN",
]

FAR_ABOVE_POINTS = 10.0  # a % actual this many points above its target is "far above"
FAR_ABOVE_RATIO = 1.5  # any other actual this many times its target is
ACTUAL_MARGIN = 5.0  # a % target this many points under last year's actual is lowered

LOWERED = Rule(
    "history.lowered",
    "history",
    "warning",
    "标准比上年降低",
    "比率或满意度目标低于上年同一指标的目标值,或明显低于上年自评的实际完成值",
    cite(LOCAL_FORMS, "指标值原则上不低于上年目标值和上年实际完成水平;降低的须说明理由"),
    "政策调整后口径或考核范围变了的指标;上年实际完成值是一次性因素造成的",
)
DROPPED = Rule(
    "history.dropped",
    "history",
    "info",
    "上年指标未延续",
    "上年同一项目的某个指标,今年的表里没有对应的指标",
    cite(TARGETS_2015, "绩效目标应与上年度目标和实施情况相衔接,指标应能反映项目的主要产出和效益"),
    "上年的任务已完成不再需要的指标;改了说法、匹配不上的同一指标",
)
COPIED = Rule(
    "history.copied",
    "history",
    "info",
    "指标值三年未变",
    "同一指标的年度指标值连续三年一字未改",
    cite(TARGETS_2015, "指标值应结合上年完成情况和本年度任务合理确定"),
    "本就固定的标准(补助标准、法定时限)和已到上限的比率",
)
TOO_LOW = Rule(
    "history.target-too-low",
    "history",
    "warning",
    "目标定得偏低",
    "上年实际完成值远超上年目标,今年的目标却没有提高",
    cite(LOCAL_FORMS, "自评时完成值大幅超过目标值的,视为目标设定偏低,相应扣分"),
    "上年一次性的超额完成(如补报的上年任务);今年资金减少的项目",
)
RULES = (LOWERED, DROPPED, COPIED, TOO_LOW)


def history_findings(ctx: ProjectContext) -> Iterator[Finding]:
    """The four rules on one project against ``ctx.last_year`` (nothing without one)."""
    past = ctx.last_year
    if past is None or not ctx.rows:
        return
    this = [_side(r.indicator, r.level2_code, r.target) for _, r in ctx.rows]
    last = [_side(p.indicator, p.level2_code, p.target) for p in past.rows]
    pairs = {p.this: past.rows[p.last] for p in match_indicators(this, last)}
    earlier = _earlier_pairs(past)
    for k, (i, rec) in enumerate(ctx.rows):
        before = pairs.get(k)
        if before is None:
            continue
        yield from _lowered(ctx, i, rec, before, past)
        yield from _too_low(ctx, i, rec, before, past)
        two_back = earlier.get(before.row)
        if two_back is not None and past.earlier is not None:
            yield from _copied(ctx, i, rec, before, two_back, past, past.earlier)
    kept = {id(r) for r in pairs.values()}
    for p in past.rows:
        if id(p) not in kept:
            target = f"(目标 {p.target})" if (p.target or "").strip() else ""
            yield ctx.about(
                DROPPED,
                f"{_where(past)}本项目有指标「{excerpt(p.indicator)}」{target},今年的表里没有对应的指标;"
                "如已不适用请说明理由,否则补上",
            )


def _side(text: str, code: str | None, target: str | None) -> IndicatorSide:
    return IndicatorSide(text, code, target)


def _earlier_pairs(past: PastProject) -> dict[int, PastRow]:
    """Last year's row number → its match in the year before (for the three-year rule)."""
    before = past.earlier
    if before is None:
        return {}
    last = [_side(p.indicator, p.level2_code, p.target) for p in past.rows]
    older = [_side(p.indicator, p.level2_code, p.target) for p in before.rows]
    return {past.rows[p.this].row: before.rows[p.last] for p in match_indicators(last, older)}


def _where(past: PastProject) -> str:
    """「去年（2024年，文件名）」: what every message starts with."""
    year = f"{past.year}年," if past.year is not None else ""
    return f"去年({year}{past.file})"


def _higher_is_better(rec: Indicator, t: Target) -> bool:
    """A target where more is better: ≥ / > / = / a bare value, on an indicator whose words do
    not say lower is better (投诉率, 差错率)."""
    if t.comparison in ("≤", "<"):
        return False
    return not lower_is_better(clean_indicator(rec.indicator))


def _rate_or_satisfaction(rec: Indicator, t: Target) -> bool:
    return t.kind == "percent" or (
        is_satisfaction(clean_indicator(rec.indicator), rec.level2_code) and t.value is not None
    )


def _comparable(a: Target, b: Target) -> bool:
    return a.value is not None and b.value is not None and (a.kind, a.unit) == (b.kind, b.unit)


def _lowered(
    ctx: ProjectContext, i: int, rec: Indicator, before: PastRow, past: PastProject
) -> Iterator[Finding]:
    now = parse_target(rec.target)
    if not _rate_or_satisfaction(rec, now) or not _higher_is_better(rec, now) or now.value is None:
        return
    then = parse_target(before.target)
    actual = parse_target(before.actual)
    below_target = (
        _comparable(now, then) and then.comparison not in ("≤", "<") and now.value < (then.value or 0)
    )
    below_actual = _comparable(now, actual) and now.value <= (actual.value or 0) - ACTUAL_MARGIN
    if not (below_target or below_actual):
        return
    had = f"目标为 {before.target}"
    if (before.actual or "").strip():
        had += f",实际完成 {before.actual}"
    yield ctx.at_row(
        LOWERED,
        i,
        rec,
        f"{_where(past)}同一指标「{excerpt(before.indicator)}」{had};今年降为 {rec.target}。"
        "标准降低须说明理由,否则不低于去年的水平",
        "target",
    )


def far_above(target: str | None, actual: str | None) -> bool:
    """An actual far above its target: a % :data:`FAR_ABOVE_POINTS` points above, any other
    number :data:`FAR_ABOVE_RATIO` times it (targets where more is better only)."""
    t, a = parse_target(target), parse_target(actual)
    if not _comparable(t, a) or t.comparison in ("≤", "<") or not (t.value or 0) > 0:
        return False
    assert t.value is not None and a.value is not None
    if t.kind == "percent":
        return a.value - t.value >= FAR_ABOVE_POINTS
    return a.value >= FAR_ABOVE_RATIO * t.value


def _too_low(
    ctx: ProjectContext, i: int, rec: Indicator, before: PastRow, past: PastProject
) -> Iterator[Finding]:
    if not far_above(before.target, before.actual):
        return
    now, then = parse_target(rec.target), parse_target(before.target)
    if not _higher_is_better(rec, now) or not _comparable(now, then) or (now.value or 0) > (then.value or 0):
        return  # raised since: the rule is about a target left where it was
    yield ctx.at_row(
        TOO_LOW,
        i,
        rec,
        f"{_where(past)}「{excerpt(before.indicator)}」目标 {before.target},实际完成 {before.actual},"
        f"远超目标;今年目标仍为 {rec.target}。目标定得偏低,自评时会被扣分;参考去年的实际完成值设定",
        "target",
    )


def _same(a: str | None, b: str | None) -> bool:
    return bool((a or "").strip()) and normalize(a).replace(" ", "") == normalize(b).replace(" ", "")


def _copied(
    ctx: ProjectContext,
    i: int,
    rec: Indicator,
    before: PastRow,
    two_back: PastRow,
    past: PastProject,
    older: PastProject,
) -> Iterator[Finding]:
    if not (_same(rec.target, before.target) and _same(before.target, two_back.target)):
        return
    t = parse_target(rec.target)
    if t.kind in ("qualitative", "empty", "date") or t.value is None:
        return
    if t.kind == "percent" and (t.value >= 100 or t.comparison in ("≤", "<")):
        return  # a 100% rate or a ceiling cannot be raised
    years = "、".join(f"{y}年" for y in (older.year, past.year) if y is not None)
    yield ctx.at_row(
        COPIED,
        i,
        rec,
        f"指标值「{rec.target}」已连续三年未变({years or '前两年'},见 {past.file});"
        "按上年完成情况和今年任务重新确定",
        "target",
    )
