"""The one list of rule families, and every rule's id, Chinese name, severity, source and known
false alarms.

Why one list: ``check_table`` runs what is here and nothing else; the rule filter of a page, the
workbook and the CLI name rules from here; ``check_draft`` runs the families marked ``drafts``.
Adding a family is one function of one shape — ``(TableContext) -> Iterable[Finding]`` for a rule
about the whole table, ``(ProjectContext) -> Iterable[Finding]`` for everything judged within a
project — plus one :class:`Family` entry below (see docs/ARCHITECTURE.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import MappingProxyType

from ..context import ProjectContext, TableContext
from ..finding import KINDS, Finding, Rule
from ..severity import SEVERITIES
from . import (
    completeness,
    direction,
    funds,
    goals,
    history,
    labels,
    period,
    placement,
    required,
    satisfaction,
    structure,
    targets,
    units,
    weights,
)

__all__ = ["Family", "FAMILIES", "RULE_INFO", "RULES", "TABLE_RULES", "rule_info", "rule_name"]

TableCheck = Callable[[TableContext], Iterable[Finding]]
ProjectCheck = Callable[[ProjectContext], Iterable[Finding]]


@dataclass(frozen=True)
class Family:
    """A rule family: its rules and the one function that finds them.

    Exactly one of ``per_table`` (run once on the table) and ``per_project`` (run on each
    project) is given. ``drafts`` marks a per-project family that judges each row on its own
    words, category and target alone, so the 填报 page can run it on a draft as it is typed.
    ``labels`` marks the family that needs the model's scores (skipped with ``labels=False``).
    """

    name: str
    rules: tuple[Rule, ...]
    per_table: TableCheck | None = None
    per_project: ProjectCheck | None = None
    drafts: bool = False
    labels: bool = False

    def __post_init__(self) -> None:
        if (self.per_table is None) == (self.per_project is None):
            raise ValueError(f"family {self.name}: give exactly one of per_table and per_project")
        if self.drafts and self.per_project is None:
            raise ValueError(f"family {self.name}: only a per-project family can judge drafts")


FAMILIES: tuple[Family, ...] = (
    Family("structure", structure.RULES, per_table=structure.structure_findings),
    Family("required", required.RULES, per_project=required.required_findings),
    Family("weights", weights.RULES, per_project=weights.weights_findings),
    Family("targets", targets.RULES, per_project=targets.target_findings, drafts=True),
    Family("direction", direction.RULES, per_project=direction.direction_findings, drafts=True),
    Family("units", units.RULES, per_project=units.unit_findings, drafts=True),
    Family("period", period.RULES, per_project=period.period_findings, drafts=True),
    Family("funds", funds.RULES, per_project=funds.funds_findings),
    Family("placement", placement.RULES, per_project=placement.placement_findings, drafts=True),
    Family("completeness", completeness.RULES, per_project=completeness.completeness_findings),
    Family("satisfaction", satisfaction.RULES, per_project=satisfaction.satisfaction_findings),
    Family("goals", goals.RULES, per_project=goals.goal_findings),
    Family("history", history.RULES, per_project=history.history_findings),
    Family("labels", labels.RULES, per_table=labels.label_findings, labels=True),
)


def _catalog() -> dict[str, Rule]:
    out: dict[str, Rule] = {}
    for fam in FAMILIES:
        for rule in fam.rules:
            if rule.id in out:
                raise ValueError(f"rule {rule.id} registered twice")
            if rule.kind not in KINDS or rule.severity not in SEVERITIES:
                raise ValueError(f"rule {rule.id}: unknown kind {rule.kind!r} or severity {rule.severity!r}")
            out[rule.id] = rule
    return out


# rule id → the rule (id, kind, severity, Chinese name, meaning, source, known false alarms).
RULE_INFO: MappingProxyType[str, Rule] = MappingProxyType(_catalog())
# rule id → (kind, severity, meaning): the table scripts have read since the first release.
RULES: MappingProxyType[str, tuple[str, str, str]] = MappingProxyType(
    {rid: (r.kind, r.severity, r.meaning) for rid, r in RULE_INFO.items()}
)
TABLE_RULES = frozenset({labels.TRAINED_ON.id})  # about the whole table: shown first, under no project


def rule_info(rule_id: str) -> Rule:
    """The rule with this id (KeyError naming it if there is none)."""
    try:
        return RULE_INFO[rule_id]
    except KeyError:
        raise KeyError(f"no rule with id {rule_id!r}") from None


def rule_name(rule_id: str) -> str:
    """The Chinese name (规则名称) of a rule id; the id itself for an id no rule has."""
    rule = RULE_INFO.get(rule_id)
    return rule.name if rule is not None else rule_id
