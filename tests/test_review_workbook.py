"""Every file back as itself (issue 15): the review workbook of forms whose merges crashed the
writer, each file of a batch on its own, one naming rule, and no server path in what comes back.

The files are the fixture set's (scripts/make_fixtures.py). Before this issue
``check 申报表_绩效指标列合并.docx -o out.xlsx`` (and the .xls, the PDF and the two-row headers)
ended in ``internal error: TypeError: 'MergedCell' object is not iterable``, exit 3; a batch
stopped at such a file with the files before it written and no summary.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from indicatorml.checks import check_table, review_workbook
from indicatorml.checks.workbook import FILL_COLOURS, LIST_SHEET
from indicatorml.cli import main
from indicatorml.tables import read_table
from indicatorml.tables.annotate import coded_name, review_name, source_grids, unique_names

from helpers import WORKBOOKS

# Ended in 'MergedCell' object is not iterable before (the first five), and two more layouts of
# merges on the same path: 一级/二级 merged in the middle, 指标值 cells spanning a column more
# than the header (where the added columns would go).
CRASHED = [
    "申报表_绩效指标列合并.docx",
    "申报表_绩效指标列合并.xls",
    "申报表_绩效指标列合并.pdf",
    "申报表_两行表头.docx",
    "申报表_两行表头.xls",
]
MERGES = [*CRASHED, "申报表_中间列合并.docx", "申报表_指标值跨列.docx"]


def _fill(ws, row: int, col: int) -> str | None:
    f = ws.cell(row=row, column=col).fill
    return f.fgColor.rgb[-6:] if f.patternType == "solid" else None


@pytest.mark.parametrize("name", MERGES)
def test_merged_layouts_come_back_laid_out_like_the_source(tmp_path: Path, name: str, capsys):
    src = WORKBOOKS / name
    out = tmp_path / "out.xlsx"
    assert main(["check", str(src), "-o", str(out)]) == 0
    assert "内部错误" not in capsys.readouterr().err
    table = read_table(src)
    wb = load_workbook(out)
    assert wb.sheetnames == [*(s.name for s in table.sheets), LIST_SHEET]
    grids = source_grids(table.kind, src.read_bytes())
    assert grids is not None
    for info in table.sheets:
        ws, grid = wb[info.name], grids[info.name]
        covered: dict[tuple[int, int], tuple[int, int]] = {}
        for rng in ws.merged_cells.ranges:
            for r in range(rng.min_row, rng.max_row + 1):
                for c in range(rng.min_col, rng.max_col + 1):
                    if (r, c) != (rng.min_row, rng.min_col):
                        covered[(r, c)] = (rng.min_row, rng.min_col)
        # The merges are the source's: every continuation of a merge in the source is covered by
        # a range here whose top-left has the same text, and nothing else is covered.
        for k, rn in enumerate(grid.rownums):
            for c, cont in enumerate(grid.cont[k]):
                at = (rn, c + 1)
                assert (at in covered) == cont, (info.name, at)
                if cont:
                    top = covered[at]
                    assert grid.cells[k][c] == grid.cells[grid.rownums.index(top[0])][top[1] - 1]
        area = info.tables[0]
        assert ws.freeze_panes == f"A{area.first_row}"  # below the header, inside a merge or not
        # The added columns start right of everything on the table's rows, merges included.
        right = max([area.last_col] + [c for (r, c) in covered if area.header_row <= r <= area.last_row])
        assert ws.cell(row=area.header_row, column=right + 1).value == "问题级别"
    for rec in table.records:
        r, c = rec.origin.cells["indicator"]
        assert wb[rec.origin.sheet].cell(row=r, column=c).value == rec.indicator
    listing = wb[LIST_SHEET]
    for row in range(2, listing.max_row + 1):
        sheet, ref = listing.cell(row=row, column=3).hyperlink.location.rsplit("!", 1)
        cell = wb[sheet.strip("'")][ref]
        assert _fill(cell.parent, cell.row, cell.column) in FILL_COLOURS.values()


def test_the_classic_form_keeps_its_label_column_merged_down_the_table(tmp_path: Path):
    """财政部's layout: 绩效指标 in column A, merged from the header down the last indicator."""
    src = WORKBOOKS / "申报表_绩效指标列合并.docx"
    table = read_table(src)
    area = table.sheets[0].tables[0]
    data = review_workbook(table, check_table(table, labels=False), name=src.name, source=src.read_bytes())
    ws = load_workbook(io.BytesIO(data))["表1"]
    assert ws.cell(row=area.header_row, column=1).value == "绩效指标"
    assert f"A{area.header_row}:A{area.last_row}" in {str(r) for r in ws.merged_cells.ranges}
    assert [ws.cell(row=area.header_row, column=c).value for c in range(2, 7)] == [
        "一级指标",
        "二级指标",
        "三级指标",
        "指标值",
        "问题级别",
    ]


def test_a_merge_past_the_header_pushes_the_added_columns_right(tmp_path: Path):
    src = WORKBOOKS / "申报表_指标值跨列.docx"
    table = read_table(src)
    area = table.sheets[0].tables[0]
    assert area.last_col == 4  # the header ends at 指标值; its cells below span D:E
    data = review_workbook(table, check_table(table, labels=False), name=src.name, source=src.read_bytes())
    ws = load_workbook(io.BytesIO(data))["表1"]
    ranges = {str(r) for r in ws.merged_cells.ranges}
    assert {f"D{r}:E{r}" for r in range(area.first_row, area.last_row + 1)} <= ranges
    assert ws.cell(row=area.header_row, column=5).value is None
    assert ws.cell(row=area.header_row, column=6).value == "问题级别"


# ---------------------------------------------------------------- a batch: every file on its own
def _small_xlsx(path: Path) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "指标"
    ws.append(["项目名称", "三级指标", "二级指标", "年度指标值"])
    ws.append(["甲项目", "培训人数", "数量指标", "及时"])
    wb.save(path)
    return path


def test_a_batch_writes_every_file_it_can_and_says_which_it_could_not(tmp_path: Path, capsys):
    a = _small_xlsx(tmp_path / "a.xlsx")
    b = tmp_path / "b.csv"
    b.write_text("项目名称,三级指标,二级指标,年度指标值\n乙项目,培训人数,数量指标,及时\n", encoding="utf-8")
    c = shutil.copy(WORKBOOKS / "申报表_绩效指标列合并.docx", tmp_path / "c.docx")
    d = shutil.copy(WORKBOOKS / "损坏_截断.xlsx", tmp_path / "d.xlsx")
    folder = tmp_path / "审核"
    code = main(["check", str(a), str(b), str(c), str(d), "-o", f"{folder}/"])
    err = capsys.readouterr().err
    assert code == 2  # not everything asked for was written
    assert sorted(p.name for p in folder.iterdir()) == ["a.审核.xlsx", "b.审核.xlsx", "c.审核.xlsx"]
    assert "indicatorml: 「d.xlsx」没有写出审核工作簿: 没有读到指标: 无法按 Excel 工作簿(.xlsx)读取" in err
    written = [line for line in err.splitlines() if line.startswith("写出 3 个审核工作簿: ")]
    assert len(written) == 1 and all(f"{folder}/{n}.审核.xlsx" in written[0] for n in "abc")
    assert "1 个文件没有写出审核工作簿: d.xlsx(没有读到指标: 无法按 Excel 工作簿(.xlsx)读取" in err
    assert load_workbook(folder / "c.审核.xlsx").sheetnames == ["表1", LIST_SHEET]


def test_an_internal_error_on_one_file_is_that_files_failure(tmp_path: Path, capsys, monkeypatch):
    from indicatorml.checks import batch

    a = _small_xlsx(tmp_path / "a.xlsx")
    b = _small_xlsx(tmp_path / "b.xlsx")
    real = batch.review_workbook

    def failing(table, findings, **kw):
        if kw["name"] == "a.xlsx":
            raise RuntimeError("boom")
        return real(table, findings, **kw)

    monkeypatch.setattr(batch, "review_workbook", failing)
    assert main(["check", str(a), str(b), "-o", f"{tmp_path / 'out'}/"]) == 2
    err = capsys.readouterr().err
    assert "「a.xlsx」没有写出审核工作簿: 内部错误 RuntimeError: boom" in err
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["b.审核.xlsx"]
    assert "Traceback" not in err


def test_one_input_keeps_the_output_name_given(tmp_path: Path):
    src = WORKBOOKS / "申报表_两行表头.xls"
    assert main(["check", str(src), "-o", str(tmp_path / "我的.xlsx")]) == 0
    assert [p.name for p in tmp_path.iterdir()] == ["我的.xlsx"]
    assert main(["check", str(src), "-o", f"{tmp_path / 'dir'}/"]) == 0
    assert [p.name for p in (tmp_path / "dir").iterdir()] == ["申报表_两行表头.审核.xlsx"]


# ---------------------------------------------------------------- one naming rule
def test_names_of_files_handed_back():
    assert review_name("申报表.xlsx") == "申报表.审核.xlsx"
    assert review_name("表.docx") == "表.审核.xlsx"
    assert review_name("/tmp/indicatorml-web-x/表1.csv") == "表1.审核.xlsx"
    assert review_name("C:\\Users\\张三\\a.b.pdf") == "a.b.审核.xlsx"
    assert review_name("") == "文件.审核.xlsx" and review_name(".xlsx") == ".xlsx.审核.xlsx"
    assert coded_name("X.xls") == "X.coded.xlsx"  # the web said X.coded.xls (an XLSX inside)
    assert coded_name("X.docx") == "X.coded.xlsx" and coded_name("X.PDF") == "X.coded.xlsx"
    assert coded_name("草稿.csv") == "草稿.coded.csv" and coded_name("草稿") == "草稿.coded.txt"
    assert unique_names(
        ["表.审核.xlsx", "表.审核.xlsx", "表.审核.XLSX", "a.b.审核.xlsx", "a.b.审核.xlsx"]
    ) == [
        "表.审核.xlsx",
        "表(2).审核.xlsx",
        "表(3).审核.XLSX",
        "a.b.审核.xlsx",
        "a.b(2).审核.xlsx",
    ]


def test_no_server_path_in_any_name_sheet_or_cell(tmp_path: Path):
    """The writer reads from where the server put the upload and shows the user's own name."""
    server = tmp_path / "indicatorml-web-abc123"
    server.mkdir()
    for src, shown in (
        (WORKBOOKS / "申报表_绩效指标列合并.docx", "申报表.docx"),
        (WORKBOOKS / "续行_项目名称留空.csv", "申报表.csv"),
        (WORKBOOKS / "有问题的行.xlsx", "申报表.xlsx"),
    ):
        staged = server / f"上传7f3a{src.suffix}"  # a generated name, as the web stages uploads
        staged.write_bytes(src.read_bytes())
        table = read_table(staged)
        data = review_workbook(
            table, check_table(table, labels=False), name=shown, source=staged.read_bytes()
        )
        staged.unlink()
        wb = load_workbook(io.BytesIO(data))
        texts = list(wb.sheetnames)
        for ws in wb.worksheets:
            texts += [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]
            texts += [c.comment.text for row in ws.iter_rows() for c in row if c.comment is not None]
        assert not [t for t in texts if str(tmp_path) in t or "indicatorml-web" in t or "上传7f3a" in t]
        listing = wb[LIST_SHEET]
        assert {listing.cell(row=r, column=1).value for r in range(2, listing.max_row + 1)} == {shown}
        assert listing.max_row > 1, "each of these files has findings"
        if table.kind == "csv":
            assert wb.sheetnames == ["申报表", LIST_SHEET]  # named after the user's file
