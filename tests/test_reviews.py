"""run_review: files in, a review out — one scorer per row, every file under its own name.

Uploads are staged as the web layer stages them (a temporary folder, generated names such as
``表1.xlsx``) and reviewed under the names the user gave; nothing of the temporary path may
reach a name, a message, a problem, a finding or a suggestion.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import asdict
from pathlib import Path

import pytest

from indicatorml.checks import Finding
from indicatorml.coding import load_model, score_rows
from indicatorml.errors import IndicatormlError
from indicatorml.records import Indicator, Table
from indicatorml.reviews import (
    NO_MODEL,
    own_name,
    rename_table,
    review_json,
    run_review,
)
from indicatorml.table_json import table_to_dict
from indicatorml.tables import read_table
from indicatorml.taxonomy import canonical_level2

from helpers import SEED, SHIPPED_MODEL, WORKBOOKS

FIXTURES = sorted(p for p in WORKBOOKS.iterdir() if p.name != "manifest.json")


def staged(tmp_path: Path, files: list[Path]) -> tuple[Path, list[str]]:
    """The files copied under generated names into a folder, as the web layer stores uploads."""
    folder = tmp_path / "indicatorml-web-x1y2z3"
    folder.mkdir()
    paths = []
    for i, f in enumerate(files, start=1):
        p = folder / f"表{i}{f.suffix if f.suffix in ('.xlsx', '.txt', '.csv') else ''}"
        shutil.copyfile(f, p)
        paths.append(str(p))
    return folder, paths


def everything_said(review) -> str:
    """Every text of a review: its JSON, each table as data, each finding and suggestion."""
    parts = [json.dumps(review_json(review), ensure_ascii=False, default=str)]
    for f in review.files:
        parts.append(json.dumps(table_to_dict(f.table), ensure_ascii=False, default=str))
        parts.extend(json.dumps(asdict(x.finding), ensure_ascii=False) for x in f.findings)
        parts.extend(json.dumps(p.to_dict(), ensure_ascii=False) for p in f.suggestions)
    return "\n".join(parts)


# ------------------------------------------------------------------ own names
def test_several_uploads_keep_their_own_names_and_no_temporary_path_shows(tmp_path):
    files = [*FIXTURES, SEED]
    folder, paths = staged(tmp_path, files)
    names = [f.name for f in files]
    review = run_review(paths, names=names)
    assert [f.name for f in review.files] == names and [f.n for f in review.files] == list(
        range(1, len(files) + 1)
    )
    text = everything_said(review)
    assert str(folder) not in text and "indicatorml-web-x1y2z3" not in text
    for f in review.files:
        assert f.table.path == f.name
        assert all(x.finding.file == f.name for x in f.findings)
        assert all(p.file == f.name for p in f.table.problems)
        assert all(r.source.startswith(f.name) for r in f.table.records)
        assert all(r.origin.file in (None, f.name) for r in f.table.records)
        assert all(p.source is None or p.source.startswith(f.name) for p in f.suggestions)
    # the checks ran on these files: the review is not empty
    assert sum(len(f.findings) for f in review.files) > 50
    assert any(f.table.problems for f in review.files)


def test_the_review_holds_the_bytes_and_their_hash():
    review = run_review([WORKBOOKS / "自评表.xls"])
    f = review.files[0]
    data = (WORKBOOKS / "自评表.xls").read_bytes()
    assert (f.data, f.size, f.sha256, f.kind) == (data, len(data), hashlib.sha256(data).hexdigest(), "xls")
    assert f.name == "自评表.xls"  # default: the file's own name, not its path


def test_a_message_naming_the_temporary_folder_gets_no_path(tmp_path):
    folder = tmp_path / "indicatorml-web-abc"
    t = Table(path=str(folder / "表1.xlsx"), kind="xlsx")
    t.problems.append(read_table(str(WORKBOOKS / "加密.xlsx")).problems[0])
    t.problems[0].file = t.path
    t.problems[0].reason = f"cannot open {folder}/lock.tmp next to {t.path}"
    rec = Indicator("培训人次", source=f"{t.path}[Sheet1]:3")
    rec.origin.file = t.path
    t.records.append(rec)
    rename_table(t, str(folder / "表1.xlsx"), "预算.xlsx")
    assert t.path == "预算.xlsx" and t.problems[0].file == "预算.xlsx"
    assert t.problems[0].reason == "cannot open …/lock.tmp next to 预算.xlsx"
    assert (rec.source, rec.origin.file) == ("预算.xlsx[Sheet1]:3", "预算.xlsx")


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("C:\\fakepath\\预算 表.xlsx", "预算 表.xlsx"),
        ("../../etc/passwd", "passwd"),
        ("a\x00b\u202e.csv", "ab.csv"),
        ("..", "上传的文件"),
        ("", "上传的文件"),
        ("名" * 300 + ".xlsx", "名" * 120),
    ],
)
def test_own_name_is_the_last_path_part_without_control_characters(raw, shown):
    assert own_name(raw) == shown


# ------------------------------------------------------------------ one scorer
def test_suggestions_and_label_findings_come_from_the_same_scores():
    review = run_review([SEED])
    f = review.files[0]
    scores = score_rows(load_model(), f.table.records, f.table.sha256)
    assert f.suggestions == scores.predictions and f.heldout == scores.heldout.tolist()
    labels = [x.finding for x in f.findings if x.finding.rule == "label.improbable"]
    assert labels, "the seed has rows the fold models doubt"
    for finding in labels:
        shown = f.suggestions[finding.row]
        assert canonical_level2(shown.level2_code) == finding.suggested_level2_code
        k = scores.classes.index(finding.suggested_level2_code)
        assert finding.probability == float(scores.proba[finding.row][k])
    marked = {r["row"] for r in review_json(review)["rows"] if r["marked"]}
    assert marked == {x.row for x in labels}


def test_a_writers_level1_is_kept_in_the_suggestion(tmp_path):
    draft = tmp_path / "草稿.csv"
    draft.write_text(
        "项目名称,一级指标,三级指标,年度指标值\n甲,效益指标,培训人次,≥100人次\n甲,,培训人次,≥100人次\n"
    )
    f = run_review([draft]).files[0]
    assert f.suggestions[1].level1_code == "1"  # the model's own answer: a count is an output
    assert f.suggestions[0].level1_code == "2" and f.suggestions[0].level2_code.startswith("2")


def test_a_2021_layout_table_gets_its_cost_suggestions_as_level_1_cost():
    f = run_review([WORKBOOKS / "2021版_成本指标在前.xlsx"]).files[0]
    cost = [p for r, p in zip(f.table.records, f.suggestions, strict=True) if r.level2_code == "41"]
    assert cost and all((p.level1_code, p.level2_code) == ("4", "41") for p in cost)
    assert not any(p.level2_code == "14" for p in f.suggestions)


def test_without_a_model_the_other_rules_run_and_nothing_is_suggested(tmp_path):
    review = run_review([SEED], labels=False)
    f = review.files[0]
    assert review.model == NO_MODEL and f.suggestions == [] and f.heldout == []
    assert f.findings and not any(x.finding.kind == "label" for x in f.findings)
    assert all(r["suggestion"] is None for r in review_json(review)["rows"])


# ------------------------------------------------------------------ model identity, year, org
def test_the_review_names_its_model_by_the_hash_of_model_json(tmp_path):
    want = hashlib.sha256((SHIPPED_MODEL / "model.json").read_bytes()).hexdigest()
    review = run_review([SEED])
    assert (review.model.name, review.model.hash) == ("default", want)
    assert review.model.info["training_rows"] == load_model().training_["rows"]
    written_by = json.loads((SHIPPED_MODEL / "model.json").read_text(encoding="utf-8"))["package_version"]
    assert review.model.info["model_package_version"] == written_by
    assert review.model.info["classes"] == [str(c) for c in load_model().classes_]
    assert str(SHIPPED_MODEL) not in json.dumps(asdict(review.model))
    copy = tmp_path / "本单位模型"
    shutil.copytree(SHIPPED_MODEL, copy)
    other = run_review([SEED], model=copy)
    assert (other.model.name, other.model.hash) == ("本单位模型", want)
    assert run_review([SEED], model=load_model(), model_name="内存").model.name == "内存"


def test_year_and_org_given_win_else_the_files_say_them(tmp_path):
    a = tmp_path / "2025年度项目支出绩效目标表.xlsx"
    shutil.copyfile(WORKBOOKS / "申报表_三个项目.xlsx", a)
    b = tmp_path / "乙.xlsx"
    shutil.copyfile(WORKBOOKS / "申报表_单表.xlsx", b)
    review = run_review([a, b])
    assert [f.year for f in review.files] == [2025, 2024]  # b's title row says （2024年度）
    assert review.files[0].org == "某市教育局"
    assert (review.year, review.org) == (2025, review.files[0].org)
    given = run_review([a, b], year=2026, org="某区财政局")
    assert (given.year, given.org) == (2026, "某区财政局")
    assert [f.year for f in given.files] == [2025, 2024]  # a file still says what it says
    both = tmp_path / "2024年与2025年对比.xlsx"
    shutil.copyfile(a, both)
    assert run_review([both]).files[0].year is None  # two years in one name: no guess


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"names": ["a.xlsx", "b.xlsx"]}, "文件名"),
        ({"names": [""]}, "文件名"),
        ({"year": 25}, "年度"),
    ],
)
def test_bad_arguments_are_one_line_errors(kwargs, message):
    with pytest.raises(IndicatormlError, match=message):
        run_review([SEED], **kwargs)


def test_a_missing_file_stops_the_review_before_anything_is_read(tmp_path, monkeypatch):
    import indicatorml.reviews.reading as reading

    monkeypatch.setattr(reading, "read_upload", lambda p: pytest.fail("read before the paths were checked"))
    with pytest.raises(IndicatormlError, match="文件不存在"):
        run_review([SEED, tmp_path / "missing.csv"])
    with pytest.raises(IndicatormlError, match="没有要审核的文件"):
        run_review([])


def test_each_project_carries_the_grade_its_findings_give(tmp_path):
    from indicatorml.checks import GRADES, project_grades

    review = run_review([WORKBOOKS / "申报表_三个项目.xlsx", SEED])
    for f in review.files:
        want = project_grades(f.table, [x.finding for x in f.findings])
        assert [(p.name, p.grade, p.info["grade_reason"]) for p in f.projects] == [
            (g.project, g.grade, g.reason) for g in want
        ]
    data = review_json(review)
    assert {p["grade"] for p in data["projects"]} <= set(GRADES) and len(
        {p["grade"] for p in data["projects"]}
    ) > 1


def test_a_finding_without_a_row_keeps_its_project(tmp_path):
    review = run_review([WORKBOOKS / "申报表_三个项目.xlsx"])
    f = review.files[0]
    assert [p.name for p in f.projects] == [p.name for p in f.table.projects]
    assert sum(p.info["indicators"] for p in f.projects) == len(f.table.records)
    projects = {p.name for p in f.projects}
    assert all(
        isinstance(x.finding, Finding) and x.finding.project in projects
        for x in f.findings
        if x.finding.row is None
    )


# ------------------------------------------------------------------ issue 15's defects at the pipeline level
CONTINUATION = [
    ["项目名称", "年度绩效目标", "一级指标", "二级指标", "三级指标", "年度指标值"],
    ["农村公路养护", "完成农村公路养护300公里", "产出指标", "数量指标", "养护里程", "≥300公里"],
    ["", "", "", "质量指标", "养护合格率", "≥95%"],
    ["", "", "效益指标", "社会效益指标", "群众出行条件改善", "明显改善"],
    ["", "", "满意度指标", "服务对象满意度指标", "群众满意度", "≥90%"],
    ["校园安全改造", "完成5所学校安防改造", "产出指标", "数量指标", "改造学校数量", "5所"],
    ["", "", "", "时效指标", "完工时间", "12月底前"],
    ["", "", "效益指标", "社会效益指标", "校园安全事故发生率", "下降"],
    ["", "", "满意度指标", "服务对象满意度指标", "师生满意度", "≥90%"],
]


def test_continuation_rows_of_a_gb18030_csv_belong_to_the_project_above(tmp_path):
    """A CSV exported from a merged sheet: 项目名称 written once per project."""
    path = tmp_path / "续行.csv"
    path.write_bytes("\r\n".join(",".join(r) for r in CONTINUATION).encode("gb18030"))
    f = run_review([path]).files[0]
    assert f.table.encoding == "gb18030" and len(f.table.records) == 8
    assert [p.name for p in f.projects] == ["农村公路养护", "校园安全改造"]
    assert {r.project for r in f.table.records} == {"农村公路养护", "校园安全改造"}
    assert not [x for x in f.findings if x.finding.rule == "completeness.no-effect"]
