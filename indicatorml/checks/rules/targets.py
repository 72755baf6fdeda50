"""Target rules: a 年度指标值 that is empty, vague, of the wrong kind, impossible or trivial.

Each row is judged on its own (its words, its category, its target), so the 填报 page runs this
family on a draft as it is typed (:func:`indicatorml.checks.check_draft`).
"""

from __future__ import annotations

from collections.abc import Iterator

from ...records import Indicator
from ...segment import clean_indicator, normalize
from ...targets import parse_target
from ...taxonomy import by_code
from ..context import ProjectContext
from ..finding import Finding, Rule, excerpt
from ..sources import CORE_2021, TARGETS_2015, cite
from ..wording import (
    NEEDS_NUMBER,
    PERCENT_IN_TEXT,
    TIME_UNIT_IN_TEXT,
    UNCAPPED,
    USUAL_FORM,
    is_count,
    is_graded,
    is_rate,
    is_satisfaction,
    is_time,
    vague_change,
)

__all__ = ["RULES", "target_findings"]

_QUANTIFIED = cite(TARGETS_2015, "绩效目标应细化量化,难以量化的采用定性的分级分档形式表述")
_VALUE = cite(CORE_2021, "指标值与度量单位相符、可考核")

EMPTY = Rule("target.empty", "target", "error", "缺指标值", "没有填写年度指标值", _QUANTIFIED)
VAGUE = Rule(
    "target.vague",
    "target",
    "warning",
    "指标值不可考核",
    "产出、成本、满意度指标的指标值没有数字和比较符",
    _QUANTIFIED,
    "时效指标写「年底前」以外的日期说法(如「汛期前」)会被当作没有时间",
)
VAGUE_WORDING = Rule(
    "target.vague-wording",
    "target",
    "warning",
    "指标值用模糊措辞",
    "指标值只说「有效提升」「明显改善」「进一步提高」,没有说提高多少",
    _QUANTIFIED,
    "确实无法取得基数的效益(如首次开展的社会影响),只能定性描述;此时应写成分级分档",
)
VAGUE_EFFECT = Rule(
    "target.vague-effect",
    "target",
    "info",
    "效益指标定性描述",
    "效益指标的指标值是定性描述(无法量化时允许,但应可核验)",
    _QUANTIFIED,
    "效益确实无法量化时,这是允许的写法;仅作提示",
)
RATE_ON_COUNT = Rule(
    "target.rate-on-count",
    "target",
    "warning",
    "数量指标配百分比",
    "数量指标的指标值却是百分比",
    _VALUE,
    "「完成率」写成「完成数量」的表:指标名称本身有误,改名称即可",
)
COUNT_ON_RATE = Rule(
    "target.count-on-rate", "target", "warning", "比率指标配数量", "比率指标的指标值却是数量", _VALUE
)
NOT_TIME = Rule(
    "target.not-time",
    "target",
    "warning",
    "时效指标没有时间",
    "时效指标的指标值不是时间、期限或及时率",
    _VALUE,
    "「按时完成次数」一类本应是数量的指标被填在时效下",
)
SATISFACTION_NO_PERCENT = Rule(
    "target.satisfaction-no-percent",
    "target",
    "warning",
    "满意度不是百分比",
    "满意度指标的指标值不是百分比",
    cite(CORE_2021, "满意度指标一般以百分比表示"),
)
IMPOSSIBLE = Rule(
    "target.impossible",
    "target",
    "error",
    "指标值无法达到",
    "比率要求超过100%",
    _VALUE,
    "增长率、倍数一类可超过100%的比率若名称里没有「增长」「提高」等字,会被误判",
)
GE_100 = Rule(
    "target.ge-100",
    "target",
    "warning",
    "≥100%应写=100%",
    "比率最多100%,「≥100%」就是要求100%",
    _VALUE,
)
TRIVIAL = Rule(
    "target.trivial",
    "target",
    "warning",
    "指标值没有要求",
    "指标值≥0:数量什么都不做也能达到,比率只要求不下降",
    cite(TARGETS_2015, "绩效目标应合理可行、有挑战性"),
    "「安全事故≥0起」一类方向写反的指标(见「指标方向」规则)",
)
RULES = (
    EMPTY,
    VAGUE,
    VAGUE_WORDING,
    VAGUE_EFFECT,
    RATE_ON_COUNT,
    COUNT_ON_RATE,
    NOT_TIME,
    SATISFACTION_NO_PERCENT,
    IMPOSSIBLE,
    GE_100,
    TRIVIAL,
)


# Categories a grade (好/较好/一般) cannot stand for: an amount, a time, a cost. A quality
# (工程质量 优良) or an effect may be graded where no number can be had.
_COUNTED = frozenset({"11", "13", "14", "41", "42", "43"})


def target_findings(ctx: ProjectContext) -> Iterator[Finding]:
    """Findings about each row's 年度指标值 (see :func:`row_target_findings`)."""
    for i, rec in ctx.rows:
        yield from row_target_findings(ctx, i, rec)


def row_target_findings(ctx: ProjectContext, i: int, rec: Indicator) -> Iterator[Finding]:
    """Findings about one record's 年度指标值: what the target is
    (:func:`~indicatorml.targets.parse_target`) against what the indicator's words and category
    say it needs (:mod:`..wording`). A qualitative target on a graded scale (好/较好/一般) is
    accepted for a quality or an effect; one promising a change without saying how much is a
    warning in any category."""
    text = clean_indicator(rec.indicator)
    code = rec.level2_code
    t = parse_target(rec.target)
    tq = excerpt(rec.target)

    def add(rule: Rule, msg: str) -> Finding:
        return ctx.at_row(rule, i, rec, msg, "target")

    if t.kind == "empty":
        yield add(
            EMPTY,
            "没有指标值;填写可考核的年度指标值"
            + (f",{by_code(code).name}通常写作{USUAL_FORM[code]}" if code in USUAL_FORM else ""),
        )
        return
    satisfaction = is_satisfaction(text, code)
    percent_text = bool(PERCENT_IN_TEXT.search(normalize(rec.indicator)))
    if satisfaction:
        if t.kind != "percent" and not (t.kind == "number" and percent_text):
            yield add(SATISFACTION_NO_PERCENT, f"满意度指标的指标值「{tq}」不是百分比;写作「≥90%」这样的比例")
    elif t.kind == "qualitative" and not (is_graded(rec.target) and code not in _COUNTED):
        vague = vague_change(rec.target)
        if vague:
            yield add(
                VAGUE_WORDING,
                f"指标值「{tq}」只说「{vague}」,没有说到多少,无法考核;写成可核验的数"
                f"(如「较上年提高≥N%」{'或' + USUAL_FORM[code] if code in USUAL_FORM else ''}),"
                "确实无法量化时写成分级分档(好/较好/一般)",
            )
        elif code in NEEDS_NUMBER:
            yield add(
                VAGUE,
                f"指标值「{tq}」没有数字和比较符,无法考核;{by_code(code).name}通常写作{USUAL_FORM[code]}",
            )
        elif code is not None:
            yield add(
                VAGUE_EFFECT,
                f"指标值「{tq}」是定性描述;能量化时写成数字"
                f"(如{USUAL_FORM.get(code, '「≥N」')}),不能量化时写成分级分档(好/较好/一般)",
            )
    if t.kind == "percent" and is_count(text) and not satisfaction:
        yield add(
            RATE_ON_COUNT,
            f"「{excerpt(rec.indicator)}」是数量,指标值「{tq}」却是百分比;"
            "写成数量(如「≥N个」),或把指标改成比率(…率)",
        )
    if t.kind == "count" and is_rate(text) and not percent_text:
        yield add(
            COUNT_ON_RATE,
            f"「{excerpt(rec.indicator)}」是比率,指标值「{tq}」却是数量;写成百分比(如「≥95%」),或把指标改成数量",
        )
    if is_time(text, code) and not satisfaction and t.kind in ("count", "number", "money", "percent"):
        time_ok = (t.kind in ("percent", "number") and is_rate(text)) or (
            t.kind == "number" and bool(TIME_UNIT_IN_TEXT.search(normalize(rec.indicator)))
        )
        if not time_ok:
            yield add(
                NOT_TIME, f"时效指标的指标值「{tq}」不是时间;写成「≤N个工作日」「X月底前」或及时率「≥95%」"
            )
    if t.comparison == "≥" and t.value == 0 and t.kind in ("percent", "count", "number", "money"):
        what = "只要求不下降" if t.kind == "percent" else "不做任何事也能达到"
        yield add(
            TRIVIAL, f"指标值「{tq}」{what},起不到考核作用;写一个有要求的值(如增长率「≥5%」、数量「≥N个」)"
        )
    # Impossible targets: a rate that cannot exceed 100% asked to exceed it.
    capped = (is_rate(text) or satisfaction) and not UNCAPPED.search(text)
    pct = (
        t.value
        if (t.kind == "percent" or (t.kind == "number" and capped and (percent_text or is_rate(text))))
        else None
    )
    if capped and pct is not None:
        if pct > 100 or (pct == 100 and t.comparison == ">"):
            yield add(
                IMPOSSIBLE, f"比率不能超过100%,指标值「{tq}」达不到;改成不超过100%的值(如「≥95%」「=100%」)"
            )
        elif pct == 100 and t.comparison == "≥":
            yield add(GE_100, f"比率最多100%,「{tq}」就是要求100%;写作「=100%」")
