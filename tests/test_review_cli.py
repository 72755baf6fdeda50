"""The CLI over the review pipeline: ``check --save`` and ``indicatorml reviews …``, one API call each."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from indicatorml.cli import main
from indicatorml.reviews import load_review, review_json
from indicatorml.store import open_store

from helpers import SEED, WORKBOOKS


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    rc = main(argv)
    out = capsys.readouterr()
    return rc, out.out, out.err


def saved_id(err: str) -> str:
    line = next(ln for ln in err.splitlines() if ln.startswith("已保存审核 "))
    return line.split()[1].split("(")[0]


def test_check_save_stores_the_review_it_printed(tmp_path, capsys):
    data = tmp_path / "data"
    plain = run(["check", str(SEED), "--format", "jsonl"], capsys)
    rc, out, err = run(["check", str(SEED), "--format", "jsonl", "--save", "--data-dir", str(data)], capsys)
    assert rc == 0 and plain[0] == 0
    assert out == plain[1]  # saving changes nothing of what check prints
    review_id = saved_id(err)
    with open_store(None, data) as store:
        review = load_review(store, review_id)
    # the same findings, stored under the file's name rather than the path typed
    printed = [json.loads(line.replace(str(SEED), SEED.name)) for line in out.splitlines()]
    stored = [x.finding.to_dict() for _, x in review.findings()]
    assert printed == stored and review.files[0].name == SEED.name
    assert str(SEED.parent) not in json.dumps(review_json(review), ensure_ascii=False)


def test_reviews_list_show_decide_export_download(tmp_path, capsys):
    data = tmp_path / "data"
    where = ["--data-dir", str(data)]
    files = [str(WORKBOOKS / "申报表_三个项目.xlsx"), str(SEED)]
    rc, _, err = run(["check", *files, "--save", *where, "--user", "王审核", "--year", "2025"], capsys)
    review_id = saved_id(err)
    assert run(["check", *files, "--year", "2025"], capsys)[0] == 2  # --year without --save says so

    rc, out, _ = run(["reviews", "list", *where], capsys)
    assert rc == 0 and out.splitlines()[0].split()[:3] == ["审核编号", "时间", "文件"]
    assert review_id in out and "申报表_三个项目.xlsx 等 2 个文件" in out and "2025" in out

    rc, out, _ = run(["reviews", "show", review_id, *where], capsys)
    assert rc == 0 and out.startswith(f"审核 {review_id}") and "[2] 000_fc0049aa6689bdbf.txt" in out
    with open_store(None, data) as store:
        review = load_review(store, review_id)
    label = next(x for _, x in review.findings() if x.finding.rule == "label.improbable")
    assert f"[{label.id}] [警告] 第{label.finding.row + 1}条" in out

    rc, _, err = run(
        [
            "reviews",
            "decide",
            review_id,
            "--finding",
            str(label.id),
            "--decision",
            "set",
            "--code",
            "12-质量指标",
        ]
        + ["--comment", "按目标值应为质量", "--user", "王审核", *where],
        capsys,
    )
    assert rc == 0 and f"问题 {label.id} 改为 12" in err
    rc, _, err = run(["reviews", "decide", review_id, "--row", "2:1", "--decision", "accept", *where], capsys)
    assert rc == 0 and "第 2:1 条" in err

    rc, out, _ = run(["reviews", "show", review_id, "--format", "json", *where], capsys)
    shown = json.loads(out)
    assert next(f for f in shown["findings"] if f["id"] == label.id)["decision"]["level2_code"] == "12"
    assert shown["rows"][review.files[0].table.records.__len__()]["decision"]["decision"] == "accept"

    rc, out, err = run(["reviews", "export", review_id, "--format", "csv", *where], capsys)
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rc == 0 and "导出 2 条审核决定" in err
    assert [(r["finding_id"], r["comment"], r["user"]) for r in rows] == [
        (str(label.id), "按目标值应为质量", "王审核"),
        ("", "", ""),
    ]

    rc, _, err = run(["reviews", "download", review_id, "-o", str(tmp_path), *where], capsys)
    assert rc == 0
    with zipfile.ZipFile(tmp_path / "审核工作簿.zip") as z:
        assert z.namelist() == ["申报表_三个项目.审核.xlsx", "000_fc0049aa6689bdbf.审核.xlsx"]
    rc, _, _ = run(["reviews", "download", review_id, "--file", "1", "-o", str(tmp_path), *where], capsys)
    assert rc == 0 and "问题清单" in load_workbook(tmp_path / "申报表_三个项目.审核.xlsx").sheetnames
    out_csv = tmp_path / "coded.txt"
    rc, _, _ = run(
        ["reviews", "download", review_id, "--file", "2", "--coded", "-o", str(out_csv), *where], capsys
    )
    assert rc == 0 and out_csv.read_text(encoding="utf-8").startswith(SEED.read_text(encoding="utf-8")[:20])


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["reviews", "show", "nope"], "没有这份审核"),
        (["reviews", "decide", "{id}", "--row", "1:0", "--decision", "keep"], "--row 应写成"),
        (
            ["reviews", "decide", "{id}", "--finding", "{finding}", "--decision", "set", "--code", "99"],
            "没有这个二级指标",
        ),
        (["reviews", "download", "{id}", "--coded"], "--coded 要与 --file N 一起用"),
    ],
)
def test_reviews_verbs_answer_bad_input_with_one_chinese_line(tmp_path, capsys, argv, message):
    data = ["--data-dir", str(tmp_path / "data")]
    rc, _, err = run(["check", str(SEED), "--save", *data], capsys)
    review_id = saved_id(err)
    with open_store(None, tmp_path / "data") as store:
        first = next(x.id for _, x in load_review(store, review_id).findings() if x.finding.row is not None)
    argv = [a.format(id=review_id, finding=first) for a in argv]
    rc, _, err = run([*argv, *data], capsys)
    assert rc == 2 and message in err and "Traceback" not in err


def test_check_without_a_model_still_runs_the_other_rules(tmp_path, capsys, monkeypatch):
    from indicatorml.coding import saved
    from indicatorml.errors import IndicatormlError

    def missing(directory=None):
        raise IndicatormlError("no model directory at models/default")

    monkeypatch.setattr(saved, "load_model", missing)
    rc, out, err = run(["check", str(SEED), "--format", "jsonl"], capsys)
    assert rc == 0 and "没有可用的分类模型,跳过类别检查" in err
    rules = {json.loads(line)["rule"] for line in out.splitlines()}
    assert rules and not any(r.startswith("label.") for r in rules)
    draft = tmp_path / "d.csv"
    draft.write_text("项目名称,三级指标,年度指标值\n甲,培训人次,及时\n", encoding="utf-8")
    rc, _, err = run(["check", str(draft)], capsys)
    assert rc == 0 and "跳过类别检查" not in err  # nothing labeled: nothing to say
    rc, _, err = run(["check", str(draft), "--model", "models/none"], capsys)
    assert rc == 2 and "no model directory" in err
    assert Path("models/none").exists() is False
