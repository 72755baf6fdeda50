"""Last year's stored tables of the same department, matched to this year's projects.

Why in the pipeline and not in the checks: the history rules (:mod:`indicatorml.checks.rules.history`)
judge a project against last year's, but ``checks`` never reads the store. This module finds
last year's (and the year before's) stored reviews of the same 主管部门, pairs their projects
with this table's (:func:`indicatorml.checks.matching.match_projects`) and gives the checks a
``{project name: PastProject}`` map; :func:`indicatorml.reviews.create_review` passes
:func:`lookup` to :func:`~.run.run_review`, which asks it once per file after reading it.

Which reviews are "the same department's": reviews stored with the same ``org`` (the 主管部门
the table says, or the one given on upload) — the table's own department, not the reviewer's
(a finance bureau's 预算科 reviews many departments). Only where a review has no org is its
``department`` (the reviewer's, issue 18) used. Several reviews of one year (a 目标表 and later
its 自评表, or a re-upload) give one project each: the one with 实际完成值 first, then the newest.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from ..checks.matching import IndicatorSide, ProjectSide, match_projects
from ..checks.past import PastProject, PastRow
from ..records import Indicator, Table
from ..store import Store
from .review import Review

__all__ = [
    "HistoryLookup",
    "Candidate",
    "lookup",
    "history_for",
    "year_projects",
    "stored_reviews",
    "project_sides",
    "MAX_REVIEWS",
]

MAX_REVIEWS = 50  # stored reviews of one department and year read at most (the newest)

# (this year's table, its year, its org) -> {project name: last year's matched project}
HistoryLookup = Callable[[Table, int | None, str | None], Mapping[str | None, PastProject]]


@dataclass(frozen=True)
class Candidate:
    """A stored project of some year: how matching sees it, and what a rule reads of it."""

    side: ProjectSide
    past: PastProject


def lookup(store: Store, department: str | None = None) -> HistoryLookup:
    """The lookup :func:`~.run.run_review` calls for each file (``department`` is used where
    the table has no org)."""

    def find(table: Table, year: int | None, org: str | None) -> Mapping[str | None, PastProject]:
        return history_for(store, table, year=year, org=org, department=department)

    return find


def history_for(
    store: Store,
    table: Table,
    *,
    year: int | None,
    org: str | None,
    department: str | None = None,
) -> dict[str | None, PastProject]:
    """This table's projects (by name) → last year's matched project, each with the year
    before's match in ``earlier``; empty without a year or a department to look under."""
    if year is None or (org is None and department is None):
        return {}
    last = year_projects(store, year - 1, org=org, department=department)
    if not last:
        return {}
    older = year_projects(store, year - 2, org=org, department=department)
    names, sides = project_sides(table)
    out: dict[str | None, PastProject] = {}
    earlier: dict[int, PastProject] = {}
    if older:
        for pair in match_projects([c.side for c in last], [c.side for c in older]):
            earlier[pair.this] = older[pair.last].past
    for pair in match_projects(sides, [c.side for c in last]):
        p = last[pair.last].past
        out[names[pair.this]] = PastProject(
            p.name,
            p.goal,
            p.year,
            p.file,
            p.rows,
            round(pair.score, 3),
            p.review_id,
            p.file_n,
            earlier.get(pair.last),
        )
    return out


def project_sides(table: Table) -> tuple[list[str | None], list[ProjectSide]]:
    """A table's projects in reading order (their names, and how matching sees them)."""
    goals: dict[str | None, str | None] = {p.name: p.goal for p in table.projects}
    rows: dict[str | None, list[Indicator]] = {}
    for rec in table.records:
        rows.setdefault(rec.project, []).append(rec)
    for p in table.projects:
        rows.setdefault(p.name, [])
    names = list(rows)
    sides = [
        ProjectSide(
            name,
            goals.get(name) or next((r.goal for r in rows[name] if r.goal), None),
            tuple(IndicatorSide(r.indicator, r.level2_code, r.target) for r in rows[name]),
        )
        for name in names
    ]
    return names, sides


def year_projects(
    store: Store, year: int, *, org: str | None, department: str | None = None
) -> list[Candidate]:
    """Every project of the department's stored reviews of ``year``, one per project name
    (the one with 实际完成值 first, then the newest review's)."""
    out: dict[str, Candidate] = {}
    for review in stored_reviews(store, year, org=org, department=department):
        for c in _candidates(review):
            key = c.past.name or ""
            had = out.get(key)
            if had is None or (_has_actuals(c.past) and not _has_actuals(had.past)):
                out[key] = c
    return list(out.values())


def stored_reviews(
    store: Store, year: int, *, org: str | None, department: str | None = None
) -> list[Review]:
    """The department's stored reviews of ``year``, newest first (see the module docstring)."""
    from .persist import load_review  # persist imports run, which imports this module

    if org is not None:
        found = store.list_reviews(org=org, year=year, limit=MAX_REVIEWS)
    elif department is not None:
        found = store.list_reviews(department=department, year=year, limit=MAX_REVIEWS)
    else:
        return []
    return [load_review(store, s["id"]) for s in found]


def _candidates(review: Review) -> Iterable[Candidate]:
    for f in review.files:
        names, sides = project_sides(f.table)
        index = {id(r): i for i, r in enumerate(f.table.records)}
        by_name: dict[str | None, list[Indicator]] = {}
        for rec in f.table.records:
            by_name.setdefault(rec.project, []).append(rec)
        for name, side in zip(names, sides, strict=True):
            rows = tuple(
                PastRow(
                    r.indicator,
                    r.target,
                    _text(r.extra.get("actual")),
                    r.level2_code,
                    index[id(r)],
                )
                for r in by_name.get(name, [])
            )
            if not rows:
                continue
            past = PastProject(
                name, side.goal, review.year or f.year, f.name, rows, 1.0, review.id, f.n, None
            )
            yield Candidate(side, past)


def _has_actuals(p: PastProject) -> bool:
    return any((r.actual or "").strip() for r in p.rows)


def _text(v: object) -> str | None:
    if v is None:
        return None
    s = str(v).strip()
    return s or None
