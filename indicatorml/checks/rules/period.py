"""The period rule: an annual target (年度指标值) that is in fact the 实施期 total.

Why: a multi-year project has a 实施期 target and a yearly one; a yearly table that repeats the
whole period's total (or says 实施期内, 三年累计, 2023-2025年) cannot be checked at the end of
the year, and sums wrongly when the years are added up.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ...targets import parse_target
from ..context import ProjectContext
from ..finding import Finding, Rule, excerpt
from ..sources import TARGETS_2015, cite
from ..wording import period_words

__all__ = ["RULES", "period_findings"]

PERIOD_TOTAL = Rule(
    "target.period-total",
    "target",
    "warning",
    "年度值混入实施期总量",
    "年度指标值写的是整个实施期的量(实施期内、三年累计、2023-2025年),或大于实施期指标值",
    cite(TARGETS_2015, "年度绩效目标与实施期(中长期)绩效目标分别设定"),
    "本就一年期的项目在年度值里写「实施期内」;一年内确实全部完成的任务年度值等于实施期值",
)
RULES = (PERIOD_TOTAL,)

_YEARS = re.compile(r"((?:19|20)\d{2})\s*(?:年)?\s*[-—–~～至到]\s*((?:19|20)\d{2})")
_N_YEARS = re.compile(r"([两二三四五六七八九十\d]+)\s*年")


def period_findings(ctx: ProjectContext) -> Iterator[Finding]:
    """``target.period-total`` per row: period words in the target or indicator (not for 可持续影响,
    which looks beyond the year by nature); an annual value above the row's 实施周期指标值; or
    equal to it in a project whose 实施期 spans years."""
    multi_year = _spans_years(ctx.period)
    for i, rec in ctx.rows:
        words = (
            None if rec.level2_code == "24" else _period_phrase(rec.target) or _period_phrase(rec.indicator)
        )
        if words:
            yield ctx.at_row(
                PERIOD_TOTAL,
                i,
                rec,
                f"年度指标值应是本年度的量,这条写的是「{words}」;写本年度要完成的部分,总量写在实施周期指标值",
                "target",
            )
            continue
        t, p = parse_target(rec.target), parse_target(rec.period_target)
        if (
            t.value is None
            or p.value is None
            or t.kind != p.kind
            or t.kind not in ("count", "money", "number")
        ):
            continue
        if (t.unit or "") != (p.unit or "") or t.comparison in ("≤", "<"):
            continue
        if t.value > p.value:
            yield ctx.at_row(
                PERIOD_TOTAL,
                i,
                rec,
                f"年度指标值「{excerpt(rec.target)}」大于实施周期指标值「{excerpt(rec.period_target)}」;"
                "年度值是实施期的一部分,核对两者",
                "target",
            )
        elif t.value == p.value and multi_year:
            yield ctx.at_row(
                PERIOD_TOTAL,
                i,
                rec,
                f"实施期跨年({ctx.period}),年度指标值却与实施周期指标值相同(「{excerpt(rec.target)}」);"
                "写本年度要完成的部分",
                "target",
            )


def _period_phrase(text: str | None) -> str | None:
    """The period words of a text (:func:`..wording.period_words`), except a span within one year."""
    words = period_words(text)
    m = _YEARS.search(words or "")
    return None if m and m.group(1) == m.group(2) else words


def _spans_years(period: str | None) -> bool:
    """The 实施期 as written covers more than one year (2023-2025, 3年)."""
    if not period:
        return False
    m = _YEARS.search(period)
    if m:
        return int(m.group(2)) > int(m.group(1))
    n = _N_YEARS.search(period)
    return n is not None and n.group(1) not in ("1", "一")
