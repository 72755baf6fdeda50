"""Form-style sheets: header blocks, indicator tables under them, and every row given a role.

A finance bureau's 绩效目标申报表 / 自评表 template, filled in Excel or Word, is a *form*: title
rows, a key–value block (项目名称 | …, 主管部门 | … | 实施单位 | …, 年度绩效目标 | …), then an
indicator table (一级指标 | 二级指标 | 三级指标 | 指标值, 一级/二级 merged over their rows), maybe
signature rows; a department's file holds many such forms, one per sheet or one after another.
This module walks a :class:`~.grid.Grid` top to bottom and gives every row one role:

``title`` (rows above a table with no known label: their texts go to ``Table.titles``), ``form`` (key–value rows), ``header``
(an indicator table's header, one or two rows), ``indicator``, ``slot`` (an empty template row:
only 一级/二级 filled), ``total`` (合计, 总分), ``notes`` (注：…, 填表人：…), ``blank``, or
``problem`` (reported with file, sheet, row and reason). Nothing is dropped in silence.

Every indicator under a block gets the block's project, goal, org and amounts; a table without
a block of its own (a block printed twice: mid-term, then annual) takes the project of the
block before it in the same grid. Flat tables (a header row, then one indicator per row, a
project column) read the same way: they are a table without a block.

Reading a header block's labels and values is :mod:`.form_blocks`; which column of an indicator
table's header row is which is :func:`.columns.match_header`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from ..records import GridInfo, Indicator, Problem, Project, Table, TableSpan
from ..taxonomy import UnknownLabel
from .columns import (
    canon_header,
    header_field,
    is_table_header,
    label_category,
    match_header,
    row_to_indicator,
)
from .continuation import continue_project
from .form_blocks import (
    FORM_LABELS,
    INLINE_LABEL,
    Block,
    apply_block,
    block_values,
    form_label,
)
from .grid import Grid
from .seed import NUMBERED, expand_numbered
from .seed_cell import strip_p

__all__ = ["FORM_LABELS", "form_label", "read_grids", "ROLES"]

ROLES = ("title", "form", "header", "indicator", "slot", "total", "notes", "blank", "problem")

_TOTAL = {"合计", "总计", "小计", "总分", "合计得分", "总得分", "自评总分", "综合得分", "总体得分"}
_NOTES = re.compile(r"^\s*(?:注|说明|备注|填表说明|填报说明)\s*(?:[:：\d一二三四五六七八九、.]|$)")
_SIGN = re.compile(
    r"^\s*(?:填表人|填报人|联系电话|联系人|审核人|经办人|复核人|单位负责人|财务负责人|项目负责人|"
    r"负责人|填报日期|填表日期|填报时间|单位盖章|盖章|签字|签章)\s*(?:[:：(（]|$)"
)


def _distinct(cells: Sequence[str], cont: Sequence[bool]) -> list[tuple[int, str]]:
    """(column, text) of the non-empty cells that start in this row/column (no merge continuations)."""
    return [(c, t.strip()) for c, (t, k) in enumerate(zip(cells, cont, strict=False)) if not k and t.strip()]


# ---------------------------------------------------------------- reading grids
@dataclass
class _Ctx:
    """What reading one file's grids shares: the table filled in, and its projects by name."""

    table: Table
    multi: bool  # several grids: sources and problems name the grid
    projects: dict[str, Project] = field(default_factory=dict)


@dataclass
class _OpenTable:
    """The indicator table being read: what its header says and where it is so far."""

    cols: dict[str, int]  # field → column (0-based)
    skip: set[int]  # columns left out of the record: merge continuations, a name that lost to another
    header: list[str]  # the header's texts (a second header row's names written in)
    block: dict[str, str]  # the header block's values every indicator under it takes
    tab: TableSpan  # where it is in the grid, growing row by row
    # A PDF table running on to the next page: 一级/二级 texts of the page's last row, and those
    # carried onto the next page's rows while their merged cells continue there empty.
    last_levels: dict[int, str] = field(default_factory=dict)
    carry: dict[int, str] = field(default_factory=dict)
    # The table's last record with a project: a row with a blank project cell under it is its
    # (:mod:`.continuation`); a PDF page continuing the table continues it too.
    above: Indicator | None = None

    def continued(self) -> _OpenTable:
        """The same table on the next page, which does not repeat its header."""
        tab = TableSpan(None, first_col=self.tab.first_col, last_col=self.tab.last_col, continued=True)
        return replace(self, tab=tab, carry=dict(self.last_levels))


def read_grids(grids: Sequence[Grid], table: Table) -> None:
    """Read every grid into ``table``: records, projects, problems and ``table.sheets``.

    A file with a single indicator table also gets the flat-table fields (``columns``,
    ``rows``, ``preamble``, ``Origin.row``) so it writes back as before.
    """
    ctx = _Ctx(table, multi=len(grids) > 1)
    prev_block: dict[str, str] = {}
    open_table: _OpenTable | None = None
    for g in grids:
        for row, reason in g.problems:
            table.problems.append(Problem(table.path, row, reason, sheet=g.name if ctx.multi else None))
        page = g.kind == "page"  # a PDF page goes on with the page before's block and table
        walk = _GridWalk(g, ctx, prev_block if page else {}, open_table if page else None)
        info, prev_block, open_table = walk.read()
        table.sheets.append(info)
    ctx.table.projects.extend(ctx.projects.values())
    n_tables = sum(len(s.tables) for s in table.sheets)
    if n_tables == 1:
        _flat_fields(grids, table)


def _flat_fields(grids: Sequence[Grid], table: Table) -> None:
    """One indicator table in the whole file: keep its header and rows as a flat table's."""
    gi, info = next((i, s) for i, s in enumerate(table.sheets) if s.tables)
    g, t = grids[gi], info.tables[0]
    if g.kind == "page" or t.header_row is None:
        return
    h = g.rownums.index(t.header_row)
    end = len(g.cells)
    values = g.values if g.values is not None else g.cells
    table.preamble = ["\t".join(row).rstrip("\t") for row in g.cells[:h]]
    header = list(g.cells[h])
    while header and not header[-1]:
        header.pop()
    table.columns = header
    table.rows = []
    index = {}
    for k in range(h + 1, end):
        vals = list(values[k])
        while vals and (vals[-1] is None or vals[-1] == ""):
            vals.pop()
        index[g.rownums[k]] = len(table.rows)
        table.rows.append(vals)
    for rec in table.records:
        cell = rec.origin.cells.get("indicator")
        if cell is not None and cell[0] in index:
            rec.origin.row = index[cell[0]]


class _GridWalk:
    """One grid read top to bottom, every row given its role (see the module doc): the header
    block being read, and the indicator table open under it."""

    def __init__(self, g: Grid, ctx: _Ctx, inherit: dict[str, str], open_table: _OpenTable | None) -> None:
        self.g, self.ctx = g, ctx
        self.info = GridInfo(g.name, g.kind)
        self.block = Block(dict(inherit))
        self.last_block = dict(inherit)  # the values the last table took
        self.fresh = True  # no label read since the last table: a label now starts a new block
        # A PDF table running on from the page before, without its header again.
        self.open = open_table.continued() if open_table is not None else None
        # A Word table's own paragraphs above it (项目名称：…) are a header block too.
        for text in g.above:
            m = INLINE_LABEL.match(text)
            key = form_label(m.group(1)) if m else None
            if m and key:
                self.block.values[key] = m.group(2).strip()
                self.fresh = False

    def problem(self, row: int, reason: str) -> None:
        sheet = self.g.name if self.ctx.multi else None
        self.ctx.table.problems.append(Problem(self.ctx.table.path, row, reason, sheet=sheet))

    def read(self) -> tuple[GridInfo, dict[str, str], _OpenTable | None]:
        """(the grid's tables, the last block's values, the table still open at a page's end)."""
        for i in range(len(self.g.cells)):
            self._row(i)
        last = self.open
        self._close()
        return self.info, block_values(self.block, self.last_block), last if self.g.kind == "page" else None

    def _row(self, i: int) -> None:
        cells, cont = self.g.cells[i], self.g.cont[i]
        dist = _distinct(cells, cont)
        if not dist:
            return  # blank, or only merge continuations: nothing new in this row
        cols, skip = match_header(cells, cont)
        if is_table_header(cols, cells):
            self._start_table(self.g.rownums[i], cells, cont, cols, skip)
            return
        first = dist[0][1]
        if self.open is not None and self.open.tab.first_row is None and _sub_header_only(dist):
            for c, t in dist:  # a second header row: 实施周期指标值 | 年度指标值 under 指标值
                name = header_field(t)
                if name:
                    self.open.cols[name] = c
                    self.open.header[c] = t
                    self.open.skip.discard(c)
            return
        if _SIGN.match(first) or _NOTES.match(first) or canon_header(first) in _TOTAL:
            return  # notes, signature and total rows
        keys = [form_label(t) for _, t in dist]
        inline = [INLINE_LABEL.match(t) for _, t in dist]
        is_label = [bool(k) or bool(m and form_label(m.group(1))) for k, m in zip(keys, inline, strict=True)]
        # Under a table, a block starts only with a label in the row's first cell.
        has_label = is_label[0] if self.open is not None else any(is_label)
        if (
            has_label
            and self.open is not None
            and not any(is_label[1:])
            and _indicator_named_like_a_label(self.open.cols, cells, dist[0][0])
        ):
            has_label = False
        if self.open is not None and not has_label:
            filled = [t for t in cells if t.strip()]
            if len(dist) == 1 and len(filled) >= 2 and all(t.strip() == first for t in filled):
                self._close()  # a title across the table (年度绩效指标): the table ends
                return
            self._indicator_row(i, self.open)
            return
        self._close()
        self._block_row(self.g.rownums[i], dist, keys, inline, has_label)

    def _start_table(
        self, rn: int, cells: Sequence[str], cont: Sequence[bool], cols: dict[str, int], skip: set[int]
    ) -> None:
        """A header row: the table before it ends, a new one takes the block above it."""
        self._close()
        values = block_values(self.block, self.last_block)
        self.last_block = dict(values)
        tab = TableSpan(
            rn,
            first_col=min([c + 1 for c, _ in _distinct(cells, cont)] or [1]),
            last_col=max([c + 1 for c, t in enumerate(cells) if t.strip()] or [1]),
        )
        self.open = _OpenTable(cols, skip, list(cells), values, tab)
        self.block.pending.clear()
        self.fresh = True

    def _close(self) -> None:
        """The open table ends (kept where it has a header or a row)."""
        t = self.open
        if t is not None and (t.tab.header_row is not None or t.tab.first_row is not None):
            self.info.tables.append(t.tab)
        self.open = None

    def _block_row(
        self,
        rn: int,
        dist: list[tuple[int, str]],
        keys: list[str | None],
        inline: list[re.Match[str] | None],
        has_label: bool,
    ) -> None:
        """A header block row (or a title above it)."""
        if has_label and self.fresh:
            self.block = Block({}, rn)
            self.fresh = False
        taken = self.block.take_pending(dist)
        if not has_label:
            if not taken and len(dist) >= 3 and not _title_like(dist):
                self.problem(rn, "这一行未读取:既不是表头信息(项目名称等),也不在指标表的表头之下")
            elif not taken:  # a title: kept, it may say the year (「2025年度」) or the department
                self.ctx.table.titles.append(" ".join(dict.fromkeys(t for _, t in dist)))
            return
        self.block.read_labels(dist, keys, inline, taken)

    def _indicator_row(self, i: int, t: _OpenTable) -> None:
        g, ctx, table = self.g, self.ctx, self.ctx.table
        cells, cont, rn = g.cells[i], g.cont[i], g.rownums[i]
        cols, skip, header = t.cols, t.skip, t.header
        carry = t.carry
        if carry:
            # A merged 一级/二级 cell cut by a page break: its text stays on the page before.
            cells = list(cells)
            for c, text in list(carry.items()):
                if c < len(cells) and not cells[c].strip():
                    cells[c] = text
                else:
                    del carry[c]
        t.last_levels = {
            cols[lv]: cells[cols[lv]]
            for lv in ("level1", "level2")
            if lv in cols and cols[lv] < len(cells) and cells[cols[lv]].strip()
        }
        tab = t.tab
        if tab.first_row is None:
            tab.first_row = rn
        tab.last_row = rn
        keep = [c for c in range(len(header)) if c not in skip and (header[c].strip() or cells[c].strip())]
        sub_cells = [strip_p(cells[c])[0] if c < len(cells) else "" for c in keep]
        sub_header = [header[c] for c in keep]
        pos = {c: k for k, c in enumerate(keep)}
        sub_cols = {name: pos[c] for name, c in cols.items() if c in pos}
        seed_like = canon_header(header[cols["indicator"]]) == "绩效指标" and "goal" in cols
        ind = cols["indicator"]
        if not (ind < len(cells) and strip_p(cells[ind])[0]):
            filled = [
                c
                for c in keep
                if cells[c].strip() and c not in (cols.get("level1"), cols.get("level2")) and not cont[c]
            ]
            if seed_like and not (cols["goal"] < len(cells) and cells[cols["goal"]].strip()):
                return  # the seed's 合计 / department rows
            if not filled:
                return  # an empty template slot: 一级/二级 filled, nothing else
        src = f"{table.path}[{g.name}]:{rn}" if ctx.multi else f"{table.path}:{rn}"
        rec, reasons = row_to_indicator(sub_cells, sub_cols, sub_header, src, src)
        for reason in reasons:
            self.problem(rn, reason)
        if rec is None:
            return
        apply_block(rec, t.block)
        t.above = continue_project(rec, t.above)
        rec.origin.file = table.path
        rec.origin.sheet = g.name
        rec.origin.cells = {
            f: (rn, cols[f] + 1)
            for f in ("indicator", "target", "period_target", "level1", "level2")
            if f in cols
        }
        recs = (
            expand_numbered(rec, lambda reason: self.problem(rn, reason))
            if NUMBERED.match(rec.indicator)
            else [rec]
        )
        for r in recs:
            _add_project(ctx, r)
            table.records.append(r)


def _indicator_named_like_a_label(cols: dict[str, int], cells: Sequence[str], c: int) -> bool:
    """An indicator called 项目金额 in the indicator column, with 一级/二级 labels and a value
    beside it (and no other label in the row), is an indicator row, not a new header block."""
    if cols.get("indicator") != c:
        return False
    if len({t.strip() for t in cells if t.strip()} - {cells[c].strip()}) < 2:
        return False  # 项目名称 | one value merged across: a block row
    for lv, level in (("level1", 1), ("level2", 2)):
        k = cols.get(lv)
        if k is not None and k < len(cells) and cells[k].strip():
            try:
                label_category(cells[k].strip(), level)
                return True
            except UnknownLabel:
                pass
    return False


def _title_like(dist: list[tuple[int, str]]) -> bool:
    """A title row: the same text repeated (a merge written into each cell) or one long text."""
    return len({t for _, t in dist}) == 1


def _sub_header_only(dist: list[tuple[int, str]]) -> bool:
    return bool(dist) and all(header_field(t) for _, t in dist)


def _add_project(ctx: _Ctx, rec: Indicator) -> None:
    if not rec.project:
        return
    pr = ctx.projects.get(rec.project)
    if pr is None:
        amounts = {
            k: _number(rec.extra.get(k))
            for k in ("amount", "amount_fiscal", "amount_other")
            if rec.extra.get(k)
        }
        pr = ctx.projects[rec.project] = Project(rec.project, rec.goal, amounts, rec.source)
    elif not pr.goal and rec.goal:
        pr.goal = rec.goal
    pr.indicator_rows.append(len(ctx.table.records))


def _number(text: Any) -> float | None:
    s = unicodedata.normalize("NFKC", str(text)).replace(",", "").strip()
    m = re.match(r"^-?\d+(?:\.\d+)?", s)
    return float(m.group(0)) if m else None
