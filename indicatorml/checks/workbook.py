"""The reviewer's workbook: the checked table with its findings marked, as XLSX.

Kept apart from the terminal and row views because it is the one output that writes cells,
fills and comments into a spreadsheet (openpyxl), and the one that must grow to annotate the
user's own workbook in place.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import IndicatormlError
from ..records import Table
from ..tables.columns import match_columns
from ..taxonomy import by_code
from .finding import Finding
from .report import FINDING_COLUMNS, SEVERITY_ZH, finding_rows

__all__ = ["FILL_COLOURS", "write_findings_xlsx"]

# openpyxl fills by severity: red, amber, blue (Excel's own "bad / neutral / note" tones).
FILL_COLOURS = {"error": "FFC7CE", "warning": "FFEB9C", "info": "DDEBF7"}

_BASE = ("项目名称", "绩效目标", "一级指标", "二级指标", "三级指标", "实施周期指标值", "年度指标值")
_FIELD_COLUMN = {"level1": "一级指标", "level2": "二级指标", "indicator": "三级指标", "target": "年度指标值"}
_ADDED = ("问题级别", "问题", "规则", "建议二级指标", "建议概率", "审核意见")


def _label(code: str | None, raw: str | None) -> str:
    if raw:
        return raw
    if code:
        try:
            return by_code(code).label
        except KeyError:
            return code
    return ""


def _sheet_title(path: str, used: set[str]) -> str:
    base = "".join(ch for ch in Path(path).stem if ch not in "[]:*?/\\")[:28] or "table"
    title, k = base, 2
    while title in used:
        title, k = f"{base[:26]}_{k}", k + 1
    used.add(title)
    return title


def _row_values(here: Sequence[Finding]) -> dict[str, Any]:
    """The added columns for one spreadsheet row."""
    if not here:
        return {}
    rank = {"error": 0, "warning": 1, "info": 2}
    worst = min(here, key=lambda f: rank[f.severity]).severity
    values: dict[str, Any] = {
        "问题级别": SEVERITY_ZH[worst],
        "问题": "\n".join(f"[{SEVERITY_ZH[f.severity]}] {f.message}" for f in here),
        "规则": "\n".join(f.rule for f in here),
    }
    label = next((f for f in here if f.kind == "label"), None)
    if label is not None and label.suggested_level2_code:
        values["建议二级指标"] = by_code(label.suggested_level2_code).label
        values["建议概率"] = round(label.probability or 0.0, 3)
    return values


def _findings_by_place(table: Table, findings: Sequence[Finding]) -> dict[int | None, list[Finding]]:
    """Findings keyed by record index; a project's findings go to its first record (or, for a
    project without records, stay under the key None with the project name on each)."""
    first: dict[str | None, int] = {}
    for i, r in enumerate(table.records):
        first.setdefault(r.project, i)
    out: dict[int | None, list[Finding]] = {}
    for f in findings:
        if f.file != table.path:
            continue
        key = f.row if f.row is not None else first.get(f.project)
        out.setdefault(key, []).append(f)
    return out


class _Style:
    """openpyxl styles, made once per workbook."""

    def __init__(self) -> None:
        from openpyxl.styles import Alignment, Font, PatternFill

        self.fills = {s: PatternFill("solid", start_color=c, end_color=c) for s, c in FILL_COLOURS.items()}
        self.bold = Font(bold=True)
        self.wrap = Alignment(wrap_text=True, vertical="top")

    def paint(self, ws, r: int, here: Sequence[Finding], column_of, added_col: dict[str, int]) -> None:
        """Fill each finding's cell by severity (the worst wins), and the 问题级别 cell."""
        rank = {"error": 0, "warning": 1, "info": 2}
        for f in sorted(here, key=lambda f: -rank[f.severity]):
            ws.cell(row=r, column=column_of(f)).fill = self.fills[f.severity]
        if here:
            worst = min(here, key=lambda f: rank[f.severity]).severity
            ws.cell(row=r, column=added_col["问题级别"]).fill = self.fills[worst]
            ws.cell(row=r, column=added_col["问题"]).alignment = self.wrap


def _flat_sheet(ws, table: Table, findings: Sequence[Finding], style: _Style) -> None:
    """A flat input table as it was (its own columns and rows), plus the added columns."""

    for line in table.preamble:
        ws.append(line.split("\t") if table.kind == "xlsx" else [line])
    header_row = len(table.preamble) + 1
    width = len(table.columns)
    ws.append(list(table.columns) + list(_ADDED))
    for cell in ws[header_row]:
        cell.font = style.bold
    added_col = {name: width + 1 + k for k, name in enumerate(_ADDED)}
    cols = match_columns(table.columns)
    field_col = {
        "level1": cols.get("level1_raw", cols.get("level1")),
        "level2": cols.get("level2_raw", cols.get("level2")),
        "indicator": cols.get("indicator"),
        "target": cols.get("target"),
    }
    fallback = cols.get("project", cols.get("indicator", 0))
    places = _findings_by_place(table, findings)
    row_of_record = {i: r.extra.get("_row") for i, r in enumerate(table.records)}
    at_row: dict[int, list[Finding]] = {}
    for key, fs in places.items():
        raw = row_of_record.get(key) if key is not None else None
        if raw is not None:
            at_row.setdefault(raw, []).extend(fs)

    def column_of(f: Finding) -> int:
        c = field_col.get(f.field or "")
        return (c if c is not None else fallback) + 1

    for k, cells in enumerate(table.rows):
        here = at_row.get(k, [])
        values = _row_values(here)
        padded = list(cells) + [None] * (width - len(cells))
        ws.append([None if v == "" else v for v in padded[:width]] + [values.get(h, "") for h in _ADDED])
        style.paint(ws, ws.max_row, here, column_of, added_col)
    ws.column_dimensions[ws.cell(row=header_row, column=added_col["问题"]).column_letter].width = 60
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)


def _record_sheet(ws, table: Table, findings: Sequence[Finding], style: _Style) -> None:
    """One row per indicator with its project (the seed layout, JSONL), plus the added columns.
    A project without indicators gets a row of its own, so its findings have a place."""
    header = list(_BASE) + list(_ADDED)
    col = {name: k + 1 for k, name in enumerate(header)}
    ws.append(header)
    for cell in ws[1]:
        cell.font = style.bold
    places = _findings_by_place(table, findings)
    goals = {p.name: p.goal for p in table.projects}
    order: list[tuple[str | None, int | None]] = [
        (p.name, None) for p in table.projects if not any(r.project == p.name for r in table.records)]
    order += [(r.project, i) for i, r in enumerate(table.records)]
    orphans = places.get(None, [])

    def column_of(f: Finding) -> int:
        return col[_FIELD_COLUMN.get(f.field or "", "项目名称")]

    for project, i in order:
        rec = table.records[i] if i is not None else None
        here = places.get(i, []) if i is not None else [f for f in orphans if f.project == project]
        values = {
            "项目名称": project or "",
            "绩效目标": (rec.goal if rec and rec.goal else goals.get(project)) or "",
            "一级指标": _label(rec.level1_code, rec.level1_raw) if rec else "",
            "二级指标": _label(rec.level2_code, rec.level2_raw) if rec else "",
            "三级指标": rec.indicator if rec else "",
            "实施周期指标值": (rec.period_target or "") if rec else "",
            "年度指标值": (rec.target or "") if rec else "",
        }
        values.update(_row_values(here))
        ws.append([values.get(h, "") for h in header])
        style.paint(ws, ws.max_row, here, column_of, col)
    for name, w in (("项目名称", 24), ("绩效目标", 30), ("三级指标", 30), ("年度指标值", 20), ("问题", 60)):
        ws.column_dimensions[ws.cell(row=1, column=col[name]).column_letter].width = w
    ws.freeze_panes = "A2"


def write_findings_xlsx(tables: Sequence[Table], findings: Sequence[Finding], path: str) -> None:
    """Write the reviewer's workbook, one sheet per input file, then 问题清单 (every finding).

    A flat input (CSV/TSV/XLSX) is written as it was, with the findings in added columns; the
    seed layout and JSONL are written one row per indicator with its project. Flagged cells are
    filled by severity (red error, amber warning, blue info); 审核意见 is left for the reviewer.
    """
    from openpyxl import Workbook

    style = _Style()
    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    for table in tables:
        ws = wb.create_sheet(_sheet_title(table.path, used))
        flat = (table.kind in ("csv", "tsv", "xlsx") and table.columns
                and all("_row" in r.extra for r in table.records))
        (_flat_sheet if flat else _record_sheet)(ws, table, findings, style)
    ws = wb.create_sheet(_sheet_title("问题清单", used))
    ws.append(list(FINDING_COLUMNS))
    for cell in ws[1]:
        cell.font = style.bold
    for f in finding_rows(findings):
        ws.append([f.get(c) for c in FINDING_COLUMNS])
        ws.cell(row=ws.max_row, column=FINDING_COLUMNS.index("severity") + 1).fill = style.fills[f["severity"]]
    try:
        wb.save(path)
    except OSError as e:
        raise IndicatormlError(f"cannot write {path}: {e.strerror or e}") from None


