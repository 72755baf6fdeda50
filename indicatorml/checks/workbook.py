"""The reviewer's workbook: the checked table with its findings marked.

A reviewer wants her own files back with the problems marked, not a new spreadsheet. So an
``.xlsx`` input is annotated in place (loaded, marked, saved under the output name: every
sheet, merge, width, style and formula as it was); any other input (CSV/TSV, the seed layout,
JSONL, and ``.xls``/``.docx``/``.pdf`` through their readers) becomes a new workbook laid out
like the input, with the same marks. The cell writing lives in :mod:`indicatorml.tables.annotate`
(``code`` writes through it too); this module only says what a finding looks like there:

* the finding's cell (``Finding.field``: 一级/二级/三级指标/指标值; a project's finding on its
  project cell, else its first indicator) filled by severity, with a comment (批注) saying what
  is wrong and what to write instead — a user's own comment is kept, ours goes below it;
* added columns at the right of each table: 问题级别, 问题, 规则 (the rules' Chinese names),
  建议二级指标, 建议概率, and an empty 审核意见 for the reviewer's own words;
* a 问题清单 sheet: every finding with its file, sheet, cell (a link to it), severity, rule
  (Chinese name), message and its project's grade (项目评级, :mod:`.grade`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..records import Table
from ..tables.annotate import (
    FILLS,
    OWN_WORKBOOK,
    Column,
    Listing,
    Note,
    annotate_workbook,
    lost_line,
    report_workbook,
)
from ..taxonomy import code_label
from .finding import Finding
from .grade import project_grades
from .report import shown_rule
from .rules.registry import TABLE_RULES
from .severity import SEVERITY_RANK, SEVERITY_ZH

__all__ = [
    "FILL_COLOURS",
    "ADDED_COLUMNS",
    "LIST_HEADER",
    "LIST_SHEET",
    "write_findings_xlsx",
    "write_checked_workbooks",
    "annotatable",
    "findings_marks",
]

FILL_COLOURS = FILLS  # by severity: red, amber, blue (Excel's own "bad / neutral / note" tones)
ADDED_COLUMNS = ("问题级别", "问题", "规则", "建议二级指标", "建议概率", "审核意见")
LIST_SHEET = "问题清单"
LIST_HEADER = ("文件", "工作表", "单元格", "级别", "项目", "指标", "问题", "规则", "建议二级指标", "项目评级")
_WIDTHS = {"问题级别": 9, "问题": 50, "规则": 24, "建议二级指标": 20, "建议概率": 9, "审核意见": 24}


def annotatable(table: Table) -> bool:
    """An input whose own workbook can be written back: an ``.xlsx``/``.xlsm`` openpyxl loads."""
    p = Path(table.path)
    return table.kind == "xlsx" and p.suffix.lower() in OWN_WORKBOOK and p.is_file() and bool(table.records)


def _suggested(f: Finding) -> str | None:
    if f.kind != "label" or not f.suggested_level2_code:
        return None
    return code_label(f.suggested_level2_code)


def findings_marks(table: Table, findings: Sequence[Finding]) -> tuple[list[Note], list[Column]]:
    """The marks of one table's findings: a note per finding, and the added columns' values."""
    mine = [f for f in findings if f.file == table.path]
    first: dict[str | None, int] = {}
    for i, r in enumerate(table.records):
        first.setdefault(r.project, i)
    notes: list[Note] = []
    per_record: dict[int, list[Finding]] = {}
    for f in mine:
        whole = f.rule in TABLE_RULES or (f.row is None and f.project is None)
        about = f"项目「{f.project}」: " if f.row is None and not whole else ""
        notes.append(
            Note(
                record=f.row,
                field=f.field,
                fill=FILL_COLOURS[f.severity],
                text=f"[{SEVERITY_ZH[f.severity]}] {about}{f.message}",
                project=None if whole else f.project,
                rank=SEVERITY_RANK[f.severity],
            )
        )
        if whole:
            continue
        key = f.row if f.row is not None else first.get(f.project)
        if key is not None:
            per_record.setdefault(key, []).append(f)
    cols = {name: Column(name, width=_WIDTHS[name]) for name in ADDED_COLUMNS}
    cols["问题"].wrap = True
    cols["建议概率"].number_format = "0.00"
    for i, here in per_record.items():
        worst = min(here, key=lambda f: SEVERITY_RANK[f.severity]).severity
        cols["问题级别"].values[i] = SEVERITY_ZH[worst]
        cols["问题级别"].fills[i] = FILL_COLOURS[worst]
        cols["问题"].values[i] = "\n".join(f"[{SEVERITY_ZH[f.severity]}] {f.message}" for f in here)
        cols["规则"].values[i] = "、".join(shown_rule(f) for f in here)  # one line: filterable, never clipped
        label = next((f for f in here if _suggested(f)), None)
        if label is not None:
            cols["建议二级指标"].values[i] = _suggested(label)
            cols["建议概率"].values[i] = round(label.probability or 0.0, 3)
    return notes, list(cols.values())


def _listing(
    tables: Sequence[Table], findings: Sequence[Finding], notes_by_table: Sequence[Sequence[Note]]
) -> tuple[Listing, dict[int, int]]:
    """问题清单: one row per finding, in the tables' order; {id(note): table index} for the links."""
    listing = Listing(
        LIST_SHEET,
        LIST_HEADER,
        link_column=3,
        fill_column=4,
        sheet_column=2,
        ref_column=3,
        widths=(24, 14, 8, 6, 24, 26, 70, 20, 20, 9),
    )
    owner: dict[int, int] = {}
    for k, (table, notes) in enumerate(zip(tables, notes_by_table, strict=True)):
        mine = [f for f in findings if f.file == table.path]
        grade_of = {g.project: g.grade for g in project_grades(table, mine)}
        for f, note in zip(mine, notes, strict=True):
            where = (
                "整张表" if f.rule in TABLE_RULES else (f"第{f.row + 1}条" if f.row is not None else "项目")
            )
            listing.rows.append(
                [
                    table.path,
                    None,
                    None,
                    SEVERITY_ZH[f.severity],
                    f.project or "",
                    f.indicator or where,
                    f.message,
                    shown_rule(f),
                    _suggested(f) or "",
                    "" if f.rule in TABLE_RULES else grade_of.get(f.project, ""),
                ]
            )
            listing.links.append(note)
            listing.fills.append(FILL_COLOURS[f.severity])
            owner[id(note)] = k
    return listing, owner


def write_findings_xlsx(tables: Sequence[Table], findings: Sequence[Finding], path: str) -> list[str]:
    """Write the reviewer's workbook to ``path``.

    One ``.xlsx`` input: the user's own workbook, marked (see the module docstring). Anything
    else — one non-xlsx input, or several inputs in one workbook — a new workbook with one
    sheet per input sheet/table laid out like the input, the same marks, and 问题清单 over all
    of them. The input is never overwritten. Returns what openpyxl could not keep of the
    user's workbook (text boxes, shapes…; see :func:`indicatorml.tables.annotate.losses`).
    """
    marks = [findings_marks(t, findings) for t in tables]
    listing, owner = _listing(tables, findings, [n for n, _ in marks])
    if len(tables) == 1 and annotatable(tables[0]):
        notes, columns = marks[0]
        return annotate_workbook(tables[0], path, notes, columns, listing)
    report_workbook(
        [(t, n, c) for t, (n, c) in zip(tables, marks, strict=True)],
        path,
        listing,
        listing_table=lambda note: owner.get(id(note)),
    )
    return []


def output_paths(tables: Sequence[Table], output: str) -> list[Path]:
    """Where ``check FILE… -o OUTPUT`` writes each input's workbook.

    One input: OUTPUT itself. Several: with OUTPUT a folder (existing, or ending in ``/``),
    ``OUTPUT/<input name>.xlsx`` — the reviewer's own file names, to send back; with OUTPUT a
    file name, ``<OUTPUT stem>-<input name>.xlsx`` beside it. Names that would collide get
    ``(2)``, ``(3)``…
    """
    out = Path(output)
    folder = output.endswith(("/", "\\")) or out.is_dir()
    if len(tables) == 1 and not folder:
        return [out]
    if folder:
        out.mkdir(parents=True, exist_ok=True)
    used: set[str] = set()
    paths = []
    for t in tables:
        stem = Path(t.path).stem
        base = stem if folder else f"{out.stem}-{stem}"
        name, k = base, 2
        while name.lower() in used:
            name, k = f"{base}({k})", k + 1
        used.add(name.lower())
        paths.append((out if folder else out.parent) / f"{name}.xlsx")
    return paths


def write_checked_workbooks(
    tables: Sequence[Table], findings: Sequence[Finding], output: str, err: Any = None
) -> list[Path]:
    """``check … -o``: one marked workbook per input (see :func:`output_paths`); the paths
    written. What openpyxl could not keep of an input is said on ``err``."""
    paths = output_paths(tables, output)
    for t, p in zip(tables, paths, strict=True):
        lost = write_findings_xlsx([t], [f for f in findings if f.file == t.path], str(p))
        if lost and err is not None:
            print(lost_line(t.path, p, lost), file=err)
    return paths
