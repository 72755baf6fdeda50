"""Header blocks of a form: which label cell names which key, and reading a block's key–value rows.

A 申报表's block above its indicator table (项目名称 | …, 主管部门 | … | 实施单位 | …, 年度绩效目标
| …) is read here: :func:`form_label` normalises a label cell (``项目名称（必填）：`` → ``project``),
a label's value is the cell beside it, inline (``项目名称：…``) or in the row below; and the block's
values go onto each indicator under it (project, goal, ``extra[key]`` for the others).
:mod:`.forms` decides which rows are block rows and calls the readers here on them: that split
(which row is what / what a block row says) is why these names are public.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..records import Indicator
from .columns import canon_header

__all__ = [
    "FORM_LABELS",
    "INLINE_LABEL",
    "form_label",
    "Block",
    "block_values",
    "apply_block",
]

# Key of a header block → its labels (after _canon_label). The record gets project, goal and
# extra[key] for the others; see the module doc of tables for the list of extra keys.
_LABELS: dict[str, tuple[str, ...]] = {
    "project": ("项目名称", "项目名", "项目"),
    "code": ("项目编码", "项目代码", "项目编号"),
    "org": (
        "主管部门",
        "主管部门及代码",
        "主管部门名称",
        "部门名称",
        "预算部门",
        "预算单位",
        "单位名称",
        "填报单位",
        "申报单位",
        "部门",
    ),
    "implementer": ("实施单位", "项目实施单位", "执行单位", "资金使用单位"),
    "period": ("实施期", "项目期", "实施周期", "项目周期", "项目实施期", "实施期限"),
    "attribute": ("项目属性", "项目类型", "项目类别"),
    "amount_head": ("项目资金", "资金情况", "项目资金情况", "项目资金总额"),
    "amount": ("年度资金总额", "资金总额", "年度资金", "项目总金额", "预算金额", "项目金额"),
    "amount_fiscal": ("财政拨款", "当年财政拨款", "财政资金", "财政拨款资金"),
    "amount_other": ("其他资金", "上年结转资金"),
    "budget_start": ("年初预算数",),
    "budget_year": ("全年预算数",),
    "spent": ("全年执行数",),
    # 自评表 funds columns beside those (read so that they are not taken for values; not kept).
    "funds_weight": ("分值",),
    "funds_rate": ("执行率", "预算执行率"),
    "funds_score": ("得分",),
    "goal": (
        "年度绩效目标",
        "年度总体目标",
        "年度目标",
        "绩效目标",
        "总体绩效目标",
        "预期目标",
        "年度预期目标",
    ),
    "goal_long": ("总体目标", "中长期目标", "实施期目标", "实施周期目标", "项目总体目标", "实施期绩效目标"),
    "goal_actual": ("实际完成情况", "年度实际完成情况", "实际完成"),
}
FORM_LABELS = {label: key for key, labels in _LABELS.items() for label in labels}

# Block keys that go to extra under the same name (project and goal are fields).
_BLOCK_EXTRA = (
    "code",
    "org",
    "implementer",
    "period",
    "attribute",
    "amount",
    "amount_fiscal",
    "amount_other",
    "budget_start",
    "budget_year",
    "spent",
    "goal_long",
    "goal_actual",
)
# ``项目名称：…`` in one cell (or a Word paragraph above a table): group 1 the label, group 2 its value.
INLINE_LABEL = re.compile(r"^\s*([^:：\n]{2,14}?)\s*[:：]\s*(.+)$", re.S)
_BLOCK_TEXT = ("项目名称", "年度绩效目标", "年度总体目标")  # labels a Word table's paragraphs above may carry


def _canon_label(text: str) -> str:
    s = canon_header(text)
    s = re.sub(r"^其中", "", s)
    return re.sub(r"[、.,，。;；]+$", "", s)


def form_label(text: str) -> str | None:
    """The block key of a label cell (``项目名称（必填）：`` → ``project``), or None."""
    if not text or len(text) > 40:
        return None
    return FORM_LABELS.get(_canon_label(text))


@dataclass
class Block:
    """A header block being read: its key → value so far (``project``, ``goal``, ``org`` …).

    ``pending`` holds the labels of the last block row that had no value beside them (年度总体目标
    | 预期目标 | 实际完成情况, their texts in the row below): first column → (key, last column
    its value may start in).
    """

    values: dict[str, str] = field(default_factory=dict)
    row: int = 0  # 1-based row of its first label
    pending: dict[int, tuple[str, int]] = field(default_factory=dict)

    def take_pending(self, dist: Sequence[tuple[int, str]]) -> set[int]:
        """The values in this row under the labels that had none; returns their columns. Values
        wait one row only: pending labels are forgotten after it."""
        taken: set[int] = set()
        if not self.pending:
            return taken
        for c, t in dist:
            if form_label(t):
                continue
            for c0, (key, c1) in list(self.pending.items()):
                if c0 <= c <= c1:
                    self.values.setdefault(key, t)
                    taken.add(c)
                    del self.pending[c0]
                    break
        self.pending.clear()
        return taken

    def read_labels(
        self,
        dist: Sequence[tuple[int, str]],
        keys: Sequence[str | None],
        inline: Sequence[re.Match[str] | None],
        taken: set[int],
    ) -> None:
        """A block row's labels and their values: beside the label, inline (``项目名称：…``), or —
        for a label with nothing beside it — in the row below (kept in ``pending`` until then).

        ``dist`` are the row's (column, text) cells, ``keys`` their :func:`form_label`, ``inline``
        their :data:`INLINE_LABEL` matches; ``taken`` the columns :meth:`take_pending` used.
        """
        n = len(dist)
        k = 0
        while k < n:
            c, _ = dist[k]
            key, m = keys[k], inline[k]
            inline_key = _inline_key(m)
            if key is None and m is not None and inline_key is not None:
                self.values.setdefault(inline_key, m.group(2).strip())
                k += 1
                continue
            if key is None or c in taken:
                k += 1
                continue
            nxt = dist[k + 1] if k + 1 < n else None
            if nxt is not None and keys[k + 1] is None and _inline_key(inline[k + 1]) is None:
                self.values[key] = nxt[1]
                k += 2
                continue
            # A label without a value beside it: its value is in the row below, same columns.
            end = (nxt[0] - 1) if nxt is not None else 10**6
            self.pending[c] = (key, end)
            k += 1


def _inline_key(m: re.Match[str] | None) -> str | None:
    """The block key of an inline ``label：value`` cell, or None."""
    return form_label(m.group(1)) if m else None


def block_values(block: Block, last: dict[str, str]) -> dict[str, str]:
    """The values an indicator table takes: its block's, else (no project named) the last block's."""
    values = dict(block.values)
    if "project" not in values:
        for k, v in last.items():
            values.setdefault(k, v)
    elif "org" not in values and "org" in last:
        values["org"] = last["org"]
    return values


def apply_block(rec: Indicator, values: dict[str, str]) -> None:
    """Give an indicator its block's project and goal (where the row has none) and extra keys."""
    if values.get("project") and not rec.project:
        rec.project = values["project"]
    goal = values.get("goal") or values.get("goal_long")
    if goal and not rec.goal:
        rec.goal = goal
    for k in _BLOCK_EXTRA:
        if values.get(k):
            rec.extra.setdefault(k, values[k])
    if "amount" not in rec.extra and values.get("amount_head"):
        rec.extra["amount"] = values["amount_head"]
