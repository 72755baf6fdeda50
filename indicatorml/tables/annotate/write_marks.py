"""Writing the marks into an openpyxl workbook: fills and comments on cells, added columns, the list sheet.

Shared by both ways out (:mod:`.own_workbook`, :mod:`.new_workbook`): a merged range is written
at its top-left cell, a user's own comment stays above ours, added columns go in the first free
column right of each table, and list rows link to their notes' cells. That is why its writers
(:func:`mark_cells`, :func:`fill_entries`, :func:`add_columns`, :func:`write_listing`,
:func:`note_target`, :func:`workbook_bytes`) are public: both workbook modules call them,
neither owns them.

Why every lookup here is indexed (:class:`MergeIndex`, :class:`Locator`): a table has tens of
thousands of rows, and a per-row scan of the sheet (openpyxl's ``ws[r]``, ``max_row``,
``merged_cells``) made writing quadratic — 29,000 rows took 192 s. Each writer touches each
record, note and merged range a bounded number of times.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Callable, Iterable, Sequence
from copy import copy
from functools import partial
from pathlib import Path
from typing import Any

from ...errors import IndicatormlError, os_reason
from ...output import display_width, keep_as_text
from ...records import Table
from ..columns import cell_text
from .layout import Place, Sheet, TableArea
from .marks import AUTHOR, FILLS, Column, Entry, Listing, Note

__all__ = [
    "link_ref",
    "same_file",
    "mark_cells",
    "fill_entries",
    "add_columns",
    "write_listing",
    "note_target",
    "put",
    "workbook_bytes",
    "save_bytes",
    "MergeIndex",
    "Book",
    "Styles",
    "Locator",
    "NoteTarget",
]

_OURS = f"—— {AUTHOR} ——"  # between a user's comment and ours
# Characters an XML cell cannot hold (openpyxl's own list): a damaged file's control characters.
_ILLEGAL = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
# A note → the (sheet, row, column) its list row links to, or None.
NoteTarget = Callable[[Note], tuple[str, int, int] | None]


def link_ref(sheet: str, row: int, col: int) -> str:
    """``'Sheet name'!C7``: the location of an internal hyperlink."""
    from openpyxl.utils import get_column_letter

    return "'{}'!{}{}".format(sheet.replace("'", "''"), get_column_letter(col), row)


def put(ws: Any, row: int, col: int, value: Any) -> Any:
    """Write ``value`` into a cell as data: text that starts with ``=`` stays text (never a live
    formula), characters XML cannot hold (control characters a damaged file carried) are left
    out instead of failing the whole workbook. Returns the cell."""
    cell = ws.cell(row=row, column=col)
    if isinstance(value, str):
        if _ILLEGAL.search(value):
            value = _ILLEGAL.sub("", value)
        cell.value = value
        keep_as_text((cell,))
    elif value is not None:
        cell.value = value
    return cell


class MergeIndex:
    """A worksheet's merged ranges by row, read once: ``top_left`` and ``right_edge`` without
    scanning every range for every cell."""

    def __init__(self, ws: Any) -> None:
        self._by_row: dict[int, list[tuple[int, int, int, int]]] = {}
        for rng in ws.merged_cells.ranges:
            box = (rng.min_row, rng.min_col, rng.max_row, rng.max_col)
            for r in range(rng.min_row, rng.max_row + 1):
                self._by_row.setdefault(r, []).append(box)

    def top_left(self, row: int, col: int) -> tuple[int, int]:
        """A cell inside a merged range is written at the range's top-left cell."""
        for r0, c0, _, c1 in self._by_row.get(row, ()):
            if c0 <= col <= c1:
                return r0, c0
        return row, col

    def right_edge(self, top: int, bottom: int, col: int) -> int:
        """The last column a merged range reaches on rows ``top``..``bottom`` from right of
        ``col`` (``col`` itself when none does)."""
        edge = col
        for r in range(top, bottom + 1):
            for _, _, _, c1 in self._by_row.get(r, ()):
                edge = max(edge, c1)
        return edge


_SLOTS = {
    "fill": "fillId",
    "font": "fontId",
    "border": "borderId",
    "alignment": "alignmentId",
    "number_format": "numFmtId",
}


class Styles:
    """Style ids by what they hold, found once per workbook.

    Why: setting ``cell.fill``/``font``/``alignment`` through openpyxl hashes and compares the
    whole style object against the workbook's list on every call — half the time of writing a
    7,200-row table. A style seen before is set by copying its id into the cell's style array
    (what openpyxl's own setter stores), so each distinct style costs one lookup.
    """

    def __init__(self) -> None:
        self._ids: dict[tuple[str, Any], int] = {}

    def set(self, cell: Any, attr: str, key: Any, make: Callable[[], Any]) -> None:
        """``cell.<attr> = make()``, ``key`` naming what ``make`` gives (equal keys, equal styles)."""
        slot = _SLOTS[attr]
        idx = self._ids.get((attr, key))
        if idx is None:
            setattr(cell, attr, make())
            self._ids[(attr, key)] = getattr(cell._style, slot)
            return
        if cell._style is None:
            from openpyxl.styles.cell_style import StyleArray

            cell._style = StyleArray()
        setattr(cell._style, slot, idx)

    def solid(self, cell: Any, rgb: str) -> None:
        """A solid fill of colour ``rgb``."""
        from openpyxl.styles import PatternFill

        self.set(cell, "fill", rgb, lambda: PatternFill("solid", start_color=rgb, end_color=rgb))


class Book:
    """What the writers share about one workbook: a :class:`MergeIndex` per sheet (made when
    first asked for) and the :class:`Styles` found so far."""

    def __init__(self, wb: Any) -> None:
        self.wb = wb
        self.styles = Styles()
        self._index: dict[str, MergeIndex] = {}

    def merges(self, sheet: str) -> MergeIndex:
        if sheet not in self._index:
            self._index[sheet] = MergeIndex(self.wb[sheet])
        return self._index[sheet]


class Locator:
    """Where a note's cell is in one table's layout: built once per table, so that finding the
    cell of each of thousands of notes costs a dictionary lookup, not a pass over the records."""

    def __init__(self, table: Table, places: Sequence[Place], sheets: Sequence[Sheet] = ()) -> None:
        self.table = table
        self.places = places
        self.sheets = sheets
        self._first: dict[str | None, int] = {}
        for i, r in enumerate(table.records):
            self._first.setdefault(r.project, i)
        self._alone: dict[str, tuple[str, int]] = {}
        for s in sheets:
            for project, row in s.project_rows.items():
                self._alone.setdefault(project, (s.name, row))

    def cell(self, note: Note) -> tuple[str, int, int] | None:
        """The (sheet, row, col) a note marks, or None (a whole-table note, or no place)."""
        idx, fld = note.record, note.field
        if idx is None and note.project is not None:
            idx, fld = self._first.get(note.project), "project"
            if idx is None:  # a project without indicators: its own row, where the layout has one
                alone = self._alone.get(note.project)
                return (alone[0], alone[1], 1) if alone is not None else None
        return self.field_cell(idx, fld)

    def field_cell(self, idx: int | None, fld: str | None) -> tuple[str, int, int] | None:
        """The cell of record ``idx``'s field (its indicator cell where the field has none)."""
        if idx is None or idx >= len(self.places) or self.places[idx] is None:
            return None
        p = self.places[idx]
        cell = p.cells.get(fld or "") or p.cells.get("indicator") or next(iter(p.cells.values()), None)
        if fld == "project" and "project" not in p.cells:
            cell = p.cells.get("indicator", cell)
        if cell is None:
            return None
        return p.sheet, cell[0], cell[1]

    def first_of_project(self, project: str | None) -> int | None:
        """The index of the project's first record (None: the project has none)."""
        return self._first.get(project)


def _comment_size(text: str) -> tuple[int, int]:
    """Width and height (pt) of a comment box that shows its text: ~22 CJK characters a line."""
    width = 300
    lines = sum(max(1, math.ceil(display_width(line) / 44)) for line in text.split("\n"))
    return width, min(40 + 15 * lines, 600)


def _comment(cell: Any, lines: Sequence[str]) -> None:
    """Our lines as the cell's comment; a user's own comment stays, ours goes below it (a
    comment has one author: both are named)."""
    from openpyxl.comments import Comment

    text, author = "\n".join(lines), AUTHOR
    old = cell.comment
    theirs = (old.text or "").split(_OURS)[0].rstrip() if old is not None else ""
    if theirs and old.author != AUTHOR:
        text = f"{theirs}\n{_OURS}\n{text}"
        prior = (old.author or "").split(" / ")[0]
        author = f"{prior} / {AUTHOR}" if prior and prior != AUTHOR else AUTHOR
    w, h = _comment_size(text)
    cell.comment = Comment(text, author, height=h, width=w)


def mark_cells(
    wb: Any,
    locator: Locator,
    notes: Sequence[Note],
    sheet_map: dict[str, str] | None = None,
    book: Book | None = None,
) -> None:
    """Fill and comment the cell of each note (the top-left cell where it is merged).

    ``sheet_map`` renames a layout's sheet to the sheet written (a new workbook prefixes the
    file's name); a note whose sheet is not in ``wb`` is left out (it is still listed).
    """
    book = book or Book(wb)
    names = set(wb.sheetnames)
    grouped: dict[tuple[str, int, int], list[Note]] = {}
    for n in notes:
        at = locator.cell(n)
        if at is None:
            continue
        sheet = (sheet_map or {}).get(at[0], at[0])
        if sheet not in names:
            continue
        r, c = book.merges(sheet).top_left(at[1], at[2])
        grouped.setdefault((sheet, r, c), []).append(n)
    for (sheet, r, c), here in grouped.items():
        cell = wb[sheet].cell(row=r, column=c)
        filled = [n for n in here if n.fill]
        if filled:
            book.styles.solid(cell, min(filled, key=lambda n: n.rank).fill or "")
        lines = _comment_lines(locator.table, here)
        if lines:
            _comment(cell, lines)


def _comment_lines(table: Table, here: Sequence[Note]) -> list[str]:
    """The comment's lines; when one cell carries several indicators' notes (a merged 一级指标
    cell), each line says which indicator it is about."""
    texts = [n for n in here if n.text]
    records = {n.record for n in texts}
    lines = []
    for n in texts:
        if len(records) > 1 and n.record is not None and n.record < len(table.records):
            lines.append(f"「{table.records[n.record].indicator}」{n.text}")
        else:
            lines.append(n.text or "")
    return lines


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def fill_entries(
    wb: Any,
    locator: Locator,
    entries: Sequence[Entry],
    sheet_map: dict[str, str] | None = None,
    book: Book | None = None,
) -> int:
    """Write each entry's value into its cell where that cell is empty (the top-left cell of a
    merged range; a cell holding only spaces counts as empty). A cell with anything in it is
    never touched. Several records on one cell (a merged 一级指标): written only when they all
    agree, else the cell stays empty, amber, with a comment listing what each would have had.
    Returns how many cells were written."""
    book = book or Book(wb)
    names = set(wb.sheetnames)
    grouped: dict[tuple[str, int, int], list[Entry]] = {}
    for e in entries:
        at = locator.field_cell(e.record, e.field)
        p = locator.places[e.record] if e.record < len(locator.places) else None
        if at is None or p is None or e.field not in p.cells:
            continue  # the table has no such column: the added columns say it
        sheet = (sheet_map or {}).get(at[0], at[0])
        if sheet not in names:
            continue
        r, c = book.merges(sheet).top_left(at[1], at[2])
        grouped.setdefault((sheet, r, c), []).append(e)
    written = 0
    for (sheet, r, c), here in grouped.items():
        cell = wb[sheet].cell(row=r, column=c)
        if not _is_empty(cell.value):
            continue
        values = list(dict.fromkeys(e.value for e in here))
        if len(values) == 1:
            put(wb[sheet], r, c, values[0])
            fill = next((e.fill for e in here if e.fill), None)
            if fill:
                book.styles.solid(cell, fill)
            lines = list(dict.fromkeys(_entry_line(locator.table, e, here) for e in here if e.text))
            written += 1
        else:
            book.styles.solid(cell, FILLS["warning"])
            lines = ["各行建议不同,未填写;请按行填写:"] + [
                f"「{locator.table.records[e.record].indicator}」{e.value}" for e in here
            ]
        if lines:
            _comment(cell, lines)
    return written


def _entry_line(table: Table, e: Entry, here: Sequence[Entry]) -> str:
    """An entry's comment line, naming its indicator where several records share the cell."""
    if len({x.record for x in here}) > 1 and e.record < len(table.records):
        return f"「{table.records[e.record].indicator}」{e.text}"
    return e.text or ""


def _free_column(ws: Any, area: TableArea, merges: MergeIndex, width: int) -> int:
    """The first column right of the table with nothing in it on the table's rows (values or
    merged ranges): added columns never write over the user's cells. ``width`` is the sheet's
    last used column (read once per sheet, not per table)."""
    col = area.last_col
    top = area.header_row if area.header_row >= 1 else area.first_row
    bottom = max(area.last_row, top)
    if width > area.last_col:
        for row in ws.iter_rows(min_row=top, max_row=bottom, min_col=area.last_col + 1, max_col=width):
            for cell in row:
                if cell.value not in (None, ""):
                    col = max(col, cell.column)
    return max(col, merges.right_edge(top, bottom, area.last_col)) + 1


def _set_width(ws: Any, col: int, width: float) -> None:
    """Set a column's width unless a width the user set already covers it (a <col min max>
    group: a second entry for one of its columns would overlap it)."""
    from openpyxl.utils import get_column_letter

    for dim in ws.column_dimensions.values():
        lo, hi = dim.min or 0, dim.max or 0
        if lo <= col <= hi and dim.customWidth:
            return
    ws.column_dimensions[get_column_letter(col)].width = width


def add_columns(
    ws: Any,
    sheet: Sheet,
    places: Sequence[Place],
    sheet_name: str,
    columns: Sequence[Column],
    header_style: bool,
    book: Book | None = None,
) -> dict[int, int]:
    """Write each table's added columns; returns {table index: first added column}.

    A value cell takes the border and font of the table's last cell on its row, top-aligned
    (wrapped where the column wraps or several records share the row), the column's number
    format and fill: one style per such combination, found once (:class:`Styles`)."""
    from openpyxl.styles import Alignment, Font
    from openpyxl.styles.cell_style import StyleArray

    book = book or Book(ws.parent)
    merges = book.merges(ws.title)
    width = ws.max_column
    rows_of: dict[int, dict[int, list[int]]] = {}  # table → row → record indexes, in one pass
    for i, p in enumerate(places):
        if p is not None and p.sheet == sheet_name:
            rows_of.setdefault(p.table, {}).setdefault(p.row, []).append(i)
    made: dict[tuple[Any, ...], StyleArray] = {}
    starts = {}
    for g, area in enumerate(sheet.tables):
        rows = rows_of.get(g, {})
        span = area
        if rows:  # a record the reader placed outside its table's rows still gets a free column
            top, bottom = min(area.header_row or area.first_row, min(rows)), max(area.last_row, max(rows))
            span = TableArea(top, area.first_row, bottom, area.last_col)
        start = _free_column(ws, span, merges, width)
        starts[g] = start
        if area.header_row >= 1:  # 0: a continued table starting on the sheet's first row
            hr, hc = merges.top_left(area.header_row, area.last_col)
            model = ws.cell(row=hr, column=hc)
            for k, col in enumerate(columns):
                cell = put(ws, area.header_row, start + k, col.header)
                if header_style and model.has_style:
                    cell._style = copy(model._style)
                else:
                    cell.font = Font(bold=True)
        for k, col in enumerate(columns):
            _set_width(ws, start + k, col.width)
        for row, idxs in rows.items():
            src = ws.cell(*merges.top_left(row, area.last_col))
            theirs = (src._style.borderId, src._style.fontId) if src.has_style else None
            for k, col in enumerate(columns):
                vals = [col.values[i] for i in idxs if col.values.get(i) not in (None, "")]
                if not vals:
                    value = None
                elif len(vals) == 1:
                    value = vals[0]
                else:
                    value = "\n".join(cell_text(v) for v in vals)
                fill = next((col.fills[i] for i in idxs if col.fills.get(i)), None)
                if value is None and theirs is None and fill is None:
                    continue  # nothing to show and no border to carry on: no cell at all
                cell = put(ws, row, start + k, value)
                wrap = col.wrap or len(vals) > 1
                number_format = col.number_format if col.number_format and len(vals) == 1 else None
                key = (theirs, wrap, number_format, fill)
                style = made.get(key)
                if style is None:
                    if theirs is not None:
                        cell._style = cell._style or StyleArray()
                        cell._style.borderId, cell._style.fontId = theirs
                    book.styles.set(
                        cell, "alignment", wrap, partial(Alignment, wrap_text=wrap, vertical="top")
                    )
                    if number_format:
                        cell.number_format = number_format
                    if fill:
                        book.styles.solid(cell, fill)
                    style = made[key] = copy(cell._style)
                cell._style = copy(style)
    return starts


def write_listing(wb: Any, listing: Listing, table_of: NoteTarget) -> None:
    """The list sheet, last; each row's link column links to its note's cell. Every value goes
    through :func:`put` (a sheet or file name starting with ``=`` is text, not a formula)."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.hyperlink import Hyperlink

    name, k = listing.name, 2
    while name in wb.sheetnames:
        name, k = f"{listing.name}({k})", k + 1
    ws = wb.create_sheet(name)
    styles = Styles()
    for c, h in enumerate(listing.header, start=1):
        put(ws, 1, c, h).font = Font(bold=True)
    for r, values in enumerate(listing.rows, start=2):
        for c, v in enumerate(values, start=1):
            if v is not None:
                put(ws, r, c, v)
        note = listing.links[r - 2] if r - 2 < len(listing.links) else None
        target = table_of(note) if note is not None else None
        if target is not None:
            sheet, row, col = target
            if listing.sheet_column:
                put(ws, r, listing.sheet_column, sheet)
            if listing.ref_column:
                put(ws, r, listing.ref_column, f"{get_column_letter(col)}{row}")
            cell = ws.cell(row=r, column=listing.link_column)
            cell.hyperlink = Hyperlink(ref=cell.coordinate, location=link_ref(sheet, row, col))
            styles.set(cell, "font", "link", lambda: Font(color="0563C1", underline="single"))
        fill = listing.fills[r - 2] if r - 2 < len(listing.fills) else None
        if fill and listing.fill_column:
            styles.solid(ws.cell(row=r, column=listing.fill_column), fill)
    for c, w in enumerate(listing.widths, start=1):
        ws.column_dimensions[get_column_letter(c)].width = w
    ws.freeze_panes = "A2"
    if listing.rows:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(listing.header))}{len(listing.rows) + 1}"


def note_target(
    wb: Any,
    locator: Locator,
    sheet_map: dict[str, str] | None = None,
    book: Book | None = None,
) -> NoteTarget:
    """A note → the (sheet, row, col) its list row links to: its cell, else the table's header.

    Returns the function :func:`write_listing` takes; ``sheet_map`` as in :func:`mark_cells`.
    """
    book = book or Book(wb)
    names = set(wb.sheetnames)
    sheets = locator.sheets

    def target(note: Note) -> tuple[str, int, int] | None:
        at = locator.cell(note)
        if at is None and sheets:
            s = sheets[0]
            g = s.tables[0] if s.tables else TableArea(1, 1, 1, 1)
            at = (s.name, max(g.header_row, 1), 1)
        if at is None:
            return None
        sheet = (sheet_map or {}).get(at[0], at[0])
        if sheet not in names:
            return None
        r, c = book.merges(sheet).top_left(at[1], at[2])
        return sheet, r, c

    return target


def same_file(a: str | Path, b: str | Path) -> bool:
    """Whether two paths name one file: the input is never overwritten by the output."""
    pa, pb = Path(a), Path(b)
    try:
        return pa.resolve() == pb.resolve() or (pa.exists() and pb.exists() and pa.samefile(pb))
    except OSError:
        return False


def workbook_bytes(wb: Any) -> bytes:
    """The workbook as ``.xlsx`` bytes: nothing is written to disk (a server hands them to the
    client or its store; the CLI writes them with :func:`save_bytes`)."""
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def save_bytes(data: bytes, out: str | Path, inputs: Iterable[str | Path] = ()) -> None:
    """Write ``data`` to ``out`` whole or not at all (a temporary file beside it, then renamed:
    a crash mid-write leaves no half workbook), refusing to overwrite one of ``inputs``; a
    missing directory or a permission problem is a one-line user error."""
    import os
    import secrets

    out = Path(out)
    for src in inputs:
        if same_file(src, out):
            raise IndicatormlError(f"--output {out} 就是输入文件;请换一个文件名(输入文件从不覆盖)")
    tmp = out.with_name(f".{out.name}.{secrets.token_hex(4)}.part")
    try:
        # O_EXCL: never another's file; mode 0o666 less the umask, as a plain open() would give.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as e:
        raise IndicatormlError(f"无法写入 {out}: {os_reason(e)}") from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, out)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise IndicatormlError(f"无法写入 {out}: {os_reason(e)}") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
