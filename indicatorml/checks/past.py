"""Last year's project, as a history rule reads it: what the pipeline found in the store.

Why a type of its own in ``checks``: the history rules (:mod:`.rules.history`) judge this
year's project against last year's, but ``checks`` knows nothing of the store. The review
pipeline (:mod:`indicatorml.reviews.history`) finds last year's stored review of the same
department, pairs the projects (:func:`.matching.match_projects`) and hands each matched
project to the checks as a :class:`PastProject`; a rule only reads it.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["PastRow", "PastProject"]


@dataclass(frozen=True)
class PastRow:
    """One indicator of last year's project: its words, category, target and, where last
    year's table was a 自评表, the 实际完成值 (``actual``). ``row`` is its row in that file
    (0-based, as findings count)."""

    indicator: str
    target: str | None = None
    actual: str | None = None
    level2_code: str | None = None
    row: int = 0


@dataclass(frozen=True)
class PastProject:
    """Last year's project matched to one of this year's.

    ``year`` its budget year, ``file`` its file's own name, ``review_id``/``file_n`` where it is
    stored (a page links there), ``score`` how surely it is the same project (0–1, see
    :mod:`.matching`), ``earlier`` the same project the year before it (for the three-year rule),
    None where that year was not stored or had no match.
    """

    name: str | None
    goal: str | None
    year: int | None
    file: str
    rows: tuple[PastRow, ...]
    score: float = 1.0
    review_id: str | None = None
    file_n: int | None = None
    earlier: PastProject | None = None
