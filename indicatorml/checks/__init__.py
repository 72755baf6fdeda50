"""Label checks: find what a reviewer (绩效目标审核) would send back, and say what to write instead.

One module per rule family (structure, labels, targets, completeness, goals), ``finding`` for
the shared :class:`Finding`, and ``report`` for the views (terminal, JSONL/CSV, XLSX) and the
``check`` verb.
"""

from .report import finding_rows, render_findings, run_check
from .rules import (
    DEFAULT_LABEL_RULE,
    RULES,
    SEVERITIES,
    Finding,
    LabelRule,
    check_files,
    check_table,
    check_tables,
    worst_severity,
)

__all__ = [
    "Finding",
    "LabelRule",
    "DEFAULT_LABEL_RULE",
    "RULES",
    "SEVERITIES",
    "check_table",
    "check_tables",
    "check_files",
    "worst_severity",
    "finding_rows",
    "render_findings",
    "run_check",
]
