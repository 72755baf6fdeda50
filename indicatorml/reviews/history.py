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
from typing import Any

from ..checks.matching import IndicatorSide, ProjectSide, match_projects
from ..checks.past import PastProject, PastRow
from ..records import Indicator, Table
from ..store import Review as StoredReview
from ..store import Store

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
) -> list[StoredReview]:
    """The department's stored reviews of ``year``, newest first (see the module docstring),
    as the store gives them (plain data: no table is rebuilt to read last year's rows)."""
    if org is not None:
        found = store.list_reviews(org=org, year=year, limit=MAX_REVIEWS)
    elif department is not None:
        found = store.list_reviews(department=department, year=year, limit=MAX_REVIEWS)
    else:
        return []
    return [store.get_review(s["id"]) for s in found]


def _candidates(review: StoredReview) -> Iterable[Candidate]:
    files = {f["n"]: f for f in review["files"]}
    goals = {(p["file_n"], p["name"]): p["goal"] for p in review["projects"]}
    groups: dict[tuple[int, str | None], list[dict[str, Any]]] = {}
    for r in review["rows"]:
        groups.setdefault((r["file_n"], r["project"]), []).append(dict(r))
    for (file_n, name), rows in groups.items():
        rows.sort(key=lambda r: r["row"])
        records = [r["record"] or {} for r in rows]
        goal = goals.get((file_n, name or "")) or next(
            (x.get("goal") for x in records if x.get("goal")), None
        )
        side = ProjectSide(
            name, goal, tuple(IndicatorSide(r["indicator"], r["level2_code"], r["target"]) for r in rows)
        )
        past_rows = tuple(
            PastRow(
                r["indicator"],
                r["target"],
                _text((x.get("extra") or {}).get("actual")),
                r["level2_code"],
                r["row"],
            )
            for r, x in zip(rows, records, strict=True)
        )
        f = files[file_n]
        table = f["table"] if isinstance(f["table"], dict) else {}
        year = review["year"] or table.get("year")
        yield Candidate(
            side, PastProject(name, goal, year, f["name"], past_rows, 1.0, review["id"], file_n, None)
        )


def _has_actuals(p: PastProject) -> bool:
    return any((r.actual or "").strip() for r in p.rows)


def _text(v: object) -> str | None:
    if v is None:
        return None
    s = str(v).strip()
    return s or None
