"""Label checks: find what a reviewer (绩效目标审核) would send back, and say what to write instead.

The rule families live in :mod:`.rules` (one module and one function each, one list of them in
:mod:`.rules.registry` with every rule's id, Chinese name, severity, source and known false
alarms); :mod:`.context` is what a family reads (the table, or one project of it), ``finding``
the shared :class:`Finding` and :class:`Rule`, ``sources`` the documents rules rest on,
``wording`` what an indicator's words say, ``label_rule`` when the model's doubt counts,
``severity`` the severity table. ``run`` runs every family over a table, ``draft`` runs the row
rules on a draft as it is typed, ``grade`` turns a project's findings into 优/良/中/差;
``report`` (terminal, JSONL/CSV) and ``workbook`` (XLSX) are the views, ``decisions`` a
reviewer's decision as the workbook writes it, ``batch`` one workbook per input file. The
``check`` verb is :func:`indicatorml.reviews.run_check`, over the review pipeline.

The API the review pipeline and the pages use: :func:`check_table` / :func:`check_tables`
(findings; ``scores=`` from :func:`indicatorml.coding.score_rows`), :func:`project_grades`,
:func:`check_draft`, :data:`RULE_INFO` / :func:`rule_catalog` (the rule filter),
:func:`review_workbook` (one stored file's workbook, with :class:`Decision` s).
"""

from typing import Any

from .decisions import DECISION_ZH, Decision
from .draft import check_draft
from .finding import KIND_ZH, KINDS, Finding, Rule, worst_severity
from .grade import GRADE_MEANING, GRADES, ProjectGrade, grade, project_grades
from .label_rule import DEFAULT_LABEL_RULE, LabelRule
from .report import finding_rows, render_findings
from .rules.registry import FAMILIES, RULE_INFO, RULES, TABLE_RULES, rule_info, rule_name
from .run import check_files, check_table, check_tables, label_findings
from .severity import SEVERITIES, SEVERITY_RANK, SEVERITY_ZH
from .workbook import review_workbook, write_findings_xlsx


def rule_catalog() -> list[dict[str, Any]]:
    """Every rule as plain data, in registry order: ``id``, ``kind``, ``severity``, ``name``
    (规则名称), ``meaning``, ``source``, ``false_alarms``, plus ``kind_zh``, ``severity_zh`` and
    ``drafts`` (the 填报 page runs it on a draft) — what a page's rule filter lists."""
    out = []
    for fam in FAMILIES:
        for rule in fam.rules:
            d: dict[str, Any] = rule.to_dict()
            d.update(kind_zh=KIND_ZH[rule.kind], severity_zh=SEVERITY_ZH[rule.severity], drafts=fam.drafts)
            out.append(d)
    return out


__all__ = [
    "Finding",
    "Rule",
    "LabelRule",
    "DEFAULT_LABEL_RULE",
    "RULES",
    "RULE_INFO",
    "TABLE_RULES",
    "FAMILIES",
    "KINDS",
    "KIND_ZH",
    "rule_info",
    "rule_name",
    "rule_catalog",
    "label_findings",
    "SEVERITIES",
    "SEVERITY_ZH",
    "SEVERITY_RANK",
    "check_table",
    "check_tables",
    "check_files",
    "check_draft",
    "GRADES",
    "GRADE_MEANING",
    "ProjectGrade",
    "grade",
    "project_grades",
    "worst_severity",
    "finding_rows",
    "render_findings",
    "write_findings_xlsx",
    "review_workbook",
    "Decision",
    "DECISION_ZH",
]
