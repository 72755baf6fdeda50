"""Placement rules (归类): an indicator filed under a category its own words contradict.

Why beside the label rule: the model judges every row by what it learned, with a threshold tuned
on held-out pages; these rules name four mistakes the guidance names outright, whatever the model
thinks — a unit cost (589元/人) under 数量, the money going in (资金到位率, 预算执行率, 拨付金额)
filed as an output, 满意度 standing in for 效益, and work done (铺设污水管网长度 28公里) filed as an
effect. Judged per row, so the 填报 page runs them on a draft with its category.
"""

from __future__ import annotations

from collections.abc import Iterator

from ...records import Indicator
from ...segment import clean_indicator
from ...taxonomy import by_code, code_label, parent, to_layout
from ..context import ProjectContext, level1_of
from ..finding import Finding, Rule, excerpt, make_finding
from ..sources import CORE_2021, TARGETS_2015, cite
from ..wording import (
    is_delivery,
    is_effect,
    is_input,
    is_satisfaction,
    names_quantity,
    per_unit_money,
)

__all__ = ["RULES", "placement_findings"]

COST_AS_QUANTITY = Rule(
    "placement.cost-as-quantity",
    "placement",
    "warning",
    "单位成本填在数量下",
    "「元/人」「人均补助」一类单位成本填在数量指标下",
    cite(CORE_2021, "成本指标反映单位产出或总产出的成本"),
    "补助标准本身就是政策规定的发放数量时,有的地方要求填在数量下",
)
INPUT_AS_OUTPUT = Rule(
    "placement.input-as-output",
    "placement",
    "warning",
    "投入当作产出",
    "资金到位率、预算执行率、拨付金额等投入类指标填在产出指标下",
    cite(CORE_2021, "产出指标反映提供的公共产品和服务,资金到位、预算执行等投入情况不作为产出指标"),
    "以发放资金为产出的补助项目(发放金额即服务)",
)
SATISFACTION_AS_EFFECT = Rule(
    "placement.satisfaction-as-effect",
    "placement",
    "warning",
    "满意度当作效益",
    "满意度指标填在效益指标下,代替了效益",
    cite(TARGETS_2015, "效益与服务对象满意度是绩效目标的不同要素"),
)
OUTPUT_AS_EFFECT = Rule(
    "placement.output-as-effect",
    "placement",
    "warning",
    "产出当作效益",
    "做了多少(铺设、举办、培训、检查的数量)填在效益指标下",
    cite(CORE_2021, "产出指标反映做了什么、做了多少,效益指标反映带来的变化"),
    "以活动本身为目的的项目(如宣传覆盖人次)有时把参与量当作社会效益",
)
RULES = (COST_AS_QUANTITY, INPUT_AS_OUTPUT, SATISFACTION_AS_EFFECT, OUTPUT_AS_EFFECT)


def placement_findings(ctx: ProjectContext) -> Iterator[Finding]:
    """The four placement rules per labeled row; each finding suggests the category it belongs
    under (``suggested_level2_code``; none for an input, which is no indicator at all)."""
    layout = ctx.layout
    for i, rec in ctx.rows:
        code = rec.level2_code
        l1 = parent(code).code if code else level1_of(rec)  # the family the 二级指标 files it under
        if l1 is None:
            continue
        text = clean_indicator(rec.indicator)
        iq = excerpt(rec.indicator)
        given = code_label(code) if code else code_label(l1)
        if code == "11" and per_unit_money(text, rec.target):
            cost = to_layout("14", layout).code
            yield _hit(
                ctx,
                i,
                rec,
                COST_AS_QUANTITY,
                f"「{iq}」是单位成本(金额/人、户、亩…),填在了数量指标下;改到「{code_label(cost)}」",
                cost,
            )
        elif l1 == "1" and code in ("11", "12", "13") and is_input(text):
            yield _hit(
                ctx,
                i,
                rec,
                INPUT_AS_OUTPUT,
                f"「{iq}」是资金投入情况,不是产出;产出写资金买来了什么(完成多少、达到什么标准、何时完成),"
                "预算执行由执行监控反映",
                None,
            )
        elif l1 == "2" and is_satisfaction(text, None):
            yield _hit(
                ctx,
                i,
                rec,
                SATISFACTION_AS_EFFECT,
                f"「{iq}」是满意度,填在了{given}下;改到「{code_label('31')}」,效益另写项目带来的变化",
                "31",
            )
        elif l1 == "2" and is_delivery(text) and names_quantity(text) and not is_effect(text):
            yield _hit(
                ctx,
                i,
                rec,
                OUTPUT_AS_EFFECT,
                f"「{iq}」是做了多少(产出数量),填在了{given}下;改到「{code_label('11')}」,"
                f"{by_code('2').name}写它带来的变化(如受益人数、达标率、节约金额)",
                "11",
            )


def _hit(ctx: ProjectContext, i: int, rec: Indicator, rule: Rule, msg: str, suggested: str | None) -> Finding:
    """A placement finding on the row's 二级指标 cell, with the category it belongs under."""
    return make_finding(
        rule,
        message=msg,
        file=ctx.file,
        row=i,
        record=rec,
        project=rec.project,
        field="level2",
        given_level2_code=rec.level2_code,
        suggested_level2_code=suggested,
    )
