"""The API's answers arranged for the pages: grouping, Chinese names, chart bars, links.

No checking, scoring or searching here: the review page is :func:`~indicatorml.reviews.review_json`
(the JSON ``GET /api/reviews/{id}`` gives) grouped as a reviewer reads it — file, project, row —
so the page and the API cannot disagree. A row is ``marked`` (red) exactly when review_json
says so: when it has a label finding (one scorer, one threshold).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from ..checks import GRADES, SEVERITIES, SEVERITY_ZH, Finding, rule_catalog
from ..reviews import Review
from ..taxonomy import code_label

__all__ = [
    "check_json",
    "review_page",
    "rule_choices",
    "draft_findings",
    "target_chart",
    "review_link",
    "local_time",
    "worst_grade",
]


def check_json(review: Review) -> dict[str, Any]:
    """``POST /api/check``'s answer: per file its own name, kind and counts with its reading
    problems, and every finding as the CLI's JSONL writes it (``file`` = the file's own name)."""
    files = []
    for f in review.files:
        files.append(
            {
                "name": f.name,
                "kind": f.kind,
                "indicators": len(f.table.records),
                "projects": sum(1 for p in f.projects if p.name is not None),
                "problems": [{"file": f.name, "line": x.line, "reason": x.reason} for x in f.table.problems],
            }
        )
    return {"files": files, "findings": [x.finding.to_dict() for _, x in review.findings()]}


def review_page(data: dict[str, Any]) -> dict[str, Any]:
    """``review_json(review)`` grouped for the page: per file its grade, problems, findings on the
    whole file, and its projects, each with its own findings and its rows (each row with its
    findings, the why of its label finding and its current decision)."""
    findings = {f["id"]: f for f in data["findings"]}
    last_year = {(b["file_n"], b["project"]): b for b in data.get("last_year", [])}
    files = []
    for f in data["files"]:
        projects = [p for p in data["projects"] if p["file_n"] == f["n"]]
        rows = [r for r in data["rows"] if r["file_n"] == f["n"]]
        groups = _project_groups(projects, rows, findings)
        for g in groups:  # last year beside this year, where the department has one stored
            g["last_year"] = last_year.get((f["n"], g["name"]))
        files.append(
            {
                **f,
                "whole": [findings[i] for i in f["findings"]],
                "projects_shown": groups,
                "grade": worst_grade(projects),
                "severity_counts": [(s, SEVERITY_ZH[s], f["counts"].get(s, 0)) for s in SEVERITIES],
            }
        )
    return {
        "files": files,
        "rules": rule_choices(f["rule"] for f in data["findings"]),
        "rows": len(data["rows"]),
        "decided": sum(1 for r in data["rows"] if r["decision"] is not None),
    }


def _project_groups(
    projects: list[dict[str, Any]], rows: list[dict[str, Any]], findings: dict[int, dict[str, Any]]
) -> list[dict[str, Any]]:
    by_name: dict[str | None, dict[str, Any]] = {}
    for p in projects:
        by_name.setdefault(
            p["name"],
            {**p, "rows": [], "found": [findings[i] for i in p["findings"]]},
        )
    for r in rows:
        group = by_name.setdefault(
            r["project"], {"name": r["project"], "goal": None, "grade": None, "rows": [], "found": []}
        )
        group["rows"].append(_row(r, findings))
    for g in by_name.values():
        every = g["found"] + [x for r in g["rows"] for x in r["found"]]
        g["sevs"] = " ".join(sorted({x["severity"] for x in every}))
        g["rule_ids"] = " ".join(sorted({x["rule"] for x in every}))
    return list(by_name.values())


def _row(r: dict[str, Any], findings: dict[int, dict[str, Any]]) -> dict[str, Any]:
    items = [findings[i] for i in r["findings"]]
    label = next((x for x in items if x["kind"] == "label" and x.get("suggested_level2_code")), None)
    s = r["suggestion"] or {}
    return {
        **r,
        "found": items,
        "sevs": " ".join(sorted({x["severity"] for x in items})),
        "rule_ids": " ".join(sorted({x["rule"] for x in items})),
        "label_finding": label["id"] if label else None,
        "why": label.get("why") if label else None,
        # What 采纳建议 takes: the label finding's suggestion, else the one scorer's.
        "accept_code": r["suggested_level2_code"] or s.get("level2_code"),
        "differs": bool(
            s.get("level2_code") and r["given_level2_code"] and s["level2_code"] != r["given_level2_code"]
        ),
    }


def worst_grade(projects: Iterable[dict[str, Any]]) -> dict[str, Any] | None:
    """A file's grade: its weakest project's, with that project named in the reason."""
    graded = [p for p in projects if p.get("grade") in GRADES]
    if not graded:
        return None
    worst = max(graded, key=lambda p: GRADES.index(p["grade"]))
    n = Counter(p["grade"] for p in graded)
    spread = "、".join(f"{g} {n[g]} 个" for g in GRADES if n[g])
    return {"grade": worst["grade"], "project": worst["name"] or "(未写项目名称)", "spread": spread}


def rule_choices(rules: Iterable[str]) -> list[tuple[str, str]]:
    """(id, Chinese name) of the rules given, in the registry's order: the rule filter's
    options show the name; the id stays in the option's value for the script."""
    present = set(rules)
    out = [(r["id"], r["name"]) for r in rule_catalog() if r["id"] in present]
    known = {i for i, _ in out}
    out.extend((r, r) for r in sorted(present - known))
    return out


def draft_findings(findings: Sequence[Finding]) -> list[dict[str, Any]]:
    """The rules' findings on a draft, as the 填报 panel lists them."""
    return [{**f.to_dict(), "severity_zh": SEVERITY_ZH.get(f.severity, f.severity)} for f in findings]


def target_chart(targets: list[dict[str, Any]], n: int = 6) -> dict[str, Any]:
    """Bars for the most usual target forms of the precedents (e.g. ``≥90%`` ×7)."""
    forms: Counter[str] = Counter()
    for g in targets:
        for f in g.get("forms", []):
            forms[f["form"]] += f["count"]
    top = forms.most_common(n)
    most = top[0][1] if top else 1
    bars = [
        {"form": form, "count": c, "width": round(150 * c / most), "y": 4 + 24 * i}
        for i, (form, c) in enumerate(top)
    ]
    return {"bars": bars, "height": 8 + 24 * len(bars), "rest": sum(forms.values()) - sum(c for _, c in top)}


def review_link(hit: dict[str, Any]) -> str | None:
    """Where a library hit's row is shown: its review's page, at the row."""
    if hit.get("review_id") is None or hit.get("file_n") is None or hit.get("row") is None:
        return None
    return f"/reviews/{hit['review_id']}#r-{hit['file_n']}-{hit['row']}"


def local_time(iso: str | datetime | None) -> str:
    """A stored time (UTC) as the server's local ``YYYY-MM-DD HH:MM``."""
    if iso is None:
        return ""
    t = datetime.fromisoformat(iso) if isinstance(iso, str) else iso
    return t.astimezone().strftime("%Y-%m-%d %H:%M")


def label_of(code: str | None) -> str:
    return code_label(code) if code else ""
