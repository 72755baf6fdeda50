"""Form-style sheets: header blocks, indicator tables under them, and every row given a role.

A finance bureau's 绩效目标申报表 / 自评表 template, filled in Excel or Word, is a *form*: title
rows, a key–value block (项目名称 | …, 主管部门 | … | 实施单位 | …, 年度绩效目标 | …), then an
indicator table (一级指标 | 二级指标 | 三级指标 | 指标值, 一级/二级 merged over their rows), maybe
signature rows; a department's file holds many such forms, one per sheet or one after another.
This module walks a :class:`~.grid.Grid` top to bottom and gives every row one role:

``title`` (rows above a table with no known label), ``form`` (key–value rows), ``header``
(an indicator table's header, one or two rows), ``indicator``, ``slot`` (an empty template row:
only 一级/二级 filled), ``total`` (合计, 总分), ``notes`` (注：…, 填表人：…), ``blank``, or
``problem`` (reported with file, sheet, row and reason). Nothing is dropped in silence.

Every indicator under a block gets the block's project, goal, org and amounts; a table without
a block of its own (a block printed twice: mid-term, then annual) takes the project of the
block before it in the same grid. Flat tables (a header row, then one indicator per row, a
project column) read the same way: they are a table without a block.

Reading a header block's labels and values is :mod:`.form_blocks`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..records import GridInfo, Indicator, Problem, Project, Table, TableSpan
from ..taxonomy import UnknownLabel
from .columns import canon_header, header_field, label_category, row_to_indicator
from .form_blocks import (
    FORM_LABELS,
    INLINE_LABEL,
    Block,
    apply_block,
    block_values,
    form_label,
    read_labels,
    take_pending,
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


# ---------------------------------------------------------------- the header of an indicator table
_STRONG = {"三级指标", "三级指标名称", "指标名称", "indicator", "indicatortext"}
_LEVEL = ("level1", "level2")


def match_header(cells: Sequence[str], cont: Sequence[bool]) -> tuple[dict[str, int], set[int]]:
    """Field → column of an indicator table's header row, and the columns to leave out.

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


def _is_header(cols: dict[str, int], cells: Sequence[str]) -> bool:
    if "indicator" not in cols:
        return False
    return len(cols) >= 2 or canon_header(cells[cols["indicator"]]) in _STRONG


# ---------------------------------------------------------------- reading grids
@dataclass
class _Ctx:
    table: Table
    multi: bool
    projects: dict[str, Project] = field(default_factory=dict)


def read_grids(grids: Sequence[Grid], table: Table) -> None:
    """Read every grid into ``table``: records, projects, problems and ``table.sheets``.

    A file with a single indicator table also gets the flat-table fields (``columns``,
    ``rows``, ``preamble``, ``extra['_row']``) so it writes back as before.
    """
    ctx = _Ctx(table, multi=len(grids) > 1)
    prev_block: dict[str, str] = {}
    cont_cols: dict[str, Any] | None = None
    for g in grids:
        for row, reason in g.problems:
            table.problems.append(Problem(table.path, row, reason, sheet=g.name if ctx.multi else None))
        info, prev_block, cont_cols = _read_grid(
            g, ctx, prev_block if g.kind == "page" else {}, cont_cols if g.kind == "page" else None
        )
        table.sheets.append(info)
    ctx.table.projects.extend(ctx.projects.values())
    n_tables = sum(len(s.tables) for s in table.sheets)
    if n_tables == 1:
        _flat_fields(grids, table)


def _flat_fields(grids: Sequence[Grid], table: Table) -> None:
    """One indicator table in the whole file: keep its header and rows as a flat table's."""
    gi, info = next((i, s) for i, s in enumerate(table.sheets) if s.tables)
    if grids[gi].kind == "page":
        return
    g, t = grids[gi], info.tables[0]
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
        r = rec.extra.get("_cells", {}).get("indicator", [None])[0]
        if r in index:
            rec.extra["_row"] = index[r]


def _read_grid(g: Grid, ctx: _Ctx, inherit: dict[str, str], cont_cols: dict[str, Any] | None):
    """One grid → records; returns (sheet info, the last block's values, open table state)."""
    table = ctx.table
    p = table.path
    sheet = g.name if ctx.multi else None
    info = GridInfo(g.name, g.kind)

    def problem(row: int, reason: str) -> None:
        table.problems.append(Problem(p, row, reason, sheet=sheet))

    block = Block(dict(inherit))
    fresh = True  # no label read since the last table: a label now starts a new block
    pending: dict[int, tuple[str, int]] = {}  # column → (block key, last column of its label)
    state = cont_cols  # the open indicator table: cols, skip, header, tab info
    if state is not None:  # a PDF table running on from the page before, without its header again
        old = state["tab"]
        state = dict(
            state,
            closed=False,
            tab=TableSpan(None, first_col=old.first_col, last_col=old.last_col, continued=True),
            carry=dict(state.get("last_levels", {})),
        )
    last_block = dict(inherit)
    # A Word table's own paragraphs above it (项目名称：…) are a header block too.
    for text in g.above:
        m = INLINE_LABEL.match(text)
        key = form_label(m.group(1)) if m else None
        if key:
            block.values[key] = m.group(2).strip()
            fresh = False
    for i, cells in enumerate(g.cells):
        rn = g.rownums[i]
        cont = g.cont[i]
        dist = _distinct(cells, cont)
        if not any(t.strip() for t in cells):
            continue  # blank
        if not dist:
            continue  # only merge continuations: nothing new in this row
        first = dist[0][1]
        cols, skip = match_header(cells, cont)
        if _is_header(cols, cells):
            if state is not None:
                _close(state, info)
            values = block_values(block, last_block)
            last_block = dict(values)
            state = {
                "cols": cols,
                "skip": skip,
                "header": list(cells),
                "block": values,
                "tab": TableSpan(
                    rn,
                    first_col=min([c + 1 for c, _ in _distinct(cells, cont)] or [1]),
                    last_col=max([c + 1 for c, t in enumerate(cells) if t.strip()] or [1]),
                ),
            }
            pending.clear()
            fresh = True
            continue
        if state is not None and state["tab"].first_row is None and _sub_header_only(dist):
            for c, t in dist:  # a second header row: 实施周期指标值 | 年度指标值 under 指标值
                name = header_field(t)
                if name:
                    state["cols"][name] = c
                    state["header"][c] = t
                    state["skip"].discard(c)
            continue
        if _SIGN.match(first) or _NOTES.match(first):
            continue  # notes / signature rows
        if canon_header(first) in _TOTAL:
            continue
        labels = [(c, t, form_label(t)) for c, t in dist]
        inline = [INLINE_LABEL.match(t) for _, t in dist]
        is_label = [
            bool(k) or bool(m and form_label(m.group(1))) for (_, _, k), m in zip(labels, inline, strict=True)
        ]
        # Under a table, a block starts only with a label in the row's first cell.
        has_label = is_label[0] if state is not None else any(is_label)
        if (
            has_label
            and state is not None
            and not any(is_label[1:])
            and _indicator_named_like_a_label(state["cols"], cells, dist[0][0])
        ):
            has_label = False
        if state is not None and not has_label:
            filled = [t for t in cells if t.strip()]
            if len(dist) == 1 and len(filled) >= 2 and all(t.strip() == first for t in filled):
                _close(state, info)  # a title across the table (年度绩效指标): the table ends
                state = None
                continue
            _indicator_row(g, i, state, ctx, problem)
            continue
        # A header block row (or a title above it).
        if state is not None:
            _close(state, info)
            state = None
        if has_label and fresh:
            block = Block({}, rn)
            fresh = False
        taken = take_pending(pending, dist, block)
        if not has_label:
            if not taken and len(dist) >= 3 and not _title_like(dist):
                problem(rn, "row not read: neither a header block row nor under an indicator table header")
            continue
        read_labels(dist, labels, inline, block, pending, taken)
    if state is not None:
        _close(state, info)
        open_state = state if g.kind == "page" else None
    else:
        open_state = None
    values = block_values(block, last_block)
    return info, values, open_state


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


def _close(state: dict[str, Any], info: GridInfo) -> None:
    if state.get("closed"):
        return
    state["closed"] = True
    if state["tab"].header_row is not None or state["tab"].first_row is not None:
        info.tables.append(state["tab"])


def _indicator_row(g: Grid, i: int, state: dict[str, Any], ctx: _Ctx, problem) -> None:
    table = ctx.table
    cells, cont, rn = g.cells[i], g.cont[i], g.rownums[i]
    cols, skip, header = state["cols"], state["skip"], state["header"]
    carry = state.get("carry")
    if carry:
        # A merged 一级/二级 cell cut by a page break: its text stays on the page before.
        cells = list(cells)
        for c, text in list(carry.items()):
            if c < len(cells) and not cells[c].strip():
                cells[c] = text
            else:
                del carry[c]
    state["last_levels"] = {
        cols[lv]: cells[cols[lv]]
        for lv in _LEVEL
        if lv in cols and cols[lv] < len(cells) and cells[cols[lv]].strip()
    }
    tab = state["tab"]
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
        problem(rn, reason)
    if rec is None:
        return
    apply_block(rec, state["block"])
    rec.extra["_file"] = table.path
    rec.extra["_sheet"] = g.name
    rec.extra["_cells"] = {
        f: [rn, cols[f] + 1]
        for f in ("indicator", "target", "period_target", "level1", "level2")
        if f in cols
    }
    recs = (
        expand_numbered(rec, lambda reason: problem(rn, reason)) if NUMBERED.match(rec.indicator) else [rec]
    )
    for r in recs:
        _add_project(ctx, r)
        table.records.append(r)


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
