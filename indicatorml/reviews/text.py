"""A stored review on the terminal (``indicatorml reviews show``): files, projects, findings with ids.

Why its own view and not the ``check`` table: a stored review is something to act on — the
finding ids are what ``reviews decide --finding`` takes, and the decisions made so far are
shown under their findings.
"""

from __future__ import annotations

from ..checks import SEVERITY_ZH, rule_name
from ..checks.report import counts_line
from ..output import fit_width
from ..store import Decision
from ..taxonomy import code_label
from .decisions import DECISION_ZH
from .review import Review, ReviewFile, ReviewFinding

__all__ = ["review_text"]


def review_text(review: Review) -> str:
    """The review as lines of text (see the module docstring)."""
    when = review.created_at.isoformat(timespec="seconds") if review.created_at else "(未保存)"
    lines = [
        f"审核 {review.id or '(未保存)'}  {when}  {review.title or ''}".rstrip(),
        f"模型 {review.model.name} ({review.model.hash[:12] or '无'})"
        + (f"  年度 {review.year}" if review.year else "")
        + (f"  主管部门 {review.org}" if review.org else ""),
    ]
    for f in review.files:
        lines.append("")
        lines.extend(_file_lines(f))
    return "\n".join(lines) + "\n"


def _file_lines(f: ReviewFile) -> list[str]:
    named = sum(1 for p in f.projects if p.name is not None)
    found = [x.finding for x in f.findings]
    unread = f",读取问题 {len(f.table.problems)}" if f.table.problems else ""
    out = [f"[{f.n}] {f.name}: {len(f.table.records)} 条指标, {named} 个项目 — {counts_line(found)}{unread}"]
    for p in f.table.problems:
        where = f"{p.sheet} " if p.sheet else ""
        out.append(f"    读取问题 {where}{'' if p.line is None else f'第{p.line}行'}: {p.reason}")
    grade = {p.name: p.grade for p in f.projects}
    current: object = object()
    for x in f.findings:
        if x.finding.project != current:
            current = x.finding.project
            graded = f"(评级 {grade[current]})" if grade.get(current) else ""
            out.append(f"  ■ {x.finding.project or '(未标明项目)'}{graded}")
        out.extend(_finding_lines(x))
    for row, d in sorted(f.decisions.items()):
        if d["finding_id"] is None:
            rec = f.table.records[row]
            out.append(f"    第{row + 1}条 {fit_width(rec.indicator, 26)} — {_decision(d)}")
    return out


def _finding_lines(x: ReviewFinding) -> list[str]:
    f = x.finding
    where = "项目" if f.row is None else f"第{f.row + 1}条"
    head = f"    [{x.id}] [{SEVERITY_ZH.get(f.severity, f.severity)}] {where}"
    if f.indicator:
        head += f" {fit_width(' '.join(f.indicator.split()), 26)}"
    lines = [head, f"        {f.message}  ({f.rule_name or rule_name(f.rule)})"]
    if x.decision is not None:
        lines.append(f"        → {_decision(x.decision)}")
    return lines


def _decision(d: Decision) -> str:
    verb = DECISION_ZH.get(d["decision"], d["decision"])
    if d["decision"] == "set":
        verb += f" {code_label(d['level2_code'])}"
    who = f"({d['user']})" if d["user"] else ""
    said = f":{d['comment']}" if d["comment"] else ""
    return f"{verb}{who}{said}"
