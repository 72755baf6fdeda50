"""Run every rule family over a table: ``check_table``, ``check_tables``, ``check_files``.

Why so little here: the families and their order are the registry's (:mod:`.rules.registry`);
this module scores the rows once (when the label rule runs), builds the contexts, calls each
family in the one way its shape says, and puts the findings in reading order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..coding.scoring import RowScores, score_rows
from ..records import Table
from .context import project_contexts, table_context
from .finding import Finding
from .label_rule import DEFAULT_LABEL_RULE, LabelRule
from .past import PastProject
from .rules import labels as label_family
from .rules.registry import FAMILIES, TABLE_RULES
from .severity import SEVERITY_RANK

__all__ = ["check_table", "check_tables", "check_files", "label_findings"]


def _order(findings: list[Finding], order: dict[str | None, int]) -> list[Finding]:
    return sorted(
        findings,
        key=lambda f: (
            -1 if f.rule in TABLE_RULES else order.get(f.project, len(order)),
            -1 if f.row is None else f.row,
            SEVERITY_RANK[f.severity],
            f.rule,
        ),
    )


def _labeled(table: Table) -> bool:
    """Rows the label rule can judge: a given level 2 and some text."""
    return any(r.level2_code and (r.indicator or "").strip() for r in table.records)


def check_table(
    table: Table,
    model: Any = None,
    *,
    labels: bool = True,
    label_rule: LabelRule = DEFAULT_LABEL_RULE,
    scores: RowScores | None = None,
    history: Mapping[str | None, PastProject] | None = None,
) -> list[Finding]:
    """All findings for one table, grouped by project and in reading order.

    ``model`` is a fitted classifier (``classes_``, ``predict_proba``); None loads the shipped
    model. ``labels=False`` skips the label rule (no model needed). ``scores`` are the table's
    row scores from :func:`indicatorml.coding.score_rows` with that model, where the caller
    shows them too (the review pipeline): the label rule then reads them instead of scoring again.
    ``history`` maps a project's name to last year's matched project (the history rules read
    it; :mod:`indicatorml.reviews.history` finds it in the store); without it they say nothing.
    """
    if labels and table.records:
        if model is None:
            model = _default_model()
        if scores is None and _labeled(table):
            scores = score_rows(model, table.records, table.sha256)
    ctx = table_context(
        table, scores=scores if labels else None, model=model, label_rule=label_rule, history=history
    )
    projects = project_contexts(ctx)
    findings: list[Finding] = []
    for family in FAMILIES:
        if family.labels and not labels:
            continue
        if family.per_table is not None:
            findings.extend(family.per_table(ctx))
        elif family.per_project is not None:
            for project in projects:
                findings.extend(family.per_project(project))
    order: dict[str | None, int] = {}
    for k, p in enumerate(projects):
        order.setdefault(p.name, k)
    return _order(findings, order)


def label_findings(
    table: Table,
    model: Any,
    label_rule: LabelRule = DEFAULT_LABEL_RULE,
    scores: RowScores | None = None,
) -> list[Finding]:
    """The label rule alone (``label.improbable``): rows whose given level 2 the model finds
    improbable, each with the words that pushed it. ``scores`` as in :func:`check_table`."""
    if not _labeled(table):
        return []
    if scores is None:
        scores = score_rows(model, table.records, table.sha256)
    ctx = table_context(table, scores=scores, model=model, label_rule=label_rule)
    return [f for f in label_family.label_findings(ctx) if f.rule == label_family.IMPROBABLE.id]


def _default_model() -> Any:
    from ..coding.saved import load_model

    return load_model()


def check_tables(
    tables: Sequence[Table],
    model: Any = None,
    *,
    labels: bool = True,
    label_rule: LabelRule = DEFAULT_LABEL_RULE,
    scores: Sequence[RowScores | None] | None = None,
) -> list[Finding]:
    """Findings of several tables, one model load for all. ``scores``, where given, are each
    table's row scores (as in :func:`check_table`), in the tables' order."""
    if scores is not None and len(scores) != len(tables):
        raise ValueError(f"{len(tables)} tables but {len(scores)} row scores")
    if labels and model is None and any(t.records for t in tables):
        model = _default_model()
    out: list[Finding] = []
    for k, t in enumerate(tables):
        s = scores[k] if scores is not None else None
        out.extend(check_table(t, model, labels=labels, label_rule=label_rule, scores=s))
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
