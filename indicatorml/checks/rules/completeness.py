"""Completeness rules: a project without indicators, without 产出/效益/成本 indicators, with too few
of them, without 数量/质量/时效 among its outputs, or with an indicator twice.

(Whether a project needs a 满意度 indicator is decided from the project as a whole:
:mod:`.satisfaction`.)
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ...segment import clean_indicator
from ...taxonomy import COST_CODES, code_conflict
from ..context import ProjectContext
from ..finding import Finding, Rule, excerpt
from ..sources import CORE_2021, LOCAL_FORMS, TARGETS_2015, cite

__all__ = ["RULES", "completeness_findings"]

_ELEMENTS = cite(TARGETS_2015, "绩效目标应包括预期产出、预期效果(效益)等要素(完整性审核)")
_OUTPUTS = cite(CORE_2021, "产出指标包括数量、质量、时效指标")

NO_INDICATORS = Rule(
    "completeness.no-indicators",
    "completeness",
    "error",
    "没有绩效指标",
    "项目有绩效目标,没有任何绩效指标",
    _ELEMENTS,
    "指标表在另一个文件或另一张表里",
)
NO_OUTPUT = Rule(
    "completeness.no-output", "completeness", "error", "缺产出指标", "项目没有产出指标", _ELEMENTS
)
NO_EFFECT = Rule(
    "completeness.no-effect", "completeness", "error", "缺效益指标", "项目没有效益指标", _ELEMENTS
)
NO_COST = Rule(
    "completeness.no-cost",
    "completeness",
    "warning",
    "缺成本指标",
    "采用2021版式(成本指标单列一级)的表里,项目没有成本指标",
    cite(CORE_2021, "成本指标单列为一级指标,反映项目的经济、社会、生态环境成本"),
    "汇总表里个别项目按旧版式填报,成本写在产出指标下(见「成本指标两种写法混用」)",
)
TOO_FEW = Rule(
    "completeness.too-few",
    "completeness",
    "warning",
    "指标少于三个",
    "项目只有一两个绩效指标(缺的数量、质量、时效指标在消息里列出)",
    cite(LOCAL_FORMS, "三级指标总数一般不少于3个"),
    "金额很小、内容单一的项目",
)
NO_QUANTITY = Rule(
    "completeness.no-quantity",
    "completeness",
    "warning",
    "产出缺数量指标",
    "项目有三个以上指标、有产出指标,却没有数量指标",
    _OUTPUTS,
    "以质量或时效为唯一要求的保障类项目",
)
NO_QUALITY = Rule(
    "completeness.no-quality",
    "completeness",
    "warning",
    "产出缺质量指标",
    "项目有三个以上指标、有产出指标,却没有质量指标",
    _OUTPUTS,
    "只发放资金的补助项目,质量体现在发放准确率上而未单列",
)
NO_TIMELINESS = Rule(
    "completeness.no-timeliness",
    "completeness",
    "warning",
    "产出缺时效指标",
    "项目有三个以上指标、有产出指标,却没有时效指标",
    _OUTPUTS,
    "全年持续提供的服务(如日常运维),没有完成时点",
)
DUPLICATE = Rule(
    "completeness.duplicate",
    "completeness",
    "warning",
    "指标重复",
    "同一项目里有两条相同的指标",
    cite(TARGETS_2015, "绩效指标应相互独立、不重复"),
)
RULES = (
    NO_INDICATORS,
    NO_OUTPUT,
    NO_EFFECT,
    NO_COST,
    TOO_FEW,
    NO_QUANTITY,
    NO_QUALITY,
    NO_TIMELINESS,
    DUPLICATE,
)

_OUTPUT_PARTS = (
    (NO_QUANTITY, "11", "数量", "「≥N个」"),
    (NO_QUALITY, "12", "质量", "「合格率≥95%」"),
    (NO_TIMELINESS, "13", "时效", "「X月底前完成」"),
)


def completeness_findings(ctx: ProjectContext) -> Iterator[Finding]:
    """Findings about one project as a whole (see the module docstring)."""
    if not ctx.rows:
        if ctx.has_goal_row:
            yield ctx.about(NO_INDICATORS, "项目有绩效目标,没有任何绩效指标;按目标补齐产出、效益指标")
        return
    has_output = "1" in ctx.level1s
    if not has_output:
        yield ctx.about(NO_OUTPUT, "项目没有产出指标;至少加一个产出指标(数量、质量或时效)")
    if "2" not in ctx.level1s:
        yield ctx.about(NO_EFFECT, "项目没有效益指标;至少加一个效益指标(经济、社会、生态或可持续影响)")
    if ctx.layout == "2021" and "4" not in ctx.level1s and not (ctx.level2s & COST_CODES):
        yield ctx.about(
            NO_COST, "本表按2021版式单列成本指标,这个项目没有成本指标;加一个经济成本指标(如「≤N万元」)"
        )
    known = all(r.level2_code and not code_conflict(r.level2_raw or "") for _, r in ctx.rows)
    # (a row of unknown or self-contradicting category may be the missing one: not judged then)
    missing = [part for part in _OUTPUT_PARTS if part[1] not in ctx.level2s] if has_output and known else []
    if len(ctx.rows) < 3:
        # Too few indicators is the one finding: the missing 数量/质量/时效 are its detail, not
        # findings of their own (one cause, one place to fix it).
        lacks = f"(产出缺{'、'.join(name for _, _, name, _ in missing)}指标)" if missing else ""
        yield ctx.about(
            TOO_FEW, f"项目只有{len(ctx.rows)}个绩效指标{lacks};按产出、效益、满意度补足,一般不少于3个"
        )
    else:
        for rule, _, name, form in missing:
            yield ctx.about(rule, f"产出指标里没有{name}指标;加一个{name}指标(如{form})")
    seen: dict[str, int] = {}
    for i, r in ctx.rows:
        key = re.sub(r"[\W_]+", "", clean_indicator(r.indicator))
        if not key:
            continue
        if key in seen:
            yield ctx.at_row(
                DUPLICATE,
                i,
                r,
                f"与第{seen[key] + 1}条指标「{excerpt(r.indicator)}」重复;删去一条或改成不同的指标",
                "indicator",
            )
        else:
            seen[key] = i
