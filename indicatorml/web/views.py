"""Shaping API results for the pages: grouping, names, chart bars. No checking or scoring here."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..checks.severity import SEVERITIES, SEVERITY_ZH
from ..taxonomy import code_label

if TYPE_CHECKING:
    from ..checks import Finding
    from ..coding import Prediction
    from ..records import Table
    from .uploads import Staged


def review(
    tables: Sequence[Table],
    findings: Sequence[Finding],
    preds: Sequence[Sequence[Prediction]],
    st: Staged,
) -> list[dict[str, Any]]:
    """One dict per file: its projects in reading order, each with its indicators and findings."""
    out = []
    for ti, (table, tpreds) in enumerate(zip(tables, preds, strict=True)):
        mine = [f for f in findings if f.file == table.path]
        by_row: dict[int, list[dict[str, Any]]] = {}
        by_project: dict[str | None, list[dict[str, Any]]] = {}
        whole = []
        for f in mine:
            d = st.shown_dict(f.to_dict())
            d["severity_zh"] = SEVERITY_ZH.get(f.severity, f.severity)
            if f.row is not None:
                by_row.setdefault(f.row, []).append(d)
            elif f.project is None:
                whole.append(d)
            else:
                by_project.setdefault(f.project, []).append(d)
        projects: dict[str | None, dict[str, Any]] = {}
        for p in getattr(table, "projects", []) or []:
            projects.setdefault(p.name, {"name": p.name, "goal": p.goal, "rows": []})
        for i, (r, p) in enumerate(zip(table.records, tpreds, strict=True)):
            proj = projects.setdefault(r.project, {"name": r.project, "goal": r.goal, "rows": []})
            if not proj.get("goal") and r.goal:
                proj["goal"] = r.goal
            fs = by_row.get(i, [])
            proj["rows"].append(
                {
                    "n": i + 1,
                    "indicator": r.indicator,
                    "target": r.target or "",
                    "given": code_label(r.level2_code, r.level2) or (r.level2_raw or ""),
                    "given_raw": r.level2_raw or "",
                    "suggested": code_label(p.level2_code, p.level2),
                    "confidence": p.confidence,
                    "differs": bool(r.level2_code and p.level2_code and r.level2_code != p.level2_code),
                    "message": p.message,
                    "source": st.shown(r.source),
                    "findings": fs,
                    "severities": " ".join(sorted({f["severity"] for f in fs})),
                    "rules": " ".join(sorted({f["rule"] for f in fs})),
                }
            )
        for name in by_project:
            projects.setdefault(name, {"name": name, "goal": None, "rows": []})
        for proj in projects.values():
            proj["findings"] = by_project.get(proj["name"], [])
            proj["severities"] = " ".join(sorted({f["severity"] for f in proj["findings"]}))
            proj["rules"] = " ".join(sorted({f["rule"] for f in proj["findings"]}))
        counts = Counter(f.severity for f in mine)
        out.append(
            {
                "index": ti,
                "name": st.shown(table.path),
                "kind": table.kind,
                "indicators": len(table.records),
                "projects": list(projects.values()),
                "n_projects": sum(1 for p in projects.values() if p["name"]),
                "problems": [{"line": x.line, "reason": x.reason} for x in table.problems],
                "whole": whole,
                "counts": [(s, SEVERITY_ZH[s], counts.get(s, 0)) for s in SEVERITIES],
                "rules": sorted({f.rule for f in mine}),
            }
        )
    return out


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
