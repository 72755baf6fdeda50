"""The weights rule: where the table carries 分值/权重, a project's weights add up to its scheme.

Why: a reviewer scores a project with these weights at year end; weights that do not add up
to 100 (or, in a 自评表, to 产出 50 / 效益 30 / 满意度 10 with 预算执行率 10 beside them) make
every score after them wrong. A level-1 label may declare its own share (产出指标(50分),
满意度指标(0-10)分): its indicators' weights must then fall within it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ...records import Indicator
from ...taxonomy import by_code
from ..context import ProjectContext, level1_of
from ..finding import Finding, Rule
from ..sources import EVALUATION_2020, cite
from ..wording import is_input

__all__ = ["RULES", "weights_findings", "SELF_ASSESSMENT_SCHEME", "weight_of"]

WEIGHTS = Rule(
    "structure.weights",
    "structure",
    "warning",
    "分值合计不符",
    "各指标分值(权重)合计不是100,或某一级指标的分值不在其规定范围",
    cite(EVALUATION_2020, "单位自评一级指标权重原则上为产出50%、效益30%、服务对象满意度10%、预算执行率10%"),
    "本地区自定的权重方案;2021版式的一级成本指标,本规则把它算在产出的50分里",
)
RULES = (WEIGHTS,)

# 自评表 without declared shares: level 1 → its share (成本 as level 1 counts with 产出); the
# remaining 10 is 预算执行率, outside the indicator table unless a row of its own carries it.
SELF_ASSESSMENT_SCHEME = {"1": 50.0, "2": 30.0, "3": 10.0}
_BUDGET_SHARE = 10.0
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_RANGE = re.compile(r"(\d+(?:\.\d+)?)\s*(?:分)?\s*[-~～—至]\s*(\d+(?:\.\d+)?)")
_EPS = 1e-6


def weight_of(rec: Indicator) -> float | None:
    """The weight (分值/权重) of a row as a number (``5``, ``5分``, ``5%``), None if it has none."""
    m = _NUMBER.search(str(rec.extra.get("weight") or ""))
    return float(m.group(0)) if m else None


def _declared(text: str | None) -> tuple[float, float] | None:
    """A level-1 label's declared share: ``50分`` → (50, 50), ``0-10`` → (0, 10)."""
    if not text:
        return None
    m = _RANGE.search(text)
    if m:
        return float(m.group(1)), float(m.group(2))
    n = _NUMBER.search(text)
    return (float(n.group(0)), float(n.group(0))) if n else None


def _fmt(v: float) -> str:
    return str(int(v)) if v == int(v) else f"{v:g}"


def _span(lo: float, hi: float) -> str:
    return _fmt(lo) if lo == hi else f"{_fmt(lo)}–{_fmt(hi)}"


def weights_findings(ctx: ProjectContext) -> Iterator[Finding]:
    """``structure.weights`` for a project whose rows carry weights: the total, then each level."""
    weighted = [(rec, weight_of(rec)) for _, rec in ctx.rows if "weight" in rec.extra]
    if not any(w is not None for _, w in weighted):
        return
    unweighted = sum(1 for _, w in weighted if w is None)
    budget_rows = [w for rec, w in weighted if w is not None and is_input(rec.indicator)]
    sums: dict[str, float] = {}
    declared: dict[str, tuple[float, float]] = {}
    for rec, w in weighted:
        l1 = level1_of(rec) or ""
        d = _declared(rec.extra.get("level1_score"))
        if d is not None:
            declared.setdefault(l1, d)
        if w is not None and not is_input(rec.indicator):
            sums[l1] = sums.get(l1, 0.0) + w
    if "4" in sums and "4" not in declared:  # 2021 cost level: counted with 产出 unless it declares a share
        sums["1"] = sums.get("1", 0.0) + sums.pop("4")
    total = sum(sums.values()) + sum(budget_rows)
    missing = f"(另有{unweighted}条没有分值)" if unweighted else ""
    if sums and all(level in declared for level in sums):
        lo = sum(declared[level][0] for level in sums) + sum(budget_rows)
        hi = sum(declared[level][1] for level in sums) + sum(budget_rows)
        allowed, scheme = [(lo, hi)], f"各一级指标标明的分值合计{_span(lo, hi)}"
    elif ctx.table.self_assessment:
        without = 100.0 - _BUDGET_SHARE
        allowed = [(100.0, 100.0)] if budget_rows else [(without, without), (100.0, 100.0)]
        scheme = "100(自评表:产出50、效益30、满意度10,预算执行率10另计时为90)"
    else:
        allowed, scheme = [(100.0, 100.0)], "100"
    if not any(lo - _EPS <= total <= hi + _EPS for lo, hi in allowed):
        yield ctx.about(WEIGHTS, f"各指标分值合计{_fmt(total)}{missing},应为{scheme};核对各条分值")
    for level, got in sorted(sums.items()):
        share = declared.get(level)
        if share is None and ctx.table.self_assessment and level in SELF_ASSESSMENT_SCHEME:
            share = (SELF_ASSESSMENT_SCHEME[level], SELF_ASSESSMENT_SCHEME[level])
        if share is None or share[0] - _EPS <= got <= share[1] + _EPS:
            continue
        name = by_code(level).name if level else "未标明一级指标的"
        yield ctx.about(WEIGHTS, f"{name}各条分值合计{_fmt(got)},应为{_span(*share)};调整该级各条分值")
