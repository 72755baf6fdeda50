"""Read a target (年度指标值) into comparison, number, unit and kind.

Why one module: the classifier uses the target's kind as a feature (a % target is rarely a
数量 indicator), the checks flag a rate target on a count or a 满意度 with no percentage, and
precedent search summarises targets as "≥90%: 7 of 9". All three must read targets alike.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

__all__ = ["Target", "parse_target", "KINDS", "COUNT_UNITS", "TIME_UNITS"]

KINDS = ("percent", "count", "money", "duration", "date", "number", "qualitative", "empty")

COUNT_UNITS = (
    "人次",
    "户次",
    "场次",
    "批次",
    "家",
    "个",
    "次",
    "场",
    "人",
    "户",
    "项",
    "件",
    "份",
    "条",
    "篇",
    "所",
    "名",
    "台",
    "套",
    "期",
    "场",
    "处",
    "座",
    "辆",
    "张",
    "本",
    "册",
    "部",
    "间",
    "栋",
    "类",
    "种",
    "宗",
    "笔",
    "单",
    "只",
    "头",
    "株",
    "棵",
    "亩",
    "平方米",
    "平米",
    "公里",
    "千米",
    "米",
    "吨",
    "千克",
    "公斤",
    "km",
    "m2",
    "㎡",
    "册",
    "课时",
    "学时",
    "节",
    "轮",
    "批",
    "组",
    "村",
    "镇",
)
TIME_UNITS = ("个工作日", "工作日", "小时", "分钟", "天", "日", "周", "个月", "月", "年")
MONEY_UNITS = ("亿元", "万元", "元")

_GE = r"(?:≥|>=|不少于|不低于|至少|以上|及以上|超过|超|达到|达|大于等于)"
_LE = r"(?:≤|<=|不超过|不高于|不多于|以内|以下|及以下|控制在|低于|少于|小于等于|之内|内)"
_NUM = re.compile(r"(\d+(?:,\d{3})*(?:\.\d+)?)")
# Comparison signs NFKC leaves alone (≧ ≦ and the box-drawing ═ some tables type for =).
_SIGNS = str.maketrans({"≧": "≥", "≦": "≤", "═": "="})
# Numeric dates: 2020.1.1, 2020-12-31, 2024/3 (year, then month with - or /, or y.m.d).
_NUMERIC_DATE = re.compile(
    r"(?<!\d)(?:19|20)\d{2}\s*(?:[.\-/]\s*\d{1,2}\s*[.\-/]\s*\d{1,2}|[\-/]\s*\d{1,2})(?!\d)"
)
_DATE = re.compile(
    r"(\d{4}\s*年\s*(\d{1,2}\s*月)?|\d{1,2}\s*月\s*(\d{1,2}\s*日|底|中旬|上旬|下旬|末)?)\s*"
    r"(前|之前|底前|以前|完成|内)?|年底前|年内|年底|当年"
)


@dataclass(frozen=True)
class Target:
    """A parsed target. ``comparison`` is one of ≥ ≤ > < = or None; ``value`` the first number."""

    text: str
    kind: str
    comparison: str | None = None
    value: float | None = None
    unit: str | None = None

    @property
    def measurable(self) -> bool:
        """A number (or a date) to check against: what the framework asks of most targets."""
        return self.kind not in ("qualitative", "empty")

    @property
    def form(self) -> str:
        """A short form for summaries: "≥90%", "=100%", "≤5个工作日", "数值(家)", "定性"."""
        if self.kind == "empty":
            return "空"
        if self.kind == "qualitative":
            return "定性"
        if self.kind == "date":
            return "日期"
        cmp_ = self.comparison or "="
        if self.value is None:
            return f"{cmp_}{self.unit or ''}"
        v = int(self.value) if self.value == int(self.value) else self.value
        return f"{cmp_}{v}{self.unit or ''}"


def _comparison(s: str, num_start: int, num_end: int) -> str | None:
    before, after = s[:num_start], s[num_end:]
    b = before[-6:]
    if re.search(r"(≥|>=|大于等于|不少于|不低于|至少)\s*$", b):
        return "≥"
    if re.search(r"(≤|<=|小于等于|不超过|不高于|不多于|控制在)\s*$", b):
        return "≤"
    if re.search(r"(>|超过|超|大于|高于)\s*$", b):
        return ">"
    if re.search(r"(<|低于|少于|小于)\s*$", b):
        return "<"
    if re.search(r"(=|达到|为|达)\s*$", b):
        return "="
    a = after[:8]
    if re.match(r"^\s*\S{0,4}?(以上|及以上|或以上)", a):
        return "≥"
    if re.match(r"^\s*\S{0,6}?(以内|以下|及以下|之内|内)", a):
        return "≤"
    if re.search(_GE + r"\s*$", before[-4:]):
        return "≥"
    if re.search(_LE, before[-4:]):
        return "≤"
    return None


def parse_target(text: str | None) -> Target:
    """Parse a target string. Never raises: unreadable text is ``qualitative``.

    Cached: the check rules each read every row's target, and tables repeat a handful of targets
    (100%, ≥90%) many times; a :class:`Target` is frozen, so sharing one is safe."""
    return _parse("" if text is None else str(text))


@functools.lru_cache(maxsize=65536)
def _parse(raw: str) -> Target:
    s = unicodedata.normalize("NFKC", raw).strip().translate(_SIGNS)
    s = re.sub(r"<[^>]{0,40}>", "", s).strip()
    if not s or s in ("无", "-", "/", "—", "--", "null", "none"):
        return Target(raw, "empty")
    m = _NUM.search(s)
    if m is None:
        if _DATE.search(s):
            return Target(raw, "date")
        return Target(raw, "qualitative")
    value = float(m.group(1).replace(",", ""))
    d = _NUMERIC_DATE.match(s, m.start())
    if d is not None:
        return Target(
            raw, "date", _comparison(s, m.start(), m.end()), float(s[m.start() : m.start() + 4]), None
        )
    after = s[m.end() :].lstrip()
    cmp_ = _comparison(s, m.start(), m.end())
    if after.startswith("%") or after.startswith("％") or "百分" in s[: m.start()]:
        return Target(raw, "percent", cmp_, value, "%")
    for unit in MONEY_UNITS:
        if after.startswith(unit):
            return Target(raw, "money", cmp_, value, unit)
    if re.match(
        r"^\s*年\s*\d{1,2}\s*月|^\s*年\s*(底|末|内)|^\s*月\s*\d{0,2}\s*日?\s*(前|底|之前|以前)?", after
    ) or (value >= 1990 and value <= 2100 and after.startswith("年")):
        return Target(raw, "date", cmp_, value, None)
    for unit in TIME_UNITS:
        if after.startswith(unit):
            return Target(raw, "duration", cmp_ or ("≤" if "内" in after else None), value, unit)
    for unit in sorted(COUNT_UNITS, key=len, reverse=True):
        if after.startswith(unit):
            return Target(raw, "count", cmp_, value, unit)
    if re.search(r"(个|家|次|场|人|户|项|件)\s*$", s[: m.start()]):  # "摸查街道数≥21个" style handled above
        return Target(raw, "count", cmp_, value, None)
    return Target(raw, "number", cmp_, value, None)
