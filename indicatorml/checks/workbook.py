"""The reviewer's workbook: the checked table with its findings, suggestions and decisions marked.

A reviewer wants her own files back with the problems marked, not a new spreadsheet. So an
``.xlsx`` input is annotated in place (loaded from its bytes, marked: every sheet, merge,
width, style and formula as it was); any other input (CSV/TSV, the seed layout, JSONL, and
``.xls``/``.docx``/``.pdf`` through their grids) becomes a new workbook laid out like the
input, with the same marks. The cell writing lives in :mod:`indicatorml.tables.annotate`
(``code`` writes through it too); this module only says what a finding looks like there:

* the finding's cell (``Finding.field``: 一级/二级/三级指标/指标值; a project's finding on its
  project cell, else its first indicator) filled by severity, with a comment (批注) saying what
  is wrong and what to write instead — a user's own comment is kept, ours goes below it — and,
  once the reviewer has decided, a line with her decision;
* added columns at the right of each table: 问题级别, 问题, 规则 (the rules' Chinese names),
  建议二级指标, 建议概率, and 审核意见 (the reviewer's decisions and words);
* a 问题清单 sheet: every finding with its file (the name the user gave it), sheet, cell (a
  link to it), severity, rule (Chinese name), message, its project's grade (项目评级,
  :mod:`.grade`) and the reviewer's decision.

:func:`review_workbook` is the writer of one stored file (the review pipeline's): it reads and
checks nothing, and returns bytes. :func:`write_findings_xlsx` is the older call for tables read
from files on disk (several tables → one workbook).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..records import Table
from ..tables.annotate import (
    FILLS,
    Column,
    Listing,
    Marked,
    Note,
    Source,
    in_place,
    losses,
    marked_workbook,
    save_bytes,
    source_of,
)
from ..taxonomy import code_label
from .decisions import Decision, decision_line
from .finding import Finding
from .grade import project_grades
from .report import shown_rule
from .rules.registry import TABLE_RULES
from .severity import SEVERITY_RANK, SEVERITY_ZH

if TYPE_CHECKING:
    from ..coding import Prediction

__all__ = [
    "FILL_COLOURS",
    "ADDED_COLUMNS",
    "LIST_HEADER",
    "LIST_SHEET",
    "review_workbook",
    "write_findings_xlsx",
    "findings_marks",
    "Marks",
]

FILL_COLOURS = FILLS  # by severity: red, amber, blue (Excel's own "bad / neutral / note" tones)
ADDED_COLUMNS = ("问题级别", "问题", "规则", "建议二级指标", "建议概率", "审核意见")
LIST_SHEET = "问题清单"
LIST_HEADER = (
    "文件",
    "工作表",
    "单元格",
    "级别",
    "项目",
    "指标",
    "问题",
    "规则",
    "建议二级指标",
    "项目评级",
    "审核意见",
)
_WIDTHS = {"问题级别": 9, "问题": 50, "规则": 24, "建议二级指标": 20, "建议概率": 9, "审核意见": 30}
_FIELD_ZH = {"level1": "一级指标", "level2": "二级指标", "indicator": "三级指标", "target": "指标值"}


def _suggested(f: Finding) -> str | None:
    if f.kind != "label" or not f.suggested_level2_code:
        return None
    return code_label(f.suggested_level2_code)


@dataclass
class Marks:
    """One table's marks: a note per finding (in the findings' order, for the 问题清单 links),
    the decisions' comment lines, the added columns, and each finding's decision in words."""

    notes: list[Note]
    decision_notes: list[Note]
    columns: list[Column]
    decided: list[str | None] = field(default_factory=list)  # per finding: its decision, or None


def _current(
    decisions: Sequence[Decision], n_findings: int
) -> tuple[dict[int, Decision], dict[int, Decision]]:
    """The current decision per finding index and per row (the last given wins)."""
    by_finding: dict[int, Decision] = {}
    by_row: dict[int, Decision] = {}
    for d in decisions:
        if d.finding is not None:
            if 0 <= d.finding < n_findings:
                by_finding[d.finding] = d
        elif d.row is not None:
            by_row[d.row] = d
    return by_finding, by_row


def findings_marks(
    table: Table,
    findings: Sequence[Finding],
    suggestions: Sequence[Prediction | None] | None = None,
    decisions: Sequence[Decision] = (),
) -> Marks:
    """The marks of one table's findings (all of ``findings`` are this table's).

    ``suggestions`` (one per record, from the one scorer) fill 建议二级指标/建议概率 on every
    row that has one, as the review page shows them; without them those columns come from the
    label findings. ``decisions`` fill 审核意见 and add a line to the decided cell's 批注.
    """
    first: dict[str | None, int] = {}
    for i, r in enumerate(table.records):
        first.setdefault(r.project, i)
    by_finding, by_row = _current(decisions, len(findings))
    notes: list[Note] = []
    decision_notes: list[Note] = []
    decided: list[str | None] = []
    per_record: dict[int, list[Finding]] = {}
    opinions: dict[int, list[tuple[str | None, str]]] = {}  # record → (field, decision line)
    for k, f in enumerate(findings):
        whole = f.rule in TABLE_RULES or (f.row is None and f.project is None)
        about = f"项目「{f.project}」: " if f.row is None and not whole else ""
        note = Note(
            record=f.row,
            field=f.field,
            fill=FILL_COLOURS[f.severity],
            text=f"[{SEVERITY_ZH[f.severity]}] {about}{f.message}",
            project=None if whole else f.project,
            rank=SEVERITY_RANK[f.severity],
        )
        notes.append(note)
        key = None if whole else (f.row if f.row is not None else first.get(f.project))
        d = by_finding.get(k)
        line = None
        if d is not None:
            given = table.records[key].level2_code if key is not None and key < len(table.records) else None
            line = decision_line(d, f.suggested_level2_code, given)
            decision_notes.append(
                Note(note.record, note.field, None, f"审核意见: {line}", note.project, note.rank)
            )
            if key is not None:
                opinions.setdefault(key, []).append((f.field or ("project" if f.row is None else None), line))
        decided.append(line)
        if key is not None:
            per_record.setdefault(key, []).append(f)
    for row, d in by_row.items():
        if not 0 <= row < len(table.records):
            continue
        p = suggestions[row] if suggestions is not None and row < len(suggestions) else None
        line = decision_line(d, p.level2_code if p is not None else None, table.records[row].level2_code)
        decision_notes.append(Note(row, "level2", None, f"审核意见: {line}"))
        opinions.setdefault(row, []).append(("row", line))
    cols = {name: Column(name, width=_WIDTHS[name]) for name in ADDED_COLUMNS}
    cols["问题"].wrap = True
    cols["审核意见"].wrap = True
    cols["建议概率"].number_format = "0.00"
    if suggestions is not None:
        for i, p in enumerate(suggestions):
            if p is not None and p.level2_code:
                cols["建议二级指标"].values[i] = code_label(p.level2_code, p.level2)
                if p.confidence is not None:
                    cols["建议概率"].values[i] = round(p.confidence, 3)
    for i, here in per_record.items():
        worst = min(here, key=lambda f: SEVERITY_RANK[f.severity]).severity
        cols["问题级别"].values[i] = SEVERITY_ZH[worst]
        cols["问题级别"].fills[i] = FILL_COLOURS[worst]
        cols["问题"].values[i] = "\n".join(f"[{SEVERITY_ZH[f.severity]}] {f.message}" for f in here)
        cols["规则"].values[i] = "、".join(shown_rule(f) for f in here)  # one line: filterable, never clipped
        label = next((f for f in here if _suggested(f)), None)
        if label is not None and suggestions is None:
            cols["建议二级指标"].values[i] = _suggested(label)
            cols["建议概率"].values[i] = round(label.probability or 0.0, 3)
    for i, lines in opinions.items():
        several = len(lines) > 1
        cols["审核意见"].values[i] = "\n".join(
            (f"{_FIELD_ZH.get(fld or '', '项目' if fld == 'project' else '本行')}: " if several else "")
            + text
            for fld, text in lines
        )
    return Marks(notes, decision_notes, list(cols.values()), decided)


def _listing(
    items: Sequence[tuple[str, Table, Sequence[Finding], Marks]],
) -> tuple[Listing, dict[int, int]]:
    """问题清单: one row per finding, in the tables' order; {id(note): table index} for the links.
    ``items`` are (the name to show, the table, its findings, their marks) per table."""
    listing = Listing(
        LIST_SHEET,
        LIST_HEADER,
        link_column=3,
        fill_column=4,
        sheet_column=2,
        ref_column=3,
        widths=(24, 14, 8, 6, 24, 26, 70, 20, 20, 9, 30),
    )
    owner: dict[int, int] = {}
    for k, (name, table, findings, marks) in enumerate(items):
        grade_of = {g.project: g.grade for g in project_grades(table, findings)}
        for f, note, decided in zip(findings, marks.notes, marks.decided, strict=True):
            where = (
                "整张表" if f.rule in TABLE_RULES else (f"第{f.row + 1}条" if f.row is not None else "项目")
            )
            listing.rows.append(
                [
                    name,
                    None,
                    None,
                    SEVERITY_ZH[f.severity],
                    f.project or None,
                    f.indicator or where,
                    f.message,
                    shown_rule(f),
                    _suggested(f),
                    None if f.rule in TABLE_RULES else grade_of.get(f.project),
                    decided,
                ]
            )
            listing.links.append(note)
            listing.fills.append(FILL_COLOURS[f.severity])
            owner[id(note)] = k
    return listing, owner


def review_workbook(
    table: Table,
    findings: Sequence[Finding],
    *,
    name: str,
    source: bytes | None = None,
    suggestions: Sequence[Prediction | None] | None = None,
    decisions: Sequence[Decision] = (),
    more: Sequence[Listing] = (),
) -> bytes:
    """One file's review workbook, as ``.xlsx`` bytes — the writer the review pipeline calls for
    a stored file; it reads and checks nothing.

    * ``table`` — the table as read (records with their origins, sheets, flat rows: what
      :func:`indicatorml.table_json.table_from_dict` gives back);
    * ``findings`` — this file's findings, in the order their ids run (every one is this file's:
      ``Finding.file`` is not looked at);
    * ``name`` — the file's own name as the user gave it (``申报表.xlsx``): sheet titles and the
      问题清单's 文件 column show it, never ``table.path``;
    * ``source`` — the uploaded bytes: an ``.xlsx`` is marked in them (every sheet, merge,
      formula and style kept); an ``.xls``/``.docx``/``.pdf`` is laid out like them in a new
      workbook; without them, a new workbook from the table's own rows;
    * ``suggestions`` — one :class:`~indicatorml.coding.Prediction` (or None) per record, from
      :func:`indicatorml.coding.score_rows`: 建议二级指标/建议概率 on every row, as the page shows;
    * ``decisions`` — the reviewer's current decisions (:class:`~.decisions.Decision`), written
      in 审核意见 and in the decided cell's 批注;
    * ``more`` — further list sheets after 问题清单, written as they are (the review pipeline's
      与去年对照); every cell through the writer's text-safe ``put``.

    Why bytes: a server answers a download or fills a zip from them and keeps no file; the
    CLI writes them whole with :func:`indicatorml.tables.annotate.save_bytes`.
    """
    marks = findings_marks(table, findings, suggestions, decisions)
    listing, owner = _listing([(name, table, findings, marks)])
    item = Marked(Source(table, name, source), marks.notes + marks.decision_notes, marks.columns)
    return marked_workbook([item], listing, lambda note: owner.get(id(note)), more)


def write_findings_xlsx(
    tables: Sequence[Table], findings: Sequence[Finding], path: str, names: Sequence[str] | None = None
) -> list[str]:
    """Write the reviewer's workbook of tables read from files on disk to ``path``.

    One ``.xlsx`` input: the user's own workbook, marked (see the module docstring). Anything
    else — one non-xlsx input, or several inputs in one workbook — a new workbook with one
    sheet per input sheet/table laid out like the input, the same marks, and 问题清单 over all
    of them. ``names`` are the names to show (default: each file's own name, without its
    folder). The input is never overwritten. Returns what openpyxl could not keep of the
    user's workbook (text boxes, shapes…; see :func:`indicatorml.tables.annotate.losses`).
    """
    shown = list(names) if names is not None else [None] * len(tables)
    sources = [source_of(t, n) for t, n in zip(tables, shown, strict=True)]
    mine = [[f for f in findings if f.file == t.path] for t in tables]
    marks = [findings_marks(t, fs) for t, fs in zip(tables, mine, strict=True)]
    listing, owner = _listing(
        [(s.name, s.table, fs, m) for s, fs, m in zip(sources, mine, marks, strict=True)]
    )
    items = [Marked(s, m.notes, m.columns) for s, m in zip(sources, marks, strict=True)]
    data = marked_workbook(items, listing, lambda note: owner.get(id(note)))
    save_bytes(data, path, inputs=[t.path for t in tables])
    data_in = sources[0].data
    return losses(data_in) if len(sources) == 1 and in_place(sources[0]) and data_in is not None else []
