"""A grade per project — 优 / 良 / 中 / 差 — derived from its findings by one stated rule.

Why these four: the finance bureau's review of a 绩效目标 ends in one of them (财预〔2015〕88号):
优 goes on to the budget as it is, 良 after small fixes agreed with the unit, 中 goes back to be
revised and filed again, 差 may not enter the budget. The rule (also in the README):

* **差** — the goal cannot be reviewed: the project has no indicators, no 产出 or no 效益
  indicator, or errors on at least half of its indicators;
* **中** — any other error, or warnings in three places or more;
* **良** — warnings in one or two places;
* **优** — no error and no warning (提示 never count).

A *place* is an indicator row, or one project-level rule: two findings on one row (the model's
doubt and a placement rule about the same 二级指标) are one thing to fix, not two.

Findings a reviewer dismissed are left out by the caller before grading (a grade is a pure
function of the findings it is given).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from ..records import Table
from .context import ProjectContext, project_contexts, table_context
from .finding import Finding
from .rules.registry import TABLE_RULES, rule_name

__all__ = ["GRADES", "GRADE_MEANING", "BLOCKING_RULES", "ProjectGrade", "grade", "project_grades"]

GRADES = ("优", "良", "中", "差")
GRADE_MEANING = {
    "优": "可直接进入预算安排",
    "良": "完善后可进入预算安排",
    "中": "修改后重新报送审核",
    "差": "不得进入预算安排",
}
BLOCKING_RULES = frozenset({"completeness.no-indicators", "completeness.no-output", "completeness.no-effect"})
_MANY_WARNINGS = 3


@dataclass(frozen=True)
class ProjectGrade:
    """One project's grade: ``grade`` (优/良/中/差), ``reason`` (Chinese: why that grade and what
    it means), and the counts it came from. ``source`` is where the project is shown."""

    file: str
    project: str | None
    source: str
    grade: str
    reason: str
    indicators: int
    errors: int
    warnings: int
    infos: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def grade(findings: Sequence[Finding], indicators: int) -> tuple[str, str]:
    """(grade, reason) of one project from its findings and its number of indicators."""
    errors = _places(f for f in findings if f.severity == "error")
    warnings = _places(f for f in findings if f.severity == "warning")
    blocking = sorted({f.rule for f in findings if f.rule in BLOCKING_RULES})
    bad_rows = {p for p in errors if isinstance(p, int)}
    if blocking:
        g, why = "差", "、".join(rule_name(r) for r in blocking)
    elif indicators and 2 * len(bad_rows) >= indicators:
        g, why = "差", f"{len(bad_rows)}/{indicators}条指标有错误"
    elif errors:
        g, why = "中", f"错误{len(errors)}处" + (f"、警告{len(warnings)}处" if warnings else "")
    elif len(warnings) >= _MANY_WARNINGS:
        g, why = "中", f"警告{len(warnings)}处"
    elif warnings:
        g, why = "良", f"警告{len(warnings)}处"
    else:
        g, why = "优", "未发现错误和警告"
    return g, f"{why};{GRADE_MEANING[g]}"


def _places(findings: Iterable[Finding]) -> set[int | str]:
    """Where findings ask for a fix: their rows, and the rules of the project-level ones."""
    return {f.row if f.row is not None else f.rule for f in findings}


def project_grades(table: Table, findings: Sequence[Finding]) -> list[ProjectGrade]:
    """The grade of each project of ``table`` (in reading order) from the table's ``findings``.

    A row's finding belongs to the project of that row; a project-level finding to the project
    of its name (and source, where two pages have projects of one name); whole-table notes to
    none.
    """
    projects = project_contexts(table_context(table))
    of_row = {i: k for k, p in enumerate(projects) for i, _ in p.rows}
    named: dict[str | None, list[int]] = {}  # by name, once: a table of thousands of projects
    for n, p in enumerate(projects):
        named.setdefault(p.name, []).append(n)
    mine: list[list[Finding]] = [[] for _ in projects]
    for f in findings:
        if f.file != table.path or f.rule in TABLE_RULES:
            continue
        k = of_row.get(f.row) if f.row is not None else _project_of(projects, named.get(f.project, []), f)
        if k is not None:
            mine[k].append(f)
    out = []
    for p, fs in zip(projects, mine, strict=True):
        g, reason = grade(fs, len(p.rows))
        out.append(
            ProjectGrade(
                file=table.path,
                project=p.name,
                source=p.source,
                grade=g,
                reason=reason,
                indicators=len(p.rows),
                errors=sum(f.severity == "error" for f in fs),
                warnings=sum(f.severity == "warning" for f in fs),
                infos=sum(f.severity == "info" for f in fs),
            )
        )
    return out


def _project_of(projects: Sequence[ProjectContext], named: Sequence[int], f: Finding) -> int | None:
    """The project a project-level finding is about, among the projects ``named`` as it names."""
    exact = [k for k in named if projects[k].source == f.source]
    found = exact or named
    return found[0] if found else None
