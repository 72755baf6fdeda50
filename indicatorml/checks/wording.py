"""What an indicator's own words say: what it measures (rate, count, time, money, satisfaction),
which way is better, whether it is an input, a delivery or an effect, and whether a target's
words are vague or graded.

Shared by the rule families, so a 率 indicator is a rate everywhere and "lower is better" means
the same to the direction rule and the draft check.
"""

from __future__ import annotations

import re

from ..segment import normalize
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
    "is_money",
    "per_unit_money",
    "is_input",
    "lower_is_better",
    "higher_is_better",
    "is_delivery",
    "names_quantity",
    "is_effect",
    "vague_change",
    "is_graded",
    "period_words",
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


# ---------------------------------------------------------------- money, inputs, deliveries
# An amount of money as the indicator's head noun (补助资金, 项目总投资, 营业收入): what it counts.
_MONEY = re.compile(
    r"(?:金额|资金|经费|费用|成本|投资额?|收入|产值|营业额|销售额|税收|税费|租金|总额|补助款|补贴款)"
    r"\s*(?:[(（][^)）]*[)）])?\s*$"
)
# Adverbs that make a money phrase a rate (足额发放 100%: paid in full, a share).
_AS_RATE = re.compile(r"足额|按时|及时|全额|全部|按标准|按规定|到位")
_PER_UNIT = re.compile(r"(?:万?元|块)\s*[/／每]|人均|户均|亩均|生均|每(?:人|户|亩|生|名|公里|平方米|次)")
# Inputs (the money going in), not outputs: 资金到位率, 预算执行率, 拨付金额 (财预〔2021〕101号).
_INPUT = re.compile(
    r"(?:资金|经费|配套|预算)\S{0,4}到位|到位资金|预算执行|资金执行|支出进度|执行进度|资金使用率|资金支出率|"
    r"预算支出率|拨付(?:金额|资金数|总额)|(?:资金|经费|预算)(?:总)?(?:金额|总额|数额)"
)
# What a project does (a delivery: counted under 产出), and what its doing changes (效益).
_DELIVERY = re.compile(
    r"铺设|敷设|建设|建成|新建|改建|扩建|修建|改造|维修|修缮|购置|采购|配备|安装|举办|开展|组织|召开|培训|"
    r"发放|印制|派发|宣传|检查|巡查|走访|慰问|整改|督促|设置|制作|编制|出版|摸查|排查|清理|种植|栽种|放流|"
    r"投放|硬化|疏浚|清淤|绿化|补植|维护|养护|演练|讲座|宣讲"
)
_EFFECT = re.compile(
    r"受益|带动|就业|增收|增长|增加|提升|提高|改善|减少|降低|下降|节约|节省|节水|覆盖|惠及|拉动|吸引|"
    r"收入|效益|效果|作用|影响|满意|受众|受惠|率|比例|占比"
)
_QUANTITY = re.compile(
    r"长度|面积|里程|数量|个数|次数|场次|人次|户数|台数|套数|处数|座数|期数|公里|亩数|规模"
)

# ---------------------------------------------------------------- direction
# Lower is better: a fault, an accident, a complaint, an excess, an error, an interruption.
_LOWER = re.compile(
    r"故障率|发生率|事故|投诉|超标|误差|中断|差错|失误|违规|违法|逾期|延误|发病率|死亡率|损失率"
)
# ... unless the indicator measures how those are handled, or their absence.
_HANDLED = re.compile(
    r"处理|处置|办结|解决|回复|答复|整改|查处|排除|修复|下降|降低|减少|控制|治理|消除|响应|满意|防控|预防|"
    r"防范|清零|化解|结案|受理|反馈|调处|核查|排查|监测|检测|未发生|不发生|无|零|杜绝|避免|安全运行|正常"
)
# Higher is better: a share that something was done well.
_HIGHER = re.compile(
    r"(?:合格|达标|完成|覆盖|知晓|及时|到位|优良|通过|正确|准确|完好|利用|使用|入学|就业|参保|接种|治愈|普及|"
    r"办结|兑现|出勤|竣工|验收|受益|满意|好评|成活|存活|保存|开通|上线|响应|处置|回复)率|满意度"
)

# ---------------------------------------------------------------- vague and graded targets
# A change promised without saying how much (有效提升, 明显改善, 进一步提高, 稳步提高, 有效控制 …):
# a change is measured against last year, so a number could be had.
_VAGUE_CHANGE = re.compile(
    r"(?:有效|明显|显著|进一步|稳步|持续|不断|逐步|大幅|大力|全面|切实|较大|极大|有力|普遍|较快|得到|有所)地?"
    r"(?:的)?(?:提升|提高|改善|增强|加强|控制|降低|减少|增加|增长|优化|推进|促进|好转|改进|缓解|扩大)"
)
# A qualitative target from a graded scale (好/较好/一般/较差/差, 优/良/中/差, A-D级): allowed by
# the guidance where no number can be had (定性指标分级分档表述).
_GRADE_WORD = r"(?:好|较好|一般|较差|差|优|良|中|优秀|良好|优良|较高|高|中等|[A-DＡ-Ｄ]级?|[一二三四五]级|[一二三四五]档)"
_GRADED = re.compile(
    r"^(?:达到|为|评为|等级为)?\s*" + _GRADE_WORD + r"\s*(?:及以上|以上)?\s*(?:等级|档次|水平)?$"
)
_GRADE_SCALE = re.compile(r"分级|分档|等级[:：]|好[/、,，]\s*较好|优[/、,，]\s*良")
# The 实施期 as a whole in an annual target: 实施期内, 项目周期, 三年累计, 2023-2025年.
_PERIOD = re.compile(
    r"实施期|实施周期|项目期|项目周期|周期内|整个周期|[两二三四五六七八九十]年(?:内|累计|共计|合计|共)|"
    r"(?:19|20)\d{2}\s*(?:年)?\s*[-—–~～至到]\s*(?:19|20)\d{2}\s*年"
)


def is_money(text: str) -> bool:
    """The text is an amount of money (ends in 金额, 资金, 经费, 成本, 收入 …), not a share of it."""
    return bool(_MONEY.search(text)) and not is_rate(text) and not _AS_RATE.search(text)


def per_unit_money(text: str, target: str | None) -> bool:
    """Money per person, household, mu … (``589元/人``, 人均补助): a unit cost, a 成本 indicator."""
    t = normalize_text(target)
    return bool(_PER_UNIT.search(t) and re.search(r"元", t)) or bool(
        _PER_UNIT.search(text) and re.search(r"元", t + text)
    )


def is_input(text: str) -> bool:
    """The text names the money going in (资金到位率, 预算执行率, 拨付金额), not what it buys."""
    return bool(_INPUT.search(text))


def lower_is_better(text: str) -> bool:
    """The text measures something bad (故障率, 事故, 投诉, 超标 …) and not how it is handled."""
    return bool(_LOWER.search(text)) and not _HANDLED.search(text)


def higher_is_better(text: str) -> bool:
    """The text measures a share of something done well (合格率, 覆盖率, 满意度 …)."""
    return bool(_HIGHER.search(text)) and not lower_is_better(text)


def is_delivery(text: str) -> bool:
    """The text names work done (铺设, 举办, 培训, 发放, 检查 …): what an output counts."""
    return bool(_DELIVERY.search(text))


def names_quantity(text: str) -> bool:
    """The text names an amount of something (长度, 面积, 次数, 人次, (个) …), not a share."""
    return bool(_QUANTITY.search(text) or is_count(text)) and not is_rate(text)


def is_effect(text: str) -> bool:
    """The text names a change or a share (受益, 带动, 增长, …率): an effect may be counted so."""
    return bool(_EFFECT.search(text))


def vague_change(target: str | None) -> str | None:
    """The vague phrase of a target that promises a change without saying how much, or None."""
    m = _VAGUE_CHANGE.search(normalize_text(target))
    return m.group(0) if m else None


def is_graded(target: str | None) -> bool:
    """A qualitative target on a graded scale (好/较好/一般, 优/良/中/差, A级, 分级分档)."""
    t = normalize_text(target).strip()
    return bool(t) and bool(_GRADED.match(t) or _GRADE_SCALE.search(t))


def period_words(text: str | None) -> str | None:
    """The words of a text that speak of the 实施期 as a whole (实施期内, 三年累计, 2023-2025年)."""
    m = _PERIOD.search(normalize_text(text))
    return m.group(0) if m else None


def normalize_text(text: str | None) -> str:
    """Widths folded (NFKC) and tags dropped; the empty string for None."""
    return normalize(text) if text else ""
