"""Reading and writing tables: the seed layout, flat tables, encodings, bad input, round trips."""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from indicatorml.errors import IndicatormlError
from indicatorml.records import Indicator, Table
from indicatorml.tables import (
    add_column,
    decode,
    read_table,
    read_tables,
    records_to_rows,
    render_seed,
    report_problems,
    seed_indicator_string,
    write_table,
)
from indicatorml.taxonomy import LEVEL2, by_code, parent

from helpers import CORPUS, SEED, WORKBOOKS, corpus_pages, corpus_rows


def comparable(rec: Indicator) -> dict:
    """A record without the reader's bookkeeping (``_``-prefixed extra keys)."""
    d = rec.to_dict()
    d["extra"] = {k: v for k, v in rec.extra.items() if not k.startswith("_")}
    return d


@pytest.fixture(scope="module")
def seed() -> Table:
    return read_table(SEED)


@pytest.fixture(scope="module")
def corpus() -> Table:
    return read_table(CORPUS)


def problems_of(table: Table) -> list[tuple[int | None, str]]:
    return [(p.line, p.reason) for p in table.problems]


# ---------------------------------------------------------------- the seed
def test_seed_counts(seed: Table) -> None:
    assert seed.kind == "seed" and seed.encoding == "utf-8"
    assert seed.problems == []
    assert len(seed.projects) == 24
    assert len(seed.records) == 75
    assert Counter(r.level2_code for r in seed.records) == {
        "11": 23,
        "22": 16,
        "21": 14,
        "12": 11,
        "13": 5,
        "31": 5,
        "24": 1,
    }
    assert Counter(r.level1_code for r in seed.records) == {"1": 39, "2": 31, "3": 5}
    assert Counter(r.period_target for r in seed.records) == {"无": 75}
    # Project rows are lines 12..39 minus the blank lines; 合计 (10) and the department (11) are not.
    lines = [int(p.source.rsplit(":", 1)[1]) for p in seed.projects]
    assert lines == [
        12,
        13,
        14,
        15,
        17,
        18,
        19,
        20,
        21,
        23,
        24,
        25,
        26,
        27,
        29,
        30,
        31,
        32,
        33,
        35,
        36,
        37,
        38,
        39,
    ]
    assert [len(p.indicator_rows) for p in seed.projects] == [
        2,
        2,
        5,
        2,
        3,
        4,
        3,
        2,
        2,
        2,
        3,
        2,
        5,
        2,
        2,
        5,
        2,
        6,
        3,
        3,
        2,
        2,
        5,
        6,
    ]
    assert all(r.project and r.goal for r in seed.records)
    assert seed.preamble[2] == "项目支出绩效目标表（含转移支付项目）"
    assert seed.columns[0] == "项目名称（资金使用单位）"


def test_seed_first_project(seed: Table) -> None:
    first, second = (r.to_dict() for r in seed.records[:2])
    assert first == {
        "project": "专业批发市场工作经费",
        "goal": seed.projects[0].goal,
        "level1_code": "1",
        "level1": "产出指标",
        "level2_code": "11",
        "level2": "数量指标",
        "level2_raw": "11-数量指标",
        "indicator": "业态提升和规范整治市场数量",
        "target": "5个",
        "period_target": "无",
        "source": f"{SEED}:12",
        "level1_raw": "1-产出指标",
        "url": None,
    }
    assert second["level2_code"] == "22" and second["level2"] == "社会效益指标"
    assert second["level2_raw"] == "22-社会效益" and second["level1_code"] == "2"
    assert second["indicator"] == "推动专业批发市场、重点企业与大型商业综合体开展产业联动"
    assert second["target"] == "区内受惠企业不少于10家"
    assert seed.projects[0].goal.startswith("以目标和问题为导向") and seed.projects[0].goal.endswith(
        "试点市场。"
    )
    assert seed.projects[0].amounts == {
        "总计": 15.0,
        "财政拨款": 15.0,
        "财政专户拨款": None,
        "其他资金": None,
    }


def test_seed_wrapped_half_width_row(seed: Table) -> None:
    recs = [r for r in seed.records if r.source.endswith(":35")]
    assert [(r.level2_code, r.indicator, r.target) for r in recs] == [
        ("11", "每年购物节期间主会场活动场次", "不少于100场次"),
        ("22", "天河路商圈参与活动的商业载体数量", "不少于20家"),
        ("31", "服务对象抽样满意度", "不低于80%"),
    ]
    assert recs[0].project == "(穗财商【2023】64号) 商务营商环境培育项目 (购物节)"  # <p> stripped
    assert recs[0].goal.startswith("落实商务部") and "<p>" not in recs[0].goal
    assert recs[0].origin.seed.style["s1"] == ";"


def test_seed_full_width_keys_and_amounts(seed: Table) -> None:
    recs = [r for r in seed.records if r.source.endswith(":17")]
    assert [(r.level2_code, r.indicator, r.target) for r in recs] == [
        ("11", "进出口增长率", "≥0%"),
        ("12", "服务外包离岸执行额增长率", "≥1%"),
        ("21", "各级政策的执行与落实", "指导和协助企业了解政策，用足用好政策"),
    ]
    assert recs[0].origin.seed.style["k2"] == "："
    big = [p for p in seed.projects if p.name == "2023年批发零售业稳增长措施专项资金"][0]
    assert big.amounts["总计"] == 2220.0 and big.amounts["财政拨款"] == 2220.0
    assert [p.amounts["总计"] for p in seed.projects if "服务贸易专题" in p.name] == [2100.0]
    only24 = [r for r in seed.records if r.level2_code == "24"]
    assert [(r.project, r.indicator) for r in only24] == [
        ("2024年天河区促消费专项活动工作经费", "天河区影响力")
    ]


def test_seed_round_trip_bytes_and_records(seed: Table, tmp_path: Path) -> None:
    out = tmp_path / "seed.txt"
    write_table(seed, out, "seed")
    assert out.read_bytes() == SEED.read_bytes()
    again = read_table(out)
    assert [comparable(r) | {"source": ""} for r in again.records] == [
        comparable(r) | {"source": ""} for r in seed.records
    ]
    assert [r.extra for r in again.records] == [r.extra for r in seed.records]
    assert [(p.name, p.goal, p.amounts) for p in again.projects] == [
        (p.name, p.goal, p.amounts) for p in seed.projects
    ]


def test_seed_write_after_changes(tmp_path: Path) -> None:
    t = read_table(SEED)
    t.records[0].level2_code, t.records[0].level2 = "12", "质量指标"  # the code verb recodes one
    t.records[3].target = "新目标；含分号"
    t.records[-1].indicator = "改名的指标"
    t.projects[0].amounts["总计"] = 1234.5
    out = tmp_path / "changed.txt"
    write_table(t, out)  # .txt → seed
    before = SEED.read_text(encoding="utf-8").split("\n")
    after = out.read_text(encoding="utf-8").split("\n")
    assert [i + 1 for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b] == [12, 13, 39]
    assert after[11].startswith("专业批发市场工作经费\t1,234.50\t15.00\t")
    assert (
        "1、1-产出指标；12-质量指标；业态提升和规范整治市场数量；实施周期指标值:无；年度指标值:5个。2、"
        in after[11]
    )
    assert after[38].startswith("<p>") and after[38].endswith("年度指标值:90%以上。</p>")
    u = read_table(out)
    assert u.problems == []
    assert (u.records[0].level2_code, u.records[0].level2_raw) == ("12", "12-质量指标")
    assert u.records[3].target == "新目标；含分号"
    assert u.records[-1].indicator == "改名的指标" and u.records[-1].level2_raw == "31-服务对象满意度"
    assert u.projects[0].amounts["总计"] == 1234.5


def test_render_seed_and_rows(seed: Table) -> None:
    assert render_seed(seed) == SEED.read_text(encoding="utf-8")
    rows = records_to_rows(seed.records)
    assert list(rows[0]) == [
        "project",
        "goal",
        "level1_code",
        "level1",
        "level2_code",
        "level2",
        "level2_raw",
        "indicator",
        "target",
        "period_target",
        "source",
        "level1_raw",
        "url",
    ]
    assert "_seed" not in rows[0] and rows[74]["level2_code"] == "31"


def test_seed_indicator_string(seed: Table) -> None:
    cell = SEED.read_text(encoding="utf-8").split("\n")[11].split("\t")[6]
    assert seed_indicator_string(seed.records[:2]) == cell
    fresh = [
        Indicator("服务企业数量", target="≥10家", level1_code="1", level2_code="11"),
        Indicator(
            "满意度",
            target=None,
            level1_raw="满意度指标",
            level1_code="3",
            level2_raw="服务对象满意度",
            level2_code="31",
            period_target="≥80%",
        ),
    ]
    assert seed_indicator_string(fresh) == (
        "1、1-产出指标；11-数量指标；服务企业数量；实施周期指标值:；年度指标值:≥10家。"
        "2、满意度指标；服务对象满意度；满意度；实施周期指标值:≥80%；年度指标值:。"
    )
    # A raw label that no longer means the record's code is replaced by code-名称.
    stale = Indicator(
        "x", level2_raw="11-数量指标", level2_code="12", level1_code="1", level1_raw="1-产出指标"
    )
    assert "；12-质量指标；" in seed_indicator_string([stale])


def test_flat_records_written_as_seed_read_back(corpus: Table, tmp_path: Path) -> None:
    out = tmp_path / "c.txt"
    write_table(corpus, out, "seed")
    back = read_table(out)
    groups: dict[tuple, list[Indicator]] = {}  # one seed row per (project, goal), in first-seen order
    for r in corpus.records:
        groups.setdefault((r.project or "", r.goal or ""), []).append(r)
    assert len(back.projects) == len(groups) == len({(x["project"], x["goal"]) for x in corpus_rows()})
    want = [
        (r.project, r.indicator, r.level1_code, r.level2_code, r.target) for g in groups.values() for r in g
    ]
    assert [(r.project, r.indicator, r.level1_code, r.level2_code, r.target) for r in back.records] == want
    # The 53 corpus rows without a project share one nameless row: read, and reported.
    assert problems_of(back) == [(2, "这一行没有项目名称")]


# ---------------------------------------------------------------- flat round trips
@pytest.mark.parametrize("fmt", ["csv", "tsv", "xlsx", "jsonl"])
def test_seed_flat_round_trip(seed: Table, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"seed.{fmt}"
    write_table(seed, out)
    back = read_table(out)
    assert back.problems == [] and back.kind == fmt
    assert [comparable(r) for r in back.records] == [comparable(r) for r in seed.records]  # source kept too


@pytest.mark.parametrize("fmt", ["csv", "tsv", "xlsx", "jsonl"])
def test_corpus_flat_round_trip(corpus: Table, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"corpus.{fmt}"
    write_table(corpus, out)
    back = read_table(out)
    assert back.problems == []
    want = [comparable(r) for r in corpus.records]
    if fmt == "jsonl":
        assert [comparable(r) for r in back.records] == want
    else:  # the table's own columns come back; records are equal up to where they are
        assert [comparable(r) | {"source": ""} for r in back.records] == [w | {"source": ""} for w in want]
        assert back.columns == corpus.columns


def test_corpus_tsv_written_back_byte_equal(corpus: Table, tmp_path: Path) -> None:
    out = tmp_path / "corpus.tsv"
    write_table(corpus, out)
    assert out.read_bytes() == CORPUS.read_bytes()


def test_add_column_for_writing_back(tmp_path: Path) -> None:
    src = tmp_path / "draft.csv"
    src.write_text("指标名称,年度指标值\n服务企业数量,≥10家\n\n资金支付及时率,100%\n", encoding="utf-8")
    t = read_table(src)
    add_column(t, "二级指标(建议)", ["11-数量指标", "13-时效指标"])
    write_table(t, tmp_path / "coded.csv")
    assert (tmp_path / "coded.csv").read_text(encoding="utf-8") == (
        "指标名称,年度指标值,二级指标(建议)\n服务企业数量,≥10家,11-数量指标\n,,\n资金支付及时率,100%,13-时效指标\n"
    )
    with pytest.raises(ValueError):
        add_column(t, "x", [1])


# ---------------------------------------------------------------- the corpus and flat headers
def test_corpus_reads_as_is(corpus: Table) -> None:
    # Every count against the TSV itself (csv module; helpers.py), so a new row breaks nothing.
    rows = corpus_rows()
    code_of_name = {c.name: c.code for c in LEVEL2}  # the file's own normalized level2 column
    assert corpus.kind == "tsv" and corpus.problems == []
    assert len(corpus.records) == len(rows)
    assert len({r.url for r in corpus.records}) == len(corpus_pages())
    # empty targets are fine, not problems
    assert sum(r.target is None for r in corpus.records) == sum(not x["target"].strip() for x in rows)
    assert Counter(r.level2_code for r in corpus.records) == Counter(code_of_name[x["level2"]] for x in rows)
    r = corpus.records[0]
    assert (r.indicator, r.target, r.level1_code, r.level2_code, r.level2_raw) == (
        "开通业务月份",
        "≥1个月",
        "1",
        "11",
        "数量指标",
    )
    assert r.source == f"{CORPUS}:2" and r.group == r.url and r.url.startswith("http://117.141.250.58")
    quoted = [x for x in corpus.records if x.source.endswith(":124")][0]
    assert quoted.indicator == '实现"清瓶"城中村、住宅区数'  # a quote inside a TSV cell is literal
    spaced = [x for x in corpus.records if x.level2_raw == "社会效益 指标"]
    assert len(spaced) == sum(x["level2_raw"] == "社会效益 指标" for x in rows) > 0
    assert {x.level2_code for x in spaced} == {"22"}
    assert {x.extra["org"] for x in corpus.records if "org" in x.extra} >= {"罗湖区南湖街道办事处"}


def test_chinese_headers_with_notes_and_preamble(tmp_path: Path) -> None:
    f = tmp_path / "plan.csv"
    f.write_text(
        "某单位2024年项目绩效目标表,,,,\n"
        "一级指标 ,二级指标（必填）,三级指标（指标名称）,年度指标值 (目标),备注\n"
        "产出指标,数量指标 (必填硬性指标),培训人次,≥500人次,第一季度\n"
        "效益指标,社会效益 指标,群众知晓率,≥90%,\n"
        ",,草稿指标,,\n",
        encoding="utf-8",
    )
    t = read_table(f)
    assert t.problems == [] and t.kind == "csv"
    assert t.preamble == ["某单位2024年项目绩效目标表,,,,"]
    got = [
        (r.level1_code, r.level2_code, r.level2_raw, r.indicator, r.target, comparable(r)["extra"])
        for r in t.records
    ]
    assert got == [
        ("1", "11", "数量指标 (必填硬性指标)", "培训人次", "≥500人次", {"备注": "第一季度"}),
        ("2", "22", "社会效益 指标", "群众知晓率", "≥90%", {"备注": ""}),
        (None, None, None, "草稿指标", None, {"备注": ""}),
    ]
    assert t.records[0].source == f"{f}:3"


def test_draft_with_only_an_indicator_column(tmp_path: Path) -> None:
    f = tmp_path / "draft.tsv"
    f.write_text("indicator\n服务企业数量\n资金支付及时率\n", encoding="utf-8")
    t = read_table(f)
    assert t.problems == []
    assert [(r.indicator, r.target, r.level2_code) for r in t.records] == [
        ("服务企业数量", None, None),
        ("资金支付及时率", None, None),
    ]


def test_level2_only_gives_level1_from_parent(tmp_path: Path) -> None:
    f = tmp_path / "l2.csv"
    f.write_text("指标,二级指标\n资金支付及时率,时效指标\n", encoding="utf-8")
    r = read_table(f).records[0]
    assert (r.level1_code, r.level1, r.level1_raw, r.level2_code) == ("1", "产出指标", None, "13")


def test_xlsx_merged_cells_percent_and_second_sheet(tmp_path: Path) -> None:
    wb = Workbook()
    wb.active.title = "说明"
    wb.active.append(["本表说明"])
    ws = wb.create_sheet("指标")
    ws.append(["项目名称", "一级指标", "二级指标", "三级指标", "指标值"])
    ws.append(["培训项目", "产出指标", "数量指标", "培训人次", 500])
    ws.append([None, None, "质量指标", "考核合格率", 0.95])
    ws.append([None, "效益指标", "社会效益", "群众知晓率", "≥90%"])
    ws["E3"].number_format = "0%"
    ws.merge_cells("A2:A4")
    ws.merge_cells("B2:B3")
    path = tmp_path / "plan.xlsx"
    wb.save(path)
    t = read_table(path)
    assert t.kind == "xlsx" and t.problems == []
    assert [
        (r.project, r.level1_code, r.level2_code, r.indicator, r.target, r.source.rsplit(":", 1)[1])
        for r in t.records
    ] == [
        ("培训项目", "1", "11", "培训人次", "500", "2"),
        ("培训项目", "1", "12", "考核合格率", "95%", "3"),
        ("培训项目", "2", "22", "群众知晓率", "≥90%", "4"),
    ]


def test_xlsx_written_keeps_own_columns(tmp_path: Path) -> None:
    src = tmp_path / "d.csv"
    src.write_text("指标名称,单价\n服务企业数量,3\n", encoding="utf-8")
    t = read_table(src)
    write_table(t, tmp_path / "d.xlsx")
    ws = load_workbook(tmp_path / "d.xlsx").active
    assert [[c.value for c in row] for row in ws.iter_rows()] == [["指标名称", "单价"], ["服务企业数量", "3"]]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_seed_layout_saved_as_spreadsheet(seed: Table, tmp_path: Path, fmt: str) -> None:
    """The seed's columns in a CSV/XLSX: numbered cells split, 合计/department rows skipped."""
    rows = [line.split("\t") for line in SEED.read_text(encoding="utf-8").split("\n")]
    path = tmp_path / f"seed.{fmt}"
    if fmt == "csv":
        with open(path, "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f)
            for r in rows:
                w.writerow(r)
    else:
        wb = Workbook()
        for r in rows:
            wb.active.append(r)
        wb.save(path)
    t = read_table(path)
    assert t.problems == [] and t.kind == fmt
    assert [_key(r) for r in t.records] == [_key(r) for r in seed.records]
    add_column(t, "代码", [r.level2_code for r in t.records])  # two records of row 12 share one cell
    write_table(t, tmp_path / "coded.csv")
    back = read_table(tmp_path / "coded.csv")
    assert back.rows[2][-1] == "11；22" and back.rows[0][-1] == "" and len(back.records) == 75


def test_flat_cells_lose_p_wrappers(tmp_path: Path) -> None:
    f = tmp_path / "p.tsv"
    f.write_text(
        "项目名称\t指标名称\t二级指标\n<p>培训项目</p>\t<p>培训人次</p>\t<p>数量指标</p>\n", encoding="utf-8"
    )
    r = read_table(f).records[0]
    assert (r.project, r.indicator, r.level2_raw, r.level2_code) == ("培训项目", "培训人次", "数量指标", "11")


# ---------------------------------------------------------------- continuation rows
@pytest.mark.parametrize("name", ["续行_项目名称留空.csv", "平表_项目名称留空.xlsx"])
def test_a_blank_project_cell_under_a_projects_rows_is_that_project(name: str) -> None:
    """Exported from a merged sheet: 项目名称 and 年度绩效目标 only on each project's first row.
    Read as no project, the check invented "(未标明项目)" and found both real projects without
    their 效益 indicators (which were on the continuation rows)."""
    from indicatorml.checks import check_table

    t = read_table(WORKBOOKS / name)
    with (WORKBOOKS / "续行_项目名称留空.csv").open(encoding="gb18030", newline="") as f:
        rows = list(csv.reader(f))[1:]
    firsts = [(r[0], r[1]) for r in rows if r[0]]
    assert len(firsts) == 2 and len(t.records) == len(rows)
    want: list[tuple[str, str]] = []
    for r in rows:
        want.append((r[0], r[1]) if r[0] else want[-1])
    assert [(r.project, r.goal) for r in t.records] == want
    findings = check_table(t, labels=False)
    assert {f.project for f in findings} <= {p for p, _ in firsts}
    assert not [f for f in findings if f.rule in ("completeness.no-effect", "completeness.no-satisfaction")]


def test_continuation_needs_a_project_above_on_the_same_page(tmp_path: Path) -> None:
    src = tmp_path / "t.tsv"
    src.write_text(
        "url\t项目名称\t绩效目标\t二级指标\t三级指标\t年度指标值\n"
        "p1\t\t\t数量指标\t无项目的行\t≥1个\n"  # first rows without a project stay without
        "p1\t甲项目\t甲的目标\t数量指标\t甲一\t≥1个\n"
        "p1\t\t\t质量指标\t甲二\t≥90%\n"
        "p1\t\t自己的目标\t质量指标\t甲三\t≥90%\n"  # its own goal stays its own
        "p2\t\t\t数量指标\t另一页的行\t≥1个\n",  # another source page: not 甲项目's
        encoding="utf-8",
    )
    t = read_table(src)
    assert [(r.indicator, r.project, r.goal) for r in t.records] == [
        ("无项目的行", None, None),
        ("甲一", "甲项目", "甲的目标"),
        ("甲二", "甲项目", "甲的目标"),
        ("甲三", "甲项目", "自己的目标"),
        ("另一页的行", None, None),
    ]


# ---------------------------------------------------------------- encodings
@pytest.mark.parametrize("src", [SEED, CORPUS], ids=["seed", "corpus"])
def test_encodings_read_identically(src: Path, tmp_path: Path) -> None:
    text = src.read_text(encoding="utf-8")
    base = [comparable(r) | {"source": r.source.rsplit(":", 1)[1]} for r in read_table(src).records]
    variants = {
        "gb18030": text.encode("gb18030"),
        "utf-8-sig": codecs.BOM_UTF8 + text.replace("\n", "\r\n").encode("utf-8"),
        "utf-16": text.encode("utf-16"),
    }
    for enc, data in variants.items():
        f = tmp_path / f"{enc}{src.suffix}"
        f.write_bytes(data)
        t = read_table(f)
        assert (t.encoding, t.problems) == (enc, [])
        assert [comparable(r) | {"source": r.source.rsplit(":", 1)[1]} for r in t.records] == base


def test_decode_damaged_utf8_line_stays_utf8() -> None:
    data = "指标名称\n服务企业数量\n".encode() + b"bad \xff\xfe line\n" + "资金支付及时率\n".encode()
    text, enc, problems = decode(data)
    assert enc == "utf-8"
    assert text.split("\n")[3] == "资金支付及时率"
    assert problems == [(3, "有不是有效 UTF-8 的字节(显示为 �)")]


# ---------------------------------------------------------------- bad input
def test_empty_and_whitespace_files(tmp_path: Path) -> None:
    for name, data in [("e.csv", b""), ("w.txt", b"\n \r\n\t\n"), ("bom.tsv", codecs.BOM_UTF8)]:
        f = tmp_path / name
        f.write_bytes(data)
        t = read_table(f)
        assert (t.records, problems_of(t)) == ([], [(None, "空文件")])


def test_binary_file(tmp_path: Path) -> None:
    f = tmp_path / "image.csv"
    f.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    t = read_table(f)
    assert problems_of(t) == [(None, "不是文本表格(二进制文件)")]
    assert str(t.problems[0]) == f"{f}: 不是文本表格(二进制文件)"


def test_old_xls_and_broken_xlsx(tmp_path: Path) -> None:
    xls = tmp_path / "old.xls"
    xls.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    # .xls is read now (xlrd): a damaged one is a problem naming the format.
    assert read_table(xls).problems[0].reason.startswith("无法按 Excel 97–2003 工作簿(.xls)读取")
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04" + b"garbage" * 20)
    t = read_table(broken)
    assert len(t.problems) == 1 and t.problems[0].reason.startswith("无法按 Excel 工作簿(.xlsx)读取")


def test_missing_indicator_column_names_columns_found(tmp_path: Path) -> None:
    f = tmp_path / "x.csv"
    f.write_text("名称,数值\n甲,1\n", encoding="utf-8")
    assert problems_of(read_table(f)) == [
        (None, "没有指标名称列(指标名称 / 三级指标 / indicator);读到的列: '名称', '数值'")
    ]
    wb = Workbook()
    wb.active.append(["名称", "数值"])
    wb.save(tmp_path / "x.xlsx")
    assert "工作表: Sheet" in read_table(tmp_path / "x.xlsx").problems[0].reason


def test_missing_path(tmp_path: Path) -> None:
    t = read_table(tmp_path / "nope.csv")
    assert problems_of(t) == [(None, "文件不存在")]
    with pytest.raises(IndicatormlError, match="文件不存在: .*nope.csv"):
        read_tables([SEED, tmp_path / "nope.csv"])
    with pytest.raises(IndicatormlError, match="这是一个目录"):
        read_tables([tmp_path])


def test_strict_raises(tmp_path: Path) -> None:
    f = tmp_path / "x.csv"
    f.write_text("指标名称,二级指标\n甲,神秘指标\n", encoding="utf-8")
    with pytest.raises(IndicatormlError, match="有 1 个问题"):
        read_table(f, strict=True)
    assert len(read_table(SEED, strict=True).records) == 75


def test_flat_garbled_rows(tmp_path: Path) -> None:
    f = tmp_path / "g.tsv"
    f.write_text(
        "indicator\tlevel2\ttarget\n"
        "服务企业数量\t数量指标\t≥10家\n"
        "多了一列\t数量指标\t1\t2\n"
        "少了一列\t质量指标\n"
        "神秘的指标\t神秘指标\t1\n"
        "\t\t\n"
        "\t数量指标\t5\n"
        "资金支付及时率\t时效指标\t100%\n",
        encoding="utf-8",
    )
    t = read_table(f)
    assert [(r.indicator, r.level2_code, r.source.rsplit(":", 1)[1]) for r in t.records] == [
        ("服务企业数量", "11", "2"),
        ("少了一列", "12", "4"),
        ("神秘的指标", None, "5"),
        ("资金支付及时率", "13", "8"),
    ]
    assert t.records[2].level2_raw == "神秘指标"
    assert problems_of(t) == [
        (3, "这一行有4个字段,表头有3个;这一行未读取"),
        (4, "这一行有2个字段,表头有3个;缺的字段按空读取"),
        (5, "二级指标「神秘指标」不是已知类别"),
        (7, "这一行没有指标名称"),
    ]
    buf = io.StringIO()
    assert report_problems([t], buf) == 4
    assert buf.getvalue().splitlines()[0] == f"{f}:3: 这一行有4个字段,表头有3个;这一行未读取"


def test_csv_unbalanced_quote_does_not_swallow_the_rest(tmp_path: Path) -> None:
    f = tmp_path / "q.csv"
    f.write_text(
        '指标名称,年度指标值\n"多行\n指标",1\n"坏引号,2\n服务企业数量,3\n资金支付及时率,4\n', encoding="utf-8"
    )
    t = read_table(f)
    # The damaged line is read on its own (quote kept) and reported; the rows after it come through.
    assert [(r.indicator, r.target, r.source.rsplit(":", 1)[1]) for r in t.records] == [
        ("多行\n指标", "1", "2"),
        ('"坏引号', "2", "4"),
        ("服务企业数量", "3", "5"),
        ("资金支付及时率", "4", "6"),
    ]
    assert problems_of(t) == [(4, 'unbalanced quote (") in this row')]
    # The same on the last line, and a quoted comma that is fine.
    f.write_text('指标名称,年度指标值\n"服务企业数量,共3家",3\n"坏引号,2\n', encoding="utf-8")
    t = read_table(f)
    assert [(r.indicator, r.target) for r in t.records] == [("服务企业数量,共3家", "3"), ('"坏引号', "2")]
    assert problems_of(t) == [(3, 'unbalanced quote (") in this row')]


def test_jsonl_bad_lines(tmp_path: Path) -> None:
    f = tmp_path / "r.jsonl"
    f.write_text(
        json.dumps({"indicator": "服务企业数量", "level2_code": "11", "target": "≥10家"}, ensure_ascii=False)
        + "\n{broken\n[1, 2]\n"
        + json.dumps({"indicator": "x", "level2_code": "99"})
        + "\n",
        encoding="utf-8",
    )
    t = read_table(f)
    assert [(r.indicator, r.level1_code, r.level2_code) for r in t.records] == [
        ("服务企业数量", "1", "11"),
        ("x", None, None),
    ]
    assert [x[0] for x in problems_of(t)] == [2, 3, 4]
    assert problems_of(t)[1] == (3, "不是一个 JSON 对象")
    assert "二级指标代码「99」不是已知代码" in problems_of(t)[2][1]


def test_control_characters_reported(tmp_path: Path) -> None:
    f = tmp_path / "c.csv"
    f.write_bytes("指标名称\n服务\x00企业数量\n资金支付及时率\n".encode())
    t = read_table(f)
    assert len(t.records) == 2
    assert problems_of(t) == [(2, "这一行有控制字符 '\\x00'(文件损坏?)")]


def _seed_with_line(tmp_path: Path, lineno: int, new: str) -> Table:
    lines = SEED.read_text(encoding="utf-8").split("\n")
    lines[lineno - 1] = new
    f = tmp_path / "m.txt"
    f.write_text("\n".join(lines), encoding="utf-8")
    return read_table(f)


def _line(lineno: int) -> str:
    return SEED.read_text(encoding="utf-8").split("\n")[lineno - 1]


def _from(t: Table, lineno: int) -> list[tuple]:
    return [(r.level2_code, r.indicator, r.target) for r in t.records if r.source.endswith(f":{lineno}")]


def test_seed_truncated_row_keeps_readable_indicators(tmp_path: Path) -> None:
    line = _line(14)
    cut = line[: line.index("21-经") + 4]
    t = _seed_with_line(tmp_path, 14, cut)
    assert _from(t, 14) == [
        ("11", "新增知名品牌数（个）", "10个"),
        ("11", "首店引进数量", "引进广州首店20家"),
        ("12", "系列品牌节庆活动举办情况", "精心打造广州国际购物节等重大节庆活动，加强品牌引进"),
    ]
    assert problems_of(t) == [(14, "第4条指标:无法读取「4、2-效益指标；21-经」(应为以；分隔的5项)")]
    assert len(t.records) == 73  # every other row intact


def test_seed_wrong_field_count_and_amount(tmp_path: Path) -> None:
    t = _seed_with_line(tmp_path, 14, _line(14).replace("\t", "", 1))
    assert _from(t, 14) == [] and problems_of(t) == [(14, "这一行有6个字段,表头有7个;这一行未读取")]
    assert len(t.records) == 70
    t = _seed_with_line(tmp_path, 14, _line(14).replace("\t122.50\t", "\t122.5x0\t", 1))
    assert len(_from(t, 14)) == 5
    assert problems_of(t) == [(14, "金额「总计」不是数字:「122.5x0」")]


def test_seed_unknown_label_and_lost_numbering(tmp_path: Path) -> None:
    t = _seed_with_line(tmp_path, 14, _line(14).replace("11-数量指标；首店", "11-数皿指标；首店"))
    assert _from(t, 14)[1] == (None, "首店引进数量", "引进广州首店20家")
    assert problems_of(t) == [(14, "第2条指标:二级指标「11-数皿指标」不是已知类别")]
    # A damaged level-1 label: the item is still found by its keys, read, and the label reported.
    t = _seed_with_line(tmp_path, 14, _line(14).replace("2、1-产出指标", "2、1-产指标"))
    assert _from(t, 14)[1] == ("11", "首店引进数量", "引进广州首店20家") and len(_from(t, 14)) == 5
    assert problems_of(t) == [(14, "第2条指标:一级指标「1-产指标」不是已知类别")]
    # A damaged 、 hides an item inside the previous target: reported, not silent.
    t = _seed_with_line(tmp_path, 14, _line(14).replace("3、1-产出指标", "3,1-产出指标"))
    reasons = [r for n, r in problems_of(t) if n == 14]
    assert reasons[0].startswith("第2条指标:指标值里含有另一条指标的内容")
    assert reasons[1:] == ["第3条指标:编号写成了4", "第4条指标:编号写成了5"]
    # A label lost from one item of a labeled row: read, and the missing label reported.
    t = _seed_with_line(tmp_path, 14, _line(14).replace("2、1-产出指标；11-数量指标；", "2、"))
    assert _from(t, 14)[1] == (None, "首店引进数量", "引进广州首店20家")
    assert problems_of(t) == [(14, "第2条指标:没有一级指标"), (14, "第2条指标:没有二级指标")]


def test_seed_unparsable_and_empty_indicator_cells(tmp_path: Path) -> None:
    cells = _line(14).split("\t")
    t = _seed_with_line(tmp_path, 14, "\t".join(cells[:6] + ["随便写的内容"]))
    assert problems_of(t) == [(14, "无法读取指标串:「随便写的内容」")]
    t = _seed_with_line(tmp_path, 14, "\t".join(cells[:6] + [""]))
    assert problems_of(t) == [(14, "项目有绩效目标,没有绩效指标(绩效指标为空)")]
    assert [p.name for p in t.projects].count("天河商圈打造工作经费") == 1
    # A name field missing: the keyed value is not taken for a name.
    t = _seed_with_line(
        tmp_path, 14, _line(14).replace("11-数量指标；新增知名品牌数（个）；", "11-数量指标；", 1)
    )
    assert problems_of(t)[0][0] == 14 and problems_of(t)[0][1].startswith("第1条指标:")
    assert [x[1] for x in _from(t, 14)] == [
        "首店引进数量",
        "系列品牌节庆活动举办情况",
        "新增四上商贸企业",
        "营造商圈商业氛围",
    ]


def test_seed_targets_with_numbering_and_full_stops(tmp_path: Path) -> None:
    line = _line(12).replace("年度指标值:5个。", "年度指标值:1、完成摸底；2、完成整治。共5个。")
    t = _seed_with_line(tmp_path, 12, line)
    assert t.problems == []
    assert _from(t, 12)[0] == ("11", "业态提升和规范整治市场数量", "1、完成摸底；2、完成整治。共5个")
    assert _from(t, 12)[1][0] == "22"


# ---------------------------------------------------------------- seed drafts (no labels yet)
_DRAFT_HEAD = "项目名称（资金使用单位）\t总计\t财政拨款\t财政专户拨款\t其他资金\t绩效目标\t绩效指标\n合计\t20.00\t20.00\t\t\t\t\n"


def _draft(tmp_path: Path, *cells: str) -> Table:
    rows = "".join(f"项目{k}\t10.00\t10.00\t\t\t目标{k}。\t{c}\n" for k, c in enumerate(cells, start=1))
    f = tmp_path / "draft.txt"
    f.write_text(_DRAFT_HEAD + rows, encoding="utf-8")
    return read_table(f)


def _fields(t: Table) -> list[tuple]:
    return [
        (
            r.project,
            r.level1_raw,
            r.level1_code,
            r.level2_raw,
            r.level2_code,
            r.indicator,
            r.period_target,
            r.target,
        )
        for r in t.records
    ]


def test_seed_draft_without_labels(tmp_path: Path) -> None:
    t = _draft(
        tmp_path,
        "1、业态提升和规范整治市场数量；实施周期指标值:无；年度指标值:5个。2、推动专业批发市场、重点企业与大型商业"
        "综合体开展产业联动；实施周期指标值:无；年度指标值:区内受惠企业不少于10家。",
        "<p>1、服务企业数量;实施周期指标值：无;年度指标值：≥50家。2、服务对象满意度;年度指标值：≥90%</p>",
        # a numbered target, and "1、产出…" inside a target, are not items
        "1、摸底整治；实施周期指标值:无；年度指标值:1、产出达标；2、效益明显。2、整治完成率；实施周期指标值:"
        "无；年度指标值:100%。",
    )
    assert t.kind == "seed" and t.problems == [] and len(t.projects) == 3
    assert _fields(t) == [
        ("项目1", None, None, None, None, "业态提升和规范整治市场数量", "无", "5个"),
        (
            "项目1",
            None,
            None,
            None,
            None,
            "推动专业批发市场、重点企业与大型商业综合体开展产业联动",
            "无",
            "区内受惠企业不少于10家",
        ),
        ("项目2", None, None, None, None, "服务企业数量", "无", "≥50家"),
        ("项目2", None, None, None, None, "服务对象满意度", None, "≥90%"),
        ("项目3", None, None, None, None, "摸底整治", "无", "1、产出达标；2、效益明显"),
        ("项目3", None, None, None, None, "整治完成率", "无", "100%"),
    ]
    assert t.records[3].source == f"{tmp_path / 'draft.txt'}:4"


def test_seed_draft_with_one_label(tmp_path: Path) -> None:
    t = _draft(
        tmp_path,
        "1、1-产出指标；业态提升市场数量；实施周期指标值:无；年度指标值:5个。2、满意度；服务对象满意度；"
        "实施周期指标值:无；年度指标值:≥90%。",
        "<p>1、11-数量指标;服务企业数量;实施周期指标值：无;年度指标值：≥50家。2、社会效益;带动就业;"
        "年度指标值：100人</p>",
    )
    assert t.problems == []
    assert _fields(t) == [
        ("项目1", "1-产出指标", "1", None, None, "业态提升市场数量", "无", "5个"),
        ("项目1", "满意度", "3", None, None, "服务对象满意度", "无", "≥90%"),
        # only level 2 given: level 1 follows from it (as in flat tables); its raw spelling stays None
        ("项目2", None, "1", "11-数量指标", "11", "服务企业数量", "无", "≥50家"),
        ("项目2", None, "2", "社会效益", "22", "带动就业", None, "100人"),
    ]


def test_seed_draft_problems(tmp_path: Path) -> None:
    t = _draft(
        tmp_path,
        "1、推动A；推动B；实施周期指标值:无；年度指标值:5个。",  # a ； in the name, or a damaged label
        "1、1-产出指标；11-数量指标；实施周期指标值:无；年度指标值:5个。",  # no name
        "1、甲事项；实施周期指标值:无；年度指标值:5个。3、乙事项；实施周期指标值:无；年度指标值:3个。",
        # a misspelled key: its stray fields are reported and do not make the table "labeled"
        "1、丙事项；实施周期指标值:无；年度指值标:5个。2、丁事项；实施周期指标值:无；年度指标值:3个。",
    )
    assert [(r.indicator, r.level1_raw, r.target) for r in t.records] == [
        ("推动A；推动B", None, "5个"),
        ("甲事项", None, "5个"),
        ("乙事项", None, "3个"),
        ("年度指值标:5个。2、丁事项", "丙事项", "3个"),
    ]
    assert problems_of(t) == [
        (3, "第1条指标:名称前的「推动A」不是类别,作为名称的一部分保留"),
        (
            4,
            "第1条指标:「1、1-产出指标；11-数量指标；实施周期指标值:无；年度指标值:5个。」里没有指标名称",
        ),
        (5, "第2条指标:编号写成了3"),
        (6, "第1条指标:一级指标「丙事项」不是已知类别"),
        (6, "第1条指标:二级指标「实施周期指标值:无」不是已知类别"),
    ]


def test_seed_draft_in_a_labeled_table_is_reported(tmp_path: Path) -> None:
    """Where other items carry both labels, an item without them most likely lost them."""
    t = _draft(
        tmp_path,
        "1、1-产出指标；11-数量指标；甲；实施周期指标值:无；年度指标值:5个。",
        "1、乙；实施周期指标值:无；年度指标值:3个。2、2-效益指标；丙；实施周期指标值:无；年度指标值:1个。",
    )
    assert [(r.indicator, r.level1_code, r.level2_code) for r in t.records] == [
        ("甲", "1", "11"),
        ("乙", None, None),
        ("丙", "2", None),
    ]
    assert problems_of(t) == [
        (4, "第1条指标:没有一级指标"),
        (4, "第1条指标:没有二级指标"),
        (4, "第2条指标:没有二级指标"),
    ]


def test_flat_cell_with_unlabeled_numbered_string(tmp_path: Path) -> None:
    f = tmp_path / "d.csv"
    f.write_text(
        "项目名称,绩效指标\n甲,1、服务企业数量；实施周期指标值:无；年度指标值:≥50家。2、11-数量指标；培训人次；"
        "年度指标值:300人次。\n",
        encoding="utf-8",
    )
    t = read_table(f)
    assert t.problems == []
    assert [
        (r.project, r.level1_code, r.level2_code, r.indicator, r.period_target, r.target) for r in t.records
    ] == [("甲", None, None, "服务企业数量", "无", "≥50家"), ("甲", "1", "11", "培训人次", None, "300人次")]


def test_seed_draft_written_back(tmp_path: Path) -> None:
    cells = (
        "1、甲事项数量；实施周期指标值:无；年度指标值:5个。2、乙事项；实施周期指标值:无；年度指标值:3个。",
        "<p>1、11-数量指标;丙事项;实施周期指标值：无;年度指标值：≥50家。2、丁事项满意度;年度指标值：≥90%</p>",
    )
    t = _draft(tmp_path, *cells)
    assert render_seed(t) == (tmp_path / "draft.txt").read_text(encoding="utf-8")  # unchanged: byte-equal
    assert seed_indicator_string(t.records[:2]) == cells[0]  # the label-less writer
    # Coded as the code verb does: labels appear in each item's own punctuation; the rest stays.
    for rec, code in zip(t.records, ["11", "22", "11", "31"], strict=True):
        cat = by_code(code)
        rec.level2_code, rec.level2, rec.level2_raw = cat.code, cat.name, cat.label
        rec.level1_code, rec.level1, rec.level1_raw = parent(code).code, parent(code).name, parent(code).label
    lines = render_seed(t).split("\n")
    assert lines[2].split("\t")[6] == (
        "1、1-产出指标；11-数量指标；甲事项数量；实施周期指标值:无；年度指标值:5个。"
        "2、2-效益指标；22-社会效益指标；乙事项；实施周期指标值:无；年度指标值:3个。"
    )
    assert lines[3].split("\t")[6] == (
        "<p>1、1-产出指标;11-数量指标;丙事项;实施周期指标值：无;年度指标值：≥50家。"
        "2、3-满意度指标;31-服务对象满意度指标;丁事项满意度;年度指标值：≥90%</p>"
    )
    f = tmp_path / "coded.txt"
    write_table(t, f)
    assert [(r.level1_code, r.level2_code, r.indicator) for r in read_table(f).records] == [
        ("1", "11", "甲事项数量"),
        ("2", "22", "乙事项"),
        ("1", "11", "丙事项"),
        ("3", "31", "丁事项满意度"),
    ]
    assert read_table(f).problems == []
    # Flat records without labels written as a seed cell: no empty label fields.
    flat = [
        Indicator(indicator="甲", target="5个"),
        Indicator(indicator="乙", target=None, period_target="无"),
    ]
    assert (
        seed_indicator_string(flat)
        == "1、甲；实施周期指标值:；年度指标值:5个。2、乙；实施周期指标值:无；年度指标值:。"
    )


# ---------------------------------------------------------------- property: mutated seed lines

_SEED_LINES = SEED.read_text(encoding="utf-8").split("\n")
_BASE = read_table(SEED)
_PROJECT_LINES = [int(p.source.rsplit(":", 1)[1]) for p in _BASE.projects]


def _key(r: Indicator) -> tuple:
    return (
        r.source.rsplit(":", 1)[1],
        r.project,
        r.goal,
        r.level1_raw,
        r.level1_code,
        r.level2_raw,
        r.level2_code,
        r.indicator,
        r.period_target,
        r.target,
    )


_WIDTH = {"；": ";", ";": "；", "：": ":", ":": "：", "、": ",", "。": "."}


def _mutate(line: str, op: str, pos: int, text: str) -> str:
    pos = pos % (len(line) + 1)
    if op == "delete":
        return line[:pos] + line[pos + 1 :]
    if op == "duplicate":
        return line[:pos] + line[pos : pos + 1] + line[pos:]
    if op == "swap" and pos + 1 < len(line):
        return line[:pos] + line[pos + 1] + line[pos] + line[pos + 2 :]
    if op == "flip":  # separators from this point on flipped in width
        return line[:pos] + "".join(_WIDTH.get(c, c) for c in line[pos:])
    if op == "truncate":
        return line[:pos]
    if op == "insert":
        return line[:pos] + text + line[pos:]
    return line


_MUTATION = st.tuples(
    st.sampled_from(["delete", "duplicate", "swap", "flip", "truncate", "insert"]),
    st.integers(min_value=0, max_value=3000),
    st.text(
        alphabet=st.characters(blacklist_characters="\n\r", blacklist_categories=("Cs",)),
        min_size=1,
        max_size=6,
    )
    | st.sampled_from(["\t", "；", ";", "。", "、", "2、", "1-产出指标", "<p>", "</p>", ":", "年度指标值:"]),
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lineno=st.sampled_from(_PROJECT_LINES), mutations=st.lists(_MUTATION, min_size=1, max_size=3))
def test_mutated_seed_line_is_read_or_reported(tmp_path: Path, lineno: int, mutations: list) -> None:
    line = _SEED_LINES[lineno - 1]
    for op, pos, text in mutations:
        line = _mutate(line, op, pos, text)
    lines = list(_SEED_LINES)
    lines[lineno - 1] = line
    f = tmp_path / "mutated.txt"
    f.write_text("\n".join(lines), encoding="utf-8")
    t = read_table(f)  # never raises
    assert not any(p.reason.startswith("读取时出现内部错误") for p in t.problems)
    assert all(p.line == lineno for p in t.problems), t.problems  # problems point at the damaged line
    read = [r for r in t.records if r.source == f"{f}:{lineno}"]
    reported = any(p.line == lineno for p in t.problems)
    cells = line.split("\t")
    non_project = (
        not line.strip()
        or (len(cells) == 7 and not "".join(cells[5:]).strip())
        or (len(cells) == 7 and cells[0].startswith(("合计", "总计", "小计")) and not cells[6].strip())
    )
    assert read or reported or non_project, line
    # Every other line reads exactly as before.
    others = [_key(r) for r in t.records if r.source != f"{f}:{lineno}"]
    assert others == [_key(r) for r in _BASE.records if not r.source.endswith(f":{lineno}")]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    lineno=st.sampled_from(_PROJECT_LINES),
    pos=st.integers(min_value=0, max_value=3000),
    junk=st.binary(min_size=1, max_size=8).filter(lambda b: b"\n" not in b and b"\r" not in b),
)
def test_random_bytes_in_a_seed_line(tmp_path: Path, lineno: int, pos: int, junk: bytes) -> None:
    raw = [ln.encode("utf-8") for ln in _SEED_LINES]
    line = raw[lineno - 1]
    pos = pos % (len(line) + 1)
    raw[lineno - 1] = line[:pos] + junk + line[pos:]
    f = tmp_path / "bytes.txt"
    f.write_bytes(b"\n".join(raw))
    t = read_table(f)
    assert t.kind == "seed" and t.encoding == "utf-8"
    assert not any(p.reason.startswith("读取时出现内部错误") for p in t.problems)
    assert all(p.line == lineno for p in t.problems), t.problems
    read = [r for r in t.records if r.source == f"{f}:{lineno}"]
    assert read or t.problems
    assert len(t.records) - len(read) == 75 - sum(r.source.endswith(f":{lineno}") for r in _BASE.records)


@pytest.mark.parametrize("enc", ["gb18030", "utf-8-sig", "utf-8"])
@pytest.mark.parametrize("nl", ["\n", "\r\n"])
def test_written_back_in_its_own_kind_keeps_encoding_and_line_ends(tmp_path, enc, nl):
    """A GB18030 CRLF table from a finance system must come back as one, byte for byte."""
    from indicatorml.tables import write_table

    for path, kind in ((SEED, "seed"), (CORPUS, "tsv")):
        text = path.read_bytes().decode("utf-8")
        src = tmp_path / f"in.{'txt' if kind == 'seed' else 'tsv'}"
        src.write_bytes(text.replace("\n", nl).encode(enc))
        table = read_table(src)
        assert (table.encoding, table.newline) == (enc, nl)
        out = tmp_path / f"out.{'txt' if kind == 'seed' else 'tsv'}"
        write_table(table, out, kind)
        assert out.read_bytes() == src.read_bytes()
        write_table(table, tmp_path / "as.jsonl", "jsonl")  # another kind: plain UTF-8, LF
        assert b"\r\n" not in (tmp_path / "as.jsonl").read_bytes()
        (tmp_path / "as.jsonl").read_bytes().decode("utf-8")


def test_content_hash_ignores_encoding_and_line_ends(tmp_path):
    from indicatorml.tables import content_sha256

    text = SEED.read_bytes().decode("utf-8")
    hashes = set()
    for k, (enc, nl) in enumerate([("utf-8", "\n"), ("gb18030", "\r\n"), ("utf-8-sig", "\n")]):
        p = tmp_path / f"s{k}.txt"
        p.write_bytes(text.replace("\n", nl).encode(enc))
        hashes.add(content_sha256(p))
    assert hashes == {content_sha256(SEED)} and len(content_sha256(SEED)) == 64
    assert read_table(SEED).sha256 == content_sha256(SEED)  # the reader records the same hash
    (tmp_path / "edited.txt").write_text(text.replace("5个", "6个"), encoding="utf-8")
    assert content_sha256(tmp_path / "edited.txt") not in hashes
    assert content_sha256(tmp_path / "missing.txt") == ""
