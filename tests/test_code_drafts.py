"""``indicatorml code`` on drafts that carry no labels yet, with the shipped model: a seed-layout
draft gets the coded indicator string, a flat draft gets added columns, and either reads back.

The model's answers are not hard-coded (a retrained model may differ), except the obvious one:
a 满意度 indicator is 31. What is pinned is the structure: every indicator coded, the review
mark exactly on those below the threshold, the codes read back equal to the predictions, and
nothing else in the file changed.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from indicatorml.cli import main
from indicatorml.coding import classify, load_model
from indicatorml.coding.write_back import REVIEW_MARK
from indicatorml.tables import read_table
from indicatorml.taxonomy import parent

DRAFT = (
    "项目支出绩效目标表\n\n"
    "项目名称（资金使用单位）\t总计\t财政拨款\t财政专户拨款\t其他资金\t绩效目标\t绩效指标\n"
    "合计\t20.00\t20.00\t\t\t\t\n"
    "专业批发市场工作经费\t15.00\t15.00\t\t\t推动专业批发市场转型。\t"
    "1、业态提升和规范整治市场数量；实施周期指标值:无；年度指标值:5个。"
    "2、推动专业批发市场、重点企业与大型商业综合体开展产业联动；实施周期指标值:无；年度指标值:区内受惠企业不少于10家。\n"
    "企业服务经费\t5.00\t5.00\t\t\t<p>服务企业。</p>\t"
    "<p>1、服务企业数量;实施周期指标值：无;年度指标值：≥50家。2、服务对象满意度;实施周期指标值：无;年度指标值：≥90%。"
    "3、推进工作;实施周期指标值：无;年度指标值：有效。</p>\n"
)
# One item: number、level 1；level 2；name；period；target, in either width (the review mark may follow level 2).
_CODED_ITEM = re.compile(
    r"(\d)、(\d)-[^；;]+指标[；;](\d\d)-[^；;（]+指标(?:（需人工确认）)?[；;]([^；;]+)"
    r"[；;]实施周期指标值[:：]无[；;]年度指标值[:：]([^。]+)。"
)


def test_code_unlabeled_seed_draft(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    draft = tmp_path / "draft.txt"
    draft.write_text(DRAFT, encoding="utf-8")
    out = tmp_path / "coded.txt"
    assert main(["code", str(draft), "--output", str(out), "--threshold", "0.9"]) == 0
    assert f"已写入 {out}" in capsys.readouterr().err
    given = read_table(draft).records
    preds = classify(given, load_model())
    back = read_table(out)
    assert back.problems == [] and len(back.records) == len(given) == 5
    assert [(r.project, r.indicator, r.target) for r in back.records] == [
        (r.project, r.indicator, r.target) for r in given
    ]
    assert [(r.level1_code, r.level2_code) for r in back.records] == [
        (p.level1_code, p.level2_code) for p in preds
    ]
    for rec, p in zip(back.records, preds, strict=True):
        assert rec.level1_code == parent(rec.level2_code).code
        assert (REVIEW_MARK in rec.level2_raw) == (p.confidence < 0.9), (rec.indicator, p.confidence)
    assert back.records[3].level2_code == "31"  # 服务对象满意度
    marked = sum(REVIEW_MARK in r.level2_raw for r in back.records)
    assert 0 < marked < 5  # both branches are exercised by this draft
    # Only the indicator cells changed; each is now the coded string, in the row's own punctuation.
    old_lines, new_lines = DRAFT.split("\n"), out.read_text(encoding="utf-8").split("\n")
    assert len(new_lines) == len(old_lines)
    for old, new in zip(old_lines, new_lines, strict=True):
        assert old.split("\t")[:6] == new.split("\t")[:6]
    cell1 = new_lines[4].split("\t")[6]
    cell2 = new_lines[5].split("\t")[6]
    assert cell2.startswith("<p>1、") and cell2.endswith("。</p>") and "；" not in cell2
    items = _CODED_ITEM.findall(cell1) + _CODED_ITEM.findall(cell2[3:-4])
    assert [(n, l1, l2, name, target) for n, l1, l2, name, target in items] == [
        (str(k), r.level1_code, r.level2_code, r.indicator, r.target)
        for k, r in zip([1, 2, 1, 2, 3], back.records, strict=True)
    ]
    assert "".join(m.group(0) for m in _CODED_ITEM.finditer(cell1)) == cell1


def test_code_flat_draft_with_two_columns(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    draft = tmp_path / "draft.csv"
    draft.write_text("指标名称,年度指标值\n服务对象满意度,≥90%\n推进工作,有效\n", encoding="utf-8")
    assert main(["code", str(draft)]) == 0
    capsys.readouterr()
    rows = list(csv.reader((tmp_path / "draft.coded.csv").open(encoding="utf-8")))
    assert rows[0] == ["指标名称", "年度指标值", "一级指标(自动)", "二级指标(自动)", "置信度", "复核"]
    assert rows[1][:4] == ["服务对象满意度", "≥90%", "3-满意度指标", "31-服务对象满意度指标"]
    preds = classify(read_table(draft).records, load_model())
    for row, p in zip(rows[1:], preds, strict=True):
        assert row[3].split("-")[0] == p.level2_code and float(row[4]) == round(p.confidence, 4)
        assert row[5] == (REVIEW_MARK if p.confidence < 0.9 else "")
    assert len(rows) == 3


def test_code_keeps_a_given_level1(tmp_path: Path) -> None:
    """A draft item that names its level 1 only keeps it: the model picks a level 2 inside it,
    with the probability renormalized within that level 1 as the confidence."""
    model = load_model()
    free = classify([("服务企业数量", "≥10家")], model)[0]
    given = "2" if parent(free.level2_code).code != "2" else "1"  # a level 1 the model would not choose
    label = {"1": "1-产出指标", "2": "2-效益指标"}[given]
    draft = tmp_path / "draft.txt"
    draft.write_text(
        "项目名称（资金使用单位）\t总计\t财政拨款\t财政专户拨款\t其他资金\t绩效目标\t绩效指标\n"
        "测试项目\t10.00\t10.00\t\t\t服务企业\t"
        f"1、{label}；服务企业数量；实施周期指标值：无；年度指标值：≥10家。"
        "2、服务企业数量；实施周期指标值：无；年度指标值：≥10家。\n",
        encoding="utf-8",
    )
    out = tmp_path / "coded.txt"
    assert main(["code", str(draft), "--output", str(out), "--threshold", "0"]) == 0
    back = read_table(out).records
    proba = model.predict_proba([("服务企业数量", "≥10家")])[0]
    fam = [j for j, c in enumerate(model.classes_) if parent(str(c)).code == given]
    best = max(fam, key=lambda j: proba[j])
    assert back[0].level1_code == given
    assert back[0].level2_code == str(model.classes_[best])
    assert back[1].level2_code == free.level2_code  # the unlabeled twin is coded freely


def test_code_refuses_an_output_kind_it_cannot_write(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    draft = tmp_path / "draft.txt"
    draft.write_text(DRAFT, encoding="utf-8")
    assert main(["code", str(draft), "--output", str(tmp_path / "coded.pdf")]) == 2
    assert "不能写成 .pdf 文件" in capsys.readouterr().err
    assert not (tmp_path / "coded.pdf").exists()
