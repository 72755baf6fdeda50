"""Models per department (issue 17, item 5): a department's reviewed rows train its own model in
one action, the store records it, and only that department's reviews are scored with it."""

from __future__ import annotations

from pathlib import Path

import pytest

from indicatorml.coding import load_model
from indicatorml.reviews import create_review, decide
from indicatorml.reviews.department_model import (
    JOB_KIND,
    department_key,
    department_models,
    model_for_department,
    queue_training,
    run_next_training,
    train_department_model,
)
from indicatorml.reviews.department_rows import department_rows
from indicatorml.reviews.heldout_year import YearFigures, sign_test, verdict
from indicatorml.store import open_store

DEPT = "某职业技术学院"

# The college files its course and textbook counts under 质量指标 (12), as vocational colleges
# do; most tables file such counts under 数量指标 (11).
ROWS = [
    ("国家级精品在线开放课程数量", "12", "≥{n}门"),
    ("省级教学成果奖数量", "12", "≥{n}项"),
    ("新编校本教材数量", "12", "≥{n}本"),
    ("学生就业率", "22", "≥9{n}%"),
    ("学生满意度", "31", "≥9{n}%"),
]


def _table(path: Path, year: int) -> Path:
    lines = ["项目名称,二级指标,三级指标,指标值"]
    for k in range(4):
        for text, code, target in ROWS:
            lines.append(f"{year}年双高计划建设项目{k},{code},{text},{target.format(n=k + 1)}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def store(tmp_path):
    s = open_store(None, tmp_path / "data")
    yield s
    s.close()


def test_a_departments_rows_carry_the_reviewers_decisions(store, tmp_path):
    review = create_review(store, [_table(tmp_path / "a.csv", 2024)], year=2024, org=DEPT)
    decide(store, review.id, row=(1, 3), decision="set", level2_code="21")
    other = create_review(store, [_table(tmp_path / "b.csv", 2024)], year=2024, org="另一个学院")
    rows = department_rows(store, DEPT)
    assert len(rows) == 20 and {r.review_id for r in rows} == {review.id}
    assert [r.record.level2_code for r in rows[:5]] == ["12", "12", "12", "21", "31"]  # set replaces 22
    assert rows[0].record.origin.file == f"review:{review.id}/1" and rows[0].year == 2024
    assert {r.review_id for r in department_rows(store, "另一个学院")} == {other.id}


def test_the_verdict_says_in_one_sentence_whether_the_own_model_does_better():
    better = YearFigures(2025, [2023, 2024, 2025], 80, 40, 36, 28, 9, 1, sign_test(9, 1), 0)
    assert verdict(better) == (
        "本单位模型在2025年的40条已审核指标上比默认模型多对了8条（36条对28条）（本单位模型只用2023、2024年的表训练）。"
    )
    close = YearFigures(2025, [2024, 2025], 20, 20, 15, 16, 1, 2, sign_test(1, 2), 0)
    assert verdict(close).startswith(
        "本单位模型在2025年的20条已审核指标上比默认模型少对了1条（15条对16条），不如默认模型；这点差别可能是偶然"
    )
    one_year = YearFigures(None, [2025], 20, 0, 0, 0, 0, 0, None, 0)
    assert (
        verdict(one_year)
        == "本单位只有2025年一年的已审核表，还无法用留出的一年检验本单位模型是否比默认模型好。"
    )
    assert sign_test(9, 1) == pytest.approx(0.0215, abs=1e-4) and sign_test(0, 0) is None


@pytest.mark.slow  # trains two models
def test_a_department_model_is_its_own_and_nobody_elses(store, tmp_path):
    data_dir = tmp_path / "data"
    for year in (2024, 2025):
        create_review(store, [_table(tmp_path / f"{year}.csv", year)], year=year, org=DEPT)
    job = queue_training(store, DEPT, user="王老师")
    done = run_next_training(store, data_dir, "test:1")
    assert done is not None and done["id"] == job["id"] and done["state"] == "done", done
    assert run_next_training(store, data_dir, "test:1") is None  # nothing queued any more
    record = done["result"]
    assert record["rows"] == 40 and record["years"] == [2024, 2025] and record["trained_by"] == "王老师"
    fig = record["heldout_year"]
    assert (fig["year"], fig["n"], fig["train_rows"]) == (2025, 20, 20)
    assert record["verdict"].startswith("本单位模型在2025年的20条已审核指标上")
    # on the held-out year the college's habit (counts under 质量) is learned from 2024 alone
    assert fig["own_right"] > fig["default_right"], fig
    info = department_models(store, DEPT)
    assert info["active"] == record["id"] and [m["id"] for m in info["models"]] == [record["id"]]
    path, name = model_for_department(store, data_dir, DEPT)
    assert path is not None and path.parent.name == department_key(DEPT) and DEPT not in str(path)
    assert (path / "model.json").is_file() and (path / "folds" / "0" / "model.json").is_file()
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".new-")]
    assert name == f"本单位模型({DEPT})"
    # the registry: another department's reviews keep the default model
    assert model_for_department(store, data_dir, "另一个学院") == (None, None)
    other = _table(tmp_path / "other.csv", 2025)
    theirs = create_review(store, [other], year=2025, org="另一个学院")
    default_again = create_review(store, [other], year=2025, org="另一个学院", model=None)
    assert (
        theirs.model.name == "default" and theirs.files[0].suggestions == default_again.files[0].suggestions
    )
    ours = create_review(store, [other], year=2025, org=DEPT, model=path, model_name=name)
    assert ours.model.name == name and ours.model.hash == record["hash"]
    codes = [p.level2_code for p in ours.files[0].suggestions]
    assert codes[:3] == ["12", "12", "12"]  # its own habit
    assert load_model(path).training_["own_rows"] == 40


def test_training_refuses_a_department_with_nothing_reviewed(store, tmp_path):
    from indicatorml.errors import IndicatormlError

    with pytest.raises(IndicatormlError, match="还没有已审核"):
        train_department_model(store, "空部门", tmp_path / "data")
    job = queue_training(store, "空部门")
    failed = run_next_training(store, tmp_path / "data", "w")
    assert failed is not None and failed["state"] == "failed" and "还没有已审核" in failed["error"]
    assert job["kind"] == JOB_KIND
