"""Run every rule family over a table: ``check_table``, ``check_tables``, ``check_files``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..coding.scoring import RowScores
from ..records import Indicator, Table
from .completeness import project_findings
from .finding import TABLE_RULES, Finding, make_finding
from .labels import DEFAULT_LABEL_RULE, LabelRule, label_findings
from .severity import SEVERITY_RANK
from .structure import structure_findings
from .targets import target_findings


@dataclass
class _ProjectRows:
    name: str | None
    goal: str | None
    rows: list[tuple[int, Indicator]]
    has_project_row: bool  # the table has a row for the project itself (seed layout)
    source: str


def _projects(table: Table) -> list[_ProjectRows]:
    """The projects of a table with their indicator rows, in reading order.

    A project is its name within its source page: a corpus of many pages (``url`` column)
    does not merge two pages' unnamed projects into one.
    """
    out: dict[tuple[str, str | None], _ProjectRows] = {}
    for p in table.projects:
        out.setdefault(("", p.name), _ProjectRows(p.name, p.goal, [], bool((p.goal or "").strip()), p.source))
    for i, r in enumerate(table.records):
        pr = out.setdefault((r.url or "", r.project), _ProjectRows(r.project, r.goal, [], False, r.source))
        if pr.goal is None and r.goal:
            pr.goal = r.goal
        pr.rows.append((i, r))
    return list(out.values())


def _order(findings: list[Finding], table: Table) -> list[Finding]:
    order: dict[str | None, int] = {}
    for k, pr in enumerate(_projects(table)):
        order.setdefault(pr.name, k)
    return sorted(
        findings,
        key=lambda f: (
            -1 if f.rule in TABLE_RULES else order.get(f.project, len(order)),
            -1 if f.row is None else f.row,
            SEVERITY_RANK[f.severity],
            f.rule,
        ),
    )


def check_table(
    table: Table,
    model: Any = None,
    *,
    labels: bool = True,
    label_rule: LabelRule = DEFAULT_LABEL_RULE,
    scores: RowScores | None = None,
) -> list[Finding]:
    """All findings for one table, grouped by project and in reading order.

    ``model`` is a fitted classifier (``classes_``, ``predict_proba``); None loads the shipped
    model. ``labels=False`` skips the label rule (no model needed). ``scores`` are the table's
    row scores from :func:`indicatorml.coding.score_rows` with that model, where the caller
    shows them too (the review pipeline): the label rule then reads them instead of scoring again.
    """
    rows = [(i, r, r.project) for i, r in enumerate(table.records)]
    findings = structure_findings(table, rows)
    for i, r, p in rows:
        findings.extend(target_findings(i, r, p, table.path))
    for pr in _projects(table):
        findings.extend(project_findings(table, pr.name, pr.goal, pr.rows, pr.has_project_row, pr.source))
    if labels and table.records:
        if model is None:
            model = _default_model()
        findings.extend(label_findings(table, model, label_rule, rows, scores))
        if _trained_on(table, model):
            findings.append(
                make_finding(
                    "label.trained-on",
                    "类别检查所用的模型是用这张表训练的,不会质疑它自己的类别;要检查类别,"
                    "用不含这张表训练的模型(indicatorml train … --out DIR,再 check --model DIR)",
                    None,
                    None,
                    None,
                    table.path,
                    None,
                )
            )
    return _order(findings, table)


def _trained_on(table: Table, model: Any) -> bool:
    """Did the model learn from this file (same text, any encoding), with no cross-fitted folds to
    check it by? Models record their files' hashes; a model with folds scores its own training
    rows with the fold model that never saw them (:mod:`indicatorml.coding.crossfit`)."""
    if getattr(model, "crossfit_", None):
        return False
    seen = (getattr(model, "training_", None) or {}).get("file_sha256") or []
    return bool(table.sha256) and table.sha256 in seen


def _default_model() -> Any:
    from ..coding.saved import load_model

    return load_model()


def check_tables(
    tables: Sequence[Table],
    model: Any = None,
    *,
    labels: bool = True,
    label_rule: LabelRule = DEFAULT_LABEL_RULE,
) -> list[Finding]:
    """Findings of several tables, one model load for all."""
    if labels and model is None and any(t.records for t in tables):
        model = _default_model()
    out: list[Finding] = []
    for t in tables:
        out.extend(check_table(t, model, labels=labels, label_rule=label_rule))
    return out


def check_files(
    paths: Sequence[str],
    model: Any = None,
    *,
    labels: bool = True,
    label_rule: LabelRule = DEFAULT_LABEL_RULE,
) -> list[Finding]:
    """Read each file with the table reader and check it. Read problems stay in the tables
    (see :func:`indicatorml.tables.report_problems`); use :func:`check_tables` to get both."""
    from ..tables import read_tables

    return check_tables(read_tables(list(paths)), model, labels=labels, label_rule=label_rule)
