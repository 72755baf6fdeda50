"""A finding — one thing a reviewer should look at — and the table of rule ids it may carry.

Every finding names the row (0-based index of the indicator among the file's indicator
records, in reading order; ``None`` for a project-level finding), a stable rule id, a kind, a
severity and a one-line Chinese message saying what is wrong and what to do.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from ..records import Indicator
from ..segment import normalize
from .severity import SEVERITIES, SEVERITY_RANK

__all__ = ["KINDS", "RULES", "TABLE_RULES", "Finding", "make_finding", "worst_severity", "excerpt"]

KINDS = ("structure", "label", "target", "completeness", "goal")

# rule id -> (kind, severity, what it means). The ids are stable: scripts filter on them.
RULES: dict[str, tuple[str, str, str]] = {
    "structure.missing-label": ("structure", "error", "no level-2 category given"),
    "structure.unknown-label": ("structure", "error", "a category label no category claims"),
    "structure.code-name": ("structure", "error", "a label whose code and name disagree (11-质量指标)"),
    "structure.level-parent": ("structure", "error", "level 2 not under its level 1"),
    "structure.layout-mix": ("structure", "warning", "成本 both under 产出 and as level 1 in one table"),
    "label.improbable": (
        "label",
        "warning",
        "the model finds the given category improbable and another likely",
    ),
    "label.trained-on": (
        "label",
        "info",
        "the model was trained on this very file: its labels go unquestioned",
    ),
    "target.empty": ("target", "error", "no target"),
    "target.vague": ("target", "warning", "no number and no comparison where the category needs one"),
    "target.vague-effect": (
        "target",
        "info",
        "a 效益 target with no number (allowed only where none can be had)",
    ),
    "target.rate-on-count": ("target", "warning", "a % target on a count indicator"),
    "target.count-on-rate": ("target", "warning", "a count target on a rate indicator"),
    "target.not-time": ("target", "warning", "a time indicator whose target is no time"),
    "target.satisfaction-no-percent": ("target", "warning", "a 满意度 indicator without a percentage"),
    "target.impossible": ("target", "error", "a target that cannot be reached (a rate over 100%)"),
    "target.ge-100": ("target", "warning", "≥100% on a rate that cannot exceed 100%"),
    "target.trivial": (
        "target",
        "warning",
        "a target of ≥0: nothing required (a count) or only no decline (a rate)",
    ),
    "completeness.no-indicators": ("completeness", "error", "a project with a goal and no indicator"),
    "completeness.no-output": ("completeness", "error", "a project without a 产出 indicator"),
    "completeness.no-effect": ("completeness", "error", "a project without a 效益 indicator"),
    "completeness.no-satisfaction": (
        "completeness",
        "warning",
        "serves people or firms, no 满意度 indicator",
    ),
    "completeness.duplicate": (
        "completeness",
        "warning",
        "an indicator repeating another of the same project",
    ),
    "goal.uncovered": ("goal", "info", "a number or commitment in the goal that no indicator measures"),
}

TABLE_RULES = frozenset({"label.trained-on"})  # about the whole table: shown first, under no project


@dataclass
class Finding:
    """One thing a reviewer should look at.

    ``field`` names the cell the finding is about (``level1``, ``level2``, ``indicator``,
    ``target``, or None for a whole project) so a spreadsheet can highlight it.
    ``probability`` is the model's probability of the suggested category (label findings).
    """

    row: int | None
    project: str | None
    rule: str
    kind: str
    severity: str
    message: str
    file: str = ""
    source: str = ""
    indicator: str | None = None
    field: str | None = None
    given_level2_code: str | None = None
    suggested_level2_code: str | None = None
    probability: float | None = None
    given_probability: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSONL object: every key, always (null where it does not apply)."""
        d = asdict(self)
        if d["probability"] is not None:
            d["probability"] = round(d["probability"], 4)
        if d["given_probability"] is not None:
            d["given_probability"] = round(d["given_probability"], 4)
        return d


def make_finding(
    rule: str,
    message: str,
    row: int | None,
    rec: Indicator | None,
    project: str | None,
    file: str,
    field: str | None = None,
    source: str = "",
    **label: Any,
) -> Finding:
    """The one way a rule family builds a :class:`Finding`: kind and severity come from
    :data:`RULES` (so a rule's severity is set in one place), the source and indicator text from
    the record (``source`` is used for a project-level finding, which has no record). ``label``
    takes the label rule's extra fields (``given_level2_code``, ``probability`` …)."""
    kind, severity, _ = RULES[rule]
    return Finding(
        row=row,
        project=project,
        rule=rule,
        kind=kind,
        severity=severity,
        message=message,
        file=file,
        source=rec.source if rec is not None else source,
        indicator=rec.indicator if rec is not None else None,
        field=field,
        **label,
    )


def worst_severity(findings: Iterable[Finding]) -> str | None:
    """The most severe severity among findings (error > warning > info), None if there are none."""
    ranks = [SEVERITY_RANK[f.severity] for f in findings]
    return SEVERITIES[min(ranks)] if ranks else None


def excerpt(text: str | None, n: int = 24) -> str:
    """A user's text as a message quotes it: normalized, on one line, at most ``n`` characters
    (cut with ``…``), so a long indicator does not swamp the advice around it."""
    s = normalize(text).replace("\n", " ") if text else ""
    return s if len(s) <= n else s[: n - 1] + "…"
