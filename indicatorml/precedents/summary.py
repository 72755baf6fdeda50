"""What a writer sees beside the hits: how the precedents were filed and which targets they set.

Targets are grouped by unit and comparison (=…%, ≥…%, ≤…个工作日), each group with its usual
values, median and range, so a writer sees the common form before the odd one out.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import IndicatormlError
from ..taxonomy import code_label
from .index import PrecedentIndex, search, search_columns

__all__ = ["Precedents", "precedents", "summarize_categories", "summarize_targets"]


# ---------------------------------------------------------------------------- precedents summary
@dataclass
class Precedents:
    """Similar indicators plus what a writer can use at a glance: categories and target habits."""

    query: str
    hits: list[dict[str, Any]]
    categories: list[dict[str, Any]]
    targets: list[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "hits": self.hits,
            "categories": self.categories,
            "targets": self.targets,
        }

    def render(self) -> str:
        """The terminal view: the hits, then where they were filed, then their targets."""
        from ..output import render_table

        if not self.hits:
            return f"没有找到与「{self.query}」相似的指标(没有共同的词)\n"
        n = len(self.hits)
        out = [f"相似指标 {n} 条 — {self.query}\n"]
        cols, headers = search_columns("indicator", "table", library=any("library" in h for h in self.hits))
        assert cols is not None  # the table format always names its columns
        out.append(render_table(self.hits, cols, headers=headers))
        out.append(f"\n分类({n} 条相似指标填在):\n")
        for c in self.categories:
            out.append(f"  {code_label(c['code'], c['name'])}: {c['of']} 条中 {c['count']} 条\n")
        with_target = self.targets[0]["of"] if self.targets else 0
        out.append(f"\n指标值({n} 条中 {with_target} 条有指标值):\n")
        for g in self.targets:
            out.append(f"  {g['text']}\n")
        return "".join(out)


def precedents(
    text: str, top: int = 10, index: str | Path | PrecedentIndex | None = None, min_ratio: float = 0.25
) -> Precedents:
    """The ``top`` most similar past indicators, the categories they were filed under and their targets.

    Hits scoring below ``min_ratio`` × the best hit's score are left out, so the summary is not
    diluted by rows that share only a generic word: for "引进首店数量" the three 首店/引进 rows
    score 20–41 and the next ones (补贴数量, 门面数量: only "数量") 8.4. The 0.25 was chosen by
    looking at a handful of shipped-data queries, not fitted; ``min_ratio=0`` keeps all ``top``.
    """
    if not 0 <= min_ratio <= 1:
        raise IndicatormlError(f"--min-ratio 应在 0 到 1 之间(收到 {min_ratio})")
    hits = search(text, "indicator", top, index)
    if hits and min_ratio > 0:
        floor = hits[0]["score"] * min_ratio
        hits = [h for h in hits if h["score"] >= floor]
    return Precedents(text, hits, summarize_categories(hits), summarize_targets(hits))


def summarize_categories(hits: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Level-2 categories of the hits with counts, most frequent first (ties by code).

    ``of`` is the number of hits (unlabeled hits count as "未标注", so the counts add up).
    """
    from ..taxonomy import by_code

    counts: Counter[tuple[str, str]] = Counter()
    for h in hits:
        code = h.get("level2_code")
        if code:
            try:
                name = by_code(code).name
            except KeyError:
                name = h.get("level2") or code
        else:
            code, name = "", "未标注"
        counts[(code, name)] += 1
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0][0] == "", item[0][0]))
    return [{"code": code, "name": name, "count": n, "of": len(hits)} for (code, name), n in ranked]


def _num(v: float) -> str:
    return str(int(v)) if v == int(v) else f"{v:g}"


def summarize_targets(hits: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The hits' targets grouped by comparison and unit, e.g. "≥…%: 12 条中 9 条 — ≥90% ×7, ≥95% ×2;中位数 90%".

    ``of`` counts the hits that have a target at all (empty targets are left out); ``forms``
    lists each exact form with its count; median/min/max are over the group's numbers.
    """
    from ..targets import parse_target

    groups: dict[tuple[str, str, str], list[Any]] = {}
    for h in hits:
        t = parse_target(h.get("target"))
        if t.kind == "empty":
            continue
        if t.kind in ("qualitative", "date"):
            key = (t.kind, "", "")
        else:
            key = (t.kind, t.comparison or "=", t.unit or "")
        groups.setdefault(key, []).append(t)
    n_with = sum(len(g) for g in groups.values())
    out = []
    for (kind, cmp_, unit), ts in groups.items():
        forms = Counter(t.form for t in ts)
        values = [t.value for t in ts if t.value is not None]
        label = {"qualitative": "定性", "date": "日期"}.get(kind) or f"{cmp_}…{unit}"
        g: dict[str, Any] = {
            "group": label,
            "kind": kind,
            "comparison": cmp_ or None,
            "unit": unit or None,
            "count": len(ts),
            "of": n_with,
            "forms": [{"form": f, "count": c} for f, c in sorted(forms.items(), key=lambda x: (-x[1], x[0]))],
            "median": statistics.median(values) if values else None,
            "min": min(values) if values else None,
            "max": max(values) if values else None,
        }
        shown = ", ".join(f"{f['form']} ×{f['count']}" for f in g["forms"][:4])
        if len(g["forms"]) > 4:
            shown += ", …"
        text = f"{label}: {n_with} 条中 {len(ts)} 条 — {shown}"
        if values and kind not in ("qualitative", "date"):
            text += f";中位数 {_num(g['median'])}{unit}"
            if g["min"] != g["max"]:
                text += f",范围 {_num(g['min'])}–{_num(g['max'])}{unit}"
        g["text"] = text
        out.append(g)
    out.sort(key=lambda g: (-g["count"], g["group"]))
    return out
