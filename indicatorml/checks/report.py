"""Show check findings: a terminal view grouped by project, flat rows, and a reviewer's XLSX.

Why apart from the rules: the rules decide what is wrong; this module only decides how a
reviewer sees it. The terminal and the spreadsheet number indicators from 1 within the file
(第N条 = JSONL ``row`` + 1), because that is how people count rows on paper.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..output import fit_width
from ..records import Table
from .finding import Finding
from .grade import GRADES, ProjectGrade, project_grades
from .rules.registry import TABLE_RULES, rule_name
from .severity import SEVERITIES, SEVERITY_ZH

__all__ = ["FINDING_COLUMNS", "finding_rows", "render_findings", "counts_line", "grades_line", "shown_rule"]

FINDING_COLUMNS = (
    "file",
    "row",
    "project",
    "severity",
    "kind",
    "rule",
    "rule_name",
    "indicator",
    "message",
    "given_level2_code",
    "suggested_level2_code",
    "probability",
    "source",
    "why",
)


def finding_rows(findings: Sequence[Finding]) -> list[dict[str, Any]]:
    """One dict per finding (JSONL/CSV): every Finding field, ``rule_name`` filled in for a
    finding made without one."""
    out = []
    for f in findings:
        d = f.to_dict()
        d["rule_name"] = shown_rule(f)
        out.append(d)
    return out


def counts_line(findings: Sequence[Finding]) -> str:
    """``错误 0,警告 33,提示 10``: the count of each severity, most severe first."""
    parts = []
    for sev in SEVERITIES:
        n = sum(1 for f in findings if f.severity == sev)
        parts.append(f"{SEVERITY_ZH[sev]} {n}")
    return ",".join(parts)


def grades_line(grades: Sequence[ProjectGrade]) -> str:
    """``项目评级 优 2,良 3,中 10,差 1``: how many projects got each grade."""
    return "项目评级 " + ",".join(f"{g} {sum(1 for x in grades if x.grade == g)}" for g in GRADES)


def shown_rule(f: Finding) -> str:
    """The rule as a person reads it: its Chinese name (规则名称)."""
    return f.rule_name or rule_name(f.rule)


def render_findings(findings: Sequence[Finding], tables: Sequence[Table], width: int = 100) -> str:
    """The terminal view: per file a summary line and its projects' grades, then per project its
    grade and findings, one per line, each ending in its rule's Chinese name."""
    lines: list[str] = []
    for table in tables:
        mine = [f for f in findings if f.file == table.path]
        n_projects = len({r.project for r in table.records} | {p.name for p in table.projects})
        unread = f",读取问题 {len(table.problems)}" if table.problems else ""
        lines.append(
            f"{table.path}: {len(table.records)} 条指标, {n_projects} 个项目 — {counts_line(mine)}{unread}"
        )
        grades = project_grades(table, mine) if table.records or table.projects else []
        by_name = {g.project: g for g in grades}
        if grades and mine:  # with no finding every project is 优, which "未发现问题" says
            lines.append(f"  {grades_line(grades)}")
        if not mine:
            # "No problems" only when something was read and nothing was unreadable: an empty,
            # binary or column-less file must not look like a clean table.
            if not table.records:
                lines.append("  没有读到任何指标,无法检查(读取问题已另行列出)")
            elif table.problems:
                lines.append(f"  读到的指标未发现问题;另有 {len(table.problems)} 处读取问题(已另行列出)")
            else:
                lines.append("  未发现问题")
            lines.append("")
            continue
        current: object = object()
        for f in mine:
            if f.rule in TABLE_RULES:
                lines.append(f"  [{SEVERITY_ZH[f.severity]}] 整张表: {f.message}  ({shown_rule(f)})")
                continue
            if f.project != current:
                current = f.project
                lines.append("")
                lines.append(f"■ {f.project or '(未标明项目)'}")
                g = by_name.get(f.project)
                if g is not None:
                    lines.append(f"  评级 {g.grade}: {g.reason}")
            where = "项目" if f.row is None else f"第{f.row + 1}条"
            head = f"  [{SEVERITY_ZH[f.severity]}] {where}"
            if f.indicator:
                head += f" {_cut(f.indicator, 26)}"
            lines.append(head)
            lines.append(f"      {f.message}  ({shown_rule(f)})")
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def _cut(s: str, width: int) -> str:
    return fit_width(" ".join(s.split()), width)
