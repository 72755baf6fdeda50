"""A review in and out of the store: ``save_review`` and ``load_review``, an exact round trip.

Why this mapping: the store keeps plain data (it knows nothing of tables or findings), and a
download must come from what was stored, never from checking again. So everything the
outputs need is stored — each file's bytes (a content-addressed blob), its table's layout
(:mod:`indicatorml.table_json`, without the records: those are the indicator rows), one row
per indicator (the whole record, its cell origin, the one scorer's suggestion), the projects,
the findings (the store numbers them) — and :func:`load_review` rebuilds the same objects:
``load_review(store, save_review(store, r)) == r`` (tested on every fixture, both engines).

What is where:

* ``review_files.table`` = ``{"format": 1, "layout": <table_to_dict without "records">,
  "year": …, "org": …}`` — the file's own year and department as its table says them.
* ``review_rows``: ``row`` = index of the record in the table (0-based, as findings count);
  ``record`` = :func:`~indicatorml.table_json.indicator_to_dict` without ``origin``, which is
  the ``origin`` column; ``suggestion`` = the :class:`~indicatorml.coding.Prediction` as a dict
  plus ``heldout``, null for a review run without a model.
* ``findings.data`` = every field of the :class:`~indicatorml.checks.Finding` the columns do
  not hold (kind, source, indicator, the label fields…).
* ``review_projects``: an unnamed project (rows under no project name) is stored with name
  ``""`` and ``info.unnamed = true``.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Sequence
from dataclasses import asdict, fields
from typing import Any

from ..checks import DEFAULT_LABEL_RULE, Finding, LabelRule
from ..coding import Prediction
from ..errors import IndicatormlError
from ..records import Indicator
from ..store import AuditIn, FileIn, FindingIn, ProjectIn, ReviewIn, RowIn, Store
from ..store import Review as StoredReview
from ..table_json import indicator_to_dict, table_from_dict, table_to_dict
from .gcpause import no_gc
from .history import lookup
from .identity import ModelSpec, label_rule_from_json, label_rule_json
from .review import ModelIdentity, Review, ReviewFile, ReviewFinding, ReviewProject
from .run import run_review

__all__ = [
    "FILE_FORMAT",
    "create_review",
    "save_review",
    "load_review",
    "review_in",
    "review_from_stored",
    "new_review_id",
]

FILE_FORMAT = 1  # the shape of review_files.table written here; load refuses what it does not know

_FINDING_COLUMNS = ("row", "project", "rule", "severity", "message", "field", "file")
_FINDING_FIELDS = {f.name for f in fields(Finding)}
_PREDICTION_FIELDS = {f.name for f in fields(Prediction)}


def save_review(
    store: Store,
    review: Review,
    user: str | None = None,
    department: str | None = None,
    audit: AuditIn | None = None,
) -> str:
    """Store ``review`` in one transaction (uploads, files, rows, projects, findings); its id.

    The review gets the id (``review.id``); its findings get theirs when it is loaded back
    (:func:`load_review`, which is what ``GET /api/reviews/{id}`` shows). A file whose bytes
    are not at hand (``data`` None: a loaded review) must have them in the store already.
    The store writes the "reviewed" audit line itself; ``audit`` adds to it (the client's ip).
    """
    stored = review_in(review, user, department)
    stored["id"] = new_review_id()
    review_id = store.save_review(stored, audit)
    review.id, review.created_by, review.department = review_id, user, department
    return review_id


def new_review_id() -> str:
    """128 random bits, url-safe, as the store draws them — but never starting with ``-``, so
    that ``indicatorml reviews show ID`` never takes the id for an option (one draw in 64 would)."""
    while True:
        candidate = secrets.token_urlsafe(16)
        if not candidate.startswith("-"):
            return candidate


def create_review(
    store: Store,
    files: Sequence[str | os.PathLike[str]],
    *,
    names: Sequence[str] | None = None,
    year: int | None = None,
    org: str | None = None,
    model: ModelSpec = None,
    model_name: str | None = None,
    label_rule: LabelRule = DEFAULT_LABEL_RULE,
    user: str | None = None,
    department: str | None = None,
    history: bool = True,
    audit: AuditIn | None = None,
) -> Review:
    """``POST /api/reviews`` in one call: :func:`~.run.run_review`, :func:`save_review`, and the
    stored review loaded back — findings with their ids, as ``GET /api/reviews/{id}`` shows it.
    With ``history`` (the default) the files are checked against the same department's stored
    tables of the year before (:mod:`.history`: the ``history.*`` rules)."""
    review = run_review(
        files,
        names=names,
        year=year,
        org=org,
        model=model,
        model_name=model_name,
        label_rule=label_rule,
        history=lookup(store, department) if history else None,
    )
    return load_review(store, save_review(store, review, user=user, department=department, audit=audit))


def load_review(store: Store, review_id: str, *, data: bool = False) -> Review:
    """The stored review, with its findings' ids and the reviewer's current decisions on its
    findings and rows (the whole history in ``history``); ``data=True`` also fetches each
    file's uploaded bytes (the annotated workbook of an ``.xlsx`` needs them)."""
    with no_gc():
        stored = store.get_review(review_id)
        review = review_from_stored(stored)
    if data:
        for f in review.files:
            f.data = store.get_blob(f.sha256)
    return review


def review_in(review: Review, user: str | None = None, department: str | None = None) -> ReviewIn:
    """The store's shape of ``review`` (:class:`indicatorml.store.ReviewIn`)."""
    files: list[FileIn] = []
    rows: list[RowIn] = []
    projects: list[ProjectIn] = []
    found: list[FindingIn] = []
    for f in review.files:
        layout = table_to_dict(f.table)
        del layout["records"]
        file_in: FileIn = {
            "n": f.n,
            "name": f.name,
            "kind": f.kind,
            "table": {"format": FILE_FORMAT, "layout": layout, "year": f.year, "org": f.org},
        }
        if f.data is not None:
            file_in["data"] = f.data
        file_in["blob_sha256"] = f.sha256
        files.append(file_in)
        for i, rec in enumerate(f.table.records):
            rows.append(_row_in(f, i, rec))
        for p in f.projects:
            info = dict(p.info)
            if p.name is None:
                info["unnamed"] = True
            projects.append(
                {
                    "file_n": f.n,
                    "k": p.k,
                    "name": p.name or "",
                    "goal": p.goal,
                    "grade": p.grade,
                    "info": info,
                }
            )
        for rf in f.findings:
            x = asdict(rf.finding)
            found.append(
                {
                    "file_n": f.n,
                    "row": x["row"],
                    "project": x["project"],
                    "rule": x["rule"],
                    "severity": x["severity"],
                    "message": x["message"],
                    "field": x["field"],
                    "data": {k: v for k, v in x.items() if k not in _FINDING_COLUMNS},
                }
            )
    out: ReviewIn = {
        "model_name": review.model.name,
        "model_hash": review.model.hash,
        "model_info": dict(review.model.info),
        "label_rule": label_rule_json(review.label_rule),
        "files": files,
        "rows": rows,
        "projects": projects,
        "findings": found,
        "created_by": user,
        "department": department,
        "year": review.year,
        "org": review.org,
    }
    if review.title is not None:
        out["title"] = review.title
    return out


def _row_in(f: ReviewFile, i: int, rec: Indicator) -> RowIn:
    record = indicator_to_dict(rec)
    origin = record.pop("origin")
    suggestion: dict[str, Any] | None = None
    if f.suggestions:
        suggestion = f.suggestions[i].to_dict()
        suggestion["heldout"] = f.heldout[i]
    return {
        "file_n": f.n,
        "row": i,
        "project": rec.project,
        "indicator": rec.indicator,
        "target": rec.target,
        "level1_code": rec.level1_code,
        "level2_code": rec.level2_code,
        "level2_raw": rec.level2_raw,
        "origin": origin,
        "record": record,
        "suggestion": suggestion,
    }


def review_from_stored(stored: StoredReview) -> Review:
    """The :class:`Review` of a stored review as ``Store.get_review`` gives it."""
    rows_of: dict[int, list[dict[str, Any]]] = {}
    for row in stored["rows"]:
        rows_of.setdefault(row["file_n"], []).append(dict(row))
    projects_of: dict[int, list[ReviewProject]] = {}
    for p in stored["projects"]:
        info = dict(p["info"] or {})
        unnamed = info.pop("unnamed", False)
        projects_of.setdefault(p["file_n"], []).append(
            ReviewProject(p["k"], None if unnamed else p["name"], p["goal"], p["grade"], info)
        )
    findings_of: dict[int, list[ReviewFinding]] = {}
    for x in stored["findings"]:
        data = {k: v for k, v in (x["data"] or {}).items() if k in _FINDING_FIELDS}
        finding = Finding(
            row=x["row"],
            project=x["project"],
            rule=x["rule"],
            severity=x["severity"],
            message=x["message"],
            field=x["field"],
            file=x["file"],
            **data,
        )
        findings_of.setdefault(x["file_n"], []).append(ReviewFinding(finding, x["id"], x["decision"]))
    files = []
    for sf in stored["files"]:
        n = sf["n"]
        wrapper = sf["table"]
        if not isinstance(wrapper, dict) or wrapper.get("format") != FILE_FORMAT:
            raise IndicatormlError(f"审核 {stored['id']} 的第 {n} 个文件不是本版本能读的格式")
        rows = sorted(rows_of.get(n, []), key=lambda r: r["row"])
        if [r["row"] for r in rows] != list(range(len(rows))):
            raise IndicatormlError(f"审核 {stored['id']} 的第 {n} 个文件的指标行编号不连续")
        records = [{**r["record"], "origin": r["origin"]} for r in rows]
        try:
            table = table_from_dict({**wrapper["layout"], "records": records})
        except ValueError as e:
            raise IndicatormlError(f"审核 {stored['id']} 的第 {n} 个文件的表无法读回：{e}") from None
        suggested = [r["suggestion"] for r in rows]
        with_model = bool(rows) and all(s is not None for s in suggested)
        files.append(
            ReviewFile(
                n=n,
                name=sf["name"],
                sha256=sf["blob_sha256"],
                size=sf["size"],
                table=table,
                findings=findings_of.get(n, []),
                suggestions=[_prediction(s) for s in suggested] if with_model else [],
                heldout=[bool(s["heldout"]) for s in suggested] if with_model else [],
                projects=projects_of.get(n, []),
                year=wrapper.get("year"),
                org=wrapper.get("org"),
                decisions={r["row"]: r["decision"] for r in rows if r["decision"] is not None},
            )
        )
    return Review(
        files=files,
        model=ModelIdentity(stored["model_name"], stored["model_hash"], dict(stored["model_info"])),
        label_rule=label_rule_from_json(stored["label_rule"]),
        year=stored["year"],
        org=stored["org"],
        id=stored["id"],
        created_at=stored["created_at"],
        created_by=stored["created_by"],
        department=stored["department"],
        title=stored["title"],
        history=list(stored["decisions"]),
    )


def _prediction(s: dict[str, Any]) -> Prediction:
    return Prediction(**{k: v for k, v in s.items() if k in _PREDICTION_FIELDS})
