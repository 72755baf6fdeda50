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

A draft has no labels yet (``1、名称；实施周期指标值:无；年度指标值:5个。``), or only one of the two
(``1、1-产出指标；名称；…``, ``1、11-数量指标；名称；…``). Such items are found by their keys instead:
every item has exactly one ``年度指标值:``, so between two of them lies exactly one item start,
the last ``N、`` there that carries the expected number (a target may itself be numbered, but
it comes before the next item's number). An absent label field is ``None`` (nothing guessed);
a field before the name that is not a label is kept in the name and reported.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field

from ..taxonomy import UnknownLabel, normalize_label, normalize_level1

__all__ = [
    "ItemParse",
    "CellParse",
    "parse_indicator_cell",
    "render_item",
    "strip_p",
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
# The same item with 1 or 2 fields before the keys (no label, or only one of the two).
_ITEM_FLEX = re.compile(
    r"^\s*(?P<num>\d+)\s*、(?P<head>.*?)"
    r"(?:(?P<s3>[；;])\s*实施周期指标值\s*(?P<k1>[:：])(?P<period>.*?))?"
    r"(?P<s4>[；;])\s*年度指标值\s*(?P<k2>[:：])(?P<target>.*?)(?P<end>。?\s*)$",
    re.S,
)
_ANY_START = re.compile(r"(?<!\d)(\d{1,3})\s*、")
_TARGET_KEY = re.compile(r"年度指标值\s*[:：]")
_PERIOD_KEY = re.compile(r"[；;]\s*实施周期指标值\s*[:：]")
_BOUNDARY = "。；;.>\t\n 　"
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


@dataclass
class ItemParse:
    """One indicator of the cell, with the punctuation it was written in (for writing back)."""

    number: int
    level1: str | None  # None: the item has no level-1 field (a draft); "" : an empty field
    level2: str | None
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
    """Read one item (``N、level1；level2；name；实施周期指标值:x；年度指标值:y。``; in a draft one or
    both labels may be absent)."""
    span = (start, start + len(text))
    m = _ITEM.match(text)
    flex = None if m and not _KEYS_INSIDE.search(m.group("name")) else _flex_item(text, span)
    if flex is not None:
        item = flex
    elif m:
        style = {k: m.group(k) or DEFAULT_STYLE[k] for k in ("s1", "s2", "s3", "s4", "k1", "k2")}
        style["end"] = m.group("end").strip() and "。" or ""
        if m.group("s3") is None:
            style["no_period"] = "1"
        item = ItemParse(
            int(m.group("num")),
            m.group("l1").strip(),
            m.group("l2").strip(),
            m.group("name").strip(),
            _value(m.group("period")),
            _value(m.group("target")),
            style,
            span,
            text,
        )
    else:
        # Fallback: keys misspelled or missing; 4 or 5 fields split on ；/;.
        head = re.match(r"^\s*(\d+)\s*、", text)
        if not head:
            return None, f"第{expected}条指标:无法读取「{_short(text)}」"
        body = text[head.end() :].rstrip()
        end = "。" if body.endswith("。") else ""
        body = body[:-1] if end else body
        parts = re.split(r"[；;]", body)
        if len(parts) not in (4, 5):
            return (
                None,
                f"第{expected}条指标:无法读取「{_short(text)}」(应为以；分隔的5项)",
            )
        vals = [_LOOSE_KEY.sub("", p, count=1) for p in parts[3:]]
        period, target = (None, vals[0]) if len(vals) == 1 else (vals[0], vals[1])
        style = dict(DEFAULT_STYLE, end=end)
        if len(vals) == 1:
            style["no_period"] = "1"
        item = ItemParse(
            int(head.group(1)),
            parts[0].strip(),
            parts[1].strip(),
            parts[2].strip(),
            _value(period),
            _value(target),
            style,
            span,
            text,
        )
    for level, label in ((1, item.level1), (2, item.level2)):
        if label == "":
            item.style[f"keep_l{level}"] = "1"  # an empty label field, written back as such
    if not item.name or _KEYS_INSIDE.search(item.name) or (flex is not None and _not_a_name(item.name)):
        return None, f"第{expected}条指标:「{_short(text)}」里没有指标名称"
    if item.target and _KEYS_INSIDE.search(item.target):
        item.problem = (
            f"第{expected}条指标:指标值里含有另一条指标的内容(「{_short(item.target)}」);"
            "可能是类别或「、」写坏了"
        )
    elif item.number != expected:
        item.problem = f"第{expected}条指标:编号写成了{item.number}"
    elif flex is not None and flex.problem:
        item.problem = flex.problem.format(n=expected)
    return item, None


def _flex_item(text: str, span: tuple[int, int]) -> ItemParse | None:
    """An item with fewer than two label fields, or None when it is not one.

    One field before the keys is the name. Of two, the first is a label if it is shaped like
    one (``1-产出指标``, ``数量指标``, ``社会效益``, ``满意度``); otherwise both are kept as the name
    (a ； inside a name, or a damaged label) and the item carries a problem saying so.
    """
    m = _ITEM_FLEX.match(text)
    if not m:
        return None
    head = m.group("head")
    parts = re.split(r"([；;])", head)
    if len(parts) > 3 or _KEYS_INSIDE.search(head):
        return None
    sep = parts[1] if len(parts) == 3 else (m.group("s3") or m.group("s4"))
    style = {
        "s1": sep,
        "s2": sep,
        "s3": m.group("s3") or sep,
        "s4": m.group("s4"),
        "k1": m.group("k1") or m.group("k2"),
        "k2": m.group("k2"),
        "end": m.group("end").strip() and "。" or "",
    }
    if m.group("s3") is None:
        style["no_period"] = "1"
    level1 = level2 = None
    problem = None
    name = head.strip()
    if len(parts) == 3:
        first = parts[0].strip()
        level = _label_level(first)
        if level == 1:
            level1, name = first, parts[2].strip()
        elif level == 2:
            level2, name = first, parts[2].strip()
        else:
            problem = f"第{{n}}条指标:名称前的「{_short(first, 20)}」不是类别,作为名称的一部分保留"
    item = ItemParse(
        int(m.group("num")),
        level1,
        level2,
        name,
        _value(m.group("period")),
        _value(m.group("target")),
        style,
        span,
        text,
    )
    item.problem = problem
    return item


def _label_text(s: str) -> str:
    s = unicodedata.normalize("NFKC", s)
    s = re.sub(r"\s+", "", s)
    return re.sub(r"[（(][^）)]*[）)]", "", s)


_L1_SHAPE = re.compile(r"(?:\d[-－—.、]?)?(?:产出|效益|效果|满意度?|成本)(?:指标)?|\d")
_L2_SHAPE = re.compile(
    r"\d\d(?!\d)[-－—.、]?.*|.{0,10}(?:指标|效益|满意度)|产出数量|数量|质量|时效|成本|可持续影响"
)


@functools.lru_cache(maxsize=1024)
def _label_level(field_text: str) -> int | None:
    """1 or 2 when a field is shaped like a label of that level and names a category, else None.

    The shape matters: the label normalizer is lenient (``首店引进数量`` would map to 11), and a
    name must not be taken for a label."""
    s = _label_text(field_text)
    for level, shape, normalize in ((1, _L1_SHAPE, normalize_level1), (2, _L2_SHAPE, normalize_label)):
        if shape.fullmatch(s):
            try:
                normalize(s)
                return level
            except UnknownLabel:
                pass
    return None


def _not_a_name(name: str) -> bool:
    """A "name" of a label-less item that is plainly not one, so the item is damaged: a label
    (``11-数量指标``, ``数量指标``; but ``服务对象满意度`` is a common indicator name), a keyed value
    (``值:无``), or a label run into the next field (``1-产出指期指标值：无``)."""
    s = _label_text(name)
    if _LOOSE_KEY.match(name) or re.match(r"\d{1,2}[-－—][\u4e00-\u9fff]", s):
        return True
    return (bool(re.match(r"\d{1,2}(?!\d)", s)) or s.endswith("指标")) and _label_level(name) is not None


def _short(s: str, n: int = 40) -> str:
    s = s.strip()
    return s if len(s) <= n else s[: n - 1] + "…"


def _unlabeled_starts(text: str, lo: int, hi: int, owned: bool, expected: int) -> list[int]:
    """Starts of items without a level-1 label in ``text[lo:hi]``, found by their keys.

    Each ``年度指标值:`` needs an item start before it (after the previous one); ``owned``: the
    first key in the range belongs to the item starting at ``lo``. The start is the last
    ``N、`` carrying the expected number before the item's keys, else the last ``N、`` after
    a boundary (a numbering slip, reported later); a key with neither is left alone (and ends
    up inside the previous target, which is reported).
    """
    keys = list(_TARGET_KEY.finditer(text, lo, hi))
    if owned:
        if not keys:
            return []
        lo, keys = keys[0].end(), keys[1:]
    starts: list[int] = []
    for key in keys:
        end = key.start()
        periods = list(_PERIOD_KEY.finditer(text, lo, end))
        if periods:
            end = periods[-1].start()
        cands = list(_ANY_START.finditer(text, lo, end))
        pick = next((c for c in reversed(cands) if int(c.group(1)) == expected), None)
        if pick is None:
            pick = next(
                (c for c in reversed(cands) if c.start() == 0 or text[c.start() - 1] in _BOUNDARY), None
            )
        if pick is not None:
            starts.append(pick.start())
            expected += 1
        lo = key.end()
    return starts


def _later_start(text: str, pos: int, expected: int) -> bool:
    """Whether another ``N、`` with the expected number follows ``pos`` before the next item's
    keys: then the one at ``pos`` is inside a target (``年度指标值:1、产出达标；2、效益明显。``)."""
    key = _TARGET_KEY.search(text, pos)
    if key is None:
        return False
    periods = list(_PERIOD_KEY.finditer(text, pos, key.start()))
    end = periods[-1].start() if periods else key.start()
    return any(int(c.group(1)) == expected for c in _ANY_START.finditer(text, pos, end))


def parse_indicator_cell(cell: str) -> CellParse:
    """Split a numbered indicator cell into items; unreadable parts become problem reasons.

    Items with a level-1 label start where the label does; items without one (a draft) are
    found between the labeled ones by their ``年度指标值`` keys (:func:`_unlabeled_starts`).
    """
    out = CellParse()
    text = cell
    starts: list[int] = []
    expected = 1
    unlabeled = False  # once one is found, a labeled start must carry the expected number
    for m in [*_ITEM_START.finditer(text), None]:
        limit = m.start() if m is not None else len(text)
        found = _unlabeled_starts(text, starts[-1] if starts else 0, limit, bool(starts), expected)
        if found:
            unlabeled = True
            starts += found
            expected += len(found)
        if m is None:
            break
        pos = m.start()
        digits = m.group(1)
        # "≥102、…" after a lost "。": the item number is the expected suffix of the digits.
        want = str(expected)
        if digits != want and digits.endswith(want) and len(digits) > len(want):
            pos = m.start(1) + len(digits) - len(want)
        elif unlabeled and (digits != want or _later_start(text, m.end(), expected)):
            continue  # "1、产出达标" inside a draft's target, not an item
        if starts and pos <= starts[-1]:
            continue
        starts.append(pos)
        expected += 1
    if not starts:
        if text.strip():
            out.problems.append(f"无法读取指标串:「{_short(text)}」")
        return out
    lead = text[: starts[0]]
    if lead.strip():
        out.problems.append(f"第一条指标前有无法读取的文字:「{_short(lead)}」")
    bounds = starts + [len(text)]
    for k in range(len(starts)):
        item, problem = _parse_item(text[bounds[k] : bounds[k + 1]], bounds[k], k + 1)
        if problem:
            out.problems.append(problem)
        if item is not None:
            out.items.append(item)
    _check_cut_tail(out, len(starts))
    return out


# ``年度指标值:≥0%。2、1-产`` at the end of a cell: the next item's number after the end mark,
# then no keys — the cell was cut off (its start has no full label, so it was not split off).
_CUT_TAIL = re.compile(r"。\s*(\d{1,3})\s*、(?!.*年度指标值)", re.S)


def _check_cut_tail(out: CellParse, n_items: int) -> None:
    """Report a last item whose target ends in the start of the next item: the indicators cut
    off after it would otherwise vanish without a word."""
    if not out.items or out.items[-1].problem:
        return
    last = out.items[-1]
    target = last.target or ""
    m = _CUT_TAIL.search(target)
    if m and int(m.group(1)) == n_items + 1:
        last.problem = (
            f"第{n_items}条指标:指标值以「{_short(target[m.start() :], 20)}」结尾,"
            f"这是第{n_items + 1}条指标的开头;单元格似乎在此被截断"
        )


def render_item(
    number: int,
    level1: str | None,
    level2: str | None,
    name: str,
    period: str | None,
    target: str | None,
    style: dict[str, str] | None = None,
) -> str:
    """One item in the seed's spelling. A label that is None is left out with its separator
    (a draft's item); other missing values are written empty (read back as None)."""
    st = dict(DEFAULT_STYLE, **(style or {}))
    parts = f"{number}、"
    if level1 is not None:
        parts += f"{level1}{st['s1']}"
    if level2 is not None:
        parts += f"{level2}{st['s2']}"
    parts += name
    if not (st.get("no_period") and period is None):
        parts += f"{st['s3']}实施周期指标值{st['k1']}{period or ''}"
    return parts + f"{st['s4']}年度指标值{st['k2']}{target or ''}{st['end']}"
