"""A review as the JSON of ``POST /api/reviews`` and ``GET /api/reviews/{id}`` (issue 15's shape).

Why one function: the API, ``indicatorml reviews show --format jsonl`` and the page all show a
review; they must show the same findings with the same ids, and the same suggestion beside
each row as the workbook's added columns (tested row by row). Ids stay in the JSON for
scripts (``rule``, ``severity``, ``decision``); the Chinese words a person reads are beside
them (``rule_name``, ``severity_zh``, ``decision_zh``).

Shape::

    {"id", "created_at", "created_by", "department", "title", "year", "org",
     "model": {"name", "hash", "package_version", …}, "label_rule": {…},
     "files": [{"n", "name", "kind", "sha256", "size", "indicators", "projects", "year", "org",
                "problems": [{"file", "sheet", "line", "reason"}], "counts": {…}, "findings": [id…]}],
     "projects": [{"file", "file_n", "k", "name", "goal", "grade", "indicators", "findings": [id…]}],
     "rows": [{"file", "file_n", "row", "n", "project", "indicator", "target", "given_level2_code",
               "given", "suggestion": {…} | null, "findings": [id…], "severity", "rules", "rule_names",
               "marked", "suggested_level2_code", "suggested", "probability", "decision",
               "decided_level2_code"}],
     "findings": [{"id", "file", "file_n", "project", "row", "indicator", "rule", "severity",
                   "severity_zh", "message", …every Finding field…, "decision"}],
     "decisions": [every decision, oldest first]}

``row`` counts indicator rows from 0 in reading order (as findings do); ``n`` = row + 1 is how
a person counts them (第N条). A row is ``marked`` exactly when it has a label finding; its
``suggested_level2_code``/``probability`` are that finding's (what the workbook's 建议二级指标
and 建议概率 columns show), ``suggestion`` the one scorer's answer for every row.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from ..checks import SEVERITIES, SEVERITY_RANK, SEVERITY_ZH, TABLE_RULES, rule_name
from ..store import Decision
from ..taxonomy import code_label
from .decisions import DECISION_ZH, decided_level2
from .gcpause import no_gc
from .identity import label_rule_json
from .review import Review, ReviewFile, ReviewFinding

__all__ = ["review_json", "decision_json", "finding_json"]


def review_json(review: Review) -> dict[str, Any]:
    """The whole review as JSON data (see the module docstring)."""
    files: list[dict[str, Any]] = []
    projects: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    findings: list[dict[str, Any]] = []
    with no_gc():  # many small dicts, no cycles (see .gcpause)
        for f in review.files:
            files.append(_file_json(f))
            projects.extend(_projects_json(f))
            rows.extend(_rows_json(f))
            findings.extend(finding_json(f, x) for x in f.findings)
    return {
        "id": review.id,
        "created_at": _time(review.created_at),
        "created_by": review.created_by,
        "department": review.department,
        "title": review.title,
        "year": review.year,
        "org": review.org,
        "model": {"name": review.model.name, "hash": review.model.hash, **review.model.info},
        "label_rule": label_rule_json(review.label_rule),
        "files": files,
        "projects": projects,
        "rows": rows,
        "findings": findings,
        "decisions": [decision_json(d) for d in review.history],
    }


def finding_json(f: ReviewFile, x: ReviewFinding) -> dict[str, Any]:
    """One finding: its id and file (the file's own name and number), every field of the
    :class:`~indicatorml.checks.Finding`, and its current decision."""
    d = x.finding.to_dict()
    out: dict[str, Any] = {"id": x.id, "file": f.name, "file_n": f.n}
    out.update((k, v) for k, v in d.items() if k != "file")
    out["severity_zh"] = SEVERITY_ZH.get(x.finding.severity, x.finding.severity)
    out["decision"] = decision_json(x.decision) if x.decision is not None else None
    return out


def decision_json(d: Decision) -> dict[str, Any]:
    out: dict[str, Any] = dict(d)
    out["created_at"] = _time(d["created_at"])
    out["decision_zh"] = DECISION_ZH.get(d["decision"], d["decision"])
    return out


def _file_json(f: ReviewFile) -> dict[str, Any]:
    counts = Counter(x.finding.severity for x in f.findings)
    whole = [x.id for x in f.findings if _whole(x)]
    return {
        "n": f.n,
        "name": f.name,
        "kind": f.kind,
        "sha256": f.sha256,
        "size": f.size,
        "indicators": len(f.table.records),
        "projects": sum(1 for p in f.projects if p.name is not None),
        "year": f.year,
        "org": f.org,
        "problems": [
            {"file": f.name, "sheet": p.sheet, "line": p.line, "reason": p.reason} for p in f.table.problems
        ],
        "counts": {s: counts.get(s, 0) for s in SEVERITIES},
        "findings": whole,
    }


def _whole(x: ReviewFinding) -> bool:
    """A finding about the whole file rather than a project or a row."""
    return x.finding.rule in TABLE_RULES or (x.finding.row is None and x.finding.project is None)


def _projects_json(f: ReviewFile) -> list[dict[str, Any]]:
    out = []
    for p in f.projects:
        mine = [
            x.id
            for x in f.findings
            if x.finding.row is None and not _whole(x) and x.finding.project == p.name
        ]
        out.append(
            {
                "file": f.name,
                "file_n": f.n,
                "k": p.k,
                "name": p.name,
                "goal": p.goal,
                "grade": p.grade,
                "indicators": p.info.get("indicators"),
                "findings": mine,
            }
        )
    return out


def _rows_json(f: ReviewFile) -> list[dict[str, Any]]:
    by_row: dict[int, list[ReviewFinding]] = {}
    for x in f.findings:
        if x.finding.row is not None and x.finding.rule not in TABLE_RULES:
            by_row.setdefault(x.finding.row, []).append(x)
    out = []
    for i, rec in enumerate(f.table.records):
        here = by_row.get(i, [])
        label = next(
            (x.finding for x in here if x.finding.kind == "label" and x.finding.suggested_level2_code), None
        )
        worst = min((x.finding.severity for x in here), key=SEVERITY_RANK.__getitem__, default=None)
        suggestion = None
        if f.suggestions:
            p = f.suggestions[i]
            suggestion = {
                "level2_code": p.level2_code,
                "label": code_label(p.level2_code, p.level2) if p.level2_code else None,
                "level1_code": p.level1_code,
                "confidence": p.confidence,
                "alternatives": p.alternatives,
                "heldout": f.heldout[i],
                "message": p.message,
            }
        decision = f.decisions.get(i)
        out.append(
            {
                "file": f.name,
                "file_n": f.n,
                "row": i,
                "n": i + 1,
                "project": rec.project,
                "indicator": rec.indicator,
                "target": rec.target,
                "given_level2_code": rec.level2_code,
                "given": code_label(rec.level2_code, rec.level2) or (rec.level2_raw or ""),
                "suggestion": suggestion,
                "findings": [x.id for x in here],
                "severity": worst,
                "rules": [x.finding.rule for x in here],
                "rule_names": [x.finding.rule_name or rule_name(x.finding.rule) for x in here],
                "marked": label is not None,
                "suggested_level2_code": label.suggested_level2_code if label else None,
                "suggested": code_label(label.suggested_level2_code) if label else None,
                "probability": label.probability if label else None,
                "decision": decision_json(decision) if decision is not None else None,
                "decided_level2_code": decided_level2(f, i),
            }
        )
    return out


def _time(t: datetime | None) -> str | None:
    return t.isoformat() if t is not None else None
