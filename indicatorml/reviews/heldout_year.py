"""Does a department's own model beat the default one? Measured on the department's last year.

Why a held-out *year*: a department trains its model on its past tables and uses it on next
year's. So the honest test is that: train on the years before Y (the shipped data plus the
department's rows of those years), and count on year Y's rows — which neither model learned —
how many decided categories each model gives. Both models answer the same rows, so the
difference is a count of rows, and the sentence the 本单位模型 page shows says it plainly.

A difference of a few rows can be luck: the sentence says so when a sign test on the rows where
the two models disagree (exact binomial, two-sided) gives p ≥ 0.05.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from .department_rows import DepartmentRow

__all__ = ["YearFigures", "heldout_year", "verdict", "sign_test"]


@dataclass(frozen=True)
class YearFigures:
    """The held-out year's figures: ``year`` tested (None: fewer than two years stored),
    ``n`` rows, how many each model got right, the rows only one got right, the sign test's
    p, and how many of the rows the default model was trained on (its count is then no test)."""

    year: int | None
    years: list[int]
    train_rows: int
    n: int
    own_right: int
    default_right: int
    only_own: int
    only_default: int
    p_value: float | None
    default_saw: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def sign_test(only_a: int, only_b: int) -> float | None:
    """Two-sided exact binomial p of ``only_a`` against ``only_b`` (None when both are 0)."""
    n = only_a + only_b
    if n == 0:
        return None
    k = min(only_a, only_b)
    tail = sum(math.comb(n, i) for i in range(k + 1)) / 2**n
    return float(min(1.0, 2 * tail))


def heldout_year(rows: Sequence[DepartmentRow], default: Any) -> YearFigures:
    """Train on the years before the department's latest, test both models on the latest."""
    from ..coding import classify, train

    years = sorted({r.year for r in rows if r.year is not None})
    if len(years) < 2:
        return YearFigures(None, years, len(rows), 0, 0, 0, 0, 0, None, 0)
    year = years[-1]
    before = [r for r in rows if r.year is not None and r.year < year]
    test = [r for r in rows if r.year == year]
    own = train(own_records=[r.record for r in before], with_evaluation=False, progress=False)
    records = [r.record for r in test]
    mine = classify(records, own)
    theirs = classify(records, default)
    truth = [r.record.level2_code for r in test]
    own_ok = [p.level2_code == t for p, t in zip(mine, truth, strict=True)]
    def_ok = [p.level2_code == t for p, t in zip(theirs, truth, strict=True)]
    only_own = sum(a and not b for a, b in zip(own_ok, def_ok, strict=True))
    only_default = sum(b and not a for a, b in zip(own_ok, def_ok, strict=True))
    seen = set((getattr(default, "training_", None) or {}).get("file_sha256") or [])
    # (a department's stored file the default model was trained on: the shipped seed, say)
    return YearFigures(
        year,
        years,
        len(before),
        len(test),
        sum(own_ok),
        sum(def_ok),
        only_own,
        only_default,
        sign_test(only_own, only_default),
        sum(1 for r in test if r.record.origin.file_sha256 in seen),
    )


def verdict(fig: YearFigures) -> str:
    """One plain Chinese sentence for the 本单位模型 page."""
    if fig.year is None:
        had = f"只有{fig.years[0]}年一年的" if fig.years else "还没有标明年度的"
        return f"本单位{had}已审核表，还无法用留出的一年检验本单位模型是否比默认模型好。"
    if fig.n == 0:
        return f"本单位{fig.year}年的表里没有可检验的已定类别指标。"
    diff = fig.own_right - fig.default_right
    head = f"本单位模型在{fig.year}年的{fig.n}条已审核指标上"
    if diff > 0:
        body = f"比默认模型多对了{diff}条（{fig.own_right}条对{fig.default_right}条）"
    elif diff < 0:
        body = f"比默认模型少对了{-diff}条（{fig.own_right}条对{fig.default_right}条），不如默认模型"
    else:
        body = f"和默认模型对的一样多（都是{fig.own_right}条），没有更好"
    luck = ""
    if diff != 0 and (fig.p_value is None or fig.p_value >= 0.05):
        luck = "；这点差别可能是偶然"
    saw = ""
    if fig.default_saw:
        saw = f"；默认模型训练时见过其中{fig.default_saw}条，它的成绩偏高"
    years = "、".join(str(y) for y in fig.years if y < fig.year)
    return f"{head}{body}{luck}{saw}（本单位模型只用{years}年的表训练）。"
