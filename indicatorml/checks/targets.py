"""Target rules: a 年度指标值 that is empty, vague, of the wrong kind, impossible or trivial."""

from __future__ import annotations

from ..records import Indicator
from ..segment import clean_indicator, normalize
from ..targets import parse_target
from ..taxonomy import by_code
from .finding import Finding, excerpt, make_finding
from .wording import (
    NEEDS_NUMBER,
    PERCENT_IN_TEXT,
    TIME_UNIT_IN_TEXT,
    UNCAPPED,
    USUAL_FORM,
    is_count,
    is_rate,
    is_satisfaction,
    is_time,
)

__all__ = ["target_findings"]


def target_findings(i: int, rec: Indicator, proj: str | None, file: str) -> list[Finding]:
    """Findings about one record's 年度指标值 (``i`` its index in the file, ``proj`` its project):
    what the target is (:func:`~indicatorml.targets.parse_target`) against what the indicator's
    words and category say it needs (:mod:`.wording`)."""
    out: list[Finding] = []
    text = clean_indicator(rec.indicator)
    code = rec.level2_code
    t = parse_target(rec.target)
    tq = excerpt(rec.target)

    def add(rule: str, msg: str) -> None:
        out.append(make_finding(rule, msg, i, rec, proj, file, "target"))

    if t.kind == "empty":
        add(
            "target.empty",
            "没有指标值;填写可考核的年度指标值"
            + (f",{by_code(code).name}通常写作{USUAL_FORM[code]}" if code in USUAL_FORM else ""),
        )
        return out
    satisfaction = is_satisfaction(text, code)
    percent_text = bool(PERCENT_IN_TEXT.search(normalize(rec.indicator)))
    if satisfaction:
        if t.kind != "percent" and not (t.kind == "number" and percent_text):
            add(
                "target.satisfaction-no-percent",
                f"满意度指标的指标值「{tq}」不是百分比;写作「≥90%」这样的比例",
            )
    elif t.kind == "qualitative":
        if code in NEEDS_NUMBER:
            add(
                "target.vague",
                f"指标值「{tq}」没有数字和比较符,无法考核;{by_code(code).name}通常写作{USUAL_FORM[code]}",
            )
        elif code is not None:
            add(
                "target.vague-effect",
                f"指标值「{tq}」是定性描述;能量化时写成数字"
                f"(如{USUAL_FORM.get(code, '「≥N」')}),不能量化时写明可核验的标准",
            )
    if t.kind == "percent" and is_count(text) and not satisfaction:
        add(
            "target.rate-on-count",
            f"「{excerpt(rec.indicator)}」是数量,指标值「{tq}」却是百分比;"
            "写成数量(如「≥N个」),或把指标改成比率(…率)",
        )
    if t.kind == "count" and is_rate(text) and not percent_text:
        add(
            "target.count-on-rate",
            f"「{excerpt(rec.indicator)}」是比率,指标值「{tq}」却是数量;"
            "写成百分比(如「≥95%」),或把指标改成数量",
        )
    if is_time(text, code) and not satisfaction and t.kind in ("count", "number", "money", "percent"):
        time_ok = (t.kind in ("percent", "number") and is_rate(text)) or (
            t.kind == "number" and bool(TIME_UNIT_IN_TEXT.search(normalize(rec.indicator)))
        )
        if not time_ok:
            add(
                "target.not-time",
                f"时效指标的指标值「{tq}」不是时间;写成「≤N个工作日」「X月底前」或及时率「≥95%」",
            )
    if t.comparison == "≥" and t.value == 0 and t.kind in ("percent", "count", "number", "money"):
        what = "只要求不下降" if t.kind == "percent" else "不做任何事也能达到"
        add(
            "target.trivial",
            f"指标值「{tq}」{what},起不到考核作用;写一个有要求的值(如增长率「≥5%」、数量「≥N个」)",
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
            add(
                "target.impossible",
                f"比率不能超过100%,指标值「{tq}」达不到;改成不超过100%的值(如「≥95%」「=100%」)",
            )
        elif pct == 100 and t.comparison == "≥":
            add("target.ge-100", f"比率最多100%,「{tq}」就是要求100%;写作「=100%」")
    return out
