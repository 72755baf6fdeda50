"""The classifier: estimator conventions, saved form, refusal of foreign models, bad input, CLI."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from indicatorml.cli import main
from indicatorml.coding import (
    IndicatorClassifier,
    classify,
    cross_val_predict_proba,
    load_labeled,
    load_model,
    save_model,
    train,
)
from indicatorml.coding.metrics import coverage_at_precision, expected_calibration_error, group_folds
from indicatorml.errors import IndicatormlError
from indicatorml.records import Indicator
from indicatorml.taxonomy import parent

from helpers import SEED
from helpers import SHIPPED_MODEL as SHIPPED


@pytest.fixture(scope="module")
def data():
    records, own = load_labeled(stream=None)
    return records, [r.level2_code for r in records]


@pytest.fixture(scope="module")
def model(data):
    records, y = data
    return IndicatorClassifier().fit(records, y)


@pytest.fixture(scope="module")
def saved(model, tmp_path_factory):
    d = tmp_path_factory.mktemp("model")
    save_model(model, d)
    return d


# ---------------------------------------------------------------- estimator conventions
def test_fit_predict_proba_and_classes(model, data):
    records, y = data
    assert model.classes_.tolist() == ["11", "12", "13", "14", "21", "22", "23", "24", "31"]
    proba = model.predict_proba(records[:20])
    assert proba.shape == (20, 9)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    pred = model.predict(records[:20])
    assert set(pred) <= set(model.classes_)
    # level 1 follows the summed probabilities, and level 2 is the best inside that level 1
    parents = np.array([parent(c).code for c in model.classes_])
    for p_row, code in zip(proba, pred, strict=True):
        l1 = {q: p_row[parents == q].sum() for q in set(parents)}
        assert parent(code).code == max(l1, key=l1.get)
        inside = p_row[parents == parent(code).code]
        assert p_row[model.classes_ == code][0] == inside.max()
    assert model.predict(["群众满意度"]).tolist() == ["31"]
    assert model.predict([("资金拨付及时率", "=100%")]).tolist() == ["13"]


def test_items_may_be_text_pairs_indicators_or_dicts(model):
    a = model.predict_proba([("培训人次", "≥200人次")])
    b = model.predict_proba([Indicator(indicator="培训人次", target="≥200人次", level2_code="31")])
    c = model.predict_proba([{"indicator": "培训人次", "target": "≥200人次"}])
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a, c)
    assert not np.array_equal(a, model.predict_proba(["培训人次"]))  # the target is a feature


def test_sklearn_clone_and_cross_val_score(data):
    from sklearn.base import clone
    from sklearn.model_selection import GroupKFold, cross_val_score

    records, y = data
    est = IndicatorClassifier(C=3.0, calibrate=False)
    cl = clone(est)
    assert cl.get_params() == est.get_params() and cl is not est
    scores = cross_val_score(est, records, y, cv=GroupKFold(3), groups=[r.group for r in records])
    assert len(scores) == 3 and all(0.3 < s < 1.0 for s in scores)
    with pytest.raises(ValueError, match="invalid parameter"):
        est.set_params(colour="red")
    assert est.set_params(C=1.0).C == 1.0


def test_cost_is_learned_once_and_written_in_either_layout():
    texts = ["成本控制率", "单位成本", "项目成本控制", "服务企业数量", "培训人次", "群众满意度", "满意度调查"]
    y = ["41", "14", "14", "11", "11", "31", "31"]
    m = IndicatorClassifier(calibrate=False).fit(texts, y)
    assert m.classes_.tolist() == ["11", "14", "31"]
    p_old = classify(["成本控制率"], m, layout="pre2021")[0]
    p_new = classify(["成本控制率"], m, layout="2021")[0]
    assert (p_old.level1_code, p_old.level1, p_old.level2_code) == ("1", "产出指标", "14")
    assert (p_new.level1_code, p_new.level1, p_new.level2_code, p_new.level2) == (
        "4",
        "成本指标",
        "41",
        "经济成本指标",
    )
    assert p_old.confidence == p_new.confidence


def test_training_refuses_unusable_labels():
    with pytest.raises(IndicatormlError, match="至少两个二级指标类别"):
        IndicatorClassifier().fit(["a", "b"], ["11", "11"])
    with pytest.raises(IndicatormlError, match="不是二级指标的类别代码"):
        IndicatorClassifier().fit(["a", "b"], ["11", "2"])


# ---------------------------------------------------------------- saving and loading
def test_save_load_roundtrip_is_exact_and_deterministic(model, saved, data, tmp_path, shipped_counts):
    records, y = data
    loaded = load_model(saved)
    np.testing.assert_array_equal(loaded.predict_proba(records[:50]), model.predict_proba(records[:50]))
    assert sorted(p.name for p in saved.iterdir()) == [
        "calibration.npy",
        "coef.npy",
        "idf_target.npy",
        "idf_text.npy",
        "intercept.npy",
        "model.json",
        "vocabulary.json",
    ]
    meta = json.loads((saved / "model.json").read_text(encoding="utf-8"))
    assert meta["format"] == "indicatorml-classifier" and meta["classes"] == model.classes_.tolist()
    rows, groups = shipped_counts
    assert meta["training"]["rows"] == len(records) == rows and meta["training"]["groups"] == groups
    # a second fit of the same data writes the same bytes
    again = save_model(IndicatorClassifier().fit(records, y), tmp_path / "again")
    for f in saved.iterdir():
        assert (again / f.name).read_bytes() == f.read_bytes(), f.name


def test_prediction_path_imports_neither_sklearn_nor_scipy(saved):
    code = (
        "import sys\n"
        "from indicatorml.coding import classify, load_model\n"
        f"p = classify(['服务民营中小企业数量'], load_model({str(saved)!r}))[0]\n"
        "assert p.level2_code == '11', p\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('sklearn', 'scipy')]\n"
        "assert not bad, bad\n"
        "print('ok')\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr


def _copy(src: Path, dst: Path) -> Path:
    dst.mkdir()
    for f in src.iterdir():
        (dst / f.name).write_bytes(f.read_bytes())
    return dst


def _rehash(d: Path, name: str) -> None:
    """Make model.json's checksum agree with a replaced file, so only np.load can refuse it."""
    meta = json.loads((d / "model.json").read_text(encoding="utf-8"))
    meta["files"][name] = hashlib.sha256((d / name).read_bytes()).hexdigest()
    (d / "model.json").write_text(json.dumps(meta), encoding="utf-8")


class _Boom:
    """Unpickling this would create a file: proof that nothing in a model is executed."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


def test_object_array_and_pickle_are_refused_without_executing(saved, tmp_path):
    marker = tmp_path / "executed"
    d = _copy(saved, tmp_path / "m1")
    np.save(d / "coef.npy", np.array([_Boom(str(marker))], dtype=object), allow_pickle=True)
    _rehash(d, "coef.npy")
    with pytest.raises(IndicatormlError, match=r"coef\.npy 不是普通的数值数组"):
        load_model(d)
    assert not marker.exists()
    import pickle

    d2 = _copy(saved, tmp_path / "m2")
    (d2 / "intercept.npy").write_bytes(pickle.dumps(_Boom(str(marker))))
    _rehash(d2, "intercept.npy")
    with pytest.raises(IndicatormlError, match=r"intercept\.npy 不是普通的数值数组"):
        load_model(d2)
    assert not marker.exists()


def test_damaged_or_foreign_model_dirs_get_clear_errors(saved, tmp_path):
    with pytest.raises(IndicatormlError, match="没有模型目录"):
        load_model(tmp_path / "nowhere")
    (tmp_path / "a-file").write_text("x", encoding="utf-8")
    with pytest.raises(IndicatormlError, match="是一个文件;--model 要给模型目录"):
        load_model(tmp_path / "a-file")
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "model.pkl").write_bytes(b"\x80\x04K\x01.")
    with pytest.raises(IndicatormlError, match="缺少 model.json"):
        load_model(empty)
    d = _copy(saved, tmp_path / "cut")
    raw = (d / "coef.npy").read_bytes()
    (d / "coef.npy").write_bytes(raw[: len(raw) // 2])
    with pytest.raises(IndicatormlError, match=r"coef\.npy 与校验和不符"):
        load_model(d)
    d = _copy(saved, tmp_path / "json")
    (d / "model.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(IndicatormlError, match="不是可读的 JSON"):
        load_model(d)
    d = _copy(saved, tmp_path / "foreign")
    (d / "model.json").write_text(json.dumps({"format": "something-else"}), encoding="utf-8")
    with pytest.raises(IndicatormlError, match="描述的不是 indicatorml-classifier"):
        load_model(d)
    d = _copy(saved, tmp_path / "shape")
    np.save(d / "intercept.npy", np.zeros(3))
    _rehash(d, "intercept.npy")
    with pytest.raises(IndicatormlError, match=r"intercept\.npy has shape \(3,\), expected \(9,\)"):
        load_model(d)
    d = _copy(saved, tmp_path / "blocks")  # checksums fine, the 'blocks' entry malformed
    meta = json.loads((d / "model.json").read_text(encoding="utf-8"))
    meta["blocks"] = {"text": {"weight": 1.0}}
    (d / "model.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(IndicatormlError, match="blocks 一项格式不对"):
        load_model(d)


# ---------------------------------------------------------------- bad input, per row
def test_bad_rows_get_a_message_not_an_exception(model):
    texts = [
        "",
        "   ",
        "！！！…",
        "12345",
        "服务企业数量" * 1700,
        "服務對象滿意度",
        "Number of firms served",
        None,
        "服务对象满意度",
    ]
    preds = classify(texts, model)
    assert len(preds) == len(texts)
    for i in (0, 1, 7):
        assert preds[i].level2_code is None and preds[i].message == "指标名称为空,无法编码"
    for i in (2, 3):
        assert preds[i].level2_code is None
        assert preds[i].message == "指标名称没有文字(只有数字或标点),无法编码"
    assert preds[4].level2_code == "11"
    assert preds[4].message == "指标名称有10200个字符,只用了前200个"
    # traditional script is folded: the same answer and probabilities as the simplified text
    assert preds[5].level2_code == preds[8].level2_code == "31"
    assert preds[5].alternatives == preds[8].alternatives and preds[5].message is None
    assert preds[6].level2_code is not None and preds[6].message.startswith("没有汉字")


def test_prediction_objects_carry_top_k_and_given_label(model):
    rec = Indicator(indicator="服务企业数量", target="≥300家", level2_code="22", source="t.csv:2")
    p = classify([rec], model, top_k=2)[0]
    q = classify([("服务企业数量", "≥300家")], model, top_k=2)[0]
    assert p.given_level2_code == "22" and p.source == "t.csv:2"
    assert (p.level2_code, p.confidence, p.alternatives) == (q.level2_code, q.confidence, q.alternatives)
    assert len(p.alternatives) == 2 and p.alternatives[0]["level2_code"] == p.level2_code
    assert set(p.to_dict()) >= {
        "indicator",
        "target",
        "level1_code",
        "level1",
        "level2_code",
        "level2",
        "confidence",
        "alternatives",
    }
    assert p.alternatives[0]["probability"] >= p.alternatives[1]["probability"]


# ---------------------------------------------------------------- folds and figures
def test_group_folds_never_split_a_group_and_are_deterministic():
    groups = [f"g{i % 13}" for i in range(200)] + ["big"] * 40
    folds = group_folds(groups, 5, seed=3)
    for (a_tr, a_te), (b_tr, b_te) in zip(folds, group_folds(groups, 5, seed=3), strict=True):
        assert a_tr.tolist() == b_tr.tolist() and a_te.tolist() == b_te.tolist()
    assert [te.tolist() for _, te in group_folds(groups, 5, seed=4)] != [te.tolist() for _, te in folds]
    seen = np.concatenate([te for _, te in folds])
    assert sorted(seen.tolist()) == list(range(240))
    for tr, te in folds:
        assert not {groups[i] for i in tr} & {groups[i] for i in te}
    sizes = [len(te) for _, te in folds]
    assert max(sizes) - min(sizes) <= 40


def test_metric_definitions_on_hand_examples():
    score = np.array([0.99, 0.95, 0.9, 0.9, 0.6, 0.5])
    correct = np.array([1, 1, 1, 0, 1, 0])
    assert coverage_at_precision(score, correct, 0.95) == (2 / 6, 0.95)  # the tie at 0.9 goes in together
    assert coverage_at_precision(score, correct, 0.75) == (5 / 6, 0.6)  # 4 of the top 5 are right
    assert coverage_at_precision(np.array([0.9]), np.array([0]), 0.95) == (0.0, None)
    ece = expected_calibration_error(np.array([0.95, 0.95, 0.55, 0.55]), np.array([1, 1, 1, 0]))
    assert ece == pytest.approx(0.5 * 0.05 + 0.5 * 0.05)


def test_cross_val_predict_proba_is_out_of_fold_and_repeatable(data):
    records, _ = data
    sub = records[:160]
    p1, classes = cross_val_predict_proba(sub, n_splits=3, config={"calibrate": False})
    p2, _ = cross_val_predict_proba(sub, n_splits=3, config={"calibrate": False})
    np.testing.assert_array_equal(p1, p2)
    assert p1.shape == (160, len(classes))
    np.testing.assert_allclose(p1.sum(axis=1), 1.0)
    # row 0's probabilities come from a model that never saw row 0's page
    keys = [r.group for r in sub]
    fold = next((tr, te) for tr, te in group_folds(keys, 3, 0) if 0 in te)
    m = IndicatorClassifier(calibrate=False).fit(
        [sub[i] for i in fold[0]], [sub[i].level2_code for i in fold[0]]
    )
    expect = dict(zip(m.classes_, m.predict_proba([sub[0]])[0], strict=True))
    np.testing.assert_allclose([expect.get(c, 0.0) for c in classes], p1[0])


# ---------------------------------------------------------------- a bureau's own tables
def _own_table(path: Path, n: int) -> Path:
    """A college's habit: national/provincial award and course counts are 质量 (12)."""
    items = [
        "国家级精品课程数量",
        "省级教学成果奖数量",
        "国家级技能大赛获奖数量",
        "省级专业教学资源库数量",
        "国家级实训基地数量",
        "省级示范专业数量",
        "国家级教学名师数量",
        "省级课程思政示范课数量",
    ]
    lines = ["url\tlevel1\tlevel2\tindicator\ttarget"]
    for k in range(n):
        for t in items:
            lines.append(f"college-page-{k}\t产出指标\t质量指标\t{t}\t≥{k + 2}个")
        lines.append(f"college-page-{k}\t满意度指标\t服务对象满意度\t学生满意度\t≥9{k}%")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.slow  # trains the full model with its folds
def test_own_tables_steer_the_model(tmp_path, model):
    query = ("国家级重点专业数量", "≥3个")
    assert classify([query], model)[0].level2_code == "11"  # the shipped habit: a count is 数量
    own = _own_table(tmp_path / "college.tsv", 3)
    steered = train([own], out=tmp_path / "m", with_evaluation=False, progress=False)
    assert steered.training_["own_rows"] == 27 and steered.training_["own_weight"] == 3.0
    assert classify([query], load_model(tmp_path / "m"))[0].level2_code == "12"
    assert classify(["群众满意度"], steered)[0].level2_code == "31"  # the rest is still known


# ---------------------------------------------------------------- the shipped model
@pytest.mark.slow  # trains the full model with its folds
def test_shipped_model_matches_shipped_data(tmp_path):
    meta = json.loads((SHIPPED / "model.json").read_text(encoding="utf-8"))
    rebuilt = train(out=tmp_path / "m", progress=False)
    assert meta["training"]["data_sha256"] == rebuilt.training_["data_sha256"]
    shipped = sorted(f.relative_to(SHIPPED) for f in SHIPPED.rglob("*") if f.is_file())
    assert shipped == sorted(
        f.relative_to(tmp_path / "m") for f in (tmp_path / "m").rglob("*") if f.is_file()
    )
    assert any(f.parts[0] == "folds" for f in shipped)  # the cross-fitted folds ship too
    for f in shipped:
        assert (tmp_path / "m" / f).read_bytes() == (SHIPPED / f).read_bytes(), (
            f"{f} differs: run `make model`"
        )
    assert (
        meta["evaluation"]["level2_accuracy"] > 0.6
        and meta["evaluation"]["grouped_by"] == "source page or file"
    )


# ---------------------------------------------------------------- CLI
def _cli(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_classify_texts_table_and_jsonl(capsys, saved):
    code, out, _ = _cli(capsys, "classify", "服务民营中小企业数量", "群众满意度", "--model", saved)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["指标", "一级指标", "二级指标", "置信度", "前几位候选", "(概率)"]
    assert lines[2].split()[:3] == ["服务民营中小企业数量", "1-产出指标", "11-数量指标"]
    assert lines[3].split()[:3] == ["群众满意度", "3-满意度指标", "31-服务对象满意度指标"]
    code, out, _ = _cli(
        capsys, "classify", "群众满意度", "--target", "≥90%", "--format", "jsonl", "--model", saved
    )
    obj = json.loads(out)
    assert obj["level2_code"] == "31" and obj["target"] == "≥90%" and len(obj["alternatives"]) == 3
    code, out, err = _cli(capsys, "classify", "--model", saved)
    assert code == 2 and "没有要编码的指标" in err


def test_cli_classify_input_keeps_order_and_given_labels(capsys, saved, tmp_path):
    f = tmp_path / "t.csv"
    f.write_text(
        "indicator,target,level1,level2\n群众满意度,≥90%,效益指标,社会效益\n资金拨付及时率,100%,,\n,5个,,\n",
        encoding="utf-8",
    )
    code, out, err = _cli(capsys, "classify", "--input", f, "--format", "jsonl", "--model", saved)
    rows = [json.loads(x) for x in out.splitlines()]
    assert code == 0 and [r["indicator"] for r in rows] == ["群众满意度", "资金拨付及时率"]
    assert rows[0]["given_level2_code"] == "22" and rows[0]["level2_code"] == "31"
    assert rows[1]["given_level2_code"] is None and rows[1]["level2_code"] == "13"
    assert rows[1]["source"] == f"{f}:3"
    assert f"{f}:4: 这一行没有指标名称" in err  # the reader reports the row it could not use


def test_cli_code_writes_back_csv_and_seed(capsys, saved, tmp_path):
    f = tmp_path / "draft.csv"
    f.write_text(
        "项目,指标名称,年度指标值\n甲,群众满意度,≥90%\n甲,服务企业数量,300家\n甲,推进工作,有效\n",
        encoding="utf-8",
    )
    code, _, err = _cli(capsys, "code", f, "--model", saved, "--threshold", "0.8")
    assert code == 0 and "已写入" in err
    import csv

    rows = list(csv.reader((tmp_path / "draft.coded.csv").open(encoding="utf-8")))
    assert rows[0] == ["项目", "指标名称", "年度指标值", "一级指标(自动)", "二级指标(自动)", "置信度", "复核"]
    assert rows[1][:5] == ["甲", "群众满意度", "≥90%", "3-满意度指标", "31-服务对象满意度指标"]
    assert rows[1][6] == ""
    assert (
        rows[3][6] == "需人工确认" and float(rows[3][5]) < 0.8
    )  # a vague text is marked, not silently coded
    out = tmp_path / "seed.coded.txt"
    code, _, err = _cli(capsys, "code", SEED, "--model", saved, "--recode", "--output", out)
    assert code == 0
    from indicatorml.tables import read_table

    back = read_table(out)
    assert not back.problems and len(back.records) == 75
    assert all(r.level2_code for r in back.records)
    marked = [r for r in back.records if "需人工确认" in (r.level2_raw or "")]
    assert 0 < len(marked) < 75
    code, _, err = _cli(capsys, "code", SEED, "--model", saved, "--output", SEED)
    assert code == 2 and "草稿从不覆盖" in err


def test_cli_train_and_evaluate(capsys, tmp_path):
    own = _own_table(tmp_path / "college.tsv", 4)
    code, _, err = _cli(capsys, "train", "--data", own)
    assert code == 2 and "--out" in err
    code, out, err = _cli(
        capsys,
        "evaluate",
        "--data",
        own,
        "--no-default-data",
        "--folds",
        "2",
        "--format",
        "json",
        "--model-config",
        '{"calibrate": false}',
    )
    assert code == 0
    res = json.loads(out)
    assert (res["n"], res["groups"], res["folds"], res["labels"]) == (36, 4, 2, ["12", "31"])
    assert res["level2_accuracy"] == 1.0 and res["confusion"] == [[32, 0], [0, 4]]
    code, _, err = _cli(capsys, "evaluate", "--model-config", '{"colour": 1}')
    assert code == 2 and "没有这个模型选项: colour" in err


def test_default_model_dir_follows_env(tmp_path, monkeypatch):
    from indicatorml.coding import default_model_dir

    monkeypatch.setenv("INDICATORML_MODEL", str(tmp_path))
    assert default_model_dir() == tmp_path
    monkeypatch.delenv("INDICATORML_MODEL")
    assert default_model_dir() == SHIPPED
    assert os.path.isdir(SHIPPED)


# ---------------------------------------------------------------- hand-written examples
def test_handwritten_examples_are_marked_and_train_only(data):
    from indicatorml.coding import is_handwritten

    records, _ = data
    both, _ = load_labeled(stream=None, handwritten=True)
    hand = [r for r in both if is_handwritten(r)]
    assert len(hand) == 79 and len(both) == len(records) + 79
    assert all(r.source.startswith("data/handwritten/examples.tsv:") for r in hand)
    assert not any(is_handwritten(r) for r in records)
    # in cross-validation they join every training fold and get no row of their own
    sub = records[:160]
    p, classes = cross_val_predict_proba(sub, n_splits=3, config={"calibrate": False}, train_only=hand)
    assert p.shape == (160, len(classes))
    keys = [r.group for r in sub]
    fold = next((tr, te) for tr, te in group_folds(keys, 3, 0) if 0 in te)
    tr = [sub[i] for i in fold[0]] + hand
    m = IndicatorClassifier(calibrate=False).fit(tr, [r.level2_code for r in tr])
    expect = dict(zip(m.classes_, m.predict_proba([sub[0]])[0], strict=True))
    np.testing.assert_allclose([expect.get(c, 0.0) for c in classes], p[0])
    # calibration scores real rows only: hand-written rows are never held out
    m = IndicatorClassifier()
    scores, labels, _ = m.fit(sub, [r.level2_code for r in sub]).heldout_scores(
        sub + hand, np.array([r.level2_code for r in sub + hand]), None, [r.group for r in sub + hand]
    )
    # every real row is scored once (the examples cover every class, so no inner fold lacks one)
    col = {c: j for j, c in enumerate(m.classes_)}
    assert sorted(labels.tolist()) == sorted(col[r.level2_code] for r in sub) and len(scores) == 160


def test_handwritten_file_must_say_so_on_every_row(tmp_path):
    from indicatorml.coding.labeled_data import mark_handwritten
    from indicatorml.tables import read_table

    path = tmp_path / "examples.tsv"
    path.write_text(
        "provenance\tlevel1\tlevel2\tindicator\ttarget\n"
        "hand-written\t产出指标\t数量指标\t举办培训期数\t≥6期\n"
        "corpus\t产出指标\t质量指标\t验收合格率\t100%\n",
        encoding="utf-8",
    )
    with pytest.raises(IndicatormlError, match=r"examples.tsv:3: provenance\(来源\)是 'corpus'"):
        mark_handwritten(read_table(str(path)), path)
    path.write_text(
        "level1\tlevel2\tindicator\ttarget\n产出指标\t数量指标\t举办培训期数\t≥6期\n", encoding="utf-8"
    )
    with pytest.raises(IndicatormlError, match="需要一列 provenance"):
        mark_handwritten(read_table(str(path)), path)
