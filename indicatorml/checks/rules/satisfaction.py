"""Whether a project needs a 满意度 indicator, decided from the project as a whole.

Why not from two words: a rule that wants both a beneficiary word (农户, 企业) and a service word
(服务, 补贴) in the text lets infrastructure through — 高标准农田建设 serves farmers although
none of its indicators says so. Here a project serves a group when its name, goal or indicators
name one (农户, 群众, 学生, 企业 …), or when its name or goal names work whose users are a group
(农田 → 农户, 道路 → 出行群众, 供水 → 居民, 学校 → 学生 …) and it is not an internal running cost
(办公, 运行保障, 税费 …). The message says who and on what evidence, so a reviewer can judge it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ...segment import clean_indicator, normalize
from ..context import ProjectContext
from ..finding import Finding, Rule
from ..sources import CORE_2021, cite
from ..wording import is_satisfaction

__all__ = ["RULES", "satisfaction_findings", "served_group"]

NO_SATISFACTION = Rule(
    "completeness.no-satisfaction",
    "completeness",
    "warning",
    "缺满意度指标",
    "项目服务群众或某一群体(农户、居民、学生、患者、企业),却没有满意度指标",
    cite(CORE_2021, "满意度指标反映服务对象或项目受益人的认可程度"),
    "名称含「农业」「企业」等字的内部管理、监管执法类项目;服务对象满意度由上级统一调查的项目",
)
RULES = (NO_SATISFACTION,)

_GROUP = re.compile(
    r"农户|农民|种植户|养殖户|群众|居民|市民|村民|学生|幼儿|儿童|家长|患者|病人|老年人|老人|游客|残疾人|职工|"
    r"企业|商户|商家|经营主体|市场主体|个体工商户|消费者|用户|服务对象|受益人|受助|参训|学员|考生|困难群体|"
    r"低收入|脱贫户|优抚对象|退役军人|军人|军属|师生|教师|读者|观众|旅客|乘客|退休|家庭|妇女|青少年"
)
# How a matched word is named as a group (退休 → 退休人员).
_AS_GROUP = {
    "退休": "退休人员",
    "受助": "受助对象",
    "参训": "参训人员",
    "低收入": "低收入群体",
    "受益人": "受益人",
    "优抚对象": "优抚对象",
}
# Work whose users are a group, by the group it serves.
_DOMAINS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p), who)
    for p, who in (
        (r"农田|灌溉|水利|农业|种植|养殖|渔业|畜牧|农机|耕地|农村|乡村|村庄", "农户"),
        (r"道路|公路|桥梁|交通|公交|路灯", "出行群众"),
        (r"供水|饮水|污水|排水|管网|燃气|供暖|供热|环卫|垃圾|厕所|老旧小区|住房|保障房|安置", "居民"),
        (r"学校|教育|教学|校园|幼儿园|义务教育|学前|职业教育|助学|奖学", "学生"),
        (r"医院|卫生|医疗|疾病|防治|疫苗|诊疗|妇幼|健康", "群众"),
        (r"养老|敬老", "老人"),
        (r"文化|图书馆|体育|公园|广场|博物馆|文艺|演出|全民健身", "群众"),
        (r"就业|技能培训|职业培训", "参训人员"),
        (r"补贴|补助|救助|慰问|帮扶|扶贫|奖补|资助|抚恤", "受助对象"),
        (r"社区|便民|政务服务|窗口|热线|12345", "办事群众"),
        (r"招商|营商|中小企业|民营经济|商贸|外贸|消费", "企业"),
    )
)
# Running costs of the office itself: by its name, a project of these serves no outside group.
_INTERNAL = re.compile(
    r"办公|运行保障|运转|机关|物业|税费|应交|利息|还本|债务|租赁|大楼|公务|会议|差旅|人员经费|党建|档案|保密|"
    r"运维|审计|财务"
)


def served_group(ctx: ProjectContext) -> tuple[str, str] | None:
    """(who the project serves, the evidence) or None: a group named in its name, goal or
    indicators; else, for a project that is no running cost, the users of the work its name or
    goal names."""
    name, goal = normalize(ctx.name), normalize(ctx.goal)
    places = [("项目名称", name), ("绩效目标", goal)] + [
        (f"指标「{clean_indicator(r.indicator)[:16]}」", normalize(f"{r.indicator} {r.target or ''}"))
        for _, r in ctx.rows
    ]
    for where, text in places:
        m = _GROUP.search(text)
        if m:
            return _AS_GROUP.get(m.group(0), m.group(0)), f"{where}提到「{m.group(0)}」"
    if _INTERNAL.search(name):
        return None
    for where, text in places[:2]:
        for pattern, who in _DOMAINS:
            m = pattern.search(text)
            if m:
                return who, f"{where}含「{m.group(0)}」"
    return None


def satisfaction_findings(ctx: ProjectContext) -> Iterator[Finding]:
    """``completeness.no-satisfaction`` for a project that serves a group (:func:`served_group`)
    and has no 满意度 indicator (level 3, or an indicator that says 满意)."""
    if not ctx.rows or "3" in ctx.level1s:
        return
    if any(is_satisfaction(clean_indicator(r.indicator), r.level2_code) for _, r in ctx.rows):
        return
    served = served_group(ctx)
    if served is None:
        return
    who, evidence = served
    yield ctx.about(
        NO_SATISFACTION,
        f"项目服务「{who}」({evidence}),没有满意度指标;加一个「{who}满意度 ≥90%」",
    )
