"""The seed layout: one row per project, all its indicators numbered in one cell.

A 项目支出绩效目标表 exported from the budget system looks like this (tab-separated)::

    项目名称（资金使用单位）  总计  财政拨款  财政专户拨款  其他资金  绩效目标  绩效指标
    合计                    6,087.40  6,087.40 ...
    专业批发市场工作经费      15.00  15.00      目标…   1、1-产出指标；11-数量指标；名称；实施周期指标值:无；年度指标值:5个。2、…

Why a module of its own: the indicator cell is a small language (numbering, two label
fields, name, two keyed values, in full- or half-width punctuation), and both reading and
writing it back byte for byte need the same grammar. Everything here works on text; the
reader in :mod:`indicatorml.tables` does files, encodings and problems.

Splitting rule: a new indicator starts at ``N、`` followed by a level-1 label (``1-产出指标``,
``效益指标``…), not at every ``。`` — targets contain ``。`` and numbering-like text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = [
    "ItemParse",
    "CellParse",
    "parse_indicator_cell",
    "render_item",
    "strip_p",
    "parse_amount",
    "format_amount",
    "DEFAULT_STYLE",
]

_LEVEL1_WORD = r"(?:\d{1,2}\s*[-－—.]?\s*)?(?:产出|效益|满意|成本|效果)"
_ITEM_START = re.compile(r"(?<!\d)(\d{1,3})\s*、(?=\s*" + _LEVEL1_WORD + ")")
_ITEM = re.compile(
    r"^\s*(?P<num>\d+)\s*、(?P<l1>[^；;]*)(?P<s1>[；;])(?P<l2>[^；;]*)(?P<s2>[；;])(?P<name>.*?)"
    r"(?:(?P<s3>[；;])\s*实施周期指标值\s*(?P<k1>[:：])(?P<period>.*?))?"
    r"(?P<s4>[；;])\s*年度指标值\s*(?P<k2>[:：])(?P<target>.*?)(?P<end>。?\s*)$",
    re.S,
)
# A key someone spelled differently ("年度目标值:", "指标值："): dropped from a fallback value.
_LOOSE_KEY = re.compile(r"^\s*[^:：；;]{0,8}(?:值|指标|目标)\s*[:：]")
_KEYS_INSIDE = re.compile(r"(实施周期指标值|年度指标值)\s*[:：]")
_P_OPEN = re.compile(r"^\s*<p>", re.I)
_P_CLOSE = re.compile(r"</p>\s*$", re.I)

# Separators the seed uses most: full-width between fields, half-width after keys.
DEFAULT_STYLE = {"s1": "；", "s2": "；", "s3": "；", "s4": "；", "k1": ":", "k2": ":", "end": "。"}


def strip_p(cell: str) -> tuple[str, bool]:
    """Remove a ``<p>…</p>`` wrapper (either tag alone too); say whether there was one."""
    s, n1 = _P_OPEN.subn("", cell, count=1)
    s, n2 = _P_CLOSE.subn("", s, count=1)
    return s.strip(), bool(n1 or n2)


def parse_amount(text: str) -> float | None:
    """``2,220.00`` → 2220.0; empty → None; ValueError for anything that is not a number."""
    s, _ = strip_p(text)
    s = s.replace(",", "").replace("，", "").replace(" ", "")
    if not s:
        return None
    return float(s)


def format_amount(value: float | None) -> str:
    """The seed's amount spelling: thousands separators, two decimals (万元)."""
    return "" if value is None else f"{value:,.2f}"


@dataclass
class ItemParse:
    """One indicator of the cell, with the punctuation it was written in (for writing back)."""

    number: int
    level1: str
    level2: str
    name: str
    period: str | None
    target: str | None
    style: dict[str, str]
    span: tuple[int, int]  # position of the item's text in the (unwrapped) cell
    raw: str
    problem: str | None = None  # set when the item was read but something in it looks wrong


@dataclass
class CellParse:
    """A whole indicator cell: the items read and reasons for the parts that were not."""

    items: list[ItemParse] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _value(s: str | None) -> str | None:
    if s is None:
        return None
    s = s.strip()
    return s or None


def _parse_item(text: str, start: int, expected: int) -> tuple[ItemParse | None, str | None]:
    """Read one item (``N、level1；level2；name；实施周期指标值:x；年度指标值:y。``)."""
    span = (start, start + len(text))
    m = _ITEM.match(text)
    if m:
        style = {k: m.group(k) or DEFAULT_STYLE[k] for k in ("s1", "s2", "s3", "s4", "k1", "k2")}
        style["end"] = m.group("end").strip() and "。" or ""
        if m.group("s3") is None:
            style["no_period"] = "1"
        item = ItemParse(int(m.group("num")), m.group("l1").strip(), m.group("l2").strip(),
                         m.group("name").strip(), _value(m.group("period")), _value(m.group("target")),
                         style, span, text)
    else:
        # Fallback: keys misspelled or missing; 4 or 5 fields split on ；/;.
        head = re.match(r"^\s*(\d+)\s*、", text)
        if not head:
            return None, f"indicator {expected}: cannot read {_short(text)!r}"
        body = text[head.end():].rstrip()
        end = "。" if body.endswith("。") else ""
        body = body[:-1] if end else body
        parts = re.split(r"[；;]", body)
        if len(parts) not in (4, 5):
            return None, f"indicator {expected}: cannot read {_short(text)!r} (expected 5 fields separated by ；)"
        vals = [_LOOSE_KEY.sub("", p, count=1) for p in parts[3:]]
        period, target = (None, vals[0]) if len(vals) == 1 else (vals[0], vals[1])
        style = dict(DEFAULT_STYLE, end=end)
        if len(vals) == 1:
            style["no_period"] = "1"
        item = ItemParse(int(head.group(1)), parts[0].strip(), parts[1].strip(), parts[2].strip(),
                         _value(period), _value(target), style, span, text)
    if not item.name or _KEYS_INSIDE.search(item.name):
        return None, f"indicator {expected}: no indicator name in {_short(text)!r}"
    if item.target and _KEYS_INSIDE.search(item.target):
        item.problem = (f"indicator {expected}: its target holds another indicator's fields "
                        f"({_short(item.target)!r}); a label or 、 is probably damaged")
    elif item.number != expected:
        item.problem = f"indicator {expected}: numbered {item.number}"
    return item, None


def _short(s: str, n: int = 40) -> str:
    s = s.strip()
    return s if len(s) <= n else s[: n - 1] + "…"


def parse_indicator_cell(cell: str) -> CellParse:
    """Split a numbered indicator cell into items; unreadable parts become problem reasons."""
    out = CellParse()
    text = cell
    starts: list[int] = []
    expected = 1
    for m in _ITEM_START.finditer(text):
        pos = m.start()
        digits = m.group(1)
        # "≥102、…" after a lost "。": the item number is the expected suffix of the digits.
        want = str(expected)
        if digits != want and digits.endswith(want) and len(digits) > len(want):
            pos = m.start(1) + len(digits) - len(want)
        starts.append(pos)
        expected += 1
    if not starts:
        if text.strip():
            out.problems.append(f"indicator string does not parse: {_short(text)!r}")
        return out
    lead = text[: starts[0]]
    if lead.strip():
        out.problems.append(f"unreadable text before the first indicator: {_short(lead)!r}")
    bounds = starts + [len(text)]
    for k in range(len(starts)):
        item, problem = _parse_item(text[bounds[k]: bounds[k + 1]], bounds[k], k + 1)
        if problem:
            out.problems.append(problem)
        if item is not None:
            out.items.append(item)
    return out


def render_item(number: int, level1: str, level2: str, name: str, period: str | None,
                target: str | None, style: dict[str, str] | None = None) -> str:
    """One item in the seed's spelling. Missing values are written empty (read back as None)."""
    st = dict(DEFAULT_STYLE, **(style or {}))
    parts = f"{number}、{level1}{st['s1']}{level2}{st['s2']}{name}"
    if not (st.get("no_period") and period is None):
        parts += f"{st['s3']}实施周期指标值{st['k1']}{period or ''}"
    return parts + f"{st['s4']}年度指标值{st['k2']}{target or ''}{st['end']}"
