"""The category system: one table of codes and names, and a label normalizer.

Every other module asks this one what a label means. Codes used by the seed table
(1, 11, 12, 13, 2, 21, 22, 24, 3, 31) are fixed; the others are assigned here and only
here, so a bureau with another numbering changes one table.

Two layouts exist. Before the 2021 guide (财预〔2021〕101号) cost sits under 产出 as 14;
after it, 成本指标 is its own level 1 (code 4) with 经济/社会/生态环境成本 under it. The
classifier learns "cost" once (as 14); :func:`to_layout` writes it in either layout.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

__all__ = [
    "Category",
    "CATEGORIES",
    "LEVEL1",
    "LEVEL2",
    "UnknownLabel",
    "by_code",
    "code_label",
    "normalize_label",
    "normalize_level1",
    "to_layout",
    "canonical_level2",
    "LAYOUTS",
    "code_conflict",
    "parent",
    "COST_CODES",
    "category_rows",
    "CATEGORY_COLUMNS",
    "CATEGORY_HEADERS",
]


@dataclass(frozen=True)
class Category:
    """One row of the category table."""

    code: str
    name: str
    level: int
    parent: str | None  # code of the level-1 parent, None for level 1
    layout: str  # "both", "pre2021" or "2021"
    short: str  # the distinctive word(s): 数量, 社会效益, 满意度 ...
    description: str

    @property
    def label(self) -> str:
        """The seed's spelling, e.g. ``11-数量指标`` (see :func:`code_label`)."""
        return code_label(self.code, self.name)


CATEGORIES: tuple[Category, ...] = (
    Category("1", "产出指标", 1, None, "both", "产出", "what is delivered"),
    Category("11", "数量指标", 2, "1", "both", "数量", "how much is delivered"),
    Category("12", "质量指标", 2, "1", "both", "质量", "the standard reached"),
    Category("13", "时效指标", 2, "1", "both", "时效", "timeliness"),
    Category("14", "成本指标", 2, "1", "pre2021", "成本", "cost under 产出 (pre-2021 layout)"),
    Category("2", "效益指标", 1, None, "both", "效益", "the effect achieved"),
    Category("21", "经济效益指标", 2, "2", "both", "经济效益", "economic effect"),
    Category("22", "社会效益指标", 2, "2", "both", "社会效益", "effect on society"),
    Category("23", "生态效益指标", 2, "2", "both", "生态效益", "effect on the environment"),
    Category("24", "可持续影响指标", 2, "2", "both", "可持续影响", "lasting effect"),
    Category("3", "满意度指标", 1, None, "both", "满意度", "satisfaction"),
    Category("31", "服务对象满意度指标", 2, "3", "both", "服务对象满意度", "satisfaction of those served"),
    Category("4", "成本指标", 1, None, "2021", "成本", "cost as its own level 1 (2021 layout)"),
    Category("41", "经济成本指标", 2, "4", "2021", "经济成本", "economic cost (2021 layout)"),
    Category("42", "社会成本指标", 2, "4", "2021", "社会成本", "social cost (2021 layout)"),
    Category("43", "生态环境成本指标", 2, "4", "2021", "生态环境成本", "environmental cost (2021 layout)"),
)

_BY_CODE = {c.code: c for c in CATEGORIES}
LEVEL1 = tuple(c for c in CATEGORIES if c.level == 1)
LEVEL2 = tuple(c for c in CATEGORIES if c.level == 2)
LAYOUTS = ("pre2021", "2021")
COST_CODES = frozenset({"14", "41", "42", "43"})


class UnknownLabel(ValueError):
    """A label that no category claims. Carries the label and where it was seen."""

    def __init__(self, label: str, where: str | None = None) -> None:
        self.label = label
        self.where = where
        at = f" ({where})" if where else ""
        super().__init__(f"unknown category label {label!r}{at}")


def by_code(code: str) -> Category:
    """The category with this code; KeyError names the code if there is none."""
    try:
        return _BY_CODE[str(code).strip()]
    except KeyError:
        raise KeyError(f"no category with code {code!r}") from None


def code_label(code: str | None, name: str | None = None, sep: str = "-") -> str:
    """A category as people write it, code and name joined: ``11-数量指标``.

    Why one function: the terminal views, the reviewer's workbook, the web pages and the
    check messages all show categories, and a reviewer comparing them must see one spelling.
    ``name`` defaults to the category's own name (a code no category has is shown alone); with
    no code, the name alone (or ``""``). ``sep=" "`` is the ``parse`` table's ``11 数量指标``.
    """
    if not code:
        return name or ""
    if name is None:
        cat = _BY_CODE.get(str(code).strip())
        if cat is None:
            return code
        name = cat.name
    return f"{code}{sep}{name}"


def _clean(label: str) -> str:
    """Fold widths, drop spaces, brackets with notes (必填, 5分, 工期指标) and the code prefix."""
    s = unicodedata.normalize("NFKC", label or "").strip()
    s = re.sub(r"\s+", "", s)
    s = re.sub(r"[（(][^）)]*[）)]", "", s)  # (必填硬性指标), (10分), (或建筑规模指标)
    s = s.rstrip("等:：;；。.")
    return s


# Level-2 spellings, matched after _clean and after removing a code prefix. Order matters:
# the more specific patterns first (经济成本 before 经济, 满意度 before 社会).
_LEVEL2_PATTERNS: tuple[tuple[str, str], ...] = (
    (r"生态环境成本|环境成本|生态成本", "43"),
    (r"社会成本", "42"),
    (r"经济成本", "41"),
    (r"满意", "31"),
    (r"数量|建筑规模", "11"),
    (r"质量", "12"),
    (r"时效|进度|工期", "13"),
    (r"成本", "14"),
    (r"经济效益|经济", "21"),
    (r"社会效益|社会", "22"),
    (r"生态效益|环境效益|生态|环境", "23"),
    (r"可持续", "24"),
)

_LEVEL1_PATTERNS: tuple[tuple[str, str], ...] = (
    (r"^产出", "1"),
    (r"^效益|^效果", "2"),
    (r"^满意度", "3"),
    (r"^成本", "4"),
)

# "11-数量指标", "11.数量指标", "11 数量指标" (spaces are gone after _clean: "11数量指标"), "11".
_CODE_PREFIX = re.compile(r"^(\d{1,2})(?!\d)[-－—.、]?")


def normalize_label(label: str, where: str | None = None) -> Category:
    """Map any real spelling of a level-2 label to its category.

    Accepts ``11``, ``11-数量指标``, ``数量``, ``产出数量``, ``产出指标-数量指标``,
    ``数量指标 (必填硬性指标)``, ``社会效益 指标``, ``环境效益指标`` (生态) and the like.
    Raises :class:`UnknownLabel` naming the label (and ``where``) rather than guessing.
    A bare number must be a known level-2 code; a code and a name that disagree
    (``11-质量指标``) resolve to the name, and :func:`code_conflict` reports it.
    """
    # "产出指标-数量指标" / "产出数量": drop a leading level-1 word before matching.
    return _match(
        label,
        where,
        2,
        _LEVEL2_PATTERNS,
        lambda rest: re.sub(r"^(产出指标|产出|效益指标|效果指标)[-－—]?", "", rest) or rest,
    )


def normalize_level1(label: str, where: str | None = None) -> Category:
    """Map a level-1 spelling (``1-产出指标``, ``产出指标``, ``1``, ``满意度``) to its category."""
    return _match(label, where, 1, _LEVEL1_PATTERNS, lambda rest: rest)


def _match(
    label: str,
    where: str | None,
    level: int,
    patterns: tuple[tuple[str, str], ...],
    strip: Callable[[str], str],
) -> Category:
    """The shared core of the normalizers: a bare code must be a known code of ``level``;
    otherwise the first pattern found in the name (after ``strip``) decides."""
    s = _clean(label)
    if not s:
        raise UnknownLabel(label, where)
    m = _CODE_PREFIX.match(s)
    rest = s[m.end() :] if m else s
    if m and not rest:
        cat = _BY_CODE.get(m.group(1))
        if cat is None or cat.level != level:
            raise UnknownLabel(label, where)
        return cat
    rest = strip(rest)
    for pattern, code in patterns:
        if re.search(pattern, rest):
            return _BY_CODE[code]
    raise UnknownLabel(label, where)


def code_conflict(label: str) -> tuple[str, str] | None:
    """For ``11-质量指标``: return (written code, code the name means); None when they agree."""
    s = _clean(label)
    m = _CODE_PREFIX.match(s)
    if not m or not s[m.end() :]:
        return None
    written = m.group(1)
    try:
        named = (normalize_level1 if len(written) == 1 else normalize_label)(s[m.end() :]).code
    except UnknownLabel:
        return None
    return None if named == written else (written, named)


def canonical_level2(code: str) -> str:
    """The code a model learns: every cost code folds into 14 ("cost" is learned once)."""
    return "14" if code in COST_CODES else code


def to_layout(code: str, layout: str = "pre2021") -> Category:
    """Write a level-2 code in a layout: cost is 14 under 产出 (pre2021) or 41 经济成本 (2021).

    Non-cost codes are the same in both layouts. A 2021 social or environmental cost code
    stays as it is in the 2021 layout.
    """
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {LAYOUTS}, not {layout!r}")
    if code not in COST_CODES:
        return by_code(code)
    if layout == "pre2021":
        return _BY_CODE["14"]
    return _BY_CODE["41" if code == "14" else code]


def parent(code: str) -> Category:
    """The level-1 category a level-2 code belongs to."""
    cat = by_code(code)
    return cat if cat.parent is None else _BY_CODE[cat.parent]


# What each category measures, in the words a reviewer uses (shown by `indicatorml taxonomy`).
_EXPLAIN_ZH = {
    "1": "产出: 提供了什么",
    "11": "提供了多少: 服务、活动、物品、人次、企业的数量 (…数量、…次数、…场次、…家)",
    "12": "达到的标准: 合格率、达标率、正确率、覆盖率、验收",
    "13": "时效: 按时完成、N 日内、某日前 (及时率、按期完成率、完成时间)",
    "14": "成本 (2021 年前版式, 在产出之下): 单位或总成本、成本控制",
    "2": "效益: 产生了什么效果",
    "21": "直接或间接的经济效果: 销售、收入、贸易、税收、投资的增长",
    "22": "对社会的效果: 公共服务、安全、稳定、知晓度、受益人数",
    "23": "对环境的效果: 排放、绿化、节能、污染",
    "24": "持续的效果: 长效机制、持续运行、能力建设",
    "3": "满意度",
    "31": "服务对象的满意度 (…满意度), 通常为百分比",
    "4": "成本 (2021 年起版式, 单独的一级指标)",
    "41": "经济成本 (2021 年起版式)",
    "42": "社会成本 (2021 年起版式)",
    "43": "生态环境成本 (2021 年起版式)",
}
_LAYOUT_ZH = {"both": "通用", "pre2021": "2021年前", "2021": "2021年起"}

CATEGORY_COLUMNS = ("code", "name", "level", "parent", "layout", "description")
CATEGORY_HEADERS = {
    "code": "代码",
    "name": "名称",
    "level": "层级",
    "parent": "上级",
    "layout": "版式",
    "description": "说明",
}


def category_rows() -> list[dict[str, object]]:
    """The category table as rows (the ``taxonomy`` verb): code, 名称, 层级, 上级, 版式, 说明."""
    rows: list[dict[str, object]] = []
    for c in CATEGORIES:
        rows.append(
            {
                "code": c.code,
                "name": c.name,
                "level": c.level,
                "parent": None if c.parent is None else code_label(c.parent),
                "layout": _LAYOUT_ZH[c.layout],
                "description": _EXPLAIN_ZH.get(c.code, c.description),
            }
        )
    return rows
