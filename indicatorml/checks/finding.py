"""A finding — one thing a reviewer should look at — and the rule it comes from.

Every finding names the row (0-based index of the indicator among the file's indicator
records, in reading order; ``None`` for a project-level finding), a stable rule id and the
rule's Chinese name (规则名称), a kind, a severity and a one-line Chinese message saying what is
wrong and what to do.

Why :class:`Rule` lives here and not in the registry: a rule family builds its findings from
its own :class:`Rule` objects (kind, severity and name set once, where the rule is written),
and the registry (:mod:`.rules.registry`) collects the families; neither needs the other's
module to be imported first.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from ..records import Indicator
from ..segment import normalize
from .severity import SEVERITIES, SEVERITY_RANK

__all__ = ["KINDS", "KIND_ZH", "Rule", "Finding", "make_finding", "worst_severity", "excerpt"]

# What a rule is about. ``placement`` (归类): the category an indicator is filed under, judged by
# its wording and target (the model's judgement of the same is ``label``). ``history`` (历年对比):
# this year's table against last year's stored one (issue 17).
KINDS = ("structure", "label", "placement", "target", "completeness", "goal", "history")
KIND_ZH = {
    "structure": "结构",
    "label": "类别",
    "placement": "归类",
    "target": "指标值",
    "completeness": "完整性",
    "goal": "目标覆盖",
    "history": "历年对比",
}


@dataclass(frozen=True)
class Rule:
    """One rule: what a reviewer filters on and what the rule filter of a page lists.

    ``id`` is stable (scripts and the JSON API filter on it); ``name`` is the short Chinese name
    (规则名称) everything a person reads shows instead; ``meaning`` one Chinese line on what it
    finds; ``source`` the document it rests on; ``false_alarms`` what it is known to flag
    wrongly, so a reviewer knows when to dismiss it.
    """

    id: str
    kind: str
    severity: str
    name: str
    meaning: str
    source: str
    false_alarms: str = "暂无已知误报"

    def to_dict(self) -> dict[str, str]:
        """The rule as the API and the pages' rule filter list it."""
        return asdict(self)


@dataclass
class Finding:
    """One thing a reviewer should look at.

    ``field`` names the cell the finding is about (``level1``, ``level2``, ``indicator``,
    ``target``, or None for a whole project) so a spreadsheet can highlight it.
    ``probability`` is the model's probability of the suggested category (label findings);
    ``why`` the words that pushed the model there (:func:`indicatorml.coding.explain.explain`).
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
    rule_name: str = ""
    why: list[str] | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSONL object: every key, always (null where it does not apply); ``rule_name``
        next to ``rule``."""
        d = asdict(self)
        if d["probability"] is not None:
            d["probability"] = round(d["probability"], 4)
        if d["given_probability"] is not None:
            d["given_probability"] = round(d["given_probability"], 4)
        out: dict[str, Any] = {}
        for k, v in d.items():
            if k == "rule_name":
                continue
            out[k] = v
            if k == "rule":
                out["rule_name"] = d["rule_name"]
        return out


def make_finding(
    rule: Rule,
    *,
    message: str,
    file: str,
    row: int | None = None,
    record: Indicator | None = None,
    project: str | None = None,
    field: str | None = None,
    source: str = "",
    **label: Any,
) -> Finding:
    """The one way a rule family builds a :class:`Finding`: id, kind, severity and Chinese name
    come from the ``rule`` (so they are set in one place), the source and indicator text from
    the ``record`` (``source`` is used for a project-level finding, which has no record).
    ``label`` takes the label rule's extra fields (``given_level2_code``, ``probability``,
    ``why`` …)."""
    return Finding(
        row=row,
        project=project,
        rule=rule.id,
        kind=rule.kind,
        severity=rule.severity,
        message=message,
        file=file,
        source=record.source if record is not None else source,
        indicator=record.indicator if record is not None else None,
        field=field,
        rule_name=rule.name,
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
