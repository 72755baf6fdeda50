"""Tests of ``indicatorml check``: every rule alone, a clean table, the CLI's formats and exit codes.

Each rule test takes the clean table below, adds exactly one defect, and asserts the complete
list of findings (rule, row, severity): a rule that fires too often fails as surely as one
that never fires. The label rule uses a stub model (``classes_`` + ``predict_proba``): a test
double for the rule's logic; the rule's real figures are in ``benchmarks/bench_check.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from indicatorml.checks import (
    KINDS,
    RULES,
    SEVERITIES,
    SEVERITY_ZH,
    Finding,
    LabelRule,
    check_table,
    label_findings,
    render_findings,
    worst_severity,
)
from indicatorml.checks.workbook import FILL_COLOURS
from indicatorml.cli import main
from indicatorml.coding import saved as classify_module
from indicatorml.records import Indicator
from indicatorml.tables import read_table
from indicatorml.targets import parse_target

HEADER = ["项目名称", "绩效目标", "一级指标", "二级指标", "三级指标", "年度指标值"]
GOAL = "开展企业合规培训,服务辖区企业。"
CLEAN = [
    ["合规培训项目", GOAL, "产出指标", "数量指标", "培训企业数量", "≥50家"],
    ["合规培训项目", GOAL, "产出指标", "质量指标", "培训合格率", "≥95%"],
    ["合规培训项目", GOAL, "产出指标", "时效指标", "培训完成时间", "2024年6月底前"],
    ["合规培训项目", GOAL, "效益指标", "社会效益指标", "企业合规意识提升率", "≥80%"],
    ["合规培训项目", GOAL, "满意度指标", "服务对象满意度指标", "参训企业满意度", "≥90%"],
]


def write_tsv(tmp_path: Path, rows: list[list[str]], name: str = "t.tsv") -> str:
    path = tmp_path / name
    path.write_text("\n".join("\t".join(r) for r in [HEADER, *rows]) + "\n", encoding="utf-8")
    return str(path)


def edited(row: int, col: str, value: str) -> list[list[str]]:
    rows = [list(r) for r in CLEAN]
    rows[row][HEADER.index(col)] = value
    return rows


def found(tmp_path: Path, rows: list[list[str]]) -> list[tuple[str, int | None, str]]:
    table = read_table(write_tsv(tmp_path, rows))
    return [(f.rule, f.row, f.severity) for f in check_table(table, labels=False)]


# ---------------------------------------------------------------------------- clean
def test_clean_table_has_no_findings(tmp_path):
    assert found(tmp_path, CLEAN) == []


def test_clean_table_has_no_findings_with_an_agreeing_model(tmp_path):
    table = read_table(write_tsv(tmp_path, CLEAN))
    model = StubModel({})  # agrees with every given label
    assert check_table(table, model) == []


# ---------------------------------------------------------------------------- structure
def test_missing_label(tmp_path):
    assert found(tmp_path, edited(1, "二级指标", "")) == [("structure.missing-label", 1, "error")]


def test_unknown_label(tmp_path):
    assert found(tmp_path, edited(1, "二级指标", "重要指标")) == [("structure.unknown-label", 1, "error")]


def test_unknown_level1_label(tmp_path):
    assert found(tmp_path, edited(1, "一级指标", "其他指标")) == [("structure.unknown-label", 1, "error")]


def test_code_disagrees_with_name(tmp_path):
    assert found(tmp_path, edited(1, "二级指标", "11-质量指标")) == [("structure.code-name", 1, "error")]


def test_level2_not_under_its_level1(tmp_path):
    assert found(tmp_path, edited(2, "一级指标", "效益指标")) == [("structure.level-parent", 2, "error")]


def test_layout_mix_flags_the_minority_layout(tmp_path):
    rows = CLEAN + [
        ["合规培训项目", GOAL, "产出指标", "成本指标", "培训成本", "≤10万元"],
        ["合规培训项目", GOAL, "产出指标", "成本指标", "场地成本", "≤3万元"],
        ["合规培训项目", GOAL, "成本指标", "经济成本指标", "场地租金", "≤2万元"],
    ]
    assert found(tmp_path, rows) == [("structure.layout-mix", 7, "warning")]


def test_one_layout_is_no_mix(tmp_path):
    rows = CLEAN + [["合规培训项目", GOAL, "成本指标", "经济成本指标", "场地租金", "≤2万元"]]
    assert found(tmp_path, rows) == []


# ---------------------------------------------------------------------------- target
def test_empty_target(tmp_path):
    assert found(tmp_path, edited(0, "年度指标值", "")) == [("target.empty", 0, "error")]


def test_vague_target_where_the_category_needs_a_number(tmp_path):
    table = read_table(write_tsv(tmp_path, edited(1, "年度指标值", "按要求")))
    (f,) = check_table(table, labels=False)
    assert (f.rule, f.row, f.severity, f.field) == ("target.vague", 1, "warning", "target")
    assert "「≥95%」" in f.message  # the category's usual form as the hint


def test_vague_time_target_gets_the_time_hint(tmp_path):
    table = read_table(write_tsv(tmp_path, edited(2, "年度指标值", "及时")))
    (f,) = check_table(table, labels=False)
    assert (f.rule, f.row) == ("target.vague", 2)
    assert "工作日" in f.message


def test_vague_effect_target_is_info(tmp_path):
    assert found(tmp_path, edited(3, "年度指标值", "效果明显")) == [("target.vague-effect", 3, "info")]


def test_percent_on_a_count(tmp_path):
    assert found(tmp_path, edited(0, "年度指标值", "≥95%")) == [("target.rate-on-count", 0, "warning")]


def test_count_on_a_rate(tmp_path):
    assert found(tmp_path, edited(1, "年度指标值", "95个")) == [("target.count-on-rate", 1, "warning")]


def test_time_indicator_without_a_time(tmp_path):
    assert found(tmp_path, edited(2, "年度指标值", "10次")) == [("target.not-time", 2, "warning")]


def test_time_rate_with_a_percentage_is_fine(tmp_path):
    rows = edited(2, "三级指标", "培训按期完成率")
    rows[2][HEADER.index("年度指标值")] = "≥95%"
    assert found(tmp_path, rows) == []


def test_satisfaction_without_a_percentage(tmp_path):
    assert found(tmp_path, edited(4, "年度指标值", "满意")) == [
        ("target.satisfaction-no-percent", 4, "warning")
    ]


def test_rate_over_100_percent_is_impossible(tmp_path):
    assert found(tmp_path, edited(1, "年度指标值", "≥105%")) == [("target.impossible", 1, "error")]


def test_more_than_100_percent_is_impossible(tmp_path):
    assert found(tmp_path, edited(4, "年度指标值", ">100%")) == [("target.impossible", 4, "error")]


def test_at_least_100_percent(tmp_path):
    assert found(tmp_path, edited(1, "年度指标值", "≥100%")) == [("target.ge-100", 1, "warning")]


def test_a_target_met_by_doing_nothing(tmp_path):
    rows = edited(3, "三级指标", "企业营业收入增长率")
    rows[3][HEADER.index("年度指标值")] = "≥0%"
    assert found(tmp_path, rows) == [("target.trivial", 3, "warning")]
    assert found(tmp_path, edited(0, "年度指标值", "≥0家")) == [("target.trivial", 0, "warning")]
    assert found(tmp_path, edited(0, "年度指标值", ">0家")) == []  # at least one: a real, if weak, target


def test_growth_rate_may_exceed_100_percent(tmp_path):
    rows = edited(3, "三级指标", "企业营业收入增长率")
    rows[3][HEADER.index("年度指标值")] = "≥120%"
    assert found(tmp_path, rows) == []


# ---------------------------------------------------------------------------- completeness
def test_no_output_indicator(tmp_path):
    more = ["合规培训项目", GOAL, "效益指标", "社会效益指标", "企业违规行为下降率", "≥10%"]
    assert found(tmp_path, CLEAN[3:] + [more]) == [("completeness.no-output", None, "error")]


def test_no_effect_indicator(tmp_path):
    assert found(tmp_path, CLEAN[:3] + CLEAN[4:]) == [("completeness.no-effect", None, "error")]


def test_no_satisfaction_where_the_project_serves_firms(tmp_path):
    assert found(tmp_path, CLEAN[:4]) == [("completeness.no-satisfaction", None, "warning")]


def test_no_satisfaction_needed_without_people_or_firms(tmp_path):
    goal = "保障办公楼正常运行。"
    rows = [
        ["办公楼运行保障项目", goal, "产出指标", "数量指标", "物业服务面积", "≥2万平方米"],
        ["办公楼运行保障项目", goal, "产出指标", "质量指标", "设备完好率", "≥95%"],
        ["办公楼运行保障项目", goal, "产出指标", "时效指标", "报修处理时限", "≤24小时"],
        ["办公楼运行保障项目", goal, "效益指标", "社会效益指标", "办公秩序保障率", "≥95%"],
    ]
    assert found(tmp_path, rows) == []


def test_duplicate_indicator(tmp_path):
    rows = CLEAN + [["合规培训项目", GOAL, "产出指标", "数量指标", "培训企业数量 ", "≥60家"]]
    assert found(tmp_path, rows) == [("completeness.duplicate", 5, "warning")]


def test_same_text_in_two_projects_is_no_duplicate(tmp_path):
    other = [["另一项目", *r[1:]] for r in CLEAN]
    assert found(tmp_path, CLEAN + other) == []


# ---------------------------------------------------------------------------- goal coverage
def test_goal_number_no_indicator_measures(tmp_path):
    goal = "开展企业合规培训,服务辖区企业,举办宣讲会3场。"
    rows = [[r[0], goal, *r[2:]] for r in CLEAN]
    table = read_table(write_tsv(tmp_path, rows))
    (f,) = check_table(table, labels=False)
    assert (f.rule, f.row, f.severity, f.project) == ("goal.uncovered", None, "info", "合规培训项目")
    assert "3场" in f.message


def test_goal_number_that_an_indicator_measures(tmp_path):
    goal = "开展企业合规培训,服务辖区企业不少于50家。"
    rows = [[r[0], goal, *r[2:]] for r in CLEAN]
    assert found(tmp_path, rows) == []


def test_goal_commitment_no_indicator_measures(tmp_path):
    goal = "开展企业合规培训,服务辖区企业,打造线上合规服务平台。"
    rows = [[r[0], goal, *r[2:]] for r in CLEAN]
    table = read_table(write_tsv(tmp_path, rows))
    (f,) = check_table(table, labels=False)
    assert f.rule == "goal.uncovered" and "打造线上合规服务平台" in f.message


# ---------------------------------------------------------------------------- seed layout
SEED_HEADER = "项目名称（资金使用单位）\t总计\t财政拨款\t财政专户拨款\t其他资金\t绩效目标\t绩效指标"


def write_seed(tmp_path: Path, rows: list[tuple[str, str, str]]) -> str:
    lines = ["项目支出绩效目标表", "", SEED_HEADER, "合计\t30.00\t30.00\t\t\t\t"]
    lines += [f"{name}\t10.00\t10.00\t\t\t{goal}\t{cell}" for name, goal, cell in rows]
    path = tmp_path / "seed.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


SEED_CELL = (
    "1、1-产出指标；11-数量指标；培训企业数量；实施周期指标值:无；年度指标值:≥50家。"
    "2、1-产出指标；12-质量指标；培训合格率；实施周期指标值:无；年度指标值:≥95%。"
    "3、1-产出指标；13-时效指标；培训完成时间；实施周期指标值:无；年度指标值:2024年6月底前。"
    "4、2-效益指标；22-社会效益；企业合规意识提升率；实施周期指标值:无；年度指标值:≥80%。"
    "5、3-满意度指标；31-服务对象满意度；参训企业满意度；实施周期指标值:无；年度指标值:≥90%。"
)


def test_seed_layout_rows_count_across_projects(tmp_path):
    bad = SEED_CELL.replace("11-数量指标", "11-质量指标")
    path = write_seed(tmp_path, [("甲项目", GOAL, SEED_CELL), ("乙项目", GOAL, bad)])
    findings = check_table(read_table(path), labels=False)
    assert [(f.rule, f.row, f.project, f.field) for f in findings] == [
        ("structure.code-name", 5, "乙项目", "level2")
    ]


def test_project_with_a_goal_and_no_indicators(tmp_path):
    path = write_seed(tmp_path, [("甲项目", GOAL, SEED_CELL), ("乙项目", GOAL, "")])
    findings = check_table(read_table(path), labels=False)
    assert [(f.rule, f.row, f.project, f.severity) for f in findings] == [
        ("completeness.no-indicators", None, "乙项目", "error")
    ]
    assert findings[0].source.endswith(":6")


# ---------------------------------------------------------------------------- label rule
CLASSES = ["11", "12", "13", "14", "21", "22", "23", "24", "31"]


class StubModel:
    """A test double with the classifier's contract: ``classes_`` and ``predict_proba``.

    ``answers`` maps an indicator text to {code: probability}; any other text gets its
    given label at 0.9 (the model agrees)."""

    classes_ = np.array(CLASSES)

    def __init__(self, answers: dict[str, dict[str, float]]) -> None:
        self.answers = answers
        self.seen: list[object] = []

    def predict_proba(self, X):
        out = []
        for x in X:
            self.seen.append(x)
            assert isinstance(x, Indicator)
            given = {"41": "14", "42": "14", "43": "14"}.get(x.level2_code, x.level2_code)
            probs = self.answers.get(x.indicator, {given: 0.9})
            rest = (1.0 - sum(probs.values())) / (len(CLASSES) - len(probs))
            out.append([probs.get(c, rest) for c in CLASSES])
        return np.array(out)


def test_label_rule_flags_an_improbable_category(tmp_path):
    rows = edited(1, "三级指标", "展板数量")
    rows[1][HEADER.index("年度指标值")] = "≥95%"  # keep the target rules quiet: a rate-like target
    rows[1][HEADER.index("三级指标")] = "展板合格率"
    table = read_table(write_tsv(tmp_path, rows))
    model = StubModel({"展板合格率": {"11": 0.85, "12": 0.01}})
    findings = check_table(table, model)
    assert [(f.rule, f.row, f.severity) for f in findings] == [("label.improbable", 1, "warning")]
    f = findings[0]
    assert (f.given_level2_code, f.suggested_level2_code) == ("12", "11")
    assert f.probability == pytest.approx(0.85) and f.given_probability == pytest.approx(0.01)
    assert f.field == "level2" and "数量指标" in f.message
    assert len(model.seen) == 5  # one call for the table's labeled rows


def test_label_rule_quiet_when_the_given_category_is_likely_enough(tmp_path):
    table = read_table(write_tsv(tmp_path, CLEAN))
    model = StubModel({"培训合格率": {"11": 0.6, "12": 0.3}})
    assert check_table(table, model) == []


def test_label_rule_uses_the_cost_class_for_2021_cost_codes(tmp_path):
    rows = CLEAN + [["合规培训项目", GOAL, "成本指标", "经济成本指标", "场地租金", "≤2万元"]]
    table = read_table(write_tsv(tmp_path, rows))
    model = StubModel({"场地租金": {"14": 0.01, "11": 0.9}})
    (f,) = label_findings(table, model)
    assert (f.row, f.given_level2_code, f.suggested_level2_code) == (5, "41", "11")


def test_shipped_model_finds_the_clean_table_clean(tmp_path):
    table = read_table(write_tsv(tmp_path, CLEAN))
    assert check_table(table) == []  # model=None: the shipped model


def test_shipped_model_flags_a_satisfaction_filed_as_count(tmp_path):
    rows = edited(4, "一级指标", "产出指标")
    rows[4][HEADER.index("二级指标")] = "数量指标"
    findings = check_table(read_table(write_tsv(tmp_path, rows)))
    assert [(f.rule, f.row, f.given_level2_code, f.suggested_level2_code) for f in findings] == [
        ("label.improbable", 4, "11", "31")
    ]
    assert findings[0].probability > 0.5
    assert "满意度" in findings[0].why and "「满意度」" in findings[0].message  # the words that pushed it


def test_label_rule_thresholds_by_family():
    rule = LabelRule(max_given_cross=0.2, max_given_within=0.05, min_ratio=2.0)
    assert rule.flags(0.1, 0.8, same_family=False)
    assert not rule.flags(0.1, 0.8, same_family=True)  # within the family the bar is lower
    assert rule.flags(0.04, 0.8, same_family=True)
    assert not rule.flags(0.15, 0.2, same_family=False)  # the alternative is not clearly better


# ---------------------------------------------------------------------------- API bits
def test_every_finding_uses_a_declared_rule_and_kind(tmp_path):
    rows = edited(1, "年度指标值", "按要求") + [["", "", "", "", "x", ""]]
    for f in check_table(read_table(write_tsv(tmp_path, rows)), labels=False):
        assert RULES[f.rule][:2] == (f.kind, f.severity)


def test_every_rule_has_a_known_kind_and_a_named_severity():
    assert {kind for kind, _, _ in RULES.values()} == set(KINDS)
    assert {sev for _, sev, _ in RULES.values()} <= set(SEVERITIES) == set(SEVERITY_ZH) == set(FILL_COLOURS)


def test_worst_severity():
    f = Finding(row=None, project=None, rule="goal.uncovered", kind="goal", severity="info", message="")
    g = Finding(row=0, project=None, rule="target.empty", kind="target", severity="error", message="")
    assert worst_severity([f, g]) == "error" and worst_severity([f]) == "info" and worst_severity([]) is None


def test_target_parser_reads_variant_signs_and_numeric_dates():
    assert parse_target("≧90%").comparison == "≥"
    assert parse_target("═100%").comparison == "="
    assert parse_target("2020.1.1-2020.12.31").kind == "date"
    assert parse_target("2020.5万元").kind == "money"


def test_table_view_groups_by_project(tmp_path):
    rows = edited(1, "年度指标值", "按要求") + [
        ["另一项目", GOAL, "产出指标", "数量指标", "培训场次", "≥2场"],
        ["另一项目", GOAL, "产出指标", "质量指标", "培训出勤率", "≥95%"],
        ["另一项目", GOAL, "产出指标", "时效指标", "培训完成时间", "2024年9月底前"],
    ]
    table = read_table(write_tsv(tmp_path, rows))
    text = render_findings(check_table(table, labels=False), [table])
    lines = text.splitlines()
    assert lines[0].endswith("错误 1,警告 2,提示 0")  # vague; 另一项目: no 效益, no 满意度
    assert lines.index("■ 合规培训项目") < lines.index("■ 另一项目")
    assert "  [警告] 第2条 培训合格率" in lines


# ---------------------------------------------------------------------------- CLI
@pytest.fixture
def stub_model(monkeypatch):
    """The CLI loads the model through classify.load_model: give it the stub."""
    model = StubModel({"培训合格率": {"11": 0.9, "12": 0.01}})
    monkeypatch.setattr(classify_module, "load_model", lambda directory=None: model)
    return model


def test_cli_jsonl_keys(tmp_path, capsys, stub_model):
    path = write_tsv(tmp_path, edited(0, "年度指标值", ""))
    assert main(["check", path, "--format", "jsonl"]) == 0
    objs = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(o["rule"], o["row"]) for o in objs] == [("target.empty", 0), ("label.improbable", 1)]
    for o in objs:
        assert {
            "row",
            "project",
            "rule",
            "kind",
            "severity",
            "message",
            "given_level2_code",
            "suggested_level2_code",
            "probability",
        } <= set(o)
    assert objs[1]["given_level2_code"] == "12" and objs[1]["suggested_level2_code"] == "11"
    assert objs[1]["probability"] == pytest.approx(0.9)
    assert objs[0]["project"] == "合规培训项目" and objs[0]["kind"] == "target"


def test_cli_fail_on(tmp_path, capsys, stub_model):
    warn_only = write_tsv(tmp_path, edited(3, "年度指标值", "效果明显"), "w.tsv")  # info + label warning
    error = write_tsv(tmp_path, edited(0, "年度指标值", ""), "e.tsv")
    assert main(["check", warn_only]) == 0
    assert main(["check", warn_only, "--fail-on", "error"]) == 0
    assert main(["check", warn_only, "--fail-on", "warning"]) == 1
    assert main(["check", error, "--fail-on", "error"]) == 1
    capsys.readouterr()


def test_cli_xlsx_flat_table(tmp_path, capsys, stub_model):
    from openpyxl import load_workbook

    path = write_tsv(tmp_path, edited(0, "年度指标值", "≥95%"))
    out = tmp_path / "review.xlsx"
    assert main(["check", path, "--output", str(out)]) == 0
    wb = load_workbook(out)
    ws = wb.worksheets[0]
    header = [c.value for c in ws[1]]
    assert header[:6] == HEADER
    assert header[6:] == ["问题级别", "问题", "规则", "建议二级指标", "建议概率", "审核意见"]
    target_cell = ws.cell(row=2, column=HEADER.index("年度指标值") + 1)
    assert target_cell.fill.start_color.rgb.endswith(FILL_COLOURS["warning"])
    assert ws.cell(row=2, column=9).value == "数量指标配百分比"  # 规则: the rule's Chinese name
    label_cell = ws.cell(row=3, column=HEADER.index("二级指标") + 1)
    assert label_cell.fill.start_color.rgb.endswith(FILL_COLOURS["warning"])
    assert ws.cell(row=3, column=10).value == "11-数量指标"
    assert ws.cell(row=4, column=7).value is None  # a clean row has no finding
    assert wb.sheetnames[-1] == "问题清单" and wb["问题清单"].max_row == 3
    capsys.readouterr()


def test_cli_xlsx_seed_layout_one_row_per_indicator(tmp_path, capsys, stub_model):
    from openpyxl import load_workbook

    path = write_seed(tmp_path, [("甲项目", GOAL, SEED_CELL.replace("年度指标值:≥50家", "年度指标值:"))])
    out = tmp_path / "review.xlsx"
    assert main(["check", path, "--format", "xlsx", "-o", str(out)]) == 0
    ws = load_workbook(out).worksheets[0]
    assert [c.value for c in ws[1]][:7] == [
        "项目名称",
        "绩效目标",
        "一级指标",
        "二级指标",
        "三级指标",
        "实施周期指标值",
        "年度指标值",
    ]
    assert [ws.cell(row=r, column=1).value for r in range(2, 5)] == ["甲项目"] * 3
    assert ws.cell(row=2, column=5).value == "培训企业数量"
    assert ws.cell(row=2, column=7).fill.start_color.rgb.endswith(FILL_COLOURS["error"])
    assert ws.cell(row=2, column=8).value == "错误"
    capsys.readouterr()


def test_cli_bad_files_no_traceback(tmp_path, capsys, stub_model):
    binary = tmp_path / "x.tsv"
    binary.write_bytes(bytes(range(256)) * 8)
    assert main(["check", str(binary)]) == 0
    assert main(["check", str(binary), "--fail-on", "error"]) == 1  # an unreadable file is an error
    err = capsys.readouterr().err
    assert "x.tsv" in err and "Traceback" not in err
    assert main(["check", str(tmp_path / "missing.tsv")]) == 2
    err = capsys.readouterr().err
    assert "文件不存在" in err and "Traceback" not in err


def test_cli_xlsx_needs_output(tmp_path, capsys, stub_model):
    assert main(["check", write_tsv(tmp_path, CLEAN), "--format", "xlsx"]) == 2
    assert "--output" in capsys.readouterr().err


def test_a_model_trained_on_the_checked_file_says_so(tmp_path):
    """Label flags from a model that learned this very file are no test of it: say so, once,
    for the whole table; a file the model has not seen gets no such note."""
    from indicatorml.coding import train

    rows = [[f"项目{k}", GOAL, *r[2:]] for k in range(3) for r in CLEAN]
    seen = write_tsv(tmp_path, rows, "seen.tsv")
    model = train([seen], default_data=False, with_evaluation=False, progress=False, handwritten=False)
    table = read_table(seen)
    notes = [
        (f.rule, f.row, f.project, f.severity)
        for f in check_table(table, model)
        if f.rule == "label.trained-on"
    ]
    assert notes == [("label.trained-on", None, None, "info")]
    assert check_table(table, model)[0].rule == "label.trained-on"  # shown first
    other = read_table(write_tsv(tmp_path, CLEAN, "other.tsv"))
    assert [f for f in check_table(other, model) if f.rule == "label.trained-on"] == []
    assert "整张表" in render_findings(check_table(table, model), [table])
