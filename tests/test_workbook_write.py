"""Writing back into the user's own workbook (``check -o`` / ``code -o``) and the new workbook
for inputs that are not ``.xlsx``.

The input workbooks are built here with openpyxl the way finance-bureau templates look: a
merged title row, a form header block (项目名称 / 主管部门 / 年度绩效目标), an indicator table
with 一级指标 merged over its rows, a 分值 column and a 合计 row with a formula, set widths and
heights, a frozen pane, print settings, data validation, conditional formatting, a defined
name, a user's comment, two project sheets and a 填表说明 sheet. The tests assert the exact
marks (which cell, which fill, which comment text, which added values, which 问题清单 rows
and links) and that everything else in the workbook is as it was.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from indicatorml.checks import Finding, check_table, write_findings_xlsx
from indicatorml.checks.batch import output_paths
from indicatorml.checks.workbook import ADDED_COLUMNS, FILL_COLOURS, LIST_HEADER
from indicatorml.cli import main
from indicatorml.coding import write_back
from indicatorml.tables import read_table
from indicatorml.tables.annotate import AUTHOR

from helpers import SEED, WORKBOOKS

GOAL = "开展企业合规培训,服务辖区企业。"
THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
GREY = PatternFill("solid", start_color="D9D9D9", end_color="D9D9D9")
RED, AMBER, BLUE = FILL_COLOURS["error"], FILL_COLOURS["warning"], FILL_COLOURS["info"]


def _form(
    ws, project: str, rows: list[tuple[str, str, str, str]], merges: list[str], weights: list[int]
) -> None:
    """A 绩效目标申报表 form: title, header block, indicator table (A5:E…) with 分值 adding up to
    100, 合计 row with =SUM."""
    ws["A1"] = "2025年项目支出绩效目标申报表"
    ws["A1"].font = Font(bold=True, size=16)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.merge_cells("A1:E1")
    ws["A2"], ws["B2"] = "项目名称", project
    ws.merge_cells("B2:E2")
    ws["A3"], ws["B3"], ws["D3"], ws["E3"] = "主管部门", "区商务局", "实施单位", "区商务局"
    ws.merge_cells("B3:C3")
    ws["A4"], ws["B4"] = "年度绩效目标", GOAL
    ws.merge_cells("B4:E4")
    for c, h in enumerate(["一级指标", "二级指标", "三级指标", "年度指标值", "分值"], start=1):
        cell = ws.cell(row=5, column=c, value=h)
        cell.font, cell.fill, cell.border = Font(bold=True), GREY, BOX
        cell.alignment = Alignment(horizontal="center", vertical="center")
    for r, (row, weight) in enumerate(zip(rows, weights, strict=True), start=6):
        for c, v in enumerate([*row, weight], start=1):
            ws.cell(row=r, column=c, value=v).border = BOX
    last = 5 + len(rows)
    ws.cell(row=last + 1, column=1, value="合计")
    ws.cell(row=last + 1, column=5, value=f"=SUM(E6:E{last})")
    for rng in merges:
        ws.merge_cells(rng)
    ws.column_dimensions["A"].width = 12
    ws.column_dimensions["C"].width = 30
    ws.column_dimensions["D"].width = 18
    ws.row_dimensions[1].height = 28
    ws.freeze_panes = "A6"
    ws.page_setup.orientation = "landscape"
    ws.print_options.horizontalCentered = True
    ws.print_title_rows = "5:5"


def build_workbook(path: Path) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "甲项目"
    _form(
        ws,
        "合规培训项目",
        [
            ("产出指标", "数量指标", "培训企业数量", "≥95%"),  # row 6: a % on a count
            ("", "质量指标", "培训合格率", "≥95%"),  # row 7
            ("", "时效指标", "培训完成时间", "及时"),  # row 8: vague; a user's comment
            ("效益指标", "社会效益指标", "企业合规意识提升率", "≥80%"),  # row 9
            ("", "数量指标", "宣传覆盖企业数", "≥100家"),  # row 10: 数量 under 效益
            ("满意度指标", "服务对象满意度指标", "参训企业满意度", "≥90%"),  # row 11
        ],
        ["A6:A8", "A9:A10"],
        [20, 15, 15, 20, 20, 10],
    )
    ws["D8"].comment = Comment("请核实完成时间", "张三")
    dv = DataValidation(type="list", formula1='"产出指标,效益指标,满意度指标"')
    ws.add_data_validation(dv)
    dv.add("A6:A11")
    ws.conditional_formatting.add(
        "D6:D11",
        CellIsRule(operator="equal", formula=['"及时"'], fill=PatternFill("solid", start_color="00FF00")),
    )
    ws2 = wb.create_sheet("乙项目")
    _form(
        ws2,
        "企业服务项目",
        [
            ("产出指标", "数量指标", "服务企业数量", "≥50家"),  # row 6
            ("", "质量指标", "服务合格率", ""),  # row 7: no target
            ("效益指标", "经济效益指标", "带动企业营收增长", "≥5%"),  # row 8
        ],
        ["A6:A7"],
        [40, 30, 30],
    )
    notes = wb.create_sheet("填表说明")
    notes["A1"] = "一、请按年度填写绩效目标和指标。"
    notes.column_dimensions["A"].width = 60
    wb.defined_names["甲指标"] = DefinedName("甲指标", attr_text="'甲项目'!$A$5:$E$11")
    wb.save(path)
    return path


# ---------------------------------------------------------------------------- comparing workbooks
def _style(cell) -> tuple:
    f, fill, b, a = cell.font, cell.fill, cell.border, cell.alignment
    return (
        f.name,
        f.sz,
        f.b,
        f.i,
        f.color.rgb if f.color is not None else None,
        fill.patternType,
        fill.fgColor.rgb,
        b.left.style,
        b.right.style,
        b.top.style,
        b.bottom.style,
        a.horizontal,
        a.vertical,
        a.wrap_text,
        cell.number_format,
        cell.protection.locked,
    )


def snapshot(
    path: Path, skip: set[tuple[str, str]] = frozenset(), skip_cols: dict[str, int] | None = None
) -> dict[str, Any]:
    """Everything a round trip must keep, except the cells in ``skip`` (sheet, coordinate) and
    the columns from ``skip_cols[sheet]`` on."""
    wb = load_workbook(path)
    out: dict[str, Any] = {"names": {n: d.attr_text for n, d in wb.defined_names.items()}}
    for ws in wb.worksheets:
        first_skipped = (skip_cols or {}).get(ws.title, 10**6)
        cells = {}
        for row in ws.iter_rows():
            for c in row:
                if (ws.title, c.coordinate) in skip or c.column >= first_skipped:
                    continue
                if c.value is not None or c.has_style or c.comment is not None:
                    cells[c.coordinate] = (c.value, _style(c), c.comment.text if c.comment else None)
        out[ws.title] = {
            "cells": cells,
            "merged": sorted(str(r) for r in ws.merged_cells.ranges),
            "widths": {
                k: (d.min, d.max, d.width)
                for k, d in ws.column_dimensions.items()
                if (d.min or 0) < first_skipped
            },
            "heights": {k: d.height for k, d in ws.row_dimensions.items() if d.height},
            "freeze": ws.freeze_panes,
            "print": (ws.page_setup.orientation, ws.print_options.horizontalCentered, ws.print_title_rows),
            "validation": [(str(v.sqref), v.formula1) for v in ws.data_validations.dataValidation],
            "conditional": [str(cf.sqref) for cf in ws.conditional_formatting],
        }
    out["order"] = wb.sheetnames
    return out


def _fill(ws, ref: str) -> str | None:
    f = ws[ref].fill
    return f.fgColor.rgb[-6:] if f.patternType == "solid" else None


def _marked(ws) -> dict[str, tuple[str | None, str | None]]:
    """Every cell with a fill or a comment of ours: ref → (fill, comment text)."""
    out = {}
    for row in ws.iter_rows():
        for c in row:
            ours = c.comment is not None and AUTHOR in (c.comment.author or "")
            if ours or (c.fill.patternType == "solid" and c.fill.fgColor.rgb[-6:] in FILL_COLOURS.values()):
                out[c.coordinate] = (_fill(ws, c.coordinate), c.comment.text if ours else None)
    return out


# ---------------------------------------------------------------------------- check → the user's workbook
@pytest.fixture()
def checked(tmp_path: Path):
    src = build_workbook(tmp_path / "申报表.xlsx")
    table = read_table(src)
    findings = check_table(table, labels=False)
    # A label finding as the model would give it (the model is not under test here).
    findings.append(
        Finding(
            row=1,
            project="合规培训项目",
            rule="label.improbable",
            kind="label",
            severity="warning",
            message="「培训合格率」更像「11-数量指标」(0.90);核对二级指标",
            file=table.path,
            indicator="培训合格率",
            field="level2",
            given_level2_code="12",
            suggested_level2_code="11",
            probability=0.9,
        )
    )
    out = tmp_path / "审核.xlsx"
    write_findings_xlsx([table], findings, str(out))
    return src, table, findings, out


def test_the_reader_sees_both_forms(checked):
    _, table, findings, _ = checked
    assert [(r.origin.sheet, r.origin.cells["indicator"]) for r in table.records] == [
        ("甲项目", (6, 3)),
        ("甲项目", (7, 3)),
        ("甲项目", (8, 3)),
        ("甲项目", (9, 3)),
        ("甲项目", (10, 3)),
        ("甲项目", (11, 3)),
        ("乙项目", (6, 3)),
        ("乙项目", (7, 3)),
        ("乙项目", (8, 3)),
    ]
    assert [(f.rule, f.row, f.field) for f in findings] == [
        ("target.rate-on-count", 0, "target"),
        ("target.vague", 2, "target"),
        ("structure.level-parent", 4, "level1"),
        ("completeness.no-satisfaction", None, None),
        ("completeness.no-timeliness", None, None),  # issue 16: 乙 has outputs but no 时效
        ("target.empty", 7, "target"),
        ("label.improbable", 1, "level2"),
    ]


def test_findings_are_marked_on_their_cells(checked):
    _, _, _, out = checked
    wb = load_workbook(out)
    a, b = wb["甲项目"], wb["乙项目"]
    assert _marked(a) == {
        "D6": (
            AMBER,
            "[警告] 「培训企业数量」是数量,指标值「≥95%」却是百分比;写成数量(如「≥N个」),"
            "或把指标改成比率(…率)",
        ),
        "B7": (AMBER, "[警告] 「培训合格率」更像「11-数量指标」(0.90);核对二级指标"),
        # the user's comment stays, ours goes below it
        "D8": (
            AMBER,
            "请核实完成时间\n—— indicatorml ——\n[警告] 指标值「及时」没有数字和比较符,无法考核;"
            "时效指标通常写作「≤N个工作日」「X月底前」「≥95%」(及时率)",
        ),
        # row 10's 一级指标 is merged A9:A10: the mark goes on the range's top-left cell
        "A9": (
            RED,
            "[错误] 二级指标「11-数量指标」不属于一级指标「2-效益指标」,应在「1-产出指标」下;"
            "改一级指标或改二级指标",
        ),
        # the added 问题级别 column
        "F6": (AMBER, None),
        "F7": (AMBER, None),
        "F8": (AMBER, None),
        "F10": (RED, None),
    }
    assert a["D8"].comment.author == f"张三 / {AUTHOR}"
    assert _marked(b) == {
        "D7": (RED, "[错误] 没有指标值;填写可考核的年度指标值,质量指标通常写作「≥95%」「=100%」"),
        # a project's finding: on the project's first indicator (a form has no project column)
        "C6": (
            AMBER,
            "[警告] 项目「企业服务项目」: 项目服务「企业」(项目名称提到「企业」),没有满意度指标;"
            "加一个「企业满意度 ≥90%」\n"
            "[警告] 项目「企业服务项目」: 产出指标里没有时效指标;加一个时效指标(如「X月底前完成」)",
        ),
        "F6": (AMBER, None),
        "F7": (RED, None),
    }
    # openpyxl does not read comment sizes back: look at the drawing it wrote
    import zipfile

    with zipfile.ZipFile(out) as z:
        vml = "".join(z.read(n).decode() for n in z.namelist() if n.endswith(".vml"))
    assert "width:300px" in vml and "width:144px" not in vml  # sized to be read, not the 144px default


def test_added_columns_right_of_each_table(checked):
    _, _, _, out = checked
    wb = load_workbook(out)
    a = wb["甲项目"]
    assert [a.cell(row=5, column=c).value for c in range(6, 12)] == list(ADDED_COLUMNS)
    assert _style(a["F5"]) == _style(a["E5"])  # styled like the table's header
    assert a.column_dimensions["G"].width == 50
    assert [[a.cell(row=r, column=c).value for c in range(6, 11)] for r in range(6, 12)] == [
        [
            "警告",
            "[警告] 「培训企业数量」是数量,指标值「≥95%」却是百分比;写成数量(如「≥N个」),或把指标改成比率(…率)",
            "数量指标配百分比",
            None,
            None,
        ],
        [
            "警告",
            "[警告] 「培训合格率」更像「11-数量指标」(0.90);核对二级指标",
            "类别存疑(模型)",
            "11-数量指标",
            0.9,
        ],
        [
            "警告",
            "[警告] 指标值「及时」没有数字和比较符,无法考核;时效指标通常写作「≤N个工作日」「X月底前」「≥95%」(及时率)",
            "指标值不可考核",
            None,
            None,
        ],
        [None] * 5,
        [
            "错误",
            "[错误] 二级指标「11-数量指标」不属于一级指标「2-效益指标」,应在「1-产出指标」下;改一级指标或改二级指标",
            "二级指标不在其一级下",
            None,
            None,
        ],
        [None] * 5,
    ]
    assert a["J7"].number_format == "0.00"
    b = wb["乙项目"]
    assert [b.cell(row=5, column=c).value for c in range(6, 12)] == list(ADDED_COLUMNS)
    assert b["F6"].value == "警告" and b["H6"].value == "缺满意度指标、产出缺时效指标"
    assert b["F7"].value == "错误" and b["H7"].value == "缺指标值"
    assert wb["填表说明"].max_column == 1  # a sheet without an indicator table gets nothing


def test_problem_list_links_every_finding(checked):
    src, _, findings, out = checked
    wb = load_workbook(out)
    assert wb.sheetnames == ["甲项目", "乙项目", "填表说明", "问题清单"]
    ws = wb["问题清单"]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    assert rows[0] == list(LIST_HEADER)
    f = src.name  # the file's own name, never the folder it was read from (issue 15)
    assert [r[:6] + [r[7], r[9]] for r in rows[1:]] == [
        [f, "甲项目", "D6", "警告", "合规培训项目", "培训企业数量", "数量指标配百分比", "中"],
        [f, "甲项目", "D8", "警告", "合规培训项目", "培训完成时间", "指标值不可考核", "中"],
        [f, "甲项目", "A9", "错误", "合规培训项目", "宣传覆盖企业数", "二级指标不在其一级下", "中"],
        [f, "乙项目", "C6", "警告", "企业服务项目", "项目", "缺满意度指标", "中"],
        [f, "乙项目", "C6", "警告", "企业服务项目", "项目", "产出缺时效指标", "中"],
        [f, "乙项目", "D7", "错误", "企业服务项目", "服务合格率", "缺指标值", "中"],
        [f, "甲项目", "B7", "警告", "合规培训项目", "培训合格率", "类别存疑(模型)", "中"],
    ]
    assert [r[6] for r in rows[1:]] == [x.message for x in findings]
    assert rows[-1][8] == "11-数量指标"
    links = [ws.cell(row=r, column=3).hyperlink for r in range(2, len(rows) + 1)]
    assert [h.location for h in links] == [
        "'甲项目'!D6",
        "'甲项目'!D8",
        "'甲项目'!A9",
        "'乙项目'!C6",
        "'乙项目'!C6",
        "'乙项目'!D7",
        "'甲项目'!B7",
    ]
    assert all(h.target is None for h in links)  # internal links: no external relationship
    assert [_fill(ws, f"D{r}") for r in range(2, 9)] == [AMBER, AMBER, RED, AMBER, AMBER, RED, AMBER]


def test_everything_else_is_as_it_was(checked):
    src, _, _, out = checked
    marked = {("甲项目", c) for c in ("D6", "B7", "D8", "A9")} | {("乙项目", c) for c in ("D7", "C6")}
    before = snapshot(src, marked, {"甲项目": 6, "乙项目": 6})
    after = snapshot(out, marked, {"甲项目": 6, "乙项目": 6})
    after["order"] = [n for n in after["order"] if n != "问题清单"]
    del after["问题清单"]
    assert after == before
    wb = load_workbook(out)
    assert wb["甲项目"]["E12"].value == "=SUM(E6:E11)"  # formulas stay formulas
    for sheet, ref in marked:  # a marked cell keeps its value and everything but its fill
        cell, orig = wb[sheet][ref], load_workbook(src)[sheet][ref]
        assert cell.value == orig.value and cell.border.left.style == orig.border.left.style


def test_input_is_never_overwritten(tmp_path: Path, capsys):
    src = build_workbook(tmp_path / "表.xlsx")
    before = src.read_bytes()
    assert main(["check", str(src), "-o", str(src)]) == 2
    assert "就是输入文件" in capsys.readouterr().err
    assert src.read_bytes() == before


def test_problem_list_name_taken(tmp_path: Path):
    src = build_workbook(tmp_path / "表.xlsx")
    wb = load_workbook(src)
    wb.create_sheet("问题清单")
    wb.save(src)
    table = read_table(src)
    out = tmp_path / "out.xlsx"
    write_findings_xlsx([table], check_table(table, labels=False), str(out))
    names = load_workbook(out).sheetnames
    assert names[-2:] == ["问题清单", "问题清单(2)"]


def test_added_columns_go_past_the_users_cells(tmp_path: Path):
    """A note written right of the table is not overwritten: the added columns start after it."""
    src = build_workbook(tmp_path / "表.xlsx")
    wb = load_workbook(src)
    wb["甲项目"]["G7"] = "备注:待定"
    wb.save(src)
    table = read_table(src)
    out = tmp_path / "out.xlsx"
    write_findings_xlsx([table], check_table(table, labels=False), str(out))
    ws = load_workbook(out)["甲项目"]
    assert ws["G7"].value == "备注:待定" and ws["F5"].value is None and ws["H5"].value == "问题级别"


def test_rechecking_an_annotated_workbook_does_not_stack_comments(checked, tmp_path: Path):
    _, _, _, out = checked
    table = read_table(out)
    again = tmp_path / "again.xlsx"
    write_findings_xlsx([table], check_table(table, labels=False), str(again))
    text = load_workbook(again)["甲项目"]["D8"].comment.text
    assert text.count("—— indicatorml ——") == 1 and text.startswith("请核实完成时间\n")


# ---------------------------------------------------------------------------- the CLI with many files
def test_cli_several_files_one_workbook_each(tmp_path: Path, capsys):
    a = build_workbook(tmp_path / "a.xlsx")
    b = tmp_path / "b.csv"
    b.write_text("项目名称,三级指标,二级指标,年度指标值\n甲,培训人数,数量指标,及时\n", encoding="utf-8")
    folder = tmp_path / "审核"
    assert main(["check", str(a), str(b), "-o", f"{folder}/"]) == 0
    assert sorted(p.name for p in folder.iterdir()) == ["a.审核.xlsx", "b.审核.xlsx"]
    assert load_workbook(folder / "a.审核.xlsx").sheetnames == ["甲项目", "乙项目", "填表说明", "问题清单"]
    assert load_workbook(folder / "b.审核.xlsx").sheetnames == ["b", "问题清单"]
    assert main(["check", str(a), str(b), "-o", str(tmp_path / "审核.xlsx")]) == 0
    assert (tmp_path / "审核-a.xlsx").is_file() and (tmp_path / "审核-b.xlsx").is_file()
    assert "写出 2 个审核工作簿" in capsys.readouterr().err


def test_output_paths_never_collide(tmp_path: Path):
    from indicatorml.records import Table

    tables = [Table(str(tmp_path / "x" / "表.xlsx"), "xlsx"), Table(str(tmp_path / "y" / "表.csv"), "csv")]
    assert [p.name for p in output_paths(tables, str(tmp_path / "out") + "/")] == [
        "表.审核.xlsx",
        "表(2).审核.xlsx",
    ]
    assert output_paths(tables[:1], str(tmp_path / "one.xlsx")) == [tmp_path / "one.xlsx"]


# ---------------------------------------------------------------------------- a new workbook for other inputs
def test_csv_input_gets_a_new_workbook_laid_out_like_it(tmp_path: Path):
    src = tmp_path / "表.csv"
    src.write_text(
        "说明:2025年\n项目名称,三级指标,二级指标,年度指标值\n甲,培训人数,数量指标,及时\n"
        "甲,满意度,服务对象满意度指标,=100%\n",
        encoding="utf-8",
    )
    table = read_table(src)
    out = tmp_path / "out.xlsx"
    write_findings_xlsx([table], check_table(table, labels=False), str(out))
    wb = load_workbook(out)
    ws = wb["表"]
    assert [[c.value for c in row] for row in ws.iter_rows(max_col=4)] == [
        ["说明:2025年", None, None, None],
        ["项目名称", "三级指标", "二级指标", "年度指标值"],
        ["甲", "培训人数", "数量指标", "及时"],
        ["甲", "满意度", "服务对象满意度指标", "=100%"],
    ]
    assert ws["D4"].data_type == "s"  # =100% is a target, not a formula
    assert _fill(ws, "D3") == AMBER and "及时" in ws["D3"].comment.text
    assert ws["E2"].value == "问题级别"
    # the project's findings (no 效益 indicator; too few) link to its project cell, the target's to its cell
    assert [c.hyperlink.location for c in wb["问题清单"]["C"][1:]] == ["'表'!A3", "'表'!A3", "'表'!D3"]
    assert _fill(ws, "A3") == RED and ws["A3"].comment.text.startswith("[错误] 项目「甲」: 项目没有效益指标")


def test_several_tables_in_one_report(tmp_path: Path):
    """The API with several tables: one new workbook, a sheet per input sheet, one 问题清单."""
    a = build_workbook(tmp_path / "a.xlsx")
    b = tmp_path / "b.csv"
    b.write_text("三级指标,二级指标,年度指标值\n培训人数,数量指标,及时\n", encoding="utf-8")
    tables = [read_table(a), read_table(b)]
    findings = [f for t in tables for f in check_table(t, labels=False)]
    out = tmp_path / "all.xlsx"
    write_findings_xlsx(tables, findings, str(out))
    wb = load_workbook(out)
    assert wb.sheetnames == ["a-甲项目", "a-乙项目", "a-填表说明", "b", "问题清单"]
    ws = wb["a-甲项目"]
    assert "A9:A10" in {str(r) for r in ws.merged_cells.ranges}  # merges re-made from the grid
    assert ws["C6"].value == "培训企业数量" and _fill(ws, "D6") == AMBER and _fill(ws, "A9") == RED
    links = [c.hyperlink.location for c in wb["问题清单"]["C"][1:]]
    assert links[0] == "'a-甲项目'!D6" and links[-1] == "'b'!C2"


def test_seed_layout_gets_one_row_per_indicator(tmp_path: Path):
    table = read_table(SEED)
    findings = check_table(table, labels=False)
    out = tmp_path / "seed.xlsx"
    write_findings_xlsx([table], findings, str(out))
    ws = load_workbook(out).worksheets[0]
    assert ws["A1"].value == "项目名称" and ws["H1"].value == "问题级别"
    first = next(f for f in findings if f.row is not None and f.field == "target")
    row = [r for r in range(2, ws.max_row + 1) if ws.cell(row=r, column=5).value == first.indicator][0]
    assert _fill(ws, f"G{row}") == FILL_COLOURS[first.severity]


# ---------------------------------------------------------------------------- code → the user's workbook
def test_code_writes_into_the_users_workbook(tmp_path: Path, monkeypatch):
    src = tmp_path / "草稿.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.title = "指标"
    ws["A1"] = "2025年绩效指标草稿"
    ws.merge_cells("A1:B1")
    ws.append(["指标名称", "年度指标值"])
    ws.append(["服务对象满意度", "≥90%"])
    ws.append(["推进工作", "有效"])
    ws["A2"].font = Font(bold=True)
    ws.column_dimensions["A"].width = 25
    wb.create_sheet("填表说明")["A1"] = "说明"
    wb.save(src)

    from indicatorml.coding.predict import Prediction

    def fake_classify(records, model, top_k=3, layout="pre2021"):
        return [
            Prediction("服务对象满意度", "≥90%", "3", "满意度指标", "31", "服务对象满意度指标", 0.98),
            Prediction("推进工作", "有效", "2", "效益指标", "22", "社会效益指标", 0.41),
        ][: len(records)]

    monkeypatch.setattr(write_back, "classify", fake_classify)
    monkeypatch.setattr(write_back, "_keep_given_level1", lambda *a, **k: None)
    out = tmp_path / "草稿.coded.xlsx"
    res = write_back.code_table(src, out, model=object.__new__(write_back.IndicatorClassifier), stream=None)
    assert (res.coded, res.review) == (1, 1)
    wb = load_workbook(out)
    assert wb.sheetnames == ["指标", "填表说明"]
    ws = wb["指标"]
    assert [[c.value for c in row] for row in ws.iter_rows()] == [
        ["2025年绩效指标草稿", None, None, None, None, None],
        ["指标名称", "年度指标值", "建议一级指标", "建议二级指标", "置信度", "复核"],
        ["服务对象满意度", "≥90%", "3-满意度指标", "31-服务对象满意度指标", 0.98, None],
        ["推进工作", "有效", "2-效益指标", "22-社会效益指标", 0.41, "需人工确认"],
    ]
    assert _marked(ws) == {"D4": (AMBER, None), "F4": (AMBER, None)}
    assert ws["C2"].font.b and ws.column_dimensions["A"].width == 25
    assert [str(r) for r in ws.merged_cells.ranges] == ["A1:B1"]
    with pytest.raises(Exception, match="输入文件"):
        write_back.code_table(src, src, model=object.__new__(write_back.IndicatorClassifier), stream=None)


def test_code_csv_keeps_its_own_kind(tmp_path: Path):
    assert write_back.coded_path(tmp_path / "a.csv").name == "a.coded.csv"
    assert write_back.coded_path(tmp_path / "a.docx").name == "a.coded.xlsx"
    assert write_back.coded_path(tmp_path / "a.xlsx").name == "a.coded.xlsx"


# ---------------------------------------------------------------------------- what openpyxl cannot keep
_TEXT_BOX = (
    "<twoCellAnchor><from><col>8</col><colOff>0</colOff><row>1</row><rowOff>0</rowOff></from><to>"
    '<col>11</col><colOff>0</colOff><row>4</row><rowOff>0</rowOff></to><sp macro="" textlink="">'
    '<nvSpPr><cNvPr id="9" name="TextBox 1"/><cNvSpPr txBox="1"/></nvSpPr><spPr/><txBody>'
    '<a:bodyPr xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"/>'
    '<a:p xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"><a:r><a:t>审核盖章</a:t></a:r>'
    "</a:p></txBody></sp><clientData/></twoCellAnchor>"
)


def test_images_and_charts_kept_text_boxes_dropped_with_a_warning(tmp_path: Path, capsys):
    """What the README says openpyxl keeps and drops, checked: an image and a chart come
    through; a text box does not, and stderr says so."""
    import zipfile

    pytest.importorskip("PIL")
    from openpyxl.chart import BarChart, Reference
    from openpyxl.drawing.image import Image
    from PIL import Image as PILImage

    PILImage.new("RGB", (40, 20), "red").save(tmp_path / "logo.png")
    wb = Workbook()
    ws = wb.active
    ws.append(["三级指标", "年度指标值"])
    ws.append(["培训人数", "及时"])
    ws.add_image(Image(str(tmp_path / "logo.png")), "E2")
    chart = BarChart()
    chart.add_data(Reference(ws, min_col=2, min_row=1, max_row=2))
    ws.add_chart(chart, "E8")
    plain = tmp_path / "plain.xlsx"
    wb.save(plain)
    src = tmp_path / "box.xlsx"
    with zipfile.ZipFile(plain) as zin, zipfile.ZipFile(src, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/drawings/drawing1.xml":
                data = data.replace(b"</wsDr>", _TEXT_BOX.encode() + b"</wsDr>")
            zout.writestr(item, data)
    out = tmp_path / "out.xlsx"
    assert main(["check", str(src), "-o", str(out)]) == 0
    assert "不含原表的文本框和形状" in capsys.readouterr().err
    with zipfile.ZipFile(out) as z:
        names = z.namelist()
        drawing = z.read("xl/drawings/drawing1.xml")
    assert any(n.startswith("xl/media/") for n in names) and any(n.startswith("xl/charts/") for n in names)
    assert b"TextBox" not in drawing
    assert main(["check", str(plain), "-o", str(tmp_path / "plain.out.xlsx")]) == 0
    assert "warning" not in capsys.readouterr().err


def test_code_recodes_every_form_of_a_workbook(tmp_path: Path, monkeypatch):
    """``code`` on a two-form workbook: the added columns right of each form's table, the rest
    of the workbook as it was."""
    from indicatorml.coding.predict import Prediction

    src = build_workbook(tmp_path / "申报表.xlsx")

    def fake_classify(records, model, top_k=3, layout="pre2021"):
        return [
            Prediction(r.indicator, r.target, "1", "产出指标", "11", "数量指标", 0.95 if k % 2 else 0.5)
            for k, r in enumerate(records)
        ]

    monkeypatch.setattr(write_back, "classify", fake_classify)
    out = tmp_path / "coded.xlsx"
    write_back.code_table(
        src, out, model=object.__new__(write_back.IndicatorClassifier), recode=True, stream=None
    )
    wb = load_workbook(out)
    for name, rows in (("甲项目", range(6, 12)), ("乙项目", range(6, 9))):
        ws = wb[name]
        assert [ws.cell(row=5, column=c).value for c in range(6, 10)] == [
            "建议一级指标",
            "建议二级指标",
            "置信度",
            "复核",
        ]
        assert [ws.cell(row=r, column=9).value for r in rows] == [
            "需人工确认" if k % 2 == 0 else None for k in range(len(rows))
        ]
    first = {"甲项目": 6, "乙项目": 6}
    assert snapshot(out, skip_cols=first) == snapshot(src, skip_cols=first)


# ---------------------------------------------------------------------------- .xls / .docx / .pdf
FIXTURES = WORKBOOKS


@pytest.mark.parametrize("name", ["申报表_两个项目.xls", "申报表_三张表.docx", "申报表_文字版.pdf"])
def test_document_input_gets_a_workbook_laid_out_like_it(tmp_path: Path, name: str):
    """One sheet per input sheet/table/page at the reader's coordinates, merges re-made, the
    same marks and links (the reader's fixtures; skipped where they are not there)."""
    src = FIXTURES / name
    if not src.is_file():
        pytest.skip(f"fixture {name} not present")
    table = read_table(src)
    findings = check_table(table, labels=False)
    assert findings, "the fixture should give at least one finding"
    out = tmp_path / "out.xlsx"
    write_findings_xlsx([table], findings, str(out))
    wb = load_workbook(out)
    grids = [s.name for s in table.sheets]
    assert wb.sheetnames == [*grids, "问题清单"]
    for rec in table.records:  # every record's indicator is where the reader saw it
        r, c = rec.origin.cells["indicator"]
        assert wb[rec.origin.sheet].cell(row=r, column=c).value == rec.indicator
    assert any(wb[g].merged_cells.ranges for g in grids)
    listing = wb["问题清单"]
    assert listing.max_row == len(findings) + 1
    for row in range(2, listing.max_row + 1):
        loc = listing.cell(row=row, column=3).hyperlink.location
        sheet, ref = loc.rsplit("!", 1)
        assert _fill(wb[sheet.strip("'")], ref) in FILL_COLOURS.values()


def test_seed_project_without_indicators_is_marked_on_its_own_row(tmp_path: Path):
    cell = (
        "1、1-产出指标；11-数量指标；培训企业数量；实施周期指标值:无；年度指标值:≥50家。"
        "2、1-产出指标；12-质量指标；培训合格率；实施周期指标值:无；年度指标值:≥95%。"
        "3、1-产出指标；13-时效指标；培训完成时间；实施周期指标值:无；年度指标值:2024年6月底前。"
        "4、2-效益指标；22-社会效益；企业合规意识提升率；实施周期指标值:无；年度指标值:≥80%。"
        "5、3-满意度指标；31-服务对象满意度；参训企业满意度；实施周期指标值:无；年度指标值:≥90%。"
    )
    lines = [
        "项目支出绩效目标表",
        "",
        "项目名称（资金使用单位）\t总计\t财政拨款\t财政专户拨款\t其他资金\t绩效目标\t绩效指标",
        "合计\t20.00\t20.00\t\t\t\t",
        f"甲项目\t10.00\t10.00\t\t\t{GOAL}\t{cell}",
        f"乙项目\t10.00\t10.00\t\t\t{GOAL}\t",
    ]
    src = tmp_path / "seed.txt"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    table = read_table(src)
    findings = check_table(table, labels=False)
    assert [(f.rule, f.project) for f in findings] == [("completeness.no-indicators", "乙项目")]
    out = tmp_path / "out.xlsx"
    write_findings_xlsx([table], findings, str(out))
    wb = load_workbook(out)
    ws = wb["seed"]
    assert [ws.cell(row=r, column=1).value for r in range(1, 6)] == [
        "项目名称",
        "乙项目",
        "甲项目",
        "甲项目",
        "甲项目",
    ]
    assert _fill(ws, "A2") == RED and ws["A2"].comment.text.startswith("[错误] 项目「乙项目」: ")
    assert wb["问题清单"]["C2"].hyperlink.location == "'seed'!A2"


# ---------------------------------------------------------------------------- a stored review's workbook
def test_review_workbook_of_a_stored_file_with_suggestions_and_decisions(checked):
    """What the review pipeline calls: the table as stored (JSON round trip, a server path), the
    upload's bytes, the user's own name, the one scorer's suggestions and the reviewer's decisions.
    Nothing is read from the path and nothing is checked again."""
    import datetime as dt
    import io

    from indicatorml.checks import Decision, review_workbook
    from indicatorml.coding.predict import Prediction
    from indicatorml.table_json import table_from_dict, table_to_dict

    src, table, findings, _ = checked
    stored = table_to_dict(table)
    stored["path"] = "/srv/indicatorml/blobs/ab12cd"  # not a file: the writer must not need it
    stored_table = table_from_dict(stored)
    suggestions = [
        Prediction(r.indicator, r.target, "1", "产出指标", "11", "数量指标", 0.5 + k / 20)
        for k, r in enumerate(stored_table.records)
    ]
    suggestions[8] = None  # a row without a suggestion: nothing in its columns
    label = next(k for k, f in enumerate(findings) if f.rule == "label.improbable")
    count = next(k for k, f in enumerate(findings) if f.rule == "target.rate-on-count")
    decisions = [
        Decision("accept", finding=label, comment="已核实", user="张三", at=dt.datetime(2025, 6, 1, 10, 30)),
        Decision("keep", finding=count, user="李四", at="2025-06-02T09:00:00+00:00"),
        # a later decision on the same finding is the current one
        Decision(
            "set",
            finding=count,
            level2_code="13",
            comment="按时效算",
            user="李四",
            at="2025-06-02T09:05:00+00:00",
        ),
        Decision("keep", row=3, comment="社会效益无误"),  # a row without a finding
    ]
    data = review_workbook(
        stored_table,
        findings,
        name="申报表.xlsx",
        source=src.read_bytes(),
        suggestions=suggestions,
        decisions=decisions,
    )
    assert isinstance(data, bytes)
    wb = load_workbook(io.BytesIO(data))
    a = wb["甲项目"]
    set_line = "改为 13-时效指标: 按时效算 —— 李四 2025-06-02 09:05 UTC"
    accept_line = "采纳建议(11-数量指标): 已核实 —— 张三 2025-06-01 10:30"
    keep_line = "保持原类别(22-社会效益指标): 社会效益无误"
    # 建议二级指标/建议概率 on every row from the suggestions (what the page shows); 审核意见 filled
    assert [[a.cell(row=r, column=c).value for c in (9, 10, 11)] for r in range(6, 12)] == [
        ["11-数量指标", 0.5, set_line],
        ["11-数量指标", 0.55, accept_line],
        ["11-数量指标", 0.6, None],
        ["11-数量指标", 0.65, keep_line],
        ["11-数量指标", 0.7, None],
        ["11-数量指标", 0.75, None],
    ]
    assert a["K7"].alignment.wrap_text
    # the decision is a line of the decided cell's 批注, below the finding it answers
    assert (
        a["B7"].comment.text
        == f"[警告] 「培训合格率」更像「11-数量指标」(0.90);核对二级指标\n审核意见: {accept_line}"
    )
    assert a["D6"].comment.text.endswith(f"\n审核意见: {set_line}")
    assert a["B9"].comment.text == f"审核意见: {keep_line}" and a["B9"].fill.patternType is None
    b = wb["乙项目"]
    assert [b.cell(row=r, column=9).value for r in range(6, 9)] == ["11-数量指标", "11-数量指标", None]
    listing = [list(r) for r in wb["问题清单"].iter_rows(values_only=True)]
    assert listing[0][-1] == "审核意见"
    assert [r[0] for r in listing[1:]] == ["申报表.xlsx"] * len(findings)
    assert [r[-1] for r in listing[1:]] == [
        {count: set_line, label: accept_line}.get(k) for k in range(len(findings))
    ]
    # everything of the user's workbook but the marked cells and the added columns as it was
    marked = {("甲项目", c) for c in ("D6", "B7", "D8", "A9", "B9")} | {("乙项目", c) for c in ("D7", "C6")}
    out = src.with_name("stored.xlsx")
    out.write_bytes(data)
    after = snapshot(out, marked, {"甲项目": 6, "乙项目": 6})
    after["order"] = [n for n in after["order"] if n != "问题清单"]
    del after["问题清单"]
    assert after == snapshot(src, marked, {"甲项目": 6, "乙项目": 6})
    assert a["E12"].value == "=SUM(E6:E11)"


def test_a_decision_names_what_it_decides():
    from indicatorml.checks import Decision
    from indicatorml.checks.decisions import decision_line

    assert decision_line(Decision("accept", row=0), "11", "12") == "采纳建议(11-数量指标)"
    assert decision_line(Decision("keep", row=0), "11", "12") == "保持原类别(12-质量指标)"
    assert (
        decision_line(Decision("set", row=0, level2_code="13-时效指标", user="王五"))
        == "改为 13-时效指标 —— 王五"
    )
    with pytest.raises(ValueError):
        Decision("set", row=0)
    with pytest.raises(ValueError):
        Decision("maybe", row=0)
    with pytest.raises(ValueError):
        Decision("keep")


# ---------------------------------------------------------------------------- code fills the draft's empty cells
def _draft(path: Path) -> Path:
    """A form draft: 一级/二级 left empty on most rows (A5:A6 merged and empty), one row with its
    一级 written, one row fully labeled, a user's comment and borders everywhere."""
    wb = Workbook()
    ws = wb.active
    ws.title = "申报表"
    ws["A1"] = "2025年项目支出绩效目标申报表"
    ws.merge_cells("A1:E1")
    ws["A2"], ws["B2"] = "项目名称", "合规培训项目"
    ws.merge_cells("B2:E2")
    ws["A3"], ws["B3"] = "年度绩效目标", GOAL
    ws.merge_cells("B3:E3")
    rows = [
        ("一级指标", "二级指标", "三级指标", "年度指标值", "备注"),
        (None, None, "培训企业数量", "≥50家", "按培训签到表"),
        (None, None, "参训企业满意度", "≥90%", None),
        ("产出指标", None, "培训合格率", "≥95%", None),
        ("效益指标", "社会效益指标", "企业合规意识提升率", "≥80%", None),
        (None, None, "培训完成及时率", "≥95%", None),
        (None, None, "推进工作", "有效", None),
    ]
    for r, row in enumerate(rows, start=4):
        for c, v in enumerate(row, start=1):
            cell = ws.cell(row=r, column=c, value=v)
            cell.border = BOX
            if r == 4:
                cell.font, cell.fill = Font(bold=True), GREY
    ws.merge_cells("A5:A6")
    ws["C5"].comment = Comment("按区商务局口径", "张三")
    ws.column_dimensions["C"].width = 30
    wb.save(path)
    return path


def _predictions(records, model=None, top_k=3, layout="pre2021"):
    from indicatorml.coding.predict import Prediction

    def alts(*pairs):
        return [{"level2_code": c, "level2": "", "probability": p} for c, p in pairs]

    table = {
        "培训企业数量": ("1", "产出指标", "11", "数量指标", 0.95, alts(("11", 0.95), ("12", 0.03))),
        "参训企业满意度": (
            "3",
            "满意度指标",
            "31",
            "服务对象满意度指标",
            0.97,
            alts(("31", 0.97), ("22", 0.02)),
        ),
        "培训合格率": ("1", "产出指标", "12", "质量指标", 0.92, alts(("12", 0.92), ("11", 0.05))),
        "企业合规意识提升率": ("2", "效益指标", "22", "社会效益指标", 0.9, alts(("22", 0.9))),
        "培训完成及时率": (
            "1",
            "产出指标",
            "13",
            "时效指标",
            0.55,
            alts(("13", 0.55), ("12", 0.30), ("22", 0.10)),
        ),
    }
    out = []
    for r in records:
        if r.indicator in table:
            l1c, l1, l2c, l2, conf, alt = table[r.indicator]
            out.append(Prediction(r.indicator, r.target, l1c, l1, l2c, l2, conf, alt, level1_confidence=0.98))
        else:
            out.append(Prediction(r.indicator, r.target, None, None, None, None, None, message="看不出类别"))
    return out


def _cells(path: Path) -> dict[tuple[str, str], tuple]:
    """Every non-empty cell: (value, style, comment text) by (sheet, coordinate)."""
    wb = load_workbook(path)
    return {
        (ws.title, c.coordinate): (c.value, _style(c), c.comment.text if c.comment else None)
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for c in row
        if c.value not in (None, "")
    }


def test_code_fills_the_drafts_empty_level_cells_and_never_a_filled_one(tmp_path: Path, monkeypatch):
    src = _draft(tmp_path / "草稿.xlsx")
    monkeypatch.setattr(write_back, "classify", _predictions)
    monkeypatch.setattr(write_back, "_keep_given_level1", lambda *a, **k: None)
    out = tmp_path / "草稿.coded.xlsx"
    res = write_back.code_table(src, out, model=object.__new__(write_back.IndicatorClassifier), stream=None)
    assert (res.coded, res.review, res.kept) == (3, 2, 1)
    before, after = _cells(src), _cells(out)
    # Every cell the writer filled is byte for byte as it was: value, style and comment.
    assert {k: after[k] for k in before} == before
    ws = load_workbook(out)["申报表"]
    green, amber = write_back.CODED_FILL, write_back.REVIEW_FILL
    filled = {
        ref: (ws[ref].value, _fill(ws, ref), ws[ref].comment.text if ws[ref].comment else None)
        for ref in ("A5", "B5", "B6", "A7", "B7", "A9", "B9", "A10", "B10")
    }
    assert filled == {
        # A5:A6 is one merged cell over two rows the model puts in different families: left
        # empty, amber, its comment says what each row would have
        "A5": (
            None,
            amber,
            "各行建议不同,未填写;请按行填写:\n「培训企业数量」产出指标\n「参训企业满意度」满意度指标",
        ),
        "B5": ("数量指标", green, "自动编码 11-数量指标,置信度 0.95\n次选: 12-质量指标 0.03"),
        "B6": (
            "服务对象满意度指标",
            green,
            "自动编码 31-服务对象满意度指标,置信度 0.97\n次选: 22-社会效益指标 0.02",
        ),
        "A7": ("产出指标", None, None),  # the writer's own 一级: kept
        "B7": ("质量指标", green, "自动编码 12-质量指标,置信度 0.92\n次选: 11-数量指标 0.05"),
        "A9": (
            "产出指标",
            amber,
            "自动编码 1-产出指标(由二级指标 13-时效指标 定),一级置信度 0.98;需人工确认"
            "\n次选: 2-效益指标(其中 22-社会效益指标) 0.10",
        ),
        "B9": (
            "时效指标",
            amber,
            "自动编码 13-时效指标,需人工确认: 置信度 0.55,低于 0.9\n次选: 12-质量指标 0.30",
        ),
        "A10": (None, None, None),  # the model could not code it: nothing written
        "B10": (None, None, None),
    }
    assert ws["B8"].value == "社会效益指标" and ws["B5"].border.left.style == "thin"
    # the added columns are there as before, right of the 备注 column
    assert [ws.cell(row=4, column=c).value for c in range(6, 10)] == [
        "建议一级指标",
        "建议二级指标",
        "置信度",
        "复核",
    ]
    assert ws["I9"].value == "需人工确认" and ws["I10"].value == "需人工确认: 看不出类别"


def test_code_fills_empty_cells_of_a_word_form_in_its_new_workbook(tmp_path: Path, monkeypatch):
    """A .docx draft (the 绩效指标 column merged down the table) comes back as a new workbook
    laid out like it, its empty 二级指标 cells filled; the 一级 cells it names are kept."""
    import make_fixtures as mf  # scripts/make_fixtures.py: the fixture workbooks' builders

    rows = [
        {"level1": "产出指标", "level2_raw": "", "indicator": "培训企业数量", "target": "≥50家"},
        {"level1": "满意度指标", "level2_raw": "", "indicator": "参训企业满意度", "target": "≥90%"},
    ]
    f = mf.Form("合规培训项目", "区商务局", GOAL, rows, label_col=True, merge_levels=False)
    sheet = mf.render_sheet("表1", [f])
    src = tmp_path / "草稿.docx"
    mf.write_docx([([], sheet)], src)
    monkeypatch.setattr(write_back, "classify", _predictions)
    monkeypatch.setattr(write_back, "_keep_given_level1", lambda *a, **k: None)
    out = write_back.code_table(src, model=object.__new__(write_back.IndicatorClassifier), stream=None).output
    assert out.name == "草稿.coded.xlsx"
    table = read_table(src)
    ws = load_workbook(out)["表1"]
    for rec, want in zip(table.records, ("数量指标", "服务对象满意度指标"), strict=True):
        (r1, c1), (r2, c2) = rec.origin.cells["level1"], rec.origin.cells["level2"]
        assert ws.cell(row=r1, column=c1).value == rec.level1_raw  # the draft's own, kept
        assert ws.cell(row=r2, column=c2).value == want
        assert _fill(ws, ws.cell(row=r2, column=c2).coordinate) == write_back.CODED_FILL


def test_write_coded_from_a_stored_table_reads_nothing_again(tmp_path: Path):
    """The pipeline's 编码 download: the stored table (its path a server's, not a file), the
    upload's bytes and the stored suggestions give the coded file, named after the user's file."""
    import io

    from indicatorml.table_json import table_from_dict, table_to_dict

    src = _draft(tmp_path / "草稿.xlsx")
    stored = table_to_dict(read_table(src))
    stored["path"] = "/srv/indicatorml/blobs/9f8e"
    table = table_from_dict(stored)
    coded = write_back.write_coded(
        table, _predictions(table.records), name="草稿.xlsx", source=src.read_bytes()
    )
    assert (coded.name, coded.coded, coded.review, coded.kept) == ("草稿.coded.xlsx", 3, 2, 1)
    ws = load_workbook(io.BytesIO(coded.data))["申报表"]
    assert (ws["B5"].value, ws["B9"].value, ws["I9"].value) == ("数量指标", "时效指标", "需人工确认")

    csv_src = tmp_path / "草稿.csv"
    csv_src.write_bytes("项目名称,三级指标,年度指标值\r\n甲,培训企业数量,≥50家\r\n".encode("gb18030"))
    stored = table_to_dict(read_table(csv_src))
    stored["path"] = "/srv/indicatorml/blobs/77aa"
    table = table_from_dict(stored)
    coded = write_back.write_coded(table, _predictions(table.records), name="草稿.csv")
    assert coded.name == "草稿.coded.csv"
    text = coded.data.decode("gb18030")
    assert (
        text.splitlines()[1].startswith("甲,培训企业数量,≥50家,1-产出指标,11-数量指标,0.95")
        and "\r\n" in text
    )
