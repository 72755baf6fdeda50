"""Last year beside this year: the rows the 审核 page, the workbook and the 填报 page show.

Why a Python API of its own: the pages (issue 17, item 3) show per project last year's
indicators, targets and 实际完成值 next to this year's, and on the 填报 page last year's row for
the indicator being typed. Both are one call here, over the same matching the history rules use
(:mod:`.history`, :mod:`indicatorml.checks.matching`), so a page never pairs rows differently
from the findings beside them. Each row names where last year's indicator is stored
(``review_id``, ``file_n``, ``row``): a page links to ``/reviews/{review_id}``.

    rows = compare(store, review, file_n=1, project_k=0)    # one project
    projects = review_beside(store, review)                  # the 审核 page, the API, the workbook
    row = last_year_row(store, "某区民政局", "服务对象满意度", year=2025)   # the 填报 page
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from ..checks.matching import IndicatorSide, ProjectSide, indicator_score, match_indicators, match_projects
from ..checks.past import PastProject, PastRow
from ..store import NotFoundError, Store
from .history import history_for, year_projects
from .review import Review, ReviewFile

__all__ = ["BesideRow", "LastYearRow", "compare", "review_beside", "last_year_row", "MIN_TYPED"]

MIN_TYPED = 0.5  # a typed draft's match to last year's row must score this much to be shown


@dataclass(frozen=True)
class BesideRow:
    """One line of the side-by-side view of a project.

    ``row`` is this year's row (index into the file's records, as findings count) and
    ``indicator``/``target`` its words, or all None for a last-year indicator with no
    counterpart this year (dropped). ``last_*`` are last year's matched indicator, its target and
    实际完成值 (None where last year's table was no 自评表), all None for a row new this year.
    ``year``, ``file``, ``review_id``, ``file_n``, ``last_row`` say where last year's row is
    stored; ``score`` how surely the two are the same indicator (0–1).
    """

    row: int | None
    indicator: str | None
    target: str | None
    last_indicator: str | None = None
    last_target: str | None = None
    last_actual: str | None = None
    last_level2_code: str | None = None
    year: int | None = None
    file: str | None = None
    review_id: str | None = None
    file_n: int | None = None
    last_row: int | None = None
    score: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class LastYearRow:
    """Last year's row for an indicator being typed (the 填报 page): its project, words,
    category, target and 实际完成值, where it is stored, and how close the match is."""

    project: str | None
    indicator: str
    target: str | None
    actual: str | None
    level2_code: str | None
    year: int | None
    file: str
    review_id: str | None
    file_n: int | None
    row: int
    score: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def compare(store: Store, review: Review, file_n: int, project_k: int) -> list[BesideRow]:
    """Project ``project_k`` (its ``k`` in :attr:`ReviewFile.projects`) of file ``file_n``
    beside last year's: this year's rows in order, each with its match (or none), then last
    year's indicators that have none. Without a last year (no year, no org, nothing stored,
    no matching project) every line has only this year's side.
    :class:`~indicatorml.store.NotFoundError` for a file or project the review has not."""
    f = review.file(file_n)
    project = next((p for p in f.projects if p.k == project_k), None)
    if project is None:
        raise NotFoundError(f"审核 {review.id} 的第 {file_n} 个文件没有第 {project_k} 个项目")
    return _project_rows(f, project.name, _file_history(store, review, f).get(project.name))


def review_beside(store: Store, review: Review, file_n: int | None = None) -> list[dict[str, Any]]:
    """Every project of the review that has a last year, beside it: what the 审核 page shows
    under the project, the ``last_year`` key of ``GET /api/reviews/{id}`` and the workbook's
    与去年对照 sheet. One entry per such project, in file and project order::

        {"file_n", "file", "k", "project", "last_project", "year", "last_file", "review_id",
         "last_file_n", "rows": [BesideRow.to_dict(), …]}

    Projects with no last year are left out (an empty list: no previous-year review of the
    department, or nothing matched); ``file_n`` keeps one file's. Last year is looked up once
    per file, as at save time (:func:`.history.history_for`), from what the store holds now."""
    out: list[dict[str, Any]] = []
    for f in review.files:
        if file_n is not None and f.n != file_n:
            continue
        history = _file_history(store, review, f)
        if not history:
            continue
        for p in f.projects:
            past = history.get(p.name)
            if past is None:
                continue
            out.append(
                {
                    "file_n": f.n,
                    "file": f.name,
                    "k": p.k,
                    "project": p.name,
                    "last_project": past.name,
                    "year": past.year,
                    "last_file": past.file,
                    "review_id": past.review_id,
                    "last_file_n": past.file_n,
                    "rows": [r.to_dict() for r in _project_rows(f, p.name, past)],
                }
            )
    return out


def _file_history(store: Store, review: Review, f: ReviewFile) -> dict[str | None, PastProject]:
    return history_for(
        store, f.table, year=review.year or f.year, org=review.org or f.org, department=review.department
    )


def _project_rows(f: ReviewFile, name: str | None, past: PastProject | None) -> list[BesideRow]:
    rows = [(i, r) for i, r in enumerate(f.table.records) if r.project == name]
    if past is None:
        return [BesideRow(i, r.indicator, r.target) for i, r in rows]
    this = [IndicatorSide(r.indicator, r.level2_code, r.target) for _, r in rows]
    last = [IndicatorSide(p.indicator, p.level2_code, p.target) for p in past.rows]
    pairs = {p.this: p for p in match_indicators(this, last)}
    out = []
    for k, (i, r) in enumerate(rows):
        pair = pairs.get(k)
        if pair is None:
            out.append(BesideRow(i, r.indicator, r.target))
        else:
            out.append(_beside(i, r.indicator, r.target, past, past.rows[pair.last], pair.score))
    matched = {p.last for p in pairs.values()}
    out += [_beside(None, None, None, past, p, None) for j, p in enumerate(past.rows) if j not in matched]
    return out


def _beside(
    row: int | None,
    indicator: str | None,
    target: str | None,
    past: PastProject,
    p: PastRow,
    score: float | None,
) -> BesideRow:
    return BesideRow(
        row,
        indicator,
        target,
        p.indicator,
        p.target,
        p.actual,
        p.level2_code,
        past.year,
        past.file,
        past.review_id,
        past.file_n,
        p.row,
        None if score is None else round(score, 3),
    )


def last_year_row(
    store: Store,
    org: str,
    indicator: str,
    *,
    year: int | None = None,
    project: str | None = None,
    level2_code: str | None = None,
    target: str | None = None,
) -> LastYearRow | None:
    """Last year's row of department ``org`` closest to the indicator being typed; None if
    nothing stored is close enough (score under :data:`MIN_TYPED`).

    ``year`` is the year being filled in (last year = ``year - 1``); without it, the latest
    year stored for ``org``. With ``project`` (the project being filled in), rows of last
    year's matching project come first; rows of any other project of the department are taken
    only where that project has no match. ``level2_code`` and ``target``, where typed, help
    tell two similar indicators apart (:func:`indicator_score`)."""
    last_year = year - 1 if year is not None else _latest_year(store, org)
    if last_year is None or not indicator.strip():
        return None
    candidates = year_projects(store, last_year, org=org)
    if project is not None and candidates:
        pairs = match_projects([ProjectSide(project)], [c.side for c in candidates])
        if pairs:
            candidates = [candidates[pairs[0].last]]
    typed = IndicatorSide(indicator, level2_code, target)
    best: tuple[float, PastProject, PastRow] | None = None
    for c in candidates:
        for p in c.past.rows:
            s = indicator_score(typed, IndicatorSide(p.indicator, p.level2_code, p.target))
            if best is None or s > best[0]:
                best = (s, c.past, p)
    if best is None or best[0] < MIN_TYPED:
        return None
    s, past, p = best
    return LastYearRow(
        past.name,
        p.indicator,
        p.target,
        p.actual,
        p.level2_code,
        past.year,
        past.file,
        past.review_id,
        past.file_n,
        p.row,
        round(s, 3),
    )


def _latest_year(store: Store, org: str) -> int | None:
    years = [s["year"] for s in store.list_reviews(org=org, limit=200) if s["year"] is not None]
    return max(years) if years else None
