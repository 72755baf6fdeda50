"""The same project in two years' tables, and the same indicator within it.

Why here, and plain text only: the history rules (:mod:`.rules.history`) compare an indicator
with last year's, and the review pipeline pairs this year's projects with last year's stored
ones; both must pair alike, and neither may depend on the store. A department rewrites its
tables a little every year — 「2024年专业批发市场工作经费」 becomes 「专业批发市场专项经费」, an
indicator gains a word — so names are compared after :func:`project_key` takes off what changes
from year to year, and by character bigrams, not by equality.

How a pair is scored (0–1):

* projects — the names' bigram overlap (Dice) after :func:`project_key`; equal keys score 1.
  Where both have a goal, the goals' overlap, and where both have indicators, the share of
  last year's indicators that find a match, are averaged in at half the name's weight each
  (so the name is at least half the score). Below :data:`MIN_PROJECT` there is no match: a
  new project, or one retired. Names with almost nothing alike (bigram overlap under 0.2) are
  not paired whatever their goals say: two projects of one office share its goal's words.
* indicators — the texts' bigram overlap after :func:`indicator_key` (numbers, units and
  punctuation off), plus :data:`SAME_CATEGORY` for the same level-2 category and
  :data:`SAME_UNIT` for targets of the same kind and unit, minus as much for a different
  category; below :data:`MIN_INDICATOR` no match (a new indicator, or one dropped).

Pairs are taken best first, each side used once (a greedy assignment: ties are rare and the
best pair is nearly always right). How often this is right is measured by
``benchmarks/bench_history.py``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from ..segment import clean_indicator
from ..targets import parse_target

__all__ = [
    "ProjectSide",
    "IndicatorSide",
    "Pair",
    "project_key",
    "indicator_key",
    "similarity",
    "project_score",
    "indicator_score",
    "match_projects",
    "match_indicators",
    "MIN_PROJECT",
    "MIN_INDICATOR",
    "SAME_CATEGORY",
    "SAME_UNIT",
]

MIN_PROJECT = 0.55  # below: no match (a project new this year, or retired)
MIN_INDICATOR = 0.5  # below: no match (an indicator new this year, or dropped)
SAME_CATEGORY = 0.1  # added for the same level-2 category, taken off for a different one
SAME_UNIT = 0.1  # added for targets of the same kind and unit (% and %, 个 and 个)

# Years and year spans: 2024年, 2024年度, 2023-2025年, （2024）, 24年.
_YEARS = re.compile(r"(?:19|20)\d{2}\s*(?:[-—~至到]\s*(?:19|20)?\d{2,4}\s*)?年?度?|(?<!\d)\d{2}年度?")
# Words a department adds or drops from a project's name between years, longest first.
_SUFFIXES = (
    "专项工作经费",
    "专项补助资金",
    "专项资金项目",
    "专项经费项目",
    "专项资金",
    "专项经费",
    "工作经费",
    "项目经费",
    "项目资金",
    "补助资金",
    "补助经费",
    "业务经费",
    "建设项目",
    "专项",
    "经费",
    "资金",
    "项目",
)
_LEADING = re.compile(r"^(?:本级|市级|区级|县级|省级|中央|上级|第[一二三四五六七八九十]+批)")
_PUNCT = re.compile(r"[\W_]+")
_NUMBERS = re.compile(r"[0-9]+(?:\.[0-9]+)?\s*(?:%|个|家|次|人|户|项|件|万元|元|天|日|月|年)?")


@dataclass(frozen=True)
class IndicatorSide:
    """One indicator as matching reads it: its text, level-2 code and target."""

    text: str
    level2_code: str | None = None
    target: str | None = None


@dataclass(frozen=True)
class ProjectSide:
    """One project as matching reads it: its name, goal and indicators."""

    name: str | None
    goal: str | None = None
    indicators: tuple[IndicatorSide, ...] = ()


@dataclass(frozen=True)
class Pair:
    """``this`` (index on this year's side) is ``last`` (index on last year's side), with ``score``."""

    this: int
    last: int
    score: float


@lru_cache(maxsize=65536)
def project_key(name: str | None) -> str:
    """A project's name without what changes between years: years, 「专项资金/经费/项目」
    endings, a leading 「市级/本级」, brackets' marks and punctuation (their words stay)."""
    s = unicodedata.normalize("NFKC", name or "").lower()
    s = _YEARS.sub("", s)
    s = _PUNCT.sub("", s)
    s = _LEADING.sub("", s)
    changed = True
    while changed and s:
        changed = False
        for suffix in _SUFFIXES:
            if s.endswith(suffix) and len(s) > len(suffix) + 1:
                s = s[: -len(suffix)]
                changed = True
                break
    return s


@lru_cache(maxsize=65536)
def indicator_key(text: str | None) -> str:
    """An indicator's words without its numbers, units and punctuation (「开展培训≥3次」 → 「开展培训」)."""
    s = clean_indicator(text)
    s = _NUMBERS.sub("", s)
    return _PUNCT.sub("", s)


@lru_cache(maxsize=65536)
def _bigrams(s: str) -> frozenset[str]:
    if len(s) < 2:
        return frozenset([s]) if s else frozenset()
    return frozenset(s[i : i + 2] for i in range(len(s) - 1))


def similarity(a: str, b: str) -> float:
    """Dice overlap of the two texts' character bigrams (1 for equal texts, 0 for nothing shared)."""
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    x, y = _bigrams(a), _bigrams(b)
    return 2 * len(x & y) / (len(x) + len(y))


def _unit(target: str | None) -> tuple[str, str | None] | None:
    t = parse_target(target)
    return (t.kind, t.unit) if t.measurable else None


def indicator_score(a: IndicatorSide, b: IndicatorSide) -> float:
    """How surely ``a`` and ``b`` are the same indicator (see the module docstring)."""
    score = similarity(indicator_key(a.text), indicator_key(b.text))
    if a.level2_code and b.level2_code:
        score += SAME_CATEGORY if a.level2_code == b.level2_code else -SAME_CATEGORY
    ua, ub = _unit(a.target), _unit(b.target)
    if ua is not None and ua == ub:
        score += SAME_UNIT
    return max(0.0, min(1.0, score))


def match_indicators(this: Sequence[IndicatorSide], last: Sequence[IndicatorSide]) -> list[Pair]:
    """This year's indicators paired with last year's, best pair first, each used once."""
    scored = [
        Pair(i, j, s)
        for i, a in enumerate(this)
        for j, b in enumerate(last)
        if (s := indicator_score(a, b)) >= MIN_INDICATOR
    ]
    return _greedy(scored)


def project_score(a: ProjectSide, b: ProjectSide) -> float:
    """How surely ``a`` and ``b`` are the same project (see the module docstring)."""
    ka, kb = project_key(a.name), project_key(b.name)
    name = 1.0 if ka and ka == kb else similarity(ka, kb)
    parts = [(name, 1.0)]
    if (a.goal or "").strip() and (b.goal or "").strip():
        goal = similarity(_PUNCT.sub("", a.goal or ""), _PUNCT.sub("", b.goal or ""))
        parts.append((goal, 0.5))
    if a.indicators and b.indicators:
        kept = len(match_indicators(a.indicators, b.indicators)) / len(b.indicators)
        parts.append((min(1.0, kept), 0.5))
    return sum(s * w for s, w in parts) / sum(w for _, w in parts)


def match_projects(this: Sequence[ProjectSide], last: Sequence[ProjectSide]) -> list[Pair]:
    """This year's projects paired with last year's, best pair first, each used once; a
    project without a pair scoring :data:`MIN_PROJECT` has none."""
    scored = []
    for i, a in enumerate(this):
        ka = project_key(a.name)
        for j, b in enumerate(last):
            kb = project_key(b.name)
            if ka != kb and similarity(ka, kb) < 0.2:
                continue  # nothing alike in the names: not worth the goal and indicator overlap
            s = project_score(a, b)
            if s >= MIN_PROJECT:
                scored.append(Pair(i, j, s))
    return _greedy(scored)


def _greedy(scored: list[Pair]) -> list[Pair]:
    out: list[Pair] = []
    used_this: set[int] = set()
    used_last: set[int] = set()
    for p in sorted(scored, key=lambda p: (-p.score, p.this, p.last)):
        if p.this in used_this or p.last in used_last:
            continue
        used_this.add(p.this)
        used_last.add(p.last)
        out.append(p)
    return sorted(out, key=lambda p: p.this)
