"""Last year beside this year (issue 17): matching across years, the history rules, the pipeline
that finds last year's stored table, and what the pages show beside each other."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import postgres  # noqa: E402

from indicatorml.checks import check_table  # noqa: E402
from indicatorml.checks.matching import (  # noqa: E402
    IndicatorSide,
    ProjectSide,
    indicator_key,
    match_indicators,
    match_projects,
    project_key,
)
from indicatorml.checks.past import PastProject, PastRow  # noqa: E402
from indicatorml.records import Indicator, Table  # noqa: E402
from indicatorml.reviews import compare, create_review, last_year_row, review_beside, review_json  # noqa: E402
from indicatorml.store import open_store  # noqa: E402

db_url = postgres.db_url

HEADER = "项目名称,一级指标,二级指标,三级指标,指标值"
ORG = "某区民政局"


# ------------------------------------------------------------------ matching
def test_a_project_key_takes_off_years_and_the_words_that_change_between_years():
    assert project_key("2024年专业批发市场工作经费") == project_key("专业批发市场专项经费") == "专业批发市场"
    assert project_key("（2025年度）市级商贸流通发展专项资金") == "商贸流通发展"
    assert project_key("促进消费") == project_key("促进消费项目")
    assert project_key("项目") == "项目"  # a name is never emptied


def test_indicator_key_drops_numbers_units_and_punctuation():
    assert indicator_key("开展培训≥3次") == indicator_key("开展培训 5 次") == "开展培训"


def test_projects_pair_by_name_and_a_new_or_retired_project_has_no_pair():
    last = [
        ProjectSide("2024年社区居家养老服务补贴", "为辖区老人提供居家养老服务"),
        ProjectSide("2024年专业批发市场工作经费"),
        ProjectSide("机关办公楼维修"),
    ]
    this = [
        ProjectSide("专业批发市场专项经费"),
        ProjectSide("社区居家养老服务补贴项目", "为辖区老年人提供居家养老上门服务"),
        ProjectSide("数字人民币试点推广"),  # new this year
    ]
    pairs = [(p.this, p.last) for p in match_projects(this, last)]
    assert pairs == [(0, 1), (1, 0)]


def test_indicators_pair_one_to_one_and_category_breaks_a_tie():
    last = [
        IndicatorSide("服务对象满意度", "31", "≥95%"),
        IndicatorSide("补贴发放及时率", "13", "100%"),
        IndicatorSide("入户走访次数", "11", "≥2次"),
    ]
    this = [
        IndicatorSide("补贴按时发放率", "13", "100%"),
        IndicatorSide("服务对象满意度", "31", "≥90%"),
        IndicatorSide("新增助餐点数量", "11", "≥3个"),
    ]
    assert [(p.this, p.last) for p in match_indicators(this, last)] == [(0, 1), (1, 0)]


# ------------------------------------------------------------------ the rules, on a table and a PastProject
def _table(rows: list[tuple[str, str, str]], project: str = "社区居家养老服务补贴") -> Table:
    recs = [
        Indicator(ind, target=t, level2_code=code, project=project, source=f"t.csv:{k + 2}")
        for k, (ind, code, t) in enumerate(rows)
    ]
    return Table(path="t.csv", kind="csv", records=recs)


def _past(
    rows: list[tuple[str, str, str, str | None]], year: int = 2024, earlier: PastProject | None = None
) -> PastProject:
    return PastProject(
        "2024年社区居家养老服务补贴",
        None,
        year,
        f"{year}年目标表.xlsx",
        tuple(PastRow(ind, t, actual, code, k) for k, (ind, code, t, actual) in enumerate(rows)),
        0.9,
        "r-last",
        1,
        earlier,
    )


def _history(findings):
    return [(f.rule, f.row, f.message) for f in findings if f.rule.startswith("history.")]


def test_without_last_year_the_history_rules_say_nothing():
    t = _table([("服务对象满意度", "31", "≥90%")])
    assert _history(check_table(t, labels=False)) == []


def test_a_lowered_satisfaction_target_and_a_dropped_indicator():
    t = _table([("服务对象满意度", "31", "≥90%"), ("补贴发放及时率", "13", "100%")])
    past = _past(
        [
            ("服务对象满意度", "31", "≥95%", None),
            ("补贴发放及时率", "13", "100%", None),
            ("入户走访次数", "11", "≥2次", None),
        ]
    )
    found = _history(check_table(t, labels=False, history={"社区居家养老服务补贴": past}))
    assert found == [
        (
            "history.dropped",
            None,
            "去年(2024年,2024年目标表.xlsx)本项目有指标「入户走访次数」(目标 ≥2次),今年的表里没有对应的指标;"
            "如已不适用请说明理由,否则补上",
        ),
        (
            "history.lowered",
            0,
            "去年(2024年,2024年目标表.xlsx)同一指标「服务对象满意度」目标为 ≥95%;今年降为 ≥90%。"
            "标准降低须说明理由,否则不低于去年的水平",
        ),
    ]


def test_a_rate_under_last_years_actual_is_lowered_but_a_lower_is_better_rate_is_not():
    t = _table([("项目验收合格率", "12", "≥90%"), ("投诉率", "12", "≤3%")])
    past = _past([("项目验收合格率", "12", "≥90%", "99%"), ("投诉率", "12", "≤5%", "1%")])
    found = _history(check_table(t, labels=False, history={"社区居家养老服务补贴": past}))
    assert [(rule, row) for rule, row, _ in found] == [("history.lowered", 0)]
    assert "实际完成 99%" in found[0][2]


def test_an_actual_far_above_a_target_left_where_it_was():
    t = _table([("服务老人数量", "11", "≥500人"), ("助餐服务人次", "11", "≥2000人次")])
    past = _past([("服务老人数量", "11", "≥500人", "820人"), ("助餐服务人次", "11", "≥1000人次", "2600人次")])
    found = _history(check_table(t, labels=False, history={"社区居家养老服务补贴": past}))
    assert [(rule, row) for rule, row, _ in found] == [("history.target-too-low", 0)]  # the second was raised
    assert "目标 ≥500人,实际完成 820人" in found[0][2]


def test_a_target_copied_for_three_years_but_not_a_full_rate():
    older = _past([("服务老人数量", "11", "≥500人", None), ("补贴发放及时率", "13", "100%", None)], year=2023)
    past = _past(
        [("服务老人数量", "11", "≥500人", None), ("补贴发放及时率", "13", "100%", None)], earlier=older
    )
    t = _table([("服务老人数量", "11", "≥500人"), ("补贴发放及时率", "13", "100%")])
    found = _history(check_table(t, labels=False, history={"社区居家养老服务补贴": past}))
    assert found == [
        (
            "history.copied",
            0,
            "指标值「≥500人」已连续三年未变(2023年、2024年,见 2024年目标表.xlsx);按上年完成情况和今年任务重新确定",
        )
    ]


# ------------------------------------------------------------------ the pipeline, through the store (both engines)
def _csv(path: Path, project: str, rows: list[tuple[str, str, str, str, str]], actual: bool = False) -> Path:
    head = HEADER + (",实际完成值" if actual else "")
    lines = [head] + [",".join([project, *r]) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def store(db_url):
    s = open_store(db_url, None)
    yield s
    s.close()


@pytest.fixture
def two_years(tmp_path):
    last = _csv(
        tmp_path / "2024年目标表.csv",
        "2024年社区居家养老服务补贴项目",
        [
            ("产出指标", "数量指标", "服务老人数量", "≥500人", "820人"),
            ("产出指标", "时效指标", "补贴发放及时率", "100%", "100%"),
            ("产出指标", "数量指标", "入户走访次数", "≥2次", "2次"),
            ("满意度指标", "服务对象满意度指标", "服务对象满意度", "≥95%", "98%"),
        ],
        actual=True,
    )
    this = _csv(
        tmp_path / "申报表.csv",
        "社区居家养老服务补贴专项资金",
        [
            ("产出指标", "数量指标", "服务老年人数量", "≥800人"),
            ("产出指标", "时效指标", "补贴发放及时率", "100%"),
            ("满意度指标", "服务对象满意度指标", "服务对象满意度", "≥90%"),
        ],
    )
    return last, this


def test_the_second_years_review_carries_history_findings_in_the_api(store, two_years):
    last, this = two_years
    first = create_review(store, [last], year=2024, org=ORG)
    assert [f for _, f in first.findings() if f.finding.rule.startswith("history.")] == []
    second = create_review(store, [this], year=2025, org=ORG)
    body = review_json(second)
    history = [(f["rule"], f["row"]) for f in body["findings"] if f["rule"].startswith("history.")]
    assert history == [("history.dropped", None), ("history.lowered", 2)]
    lowered = next(f for f in body["findings"] if f["rule"] == "history.lowered")
    assert lowered["rule_name"] == "标准比上年降低" and isinstance(lowered["id"], int)
    assert "2024年,2024年目标表.csv" in lowered["message"] and "实际完成 98%" in lowered["message"]
    other = create_review(store, [this], year=2025, org="另一个局")  # another department's past is not ours
    assert [f for _, f in other.findings() if f.finding.rule.startswith("history.")] == []


def test_compare_lists_this_years_rows_beside_last_years(store, two_years):
    last, this = two_years
    first = create_review(store, [last], year=2024, org=ORG)
    second = create_review(store, [this], year=2025, org=ORG)
    rows = compare(store, second, 1, 0)
    assert [(r.row, r.indicator, r.last_indicator, r.last_target, r.last_actual) for r in rows] == [
        (0, "服务老年人数量", "服务老人数量", "≥500人", "820人"),
        (1, "补贴发放及时率", "补贴发放及时率", "100%", "100%"),
        (2, "服务对象满意度", "服务对象满意度", "≥95%", "98%"),
        (None, None, "入户走访次数", "≥2次", "2次"),
    ]
    assert {(r.year, r.file, r.review_id, r.file_n) for r in rows} == {
        (2024, "2024年目标表.csv", first.id, 1)
    }
    assert rows[3].last_row == 2 and rows[0].to_dict()["last_target"] == "≥500人"
    alone = compare(store, first, 1, 0)  # 2023 is not stored: only this year's side
    assert [r.last_indicator for r in alone] == [None] * 4


def test_last_year_row_finds_the_row_being_typed(store, two_years):
    last, _ = two_years
    first = create_review(store, [last], year=2024, org=ORG)
    hit = last_year_row(store, ORG, "服务对象满意度", year=2025, project="社区居家养老服务补贴")
    assert hit is not None
    assert (hit.indicator, hit.target, hit.actual, hit.year, hit.review_id, hit.row) == (
        "服务对象满意度",
        "≥95%",
        "98%",
        2024,
        first.id,
        3,
    )
    assert last_year_row(store, ORG, "服务对象满意度").review_id == first.id  # latest year stored
    assert last_year_row(store, ORG, "道路修缮长度", year=2025) is None
    assert last_year_row(store, "另一个局", "服务对象满意度", year=2025) is None


def test_review_beside_lists_only_projects_with_a_last_year_as_compare_gives_them(store, two_years, tmp_path):
    last, this = two_years
    new = _csv(
        tmp_path / "新项目.csv", "数字人民币试点推广", [("产出指标", "数量指标", "试点商户数量", "≥100户")]
    )
    first = create_review(store, [last], year=2024, org=ORG)
    second = create_review(store, [this, new], year=2025, org=ORG)
    (entry,) = review_beside(store, second)  # the new project has no last year: left out
    assert (entry["file_n"], entry["k"], entry["review_id"], entry["last_file"]) == (
        1,
        0,
        first.id,
        "2024年目标表.csv",
    )
    assert entry["rows"] == [r.to_dict() for r in compare(store, second, 1, 0)]
    assert review_beside(store, second, file_n=2) == [] and review_beside(store, first) == []
