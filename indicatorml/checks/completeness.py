"""Completeness rules: a project without 产出, 效益 or 满意度 indicators, or with duplicates."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..records import Indicator, Table
from ..segment import clean_indicator, normalize
from ..taxonomy import parent
from .finding import Finding, excerpt, make_finding
from .goals import goal_findings
from .wording import is_satisfaction

__all__ = ["project_findings"]

_BENEFICIARY = re.compile(
    r"企业|群众|市民|服务对象|学生|居民|商户|农户|村民|患者|老人|老年人|儿童|游客|消费者|家庭|残疾人|"
    r"职工|受益|用户|困难群体|低收入|商家|经营主体|市场主体|退休|优抚对象|学员|幼儿|病人|考生"
)
_SERVICE = re.compile(
    r"服务|扶持|支持|帮扶|补贴|补助|慰问|培训|资助|惠|宣讲|宣传|帮助|协助|助推|发放|奖励|救助|走访|解决"
)


def project_findings(
    table: Table,
    proj: str | None,
    goal: str | None,
    rows: Sequence[tuple[int, Indicator]],
    has_goal_row: bool,
    where: str = "",
) -> list[Finding]:
    """Findings about one project as a whole: no indicators, no 产出/效益/满意度 indicator, a
    duplicate indicator, and (through :func:`.goals.goal_findings`) a goal no indicator measures.

    ``rows`` are the project's ``(index, record)`` pairs; ``has_goal_row`` says the table has a
    row for the project itself with a goal (the seed layout), so an indicator-less project shows.
    ``where`` is the source shown for the project (default: its first indicator's).
    """
    out: list[Finding] = []
    f = table.path
    where = where or (rows[0][1].source if rows else "")
    if not rows:
        if has_goal_row:
            out.append(
                make_finding(
                    "completeness.no-indicators",
                    "项目有绩效目标,没有任何绩效指标;按目标补齐产出、效益指标",
                    None,
                    None,
                    proj,
                    f,
                    source=where,
                )
            )
        return out
    level1s = {r.level1_code or (parent(r.level2_code).code if r.level2_code else None) for _, r in rows}
    if "1" not in level1s:
        out.append(
            make_finding(
                "completeness.no-output",
                "项目没有产出指标;至少加一个产出指标(数量、质量或时效)",
                None,
                None,
                proj,
                f,
                source=where,
            )
        )
    if "2" not in level1s:
        out.append(
            make_finding(
                "completeness.no-effect",
                "项目没有效益指标;至少加一个效益指标(经济、社会、生态或可持续影响)",
                None,
                None,
                proj,
                f,
                source=where,
            )
        )
    if "3" not in level1s and not any(
        is_satisfaction(clean_indicator(r.indicator), r.level2_code) for _, r in rows
    ):
        texts = [goal or ""] + [f"{r.indicator} {r.target or ''}" for _, r in rows]
        joined = " ".join(normalize(t) for t in texts)
        who = _BENEFICIARY.search(joined)
        if who and _SERVICE.search(joined):
            out.append(
                make_finding(
                    "completeness.no-satisfaction",
                    f"项目面向「{who.group(0)}」,没有满意度指标;加一个「服务对象满意度 ≥90%」",
                    None,
                    None,
                    proj,
                    f,
                    source=where,
                )
            )
    seen: dict[str, int] = {}
    for i, r in rows:
        key = re.sub(r"[\W_]+", "", clean_indicator(r.indicator))
        if not key:
            continue
        if key in seen:
            out.append(
                make_finding(
                    "completeness.duplicate",
                    f"与第{seen[key] + 1}条指标「{excerpt(r.indicator)}」重复;删去一条或改成不同的指标",
                    i,
                    r,
                    proj,
                    f,
                    "indicator",
                )
            )
        else:
            seen[key] = i
    if goal:
        out.extend(goal_findings(table, proj, goal, rows, where))
    return out
