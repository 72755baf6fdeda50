"""Reading form workbooks and documents: every sheet, header blocks, merged levels, 自评表 columns,
direction/unit columns, .xls, .docx, PDF; rows in = rows out over the fixture set and random forms.

The fixture set (tests/fixtures/workbooks, with manifest.json) is made by
``scripts/make_fixtures.py`` from the corpus rows; the PDF in it was made with LibreOffice, so
these tests need neither LibreOffice nor the script's xlwt.
"""

from __future__ import annotations

import io
import json
import os
import random
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from indicatorml.records import GridInfo, Problem, TableSpan
from indicatorml.tables import read_table, summary_line

import make_fixtures as mf  # scripts/make_fixtures.py: the fixture workbooks' generator
from helpers import WORKBOOKS

FIXTURES = WORKBOOKS
MANIFEST = json.loads((FIXTURES / "manifest.json").read_text(encoding="utf-8"))


def got_rows(t, any_sheet: bool = False) -> list[dict[str, Any]]:
    return [
        {
            "sheet": None if any_sheet or "[" not in r.source else r.origin.sheet,
            "project": r.project,
            "goal": r.goal,
            "indicator": r.indicator,
            "target": r.target,
            "period_target": r.period_target,
            "level1": r.level1,
            "level2": r.level2,
        }
        for r in t.records
    ]


# ---------------------------------------------------------------- the fixture set
def test_fixture_set_covers_the_kinds() -> None:
    names = set(MANIFEST)
    assert len(names) >= 20
    for suffix in (".xlsx", ".xls", ".docx", ".pdf", ".et"):
        assert any(n.endswith(suffix) for n in names), suffix
    assert sum(len(v["records"]) for v in MANIFEST.values()) >= 200


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_fixture_rows_in_equal_rows_out(name: str) -> None:
    exp = MANIFEST[name]
    t = read_table(FIXTURES / name)
    any_sheet = bool(exp.get("any_sheet"))
    want = [dict(e, sheet=None) if any_sheet else e for e in exp["records"]]
    assert got_rows(t, any_sheet) == want
    probs = [[p.sheet, p.line, p.reason] for p in t.problems]
    if exp.get("prefix"):
        assert len(probs) == len(exp["problems"])
        for g, w in zip(probs, exp["problems"], strict=True):
            assert g[:2] == w[:2] and g[2].startswith(w[2]), (g, w)
    else:
        assert probs == exp["problems"]
    no_table = [s.name for s in t.sheets if not s.tables]
    if t.records:
        assert no_table == exp["no_table"]


def test_issue_workbook_every_sheet_and_the_summary() -> None:
    t = read_table(FIXTURES / "申报表_三个项目.xlsx")
    assert len({r.origin.sheet for r in t.records}) == 3
    assert len(t.projects) == 3 and all(p.goal for p in t.projects)
    assert summary_line([t]).endswith("无指标表的工作表: 填表说明")
    assert {r.group for r in t.records} == {str(FIXTURES / "申报表_三个项目.xlsx")}  # one group per file
    r = t.records[0]
    assert r.source == f"{FIXTURES / '申报表_三个项目.xlsx'}[项目1]:{r.origin.cells['indicator'][0]}"
    assert r.extra["org"] and r.extra["implementer"] and r.extra["amount"] == r.extra["amount_fiscal"]
    assert r.extra["amount_other"] == "0"


def test_cells_point_at_the_sheet_cells_and_sheet_infos() -> None:
    path = FIXTURES / "申报表_三个项目.xlsx"
    t = read_table(path)
    wb = load_workbook(path)
    for r in t.records:
        ws = wb[r.origin.sheet]
        row, col = r.origin.cells["indicator"]
        assert ws.cell(row, col).value == r.indicator
        row, col = r.origin.cells["level1"]
        top = next((m for m in ws.merged_cells.ranges if (row, col) in {(c[0], c[1]) for c in m.cells}), None)
        cell = ws.cell(top.min_row, top.min_col) if top else ws.cell(row, col)
        assert cell.value == r.level1_raw
    info = t.sheets[0]
    assert info.name == "项目1" and info.kind == "sheet" and len(info.tables) == 1
    tab = info.tables[0]
    ws = wb["项目1"]
    assert ws.cell(tab.header_row, 3).value == "三级指标"
    assert tab.first_row == tab.header_row + 1 and tab.last_col == 4
    assert tab.last_row == max(r.origin.cells["indicator"][0] for r in t.records if r.origin.sheet == "项目1")
    assert t.sheets[-1] == GridInfo(name="填表说明", kind="sheet", tables=[])


def test_a_table_across_pdf_pages_is_continued_on_the_next_page() -> None:
    t = read_table(FIXTURES / "申报表_跨页.pdf")
    assert [s.kind for s in t.sheets] == ["page", "page"]
    (first,), (second,) = (s.tables for s in t.sheets)
    assert first.header_row is not None and not first.continued
    # No header on page 2: the table there is page 1's, with page 1's columns.
    assert second.header_row is None and second.continued
    assert (second.first_col, second.last_col) == (first.first_col, first.last_col)
    rows = [r.origin.cells["indicator"][0] for r in t.records if r.origin.sheet == "第2页"]
    assert rows and (second.first_row, second.last_row) == (min(rows), max(rows))


@pytest.mark.parametrize("name", sorted(n for n, exp in MANIFEST.items() if exp["records"]))
def test_origin_holds_the_bookkeeping_and_extra_only_the_tables_columns(name: str) -> None:
    t = read_table(FIXTURES / name)
    grids = {s.name for s in t.sheets}
    assert t.records
    for r in t.records:
        assert not [k for k in r.extra if k.startswith("_")], r.extra
        if t.kind in ("csv", "tsv"):  # a text table has no grid: its bookkeeping is the row it came from
            assert r.origin.row is not None and r.indicator in t.rows[r.origin.row]
            continue
        assert r.origin.file == t.path and r.origin.sheet in grids and "indicator" in r.origin.cells


def test_self_evaluation_columns_kept_beside_the_record() -> None:
    t = read_table(FIXTURES / "自评表.xlsx")
    r = t.records[0]
    assert set(r.extra) >= {"actual", "weight", "score", "deviation", "goal_actual", "level1_score"}
    assert r.extra["goal_actual"] == "已按计划完成年度任务。"
    assert r.level1_raw.endswith("分)") or r.level1_raw.endswith("分") or "分" in r.level1_raw
    assert r.extra["level1_score"] in ("50分", "30分", "0-10", "10分")


def test_direction_and_unit_columns_joined_raw_kept() -> None:
    t = read_table(FIXTURES / "方向和单位列.xlsx")
    joined = [r for r in t.records if r.extra.get("direction")]
    assert joined
    for r in joined:
        assert r.target == r.extra["direction"] + r.extra["target_raw"] + r.extra["unit"]


def test_problem_names_the_sheet() -> None:
    assert str(Problem("a.xlsx", 7, "bad", sheet="项目2")) == "a.xlsx[项目2]:7: bad"
    assert str(Problem("a.xlsx", None, "bad", sheet="项目2")) == "a.xlsx[项目2]: bad"
    assert str(Problem("a.csv", 7, "bad")) == "a.csv:7: bad"


def test_synthetic_password_protected_and_old_doc(tmp_path: Path) -> None:
    """OLE files by their stream names (synthetic bytes: enough for the dispatch, not real files)."""
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 200
    (tmp_path / "locked.xlsx").write_bytes(ole + "EncryptedPackage".encode("utf-16-le"))
    (tmp_path / "old.doc").write_bytes(ole + "WordDocument".encode("utf-16-le"))
    (tmp_path / "x.wps").write_bytes(ole)
    reasons = [read_table(tmp_path / n).problems[0].reason for n in ("locked.xlsx", "old.doc", "x.wps")]
    assert reasons[0].startswith("文件有密码保护")
    assert reasons[1].startswith("不支持旧版 Word 的 .doc 格式")
    assert reasons[2].startswith("WPS 自有的 .wps 格式无法读取:在 WPS 里另存为 .docx")


def test_pdf_header_block_inside_the_table_is_read() -> None:
    t = read_table(FIXTURES / "申报表_文字版.pdf")
    assert t.kind == "pdf" and t.problems == [] and all(r.project and r.goal for r in t.records)


# ---------------------------------------------------------------- random forms
EXAMPLES = int(os.environ.get("INDICATORML_FORM_EXAMPLES", "25"))  # more for a deeper run
CORPUS_PAGES = [p for p in mf.pages(mf.corpus_rows()) if len(p) >= 3]

form_opts = st.fixed_dictionaries(
    {
        "label_style": st.integers(0, 3),
        "goal_style": st.integers(0, 1),
        "title": st.booleans(),
        "label_col": st.booleans(),
        "merge_levels": st.booleans(),
        "score_suffix": st.booleans(),
        "values": st.sampled_from(["plain", "period", "direction_unit", "twice"]),
        "selfeval": st.booleans(),
        "col_order": st.none() | st.permutations(["level1", "level2", "indicator", "target"]),
        "blank": st.booleans(),
        "slots": st.booleans(),
        "signature": st.booleans(),
        "notes": st.booleans(),
        "n": st.integers(1, 9),
        "page": st.integers(0, len(CORPUS_PAGES) - 1),
    }
)


def _form(rng: random.Random, o: dict[str, Any], **extra: Any) -> Any:
    values = o["values"]
    page = CORPUS_PAGES[o["page"]]
    start = rng.randrange(len(page))
    rows = page[start:] + page[:start]
    f = mf.make_form(
        rng,
        rows,
        o["n"],
        label_style=o["label_style"],
        title=o["title"],
        label_col=o["label_col"],
        merge_levels=o["merge_levels"],
        score_suffix=o["score_suffix"],
        period=values == "period",
        direction_unit=values == "direction_unit",
        twice=values == "twice" and not o["selfeval"],
        selfeval=o["selfeval"],
        goal_style=(2 if o["selfeval"] and o["goal_style"] else o["goal_style"]),
        col_order=o["col_order"],
        blank_rows=list(range(o["n"])) if o["blank"] else [],
        slots=o["slots"],
        signature=o["signature"],
        notes=o["notes"],
        **extra,
    )
    return f


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10**6),
    sheets=st.lists(st.lists(form_opts, min_size=1, max_size=2), min_size=1, max_size=3),
    notes_sheet=st.booleans(),
    lead=st.integers(0, 2),
)
def test_random_form_workbooks_read_back(seed: int, sheets: list, notes_sheet: bool, lead: int) -> None:
    rng = random.Random(seed)
    drawn = [
        mf.render_sheet(f"表单{k + 1}", [_form(rng, o) for o in forms], gap=rng.randint(1, 2), lead=lead)
        for k, forms in enumerate(sheets)
    ]
    all_sheets = drawn + ([mf.notes_sheet()] if notes_sheet else [])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "random.xlsx"
        mf.write_xlsx(all_sheets, path)
        t = read_table(path)
    assert got_rows(t) == mf.expected_of(drawn, len(all_sheets) > 1)
    assert t.problems == []
    assert [s.name for s in t.sheets if not s.tables] == (["填表说明"] if notes_sheet else [])


@settings(max_examples=max(EXAMPLES * 4 // 5, 1), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10**6), forms=st.lists(form_opts, min_size=1, max_size=3), above=st.booleans())
def test_random_word_documents_read_back(seed: int, forms: list, above: bool) -> None:
    rng = random.Random(seed)
    tabs, sheets = [], []
    for k, o in enumerate(forms):
        f = _form(rng, o, block="above" if above and o["values"] != "twice" else "table")
        s = mf.render_sheet(f"表{k + 1}", [f])
        tabs.append((mf.draw(f, len(s.rows[0])).above, s))
        sheets.append(s)
    buf = io.BytesIO()
    mf.write_docx(tabs, buf, title="项目支出绩效目标申报表")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "random.docx"
        path.write_bytes(buf.getvalue())
        t = read_table(path)
    assert got_rows(t) == mf.expected_of(sheets, len(sheets) > 1)
    assert t.problems == []


# ---------------------------------------------------------------- the parse verb, end to end
@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_parse_command_on_every_kind(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    from indicatorml.cli import main

    rc = main(["parse", str(FIXTURES / name), "--format", "jsonl"])
    out, err = capsys.readouterr()
    assert rc == 0
    assert "Traceback" not in err and "内部错误" not in err, err
    assert len([ln for ln in out.splitlines() if ln.strip()]) == len(MANIFEST[name]["records"])
    assert err.strip().splitlines()[-1].startswith("读取 ")


def test_hand_written_self_evaluation_form(tmp_path: Path) -> None:
    """A 自评表 as the template prints it: label and value in one cell, the funds block with its
    columns (年初预算数 | 全年预算数 | 全年执行数 | 分值 | 执行率 | 得分), 预期目标 / 实际完成情况 in
    columns, scores on level 1, a 总分 row."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for r in [
        ["项目支出绩效自评表"],
        ["项目名称：\n城市更新项目"],
        ["主管部门", "某区住建局", "", "", "实施单位", "某区更新中心"],
        ["项目资金（万元）", "", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"],
        ["", "年度资金总额", "100", "120", "95", "10", "79%", "7.9"],
        ["", "其中：财政拨款", "100", "120", "95", "—", "", "—"],
        ["年度总体目标", "预期目标", "", "", "实际完成情况"],
        ["", "完成10个小区改造", "", "", "完成9个小区改造"],
        [
            "一级指标",
            "二级指标",
            "三级指标",
            "年度指标值",
            "实际完成值",
            "分值",
            "得分",
            "偏差原因分析及改进措施",
        ],
        ["产出指标(50分)", "数量指标", "改造小区数量", "≥10个", "9个", "20", "18", "一个小区居民意见未统一"],
        ["", "质量指标", "验收合格率", "100%", "100%", "30", "30", ""],
        ["满意度指标（10分）", "服务对象满意度", "居民满意度", "≥90%", "92%", "10", "10", ""],
        ["总分", "", "", "", "", "100", "95.9", ""],
    ]:
        ws.append(r)
    for rng in ("A1:H1", "A2:H2", "A4:A6", "A7:A8", "B7:D7", "B8:D8", "E7:H7", "E8:H8", "A10:A11"):
        ws.merge_cells(rng)
    wb.save(tmp_path / "se.xlsx")
    t = read_table(tmp_path / "se.xlsx")
    assert t.problems == []
    assert [(r.project, r.goal, r.level1, r.level2, r.indicator, r.target) for r in t.records] == [
        ("城市更新项目", "完成10个小区改造", "产出指标", "数量指标", "改造小区数量", "≥10个"),
        ("城市更新项目", "完成10个小区改造", "产出指标", "质量指标", "验收合格率", "100%"),
        ("城市更新项目", "完成10个小区改造", "满意度指标", "服务对象满意度指标", "居民满意度", "≥90%"),
    ]
    e = t.records[0].extra
    assert {
        k: e[k]
        for k in (
            "actual",
            "weight",
            "score",
            "deviation",
            "level1_score",
            "org",
            "implementer",
            "amount",
            "amount_fiscal",
            "budget_start",
            "budget_year",
            "spent",
            "goal_actual",
        )
    } == {
        "actual": "9个",
        "weight": "20",
        "score": "18",
        "deviation": "一个小区居民意见未统一",
        "level1_score": "50分",
        "org": "某区住建局",
        "implementer": "某区更新中心",
        "amount": "100",
        "amount_fiscal": "100",
        "budget_start": "100",
        "budget_year": "120",
        "spent": "95",
        "goal_actual": "完成9个小区改造",
    }
    assert t.records[0].origin.cells == {
        "indicator": (10, 3),
        "target": (10, 4),
        "level1": (10, 1),
        "level2": (10, 2),
    }
    assert t.sheets[0].tables == [TableSpan(header_row=9, first_row=10, last_row=12, first_col=1, last_col=8)]


def test_damaged_bytes_are_problems_never_tracebacks_or_noise(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Random bytes changed in a workbook, .xls, document or PDF: read to records and problems,
    with no internal error and nothing printed by the libraries (xlrd's warnings go to stdout)."""
    rng = random.Random(1)
    srcs = ["申报表_三个项目.xlsx", "申报表_两个项目.xls", "申报表_三张表.docx", "申报表_文字版.pdf"]
    for i in range(40):
        src = FIXTURES / srcs[i % 4]
        data = bytearray(src.read_bytes())
        for _ in range(rng.randint(1, 20)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        f = tmp_path / f"f{i}{src.suffix}"
        f.write_bytes(bytes(data))
        t = read_table(f)
        assert not any("内部错误" in p.reason for p in t.problems), (i, t.problems)
    out, err = capsys.readouterr()
    assert (out, err) == ("", "")
