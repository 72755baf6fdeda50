"""What a rule family reads: the table as a whole, or one project of it.

Why contexts: every family has one shape — a function of a :class:`TableContext` (table-wide
rules: labels, layout) or of a :class:`ProjectContext` (everything judged within a project,
row by row or as a whole) — so adding a family never changes how the others are called. The
grouping into projects, the table's layout (2021 成本 level or not), whether it is a 自评表, the
project's own funds and the row scores are worked out here once, not by each family.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..coding.scoring import RowScores
from ..records import Indicator, Table
from ..taxonomy import parent
from .finding import Finding, Rule, make_finding
from .label_rule import DEFAULT_LABEL_RULE, LabelRule
from .past import PastProject

__all__ = ["TableContext", "ProjectContext", "table_context", "project_contexts", "level1_of", "funds_of"]

_SELF_ASSESSMENT_KEYS = ("actual", "score")  # 实际完成值, 得分: a 自评表's columns


def level1_of(rec: Indicator) -> str | None:
    """A record's level-1 code: as given, else its level 2's parent (None without either)."""
    if rec.level1_code:
        return rec.level1_code
    return parent(rec.level2_code).code if rec.level2_code else None


@dataclass(frozen=True)
class TableContext:
    """What a table-wide rule reads.

    ``rows`` are ``(index, record)`` of every record, in reading order. ``layout`` is
    ``"2021"`` when the table files 成本指标 as its own level 1 anywhere (财预〔2021〕101号),
    else ``"pre2021"``. ``self_assessment`` says the table is a 自评表 (it has 实际完成值 or
    得分 columns). ``scores`` are the rows' scores from the one scorer
    (:func:`indicatorml.coding.score_rows`), given only when the label rule runs; ``model``
    the model that made them (for the words behind a suggestion). ``history`` maps a project's
    name (as this table writes it) to last year's matched project, as the review pipeline
    found it in the store; empty when there is no last year (the history rules then say nothing).
    """

    table: Table
    rows: tuple[tuple[int, Indicator], ...]
    layout: str
    self_assessment: bool
    scores: RowScores | None = None
    model: Any = None
    label_rule: LabelRule = DEFAULT_LABEL_RULE
    history: Mapping[str | None, PastProject] = field(default_factory=dict)

    @property
    def file(self) -> str:
        return self.table.path

    def at_row(self, rule: Rule, i: int, rec: Indicator, message: str, field: str | None = None) -> Finding:
        """A finding of ``rule`` on row ``i`` (its project is the record's)."""
        return make_finding(
            rule, message=message, file=self.file, row=i, record=rec, project=rec.project, field=field
        )


@dataclass(frozen=True)
class ProjectContext:
    """What a project-level rule reads: one project of a table with its indicator rows.

    ``has_goal_row`` says the table has a row for the project itself with a goal (the seed
    layout), so a project without indicators still shows. ``source`` is where the project is
    shown (its own row, else its first indicator's). ``funds`` is the project's own money in
    万元 where the table gives it (header block 年度资金总额, the seed's 总计); ``period`` its
    实施期 as written (header block), else None. ``layout`` is its source's layout: the table's,
    or, in a corpus of many pages, its page's (one page's 2021 成本 level says nothing of another's).
    ``last_year`` is the same project in last year's stored table (``TableContext.history``).
    """

    table: TableContext
    name: str | None
    goal: str | None
    rows: tuple[tuple[int, Indicator], ...]
    has_goal_row: bool
    source: str
    funds: float | None = None
    period: str | None = None
    layout: str = "pre2021"
    level1s: frozenset[str | None] = field(default=frozenset())
    level2s: frozenset[str | None] = field(default=frozenset())
    last_year: PastProject | None = None

    @property
    def file(self) -> str:
        return self.table.file

    def about(self, rule: Rule, message: str) -> Finding:
        """A finding of ``rule`` on the project as a whole (shown at its ``source``)."""
        return make_finding(rule, message=message, file=self.file, project=self.name, source=self.source)

    def at_row(self, rule: Rule, i: int, rec: Indicator, message: str, field: str | None = None) -> Finding:
        """A finding of ``rule`` on row ``i`` of this project."""
        return self.table.at_row(rule, i, rec, message, field)

    def texts(self) -> Iterator[str]:
        """The project's own words: name, goal, then each indicator and its target."""
        yield self.name or ""
        yield self.goal or ""
        for _, r in self.rows:
            yield f"{r.indicator} {r.target or ''}"


def table_context(
    table: Table,
    *,
    scores: RowScores | None = None,
    model: Any = None,
    label_rule: LabelRule = DEFAULT_LABEL_RULE,
    layout: str | None = None,
    history: Mapping[str | None, PastProject] | None = None,
) -> TableContext:
    """The context of a whole table (see :class:`TableContext`); ``layout`` says the form's
    layout where the table alone cannot (a one-row draft), else it is read from the table."""
    rows = tuple(enumerate(table.records))
    if layout is None:
        layout = "2021" if any(level1_of(r) == "4" for r in table.records) else "pre2021"
    assessment = any(k in r.extra for r in table.records for k in _SELF_ASSESSMENT_KEYS)
    return TableContext(table, rows, layout, assessment, scores, model, label_rule, dict(history or {}))


_NUMBER = re.compile(r"-?\d+(?:,\d{3})*(?:\.\d+)?")


def funds_of(amounts: dict[str, Any]) -> float | None:
    """A project's own money in 万元 from its amounts (header block ``amount``, the seed's
    ``总计``; else 财政拨款 + 其他资金), None where the table gives none."""
    for key in ("amount", "总计"):
        v = _as_number(amounts.get(key))
        if v is not None and v > 0:
            return v
    parts = [_as_number(amounts.get(k)) for k in ("amount_fiscal", "财政拨款", "amount_other", "其他资金")]
    total = sum(p for p in parts if p is not None)
    return total if total > 0 else None


def _as_number(v: Any) -> float | None:
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, (int, float)):
        return float(v)
    m = _NUMBER.search(str(v))
    return float(m.group(0).replace(",", "")) if m else None


@dataclass
class _Group:
    name: str | None
    goal: str | None
    rows: list[tuple[int, Indicator]]
    has_goal_row: bool
    source: str
    amounts: dict[str, Any]


def project_contexts(ctx: TableContext) -> list[ProjectContext]:
    """The projects of a table with their indicator rows, in reading order.

    A project is its name within its source page: a corpus of many pages (``url`` column)
    does not merge two pages' unnamed projects into one.
    """
    groups: dict[tuple[str, str | None], _Group] = {}
    for p in ctx.table.projects:
        groups.setdefault(
            ("", p.name), _Group(p.name, p.goal, [], bool((p.goal or "").strip()), p.source, dict(p.amounts))
        )
    for i, r in ctx.rows:
        g = groups.setdefault((r.url or "", r.project), _Group(r.project, r.goal, [], False, r.source, {}))
        if g.goal is None and r.goal:
            g.goal = r.goal
        g.rows.append((i, r))
    by_page = any(r.url for _, r in ctx.rows)
    pages_2021 = {r.url or "" for _, r in ctx.rows if level1_of(r) == "4"}
    out = []
    for key, g in groups.items():
        amounts = g.amounts
        if not amounts and g.rows:
            first = g.rows[0][1].extra
            amounts = {k: first.get(k) for k in ("amount", "amount_fiscal", "amount_other")}
        period = next((str(r.extra["period"]) for _, r in g.rows if r.extra.get("period")), None)
        out.append(
            ProjectContext(
                table=ctx,
                name=g.name,
                goal=g.goal,
                rows=tuple(g.rows),
                has_goal_row=g.has_goal_row,
                source=g.source or (g.rows[0][1].source if g.rows else ""),
                funds=funds_of(amounts),
                period=period,
                layout=("2021" if key[0] in pages_2021 else "pre2021") if by_page else ctx.layout,
                level1s=frozenset(level1_of(r) for _, r in g.rows),
                level2s=frozenset(r.level2_code for _, r in g.rows),
                last_year=ctx.history.get(g.name) if key[0] == "" else None,
            )
        )
    return out
