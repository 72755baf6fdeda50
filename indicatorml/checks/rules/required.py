"""Required fields: where the form has a column for 指标解释, 评(扣)分标准 or 指标值设定依据, each
indicator fills it in.

Why only where the column exists: the 2021 core-indicator template (财预〔2021〕101号) has these
columns and a reviewer scores with them; most local 申报表 have none, and a rule that demanded
columns a form lacks would flag every row of them.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..context import ProjectContext
from ..finding import Finding, Rule
from ..sources import CORE_2021, cite

__all__ = ["RULES", "required_findings", "REQUIRED_FIELDS"]

REQUIRED = Rule(
    "structure.required-field",
    "structure",
    "warning",
    "必填栏目未填",
    "表格有指标解释、评(扣)分标准、指标值设定依据等栏目,这一条却没有填",
    cite(CORE_2021, "核心绩效指标应写明指标解释、评(扣)分标准、指标值设定依据"),
    "合并单元格里只在第一行填写、其余行留空的表",
)
RULES = (REQUIRED,)

# ``Indicator.extra`` key (set by the reader when the table has the column) → the column's name.
REQUIRED_FIELDS = {"explain": "指标解释", "scoring": "评(扣)分标准", "basis": "指标值设定依据"}


def required_findings(ctx: ProjectContext) -> Iterator[Finding]:
    """One finding per row that leaves empty any of the :data:`REQUIRED_FIELDS` its table has."""
    for i, rec in ctx.rows:
        empty = [
            name
            for key, name in REQUIRED_FIELDS.items()
            if key in rec.extra and not str(rec.extra[key] or "").strip()
        ]
        if empty:
            yield ctx.at_row(
                REQUIRED, i, rec, f"{'、'.join(empty)}未填写;按表中栏目补齐,审核据此打分", "indicator"
            )
