"""The rules of issue 16, each alone: a clean table plus one defect gives exactly that finding, and
the clean table gives none. Also the registry (one list, every rule named, sourced and with its
known false alarms), the grades and the draft check the 填报 page calls.

The tables are written as TSV (or the seed layout where the rule needs the project's funds) and
read by the real reader, so a rule is tested on what a user's file gives it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from indicatorml.checks import (
    FAMILIES,
    GRADES,
    KIND_ZH,
    KINDS,
    RULE_INFO,
    RULES,
    SEVERITIES,
    Finding,
    check_draft,
    check_table,
    grade,
    project_grades,
    rule_catalog,
    rule_name,
)
from indicatorml.checks.sources import CORE_2021, EVALUATION_2020, LOCAL_FORMS, MODEL, TARGETS_2015
from indicatorml.tables import read_table

DOCUMENTS = (TARGETS_2015, EVALUATION_2020, CORE_2021, LOCAL_FORMS, MODEL)

HEADER = ["项目名称", "绩效目标", "一级指标", "二级指标", "三级指标", "年度指标值"]
GOAL = "开展企业合规培训,服务辖区企业。"
P = "合规培训项目"
CLEAN = [
    [P, GOAL, "产出指标", "数量指标", "培训企业数量", "≥50家"],
    [P, GOAL, "产出指标", "质量指标", "培训合格率", "≥95%"],
    [P, GOAL, "产出指标", "时效指标", "培训完成时间", "2024年6月底前"],
    [P, GOAL, "效益指标", "社会效益指标", "企业合规意识提升率", "≥80%"],
    [P, GOAL, "满意度指标", "服务对象满意度指标", "参训企业满意度", "≥90%"],
]


def write(tmp_path: Path, rows: list[list[str]], header: list[str] = HEADER, name: str = "t.tsv") -> str:
    path = tmp_path / name
    path.write_text("\n".join("\t".join(r) for r in [header, *rows]) + "\n", encoding="utf-8")
    return str(path)


def found(tmp_path: Path, rows: list[list[str]], header: list[str] = HEADER) -> list[tuple[str, int | None]]:
    table = read_table(write(tmp_path, rows, header))
    return [(f.rule, f.row) for f in check_table(table, labels=False)]


def edited(row: int, **cells: str) -> list[list[str]]:
    rows = [list(r) for r in CLEAN]
    names = {"indicator": "三级指标", "target": "年度指标值", "level1": "一级指标", "level2": "二级指标"}
    for key, value in cells.items():
        rows[row][HEADER.index(names[key])] = value
    return rows


def test_the_clean_table_is_clean(tmp_path):
    assert found(tmp_path, CLEAN) == []


# ---------------------------------------------------------------------------- the registry
def test_every_rule_is_registered_once_with_a_chinese_name_a_source_and_its_false_alarms():
    ids = [r.id for fam in FAMILIES for r in fam.rules]
    assert len(ids) == len(set(ids)) == len(RULE_INFO) == len(RULES)
    for rule in RULE_INFO.values():
        assert re.fullmatch(r"[a-z]+\.[a-z0-9-]+", rule.id) and rule.id.startswith(rule.kind + ".")
        assert rule.kind in KINDS and rule.severity in SEVERITIES
        assert not re.search(r"[A-Za-z]", rule.name), rule.name  # what a reviewer reads
        assert re.search(r"[\u4e00-\u9fff]", rule.meaning) and not re.search(r"[A-Za-z]{3}", rule.meaning)
        assert any(rule.source.startswith(doc) for doc in DOCUMENTS), rule.source
        assert rule.false_alarms
    assert set(KIND_ZH) == set(KINDS)


def test_the_ids_the_issue_names_are_there():
    for rule_id in (
        "completeness.no-cost",
        "completeness.no-satisfaction",
        "target.direction",
        "structure.weights",
    ):
        assert rule_id in RULE_INFO


def test_the_catalog_lists_rules_for_the_rule_filter():
    catalog = rule_catalog()
    assert [c["id"] for c in catalog] == [r.id for fam in FAMILIES for r in fam.rules]
    first = next(c for c in catalog if c["id"] == "target.vague-wording")
    assert (first["name"], first["severity"], first["severity_zh"], first["kind_zh"], first["drafts"]) == (
        "指标值用模糊措辞",
        "warning",
        "警告",
        "指标值",
        True,
    )
    assert "财预〔2015〕88号" in first["source"] and first["false_alarms"]
    assert rule_name("target.direction") == "指标方向写反" and rule_name("no.such-rule") == "no.such-rule"


def test_a_finding_carries_its_rule_name_next_to_its_rule(tmp_path):
    table = read_table(write(tmp_path, edited(1, target="")))
    (f,) = check_table(table, labels=False)
    d = f.to_dict()
    keys = list(d)
    assert keys[keys.index("rule") + 1] == "rule_name"
    assert (d["rule"], d["rule_name"]) == ("target.empty", "缺指标值")


# ---------------------------------------------------------------------------- completeness
def test_no_cost_in_a_table_of_the_2021_layout(tmp_path):
    cost = [P, GOAL, "成本指标", "经济成本指标", "培训成本", "≤10万元"]
    other = [["另一项目", *r[1:]] for r in CLEAN]
    assert found(tmp_path, CLEAN + [cost] + other) == [("completeness.no-cost", None)]
    assert found(tmp_path, CLEAN + other) == []  # the old layout: cost is not required there


def test_high_standard_farmland_serves_farmers(tmp_path):
    p, goal = "岳阳县高标准农田建设项目", "新建高标准农田1万亩,提高粮食综合生产能力。"
    rows = [
        [p, goal, "产出指标", "数量指标", "新建高标准农田面积", "≥1万亩"],
        [p, goal, "产出指标", "质量指标", "工程验收合格率", "=100%"],
        [p, goal, "产出指标", "时效指标", "工程完工时间", "2024年12月底前"],
        [p, goal, "效益指标", "经济效益指标", "新增粮食产能", "≥100万斤"],
    ]
    table = read_table(write(tmp_path, rows))
    (f,) = check_table(table, labels=False)
    assert (f.rule, f.row, f.project) == ("completeness.no-satisfaction", None, p)
    assert "农户" in f.message and "农田" in f.message  # who, and on what evidence
    rows.append([p, goal, "满意度指标", "服务对象满意度指标", "受益农户满意度", "≥90%"])
    assert found(tmp_path, rows) == []


@pytest.mark.parametrize(
    ("drop", "rule"),
    [(0, "completeness.no-quantity"), (1, "completeness.no-quality"), (2, "completeness.no-timeliness")],
)
def test_outputs_without_quantity_quality_or_timeliness(tmp_path, drop, rule):
    rows = [r for k, r in enumerate(CLEAN) if k != drop]
    assert found(tmp_path, rows) == [(rule, None)]


def test_fewer_than_three_indicators(tmp_path):
    p, goal = "办公楼运行保障项目", "保障办公楼正常运行。"
    rows = [
        [p, goal, "产出指标", "数量指标", "物业服务面积", "≥2万平方米"],
        [p, goal, "效益指标", "社会效益指标", "办公秩序保障率", "≥95%"],
    ]
    table = read_table(write(tmp_path, rows))
    (f,) = check_table(table, labels=False)
    assert (f.rule, f.row) == ("completeness.too-few", None)
    assert "质量、时效" in f.message  # the missing output kinds are its detail, not findings of their own


# ---------------------------------------------------------------------------- targets
@pytest.mark.parametrize(
    ("row", "indicator", "target"),
    [
        (3, "企业违规发生率", "≥5%"),  # lower is better, asked for at least
        (3, "安全事故发生次数", ">0次"),
        (1, "培训合格率", "≤95%"),  # higher is better, capped
    ],
)
def test_direction(tmp_path, row, indicator, target):
    assert found(tmp_path, edited(row, indicator=indicator, target=target)) == [("target.direction", row)]


@pytest.mark.parametrize(
    ("indicator", "target"),
    [
        ("企业违规发生率", "≤5%"),
        ("投诉办结率", "≥95%"),
        ("事故发生率下降率", "≥10%"),
        ("未发生安全事故天数", "≥365天"),
    ],
)
def test_direction_leaves_handled_and_capped_wordings_alone(tmp_path, indicator, target):
    rules = [r for r, _ in found(tmp_path, edited(3, indicator=indicator, target=target))]
    assert "target.direction" not in rules


def test_money_with_a_percentage(tmp_path):
    assert found(tmp_path, edited(3, indicator="带动企业营业收入", target="≥10%")) == [
        ("target.unit-money", 3)
    ]
    assert found(tmp_path, edited(1, indicator="培训资金使用合规率", target="50万元")) == [
        ("target.unit-money", 1)
    ]


def test_an_annual_target_with_the_period_total(tmp_path):
    assert found(tmp_path, edited(0, target="三年累计≥150家")) == [("target.period-total", 0)]
    assert found(tmp_path, edited(0, target="2023-2025年≥150家")) == [("target.period-total", 0)]


def test_annual_above_or_equal_to_the_period_target(tmp_path):
    header = [*HEADER, "实施周期指标值"]
    rows = [[*r, r[-1]] for r in CLEAN]  # equal everywhere: fine when the 实施期 is not known to span years
    assert found(tmp_path, rows, header) == []
    rows[0][-1] = "≥40家"
    assert found(tmp_path, rows, header) == [("target.period-total", 0)]


@pytest.mark.parametrize(
    ("row", "target"), [(3, "明显提升"), (3, "稳步提高"), (1, "有效提高"), (0, "进一步增加")]
)
def test_vague_wording_is_a_warning_in_any_category(tmp_path, row, target):
    table = read_table(write(tmp_path, edited(row, target=target)))
    (f,) = check_table(table, labels=False)
    assert (f.rule, f.row, f.severity) == ("target.vague-wording", row, "warning")
    assert target in f.message


@pytest.mark.parametrize(("row", "target"), [(3, "较好"), (3, "好/较好/一般,分级评价"), (1, "优良")])
def test_a_graded_target_is_accepted(tmp_path, row, target):
    assert found(tmp_path, edited(row, target=target)) == []


def test_a_grade_is_no_time(tmp_path):
    assert found(tmp_path, edited(2, target="好")) == [("target.vague", 2)]


SEED_HEADER = "项目名称（资金使用单位）\t总计\t财政拨款\t财政专户拨款\t其他资金\t绩效目标\t绩效指标"
SEED_CELL = (
    "1、1-产出指标；11-数量指标；培训企业数量；实施周期指标值:无；年度指标值:≥50家。"
    "2、1-产出指标；12-质量指标；培训合格率；实施周期指标值:无；年度指标值:≥95%。"
    "3、1-产出指标；13-时效指标；培训完成时间；实施周期指标值:无；年度指标值:2024年6月底前。"
    "4、1-产出指标；14-成本指标；培训成本；实施周期指标值:无；年度指标值:≤{cost}。"
    "5、2-效益指标；22-社会效益；企业合规意识提升率；实施周期指标值:无；年度指标值:≥80%。"
    "6、3-满意度指标；31-服务对象满意度；参训企业满意度；实施周期指标值:无；年度指标值:≥90%。"
)


def test_a_cost_above_the_projects_own_funds(tmp_path):
    def with_cost(cost: str) -> list[tuple[str, int | None]]:
        lines = ["项目支出绩效目标表", "", SEED_HEADER, "合计\t10.00\t10.00\t\t\t\t"]
        lines.append(f"{P}\t10.00\t10.00\t\t\t{GOAL}\t{SEED_CELL.format(cost=cost)}")
        path = tmp_path / "seed.txt"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return [(f.rule, f.row) for f in check_table(read_table(str(path)), labels=False)]

    assert with_cost("8万元") == []
    assert with_cost("12万元") == [("target.cost-over-funds", 3)]
    assert with_cost("90000元") == []  # 9万元


# ---------------------------------------------------------------------------- placement
def test_a_unit_cost_under_quantity(tmp_path):
    rows = edited(0, indicator="人均培训补助", target="≤500元/人")
    table = read_table(write(tmp_path, rows))
    (f,) = check_table(table, labels=False)
    assert (f.rule, f.row, f.field, f.suggested_level2_code) == (
        "placement.cost-as-quantity",
        0,
        "level2",
        "14",
    )


def test_an_input_filed_as_an_output(tmp_path):
    assert found(tmp_path, edited(1, indicator="培训资金到位率", target="=100%")) == [
        ("placement.input-as-output", 1)
    ]
    assert found(tmp_path, edited(1, indicator="粮食储备到位率", target="=100%")) == []  # no money: an output


def test_satisfaction_standing_in_for_an_effect(tmp_path):
    table = read_table(write(tmp_path, edited(3, indicator="企业对培训的满意度", target="≥90%")))
    (f,) = check_table(table, labels=False)
    assert (f.rule, f.row, f.suggested_level2_code) == ("placement.satisfaction-as-effect", 3, "31")


def test_a_length_of_pipe_laid_filed_as_a_social_effect(tmp_path):
    table = read_table(write(tmp_path, edited(3, indicator="铺设污水管网长度", target="28公里")))
    (f,) = check_table(table, labels=False)
    assert (f.rule, f.row, f.suggested_level2_code) == ("placement.output-as-effect", 3, "11")
    assert "社会效益" in f.message


def test_an_effect_counted_in_people_stays(tmp_path):
    assert found(tmp_path, edited(3, indicator="带动就业人数", target="≥100人")) == []


# ---------------------------------------------------------------------------- weights, required fields
def with_weights(
    weights: list[str], level1: list[str] | None = None, assessment: bool = False
) -> tuple[list[str], list[list[str]]]:
    header = [*HEADER, "分值"] + (["实际完成值"] if assessment else [])
    rows = []
    for k, (r, w) in enumerate(zip(CLEAN, weights, strict=True)):
        row = [*r, w] + ([r[-1]] if assessment else [])
        if level1 is not None:
            row[HEADER.index("一级指标")] = level1[k]
        rows.append(row)
    return header, rows


def test_weights_add_up_to_100(tmp_path):
    header, rows = with_weights(["30", "20", "10", "30", "10"])
    assert found(tmp_path, rows, header) == []
    header, rows = with_weights(["30", "20", "10", "30", "20"])
    table = read_table(write(tmp_path, rows, header))
    (f,) = check_table(table, labels=False)
    assert (f.rule, f.row) == ("structure.weights", None)
    assert "合计110" in f.message


def test_self_assessment_weights_follow_50_30_10(tmp_path):
    header, rows = with_weights(["20", "20", "10", "30", "10"], assessment=True)  # 预算执行率 10 beside: 90
    assert found(tmp_path, rows, header) == []
    header, rows = with_weights(["20", "10", "10", "40", "10"], assessment=True)
    table = read_table(write(tmp_path, rows, header))
    messages = [f.message for f in check_table(table, labels=False)]
    assert [f.rule for f in check_table(table, labels=False)] == ["structure.weights"] * 2
    assert any("产出指标" in m and "40" in m and "50" in m for m in messages)
    assert any("效益指标" in m and "40" in m and "30" in m for m in messages)


def test_a_level_keeps_within_its_declared_share(tmp_path):
    level1 = ["产出指标(60分)"] * 3 + ["效益指标(30分)", "满意度指标(0-10)分"]
    header, rows = with_weights(["20", "20", "20", "30", "10"], level1)
    assert found(tmp_path, rows, header) == []
    header, rows = with_weights(["20", "20", "10", "40", "10"], level1)
    assert found(tmp_path, rows, header) == [("structure.weights", None)] * 2


def test_required_fields_where_the_form_has_their_columns(tmp_path):
    header = [*HEADER, "指标解释", "评（扣）分标准", "指标值设定依据"]
    rows = [[*r, "说明", "未达到扣分", "计划标准"] for r in CLEAN]
    assert found(tmp_path, rows, header) == []
    rows[2][-1] = ""
    rows[2][-2] = ""
    table = read_table(write(tmp_path, rows, header))
    (f,) = check_table(table, labels=False)
    assert (f.rule, f.row) == ("structure.required-field", 2)
    assert "评(扣)分标准、指标值设定依据未填写" in f.message
    assert found(tmp_path, CLEAN) == []  # a form without those columns asks for nothing


# ---------------------------------------------------------------------------- grades
def finding(rule: str, severity: str, row: int | None = None) -> Finding:
    return Finding(row=row, project="甲", rule=rule, kind=rule.split(".")[0], severity=severity, message="")


def test_the_grade_rule():
    assert grade([], 5)[0] == "优"
    assert grade([finding("goal.uncovered", "info")], 5)[0] == "优"  # 提示 never count
    assert (
        grade([finding("target.vague", "warning", 1), finding("label.improbable", "warning", 1)], 5)[0]
        == "良"
    )
    warnings = [finding("target.vague", "warning", r) for r in (0, 1, 2)]
    assert grade(warnings, 5)[0] == "中"
    assert grade([finding("target.empty", "error", 0)], 5)[0] == "中"
    assert grade([finding("target.empty", "error", r) for r in (0, 1, 2)], 5)[0] == "差"  # half the rows
    g, reason = grade([finding("completeness.no-effect", "error")], 5)
    assert g == "差" and "缺效益指标" in reason and "不得进入预算安排" in reason
    assert GRADES == ("优", "良", "中", "差")


def test_project_grades_of_a_table(tmp_path):
    rows = CLEAN + [["另一项目", GOAL, "产出指标", "数量指标", "培训场次", "≥2场"]]
    table = read_table(write(tmp_path, rows))
    grades = project_grades(table, check_table(table, labels=False))
    assert [(g.project, g.grade) for g in grades] == [(P, "优"), ("另一项目", "差")]
    assert grades[1].indicators == 1 and grades[1].errors == 1 and "缺效益指标" in grades[1].reason


# ---------------------------------------------------------------------------- drafts
@pytest.mark.parametrize(
    ("indicator", "target", "level2", "rules"),
    [
        ("服务质量", "明显提高", None, ["target.vague-wording"]),
        ("群众满意度", "明显提高", None, ["target.satisfaction-no-percent"]),
        ("安全事故发生率", "≥2%", None, ["target.direction"]),
        ("铺设污水管网长度", "28公里", "22-社会效益指标", ["placement.output-as-effect"]),
        ("铺设污水管网长度", "28公里", "11", []),
        ("培训人数", "≥95%", "数量指标", ["target.rate-on-count"]),
        ("社会影响", "较好", "22", []),
        ("新增就业人数", "三年累计500人", None, ["target.period-total"]),
        ("培训人数", "", "11", ["target.empty"]),
    ],
)
def test_check_draft(indicator, target, level2, rules):
    got = check_draft(indicator, target, level2=level2)
    assert [f.rule for f in got] == rules
    assert all(f.row == 0 and f.rule_name == RULE_INFO[f.rule].name for f in got)


def test_check_draft_runs_no_project_rules():
    assert check_draft("培训企业数量", "≥50家", level2="11") == []  # one row: not "too few", no 效益 missing


def test_check_tables_takes_one_row_scores_per_table(tmp_path):
    from indicatorml.checks import check_tables

    table = read_table(write(tmp_path, CLEAN))
    with pytest.raises(ValueError, match="1 tables but 2 row scores"):
        check_tables([table], labels=False, scores=[None, None])
    assert check_tables([table], labels=False, scores=[None]) == []
