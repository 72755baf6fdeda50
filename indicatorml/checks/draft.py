"""Check a draft indicator as it is typed: the row rules, before the table is ever filed.

Why: the 填报 page shows what a reviewer would say about 「服务质量 明显提高」 while the draft is
still being written. The families that judge a row on its own words, category and target alone
(``drafts`` in :mod:`.rules.registry`) run on a one-row table; the project-level rules (too few
indicators, no 效益) say nothing about a single draft and are not run.
"""

from __future__ import annotations

from ..records import Indicator, Table
from ..taxonomy import UnknownLabel, normalize_label, normalize_level1, parent
from .context import project_contexts, table_context
from .finding import Finding
from .rules.registry import FAMILIES
from .severity import SEVERITY_RANK

__all__ = ["check_draft", "DRAFT_FILE"]

DRAFT_FILE = "草稿"  # the file name a draft's findings carry


def check_draft(
    indicator: str,
    target: str | None = None,
    *,
    level2: str | None = None,
    level1: str | None = None,
    period_target: str | None = None,
    layout: str = "pre2021",
) -> list[Finding]:
    """Findings of the row rules on one draft (``row`` 0), most severe first.

    ``level2`` is the draft's category as a code or a name (``"11"``, ``"数量指标"``,
    ``"11-数量指标"``); an unknown one counts as none (the category-dependent rules stay
    quiet). ``level1`` likewise, else it follows from ``level2``. ``layout`` ``"2021"`` says the
    form files 成本 as its own level 1 (a unit cost is then suggested as 41, not 14).
    """
    l2 = _category(level2, 2)
    l1 = _category(level1, 1) or (parent(l2).code if l2 else None)
    rec = Indicator(
        indicator=indicator,
        target=target,
        period_target=period_target,
        level1_code=l1,
        level2_code=l2,
        source=DRAFT_FILE,
    )
    table = Table(path=DRAFT_FILE, kind="draft", records=[rec])
    ctx = table_context(table, layout=layout)
    (project,) = project_contexts(ctx)
    out = [
        f for family in FAMILIES if family.drafts and family.per_project for f in family.per_project(project)
    ]
    return sorted(out, key=lambda f: (SEVERITY_RANK[f.severity], f.rule))


def _category(label: str | None, level: int) -> str | None:
    """The code of a category label or code at ``level``, None for none or an unknown one."""
    if not label or not label.strip():
        return None
    try:
        cat = (normalize_level1 if level == 1 else normalize_label)(label)
    except UnknownLabel:
        return None
    return cat.code if cat.level == level else None
