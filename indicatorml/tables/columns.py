"""Flat tables (one indicator per row): which column is which, and a row → an Indicator.

Why a module of its own: CSV, TSV, XLSX and JSONL differ only in how cells are stored; the
meaning of a header (``三级指标``, ``指标名称（必填）``, ``indicator``) and the rules for labels
(raw spelling kept, codes from the taxonomy, an unknown label reported, not guessed) are the
same for all four, so they live here once. A form's indicator table (:mod:`.forms`) is matched
with the same names (:func:`match_header`: its header row has merged cells and label columns).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from ..records import Indicator
from ..taxonomy import Category, UnknownLabel, by_code, normalize_label, normalize_level1, parent
from .seed_cell import strip_p

__all__ = [
    "FIELDS",
    "EXTRA_FIELDS",
    "join_target",
    "canon_header",
    "match_columns",
    "header_field",
    "match_header",
    "is_table_header",
    "row_to_indicator",
    "cell_text",
    "label_category",
    "head_rows",
    "HEADER_SCAN",
    "LEVEL_ZH",
]

LEVEL_ZH = {1: "一", 2: "二"}  # a level as a reading problem names it: 一级指标, 二级指标

# Canonical field → header spellings (after canon_header). First match wins per column.
FIELDS: dict[str, tuple[str, ...]] = {
    "indicator": (
        "indicator",
        "indicatortext",
        "text",
        "指标名称",
        "三级指标",
        "三级指标名称",
        "指标",
        "指标内容",
        "绩效指标",
        "绩效指标名称",
        "具体指标",
    ),
    "target": (
        "target",
        "年度指标值",
        "指标值",
        "目标值",
        "年度目标值",
        "绩效指标值",
        "指标目标值",
        "预期指标值",
        "全年指标值",
        "年度指标",
    ),
    "period_target": (
        "period_target",
        "periodtarget",
        "实施周期指标值",
        "实施期指标值",
        "中长期指标值",
        "周期指标值",
    ),
    "level1": ("level1", "一级指标", "一级指标名称", "一级"),
    "level2": ("level2", "二级指标", "二级指标名称", "二级"),
    "level1_raw": ("level1_raw", "level1raw"),
    "level2_raw": ("level2_raw", "level2raw"),
    "level1_code": ("level1_code", "level1code", "一级指标代码", "一级指标编码"),
    "level2_code": ("level2_code", "level2code", "二级指标代码", "二级指标编码"),
    "project": ("project", "项目名称", "项目", "项目名"),
    "goal": ("goal", "绩效目标", "年度绩效目标", "总体绩效目标", "总体目标"),
    "url": ("url", "sourcepage", "source_page", "来源网址", "网址", "链接", "来源页面"),
    "org": ("org", "单位", "单位名称", "部门", "部门名称", "预算单位", "主管部门", "资金使用单位"),
    "source": ("source",),
    # Beside the value (kept in Indicator.extra under these English keys; see EXTRA_FIELDS).
    "direction": ("direction", "指标方向", "方向", "指标值方向", "运算符", "运算符号", "符号"),
    "unit": ("unit", "计量单位", "度量单位", "指标单位", "指标值单位"),
    "nature": ("nature", "指标性质", "指标类型"),
    "explain": ("explain", "指标解释", "指标说明", "指标值说明"),
    "scoring": ("scoring", "评分标准", "评扣分标准", "扣分标准", "评分规则", "评分方法", "计分方法"),
    "basis": (
        "basis",
        "指标值设定依据",
        "指标值设定依据及数据来源",
        "设定依据",
        "指标值确定依据",
        "取值依据",
    ),
    # 自评表 columns.
    "actual": (
        "actual",
        "实际完成值",
        "实际值",
        "全年实际值",
        "实际完成指标值",
        "完成值",
        "全年实际完成值",
        "实际完成数",
    ),
    "weight": ("weight", "分值", "权重", "指标分值", "指标权重", "标准分值", "权重分值"),
    "score": ("score", "得分", "自评得分", "实际得分"),
    "deviation": (
        "deviation",
        "偏差原因分析及改进措施",
        "偏差原因分析",
        "偏差原因",
        "偏差原因及改进措施",
        "未完成原因分析",
        "原因分析及改进措施",
        "偏差原因分析及整改措施",
    ),
}
# Fields kept in ``Indicator.extra`` under their English key (the cell's text, "" when empty).
EXTRA_FIELDS = (
    "direction",
    "unit",
    "nature",
    "explain",
    "scoring",
    "basis",
    "actual",
    "weight",
    "score",
    "deviation",
)
_ALIAS = {alias: name for name, aliases in FIELDS.items() for alias in aliases}


_T = TypeVar("_T")
HEADER_SCAN = 50  # a header row is looked for in the first this-many non-blank lines


def head_rows(rows: Sequence[_T], is_blank: Callable[[_T], bool]) -> Iterator[tuple[int, _T]]:
    """The first HEADER_SCAN non-blank rows with their indexes: where every reader looks for a header."""
    seen = 0
    for i, row in enumerate(rows):
        if is_blank(row):
            continue
        seen += 1
        if seen > HEADER_SCAN:
            return
        yield i, row


@functools.lru_cache(maxsize=4096)
def _cached_code(label: str, level: int) -> str | None:
    try:
        return (normalize_level1 if level == 1 else normalize_label)(label).code
    except UnknownLabel:
        return None


def label_category(label: str, level: int, where: str | None = None) -> Category:
    """normalize_level1/normalize_label with a cache: a table repeats a handful of labels
    thousands of times. Raises UnknownLabel naming the label and ``where``."""
    code = _cached_code(label, level)
    if code is None:
        raise UnknownLabel(label, where)
    return by_code(code)


def canon_header(cell: Any) -> str:
    """``指标名称（必填）`` → ``指标名称``; ``Level 2`` → ``level2``: widths, spaces, notes, marks."""
    if isinstance(cell, str):
        return _canon_text(cell)
    return _canon_text("" if cell is None else str(cell))


@functools.lru_cache(maxsize=16384)
def _canon_text(text: str) -> str:
    s = unicodedata.normalize("NFKC", text)
    s = re.sub(r"<[^>]{0,20}>", "", s)
    s = re.sub(r"[(\[][^)\]]*[)\]]", "", s)
    s = re.sub(r"[\s*★:：]+", "", s)
    return s.lower()


def header_field(cell: Any) -> str | None:
    """The field a header cell names (``指标名称（必填）`` → ``indicator``), or None.

    Public because a form's indicator table (:mod:`.forms`) matches its header cells one by one
    (merge continuations skipped, a second header row under the first) with the same names as a
    flat table's header row (:func:`match_columns`).
    """
    return _ALIAS.get(canon_header(cell))


def match_columns(header: Sequence[Any]) -> dict[str, int]:
    """Canonical field → column index. The first column with a known name wins."""
    found: dict[str, int] = {}
    for i, cell in enumerate(header):
        name = header_field(cell)
        if name and name not in found:
            found[name] = i
    return found


# A form's indicator table (:mod:`.forms`): its header row has merged cells and label columns.
_STRONG = {"三级指标", "三级指标名称", "指标名称", "indicator", "indicatortext"}
_LEVEL = ("level1", "level2")


def match_header(cells: Sequence[str], cont: Sequence[bool]) -> tuple[dict[str, int], set[int]]:
    """Field → column of a form's indicator table header row, and the columns to leave out.

    Merge continuations are skipped (``指标值`` over two columns is one column). When two
    columns name the indicator (a ``绩效指标`` label column on the left, ``三级指标`` after the
    level columns), the one after the levels wins; a column whose name lost to another is a
    label column and left out of the record.
    """
    cand: dict[str, list[int]] = {}
    skip: set[int] = set()
    for c, text in enumerate(cells):
        if cont[c]:
            skip.add(c)
            continue
        name = header_field(text)
        if name:
            cand.setdefault(name, []).append(c)
    cols: dict[str, int] = {}
    for name, cs in cand.items():
        cols[name] = cs[0]
    if len(cand.get("indicator", [])) > 1:
        lv = [cols[x] for x in _LEVEL if x in cols]
        after = [c for c in cand["indicator"] if lv and c > max(lv)]
        strong = [c for c in cand["indicator"] if canon_header(cells[c]) in _STRONG]
        cols["indicator"] = (after or strong or cand["indicator"])[0]
    for name, cs in cand.items():
        skip.update(c for c in cs if c != cols[name])
    return cols, skip


def is_table_header(cols: dict[str, int], cells: Sequence[str]) -> bool:
    """Whether a row matched by :func:`match_header` is an indicator table's header: it names the
    indicator column and one more field, or names the indicator column unmistakably (三级指标)."""
    if "indicator" not in cols:
        return False
    return len(cols) >= 2 or canon_header(cells[cols["indicator"]]) in _STRONG


def cell_text(value: Any, number_format: str | None = None) -> str:
    """A cell as text: ``100.0`` → ``100``; a 0% formatted 0.9 → ``90%``; dates as ISO."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)):
        if number_format and number_format.endswith("%"):
            value = value * 100
            return (f"{value:.6f}".rstrip("0").rstrip(".")) + "%"
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)
    if hasattr(value, "isoformat"):
        text = str(value.isoformat())
        return text[:10] if text.endswith("T00:00:00") else text
    return str(value).strip()


def _get(cells: Sequence[str], cols: dict[str, int], name: str) -> str | None:
    i = cols.get(name)
    if i is None or i >= len(cells):
        return None
    v, _ = strip_p(cells[i])
    return v or None


def row_to_indicator(
    cells: Sequence[str], cols: dict[str, int], columns: Sequence[str], source: str, where: str
) -> tuple[Indicator | None, list[str]]:
    """One flat row → (Indicator or None, problem reasons).

    Labels: the raw spelling is ``level2_raw`` if the table has it (the corpus does), else the
    ``level2`` cell; codes come from the raw spelling, then the standard name, then a code
    column. An unknown label keeps the record (codes None) and reports the label and row.
    """
    problems: list[str] = []
    text = _get(cells, cols, "indicator")
    if text is None:
        return None, ["这一行没有指标名称"]
    rec = Indicator(
        indicator=text,
        target=_get(cells, cols, "target"),
        period_target=_get(cells, cols, "period_target"),
        project=_get(cells, cols, "project"),
        goal=_get(cells, cols, "goal"),
        url=_get(cells, cols, "url"),
        source=_get(cells, cols, "source") or source,
    )
    # Level 2.
    l2_raw = _get(cells, cols, "level2_raw") or _get(cells, cols, "level2")
    l2_name = _get(cells, cols, "level2")
    l2_code = _get(cells, cols, "level2_code")
    cat2 = None
    if l2_raw or l2_name:
        rec.level2_raw = l2_raw
        for label in dict.fromkeys(x for x in (l2_raw, l2_name) if x):
            try:
                cat2 = label_category(label, 2, where)
                break
            except UnknownLabel:
                continue
        if cat2 is None:
            problems.append(f"二级指标「{l2_raw or l2_name}」不是已知类别")
    elif l2_code:
        cat2 = _code_category(l2_code, 2, problems)
    if cat2 is not None:
        if l2_code and l2_code != cat2.code and (l2_raw or l2_name):
            problems.append(f"二级指标代码「{l2_code}」与名称「{l2_raw}」({cat2.code})不符;按名称读取")
        rec.level2_code, rec.level2 = cat2.code, cat2.name
    # Level 1.
    l1_raw = _get(cells, cols, "level1_raw") or _get(cells, cols, "level1")
    l1_code = _get(cells, cols, "level1_code")
    cat1 = None
    if l1_raw:
        rec.level1_raw = l1_raw
        try:
            cat1 = label_category(l1_raw, 1, where)
        except UnknownLabel:
            problems.append(f"一级指标「{l1_raw}」不是已知类别")
    elif l1_code:
        cat1 = _code_category(l1_code, 1, problems)
    elif cat2 is not None:
        cat1 = parent(cat2.code)  # a table with only 二级指标: level 1 follows from it
    if cat1 is not None:
        rec.level1_code, rec.level1 = cat1.code, cat1.name
    # Everything else is kept, under its header as written (org under "org"). A header column
    # the row stops short of is an empty cell, as in the other fields: an XLSX row ends at its
    # last filled cell, so an empty last column must read as "" there too, not go missing.
    org = _get(cells, cols, "org")
    if org is not None:
        rec.extra["org"] = org
    for name in EXTRA_FIELDS:
        if name in cols:
            rec.extra[name] = _get(cells, cols, name) or ""
    if "direction" in cols or "unit" in cols:
        # ``≥`` | ``90`` | ``%`` → ``≥90%``; the value cell as written stays in extra.
        d, u = rec.extra.get("direction", ""), rec.extra.get("unit", "")
        if rec.target is not None:
            rec.extra["target_raw"] = rec.target
            rec.target = join_target(d, rec.target, u)
        if rec.period_target is not None:
            rec.extra["period_target_raw"] = rec.period_target
            rec.period_target = join_target(d, rec.period_target, u)
    m = _SCORE.search(rec.level1_raw or "")
    if m:
        rec.extra["level1_score"] = m.group(1)
    used = set(cols.values())
    for i in range(len(columns)):
        if i in used:
            continue
        cell = cells[i] if i < len(cells) else ""
        key = str(columns[i]).strip() or f"column{i + 1}"
        if key.startswith("_"):
            key = key.lstrip("_") or f"column{i + 1}"
        rec.extra.setdefault(key, cell)
    return rec, problems


_SCORE = re.compile(r"[(（]\s*([\d.]+(?:\s*[-~～—至]\s*[\d.]+)?\s*分?)\s*[)）]\s*(分?)\s*$")
_COMPARE = re.compile(
    r"^(?:[≥≤=<>＜＞≧≦≠]+|大于等于|小于等于|大于|小于|等于|不低于|不高于|不少于|不多于|不超过|不大于|不小于|"
    r"达到|高于|低于|超过|以上|以下|约)$"
)


def join_target(direction: str, value: str, unit: str) -> str:
    """A direction column, a value and a unit column as one target: ``≥`` + ``90`` + ``%`` → ``≥90%``.

    A word direction that is no comparison (正向, 定性) is not joined; a value that already has
    its comparison or unit keeps them once; a value that is not a number takes no unit.
    """
    v = value.strip()
    d = unicodedata.normalize("NFKC", direction.strip()).replace(">=", "≥").replace("<=", "≤")
    d = direction.strip() if d == unicodedata.normalize("NFKC", direction.strip()) else d
    u = unit.strip()
    numeric = bool(re.match(r"^[\d.]", v))
    if u and numeric and not v.endswith(u):
        v = v + u
    if d and _COMPARE.match(d) and numeric:
        v = d + v
    return v


def _code_category(code: str, level: int, problems: list[str]) -> Category | None:
    """The category of a bare code column value, or None with a problem if it is no level-``level`` code."""
    try:
        cat = by_code(code)
    except KeyError:
        cat = None
    if cat is None or cat.level != level:
        problems.append(f"{LEVEL_ZH[level]}级指标代码「{code}」不是已知代码")
        return None
    return cat
