"""Label checks: find what a reviewer (绩效目标审核) would send back, and say what to write instead.

One module per rule family (``structure``, ``labels``, ``targets``, ``completeness`` with
``goals`` under it), ``wording`` for what an indicator's words say it measures, ``finding`` for
the shared :class:`Finding` and rule ids, ``severity`` for the severity table, ``run`` to run
them all over a table; ``report`` (terminal, JSONL/CSV) and ``workbook`` (XLSX) for the views,
``decisions`` for a reviewer's decision as the workbook writes it, ``batch`` for one workbook
per input file, and ``command`` for the ``check`` verb.
"""

from .command import run_check
from .decisions import DECISION_ZH, Decision
from .finding import KINDS, RULES, TABLE_RULES, Finding, worst_severity
from .labels import DEFAULT_LABEL_RULE, LabelRule, label_findings
from .report import finding_rows, render_findings
from .run import check_files, check_table, check_tables
from .severity import SEVERITIES, SEVERITY_RANK, SEVERITY_ZH
from .workbook import review_workbook, write_findings_xlsx

__all__ = [
    "Finding",
    "LabelRule",
    "DEFAULT_LABEL_RULE",
    "RULES",
    "TABLE_RULES",
    "KINDS",
    "label_findings",
    "SEVERITIES",
    "SEVERITY_ZH",
    "SEVERITY_RANK",
    "check_table",
    "check_tables",
    "check_files",
    "worst_severity",
    "finding_rows",
    "render_findings",
    "run_check",
    "write_findings_xlsx",
    "review_workbook",
    "Decision",
    "DECISION_ZH",
]
