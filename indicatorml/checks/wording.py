"""What an indicator's own words say about the target it needs (rate, count, time, satisfaction).

Shared by the target and completeness rules, so a 率 indicator is a rate everywhere.
"""

from __future__ import annotations

import re

from ..targets import COUNT_UNITS

__all__ = [
    "UNCAPPED",
    "TIME_UNIT_IN_TEXT",
    "PERCENT_IN_TEXT",
    "USUAL_FORM",
    "NEEDS_NUMBER",
    "is_rate",
    "is_count",
    "is_time",
    "is_satisfaction",
]

# What an indicator's own words say about the target it needs.
_RATE = re.compile(r"率|比例|占比|比重|百分比|%|％")
# Rates that may exceed 100%: growth, change, ratios to last year.
UNCAPPED = re.compile(
    r"增长|增速|增幅|增加|增量|提高|提升|上升|下降|降低|减少|同比|环比|比上年|较上年|倍|超额|节约|节省|偏差|差异|变化|产出比|回报"
)
_COUNT = re.compile(
    r"数量|个数|人数|人次|户数|次数|场次|家数|件数|项数|册数|份数|台数|套数|批次|"
    r"[（(]\s*(?:" + "|".join(u for u in COUNT_UNITS if len(u) <= 2) + r")\s*[）)]|数\s*$"
)
_TIME = re.compile(r"时限|期限|完成时间|完成日期|时间节点|工期|完成时点")
# A time unit in the indicator's own brackets (完成时限(工作日)): a bare number target is then a time.
TIME_UNIT_IN_TEXT = re.compile(r"[（(]\s*(?:个?工作日|天|日|周|个?月|年|小时)\s*[）)]")
_SATISFACTION = re.compile(r"满意")
# A percent sign in the indicator's own brackets (覆盖率(%)): a bare number target is then a percentage.
PERCENT_IN_TEXT = re.compile(r"[（(]\s*[%％]\s*[）)]|百分比")

# The usual form of a target, by category: the hint a vague target gets.
USUAL_FORM = {
    "11": "「≥N个」「≥N家」「≥N次」",
    "12": "「≥95%」「=100%」",
    "13": "「≤N个工作日」「X月底前」「≥95%」(及时率)",
    "14": "「≤N万元」",
    "41": "「≤N万元」",
    "42": "「≤N万元」或可量化的社会代价",
    "43": "「≤N万元」或可量化的环境代价",
    "21": "「≥N万元」「增长≥N%」",
    "22": "「≥N人」「≥N%」",
    "23": "「≥N吨」「≥N%」",
    "24": "「≥N年」「≥N%」",
    "31": "「≥90%」",
}
# Categories whose targets must be a number: 产出, 成本, 满意度. 效益 may be qualitative where
# no number can be had (the framework's own words), so there a vague target is only info.
NEEDS_NUMBER = {"11", "12", "13", "14", "41", "42", "43", "31"}


def is_rate(text: str) -> bool:
    """The text names a rate (…率, 比例, 占比, %)."""
    return bool(_RATE.search(text))


def is_count(text: str) -> bool:
    """The text names a count (…数量, 人次, (个)) and not a rate."""
    return bool(_COUNT.search(text)) and not is_rate(text)


def is_time(text: str, code: str | None) -> bool:
    """A time indicator: category 13 (时效), or the text names a deadline (时限, 完成时间…)."""
    return code == "13" or bool(_TIME.search(text))


def is_satisfaction(text: str, code: str | None) -> bool:
    """A satisfaction indicator: category 31, or the text says 满意."""
    return code == "31" or bool(_SATISFACTION.search(text))
