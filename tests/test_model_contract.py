"""The estimator's contract: parameters checked before any work, fitted state only from fit or
from_saved, load_model copies nobody can spoil for the next caller, hostile model directories
refused at load. Bad directories are made from a copy of the shipped model, so no training runs.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from indicatorml.cli import main
from indicatorml.coding import IndicatorClassifier, classify, load_model
from indicatorml.coding.constraints import InvalidParameterError
from indicatorml.coding.options import make_config
from indicatorml.errors import IndicatormlError

from helpers import SEED, SHIPPED_MODEL

TEXTS = ["群众满意度", "服务对象满意度", "培训人数", "采购设备数量"]
LABELS = ["31", "31", "11", "11"]


# ---------------------------------------------------------------- parameters
@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"C": -1}, "IndicatorClassifier 的参数 C 应为大于 0 的数,收到 -1"),
        ({"C": float("inf")}, "的参数 C 应为大于 0 的数,收到 inf"),
        ({"loss": "svm"}, "的参数 loss 应为'logistic' 或 'hinge',收到 'svm'"),
        ({"char_max": 10**12}, r"的参数 char_max 应为\[0, 10\] 范围内的整数,收到 1000000000000"),
        ({"word_ngrams": 0}, r"的参数 word_ngrams 应为\[1, 10\] 范围内的整数,收到 0"),
        ({"use_target": "yes"}, "的参数 use_target 应为true 或 false,收到 'yes'"),
        ({"min_df": True}, "的参数 min_df 应为大于等于 1 的整数,收到 True"),
        ({"seed": -1}, r"的参数 seed 应为\[0, 4294967295\] 范围内的整数,收到 -1"),
        ({"noise_weight": 0}, r"的参数 noise_weight 应为\(0, 1\] 范围内的数,收到 0"),
    ],
)
def test_a_bad_parameter_fails_at_once_naming_it(params: dict[str, Any], message: str) -> None:
    # X and y disagree in length too: the parameter is checked first, before anything is read
    with pytest.raises(InvalidParameterError, match=message) as err:
        IndicatorClassifier(**params).fit(TEXTS[:1], LABELS)
    assert isinstance(err.value, ValueError) and isinstance(err.value, IndicatormlError)


def test_model_options_are_checked_against_the_same_constraints() -> None:
    with pytest.raises(IndicatormlError, match=r"模型选项 char_max 应为\[0, 10\] 范围内的整数,收到 11"):
        make_config({"char_max": 11})
    assert make_config({"char_max": 10, "C": 3}) == {"char_max": 10, "C": 3}


def test_set_params_is_checked_by_the_next_fit() -> None:
    model = IndicatorClassifier().fit(TEXTS, LABELS)
    with pytest.raises(InvalidParameterError, match="的参数 C"):
        model.set_params(C=0).fit(TEXTS, LABELS)


# ---------------------------------------------------------------- load_model copies
def test_each_load_is_its_own_estimator_sharing_read_only_arrays() -> None:
    first, second = load_model(SHIPPED_MODEL), load_model(SHIPPED_MODEL)
    assert first is not second and first.coef_ is second.coef_  # shared, so the cache stays cheap
    with pytest.raises(ValueError, match="read-only"):
        first.coef_[0, 0] = 1.0
    with pytest.raises(ValueError, match="read-only"):
        first.text_block_.idf[0] = 1.0
    first.training_["rows"] = -1  # metadata is each caller's own
    assert second.training_["rows"] > 0 and load_model(SHIPPED_MODEL).training_["rows"] > 0


def test_fitting_a_loaded_model_leaves_the_next_load_unchanged() -> None:
    before = classify(["群众满意度"], load_model(SHIPPED_MODEL))[0]
    spoiled = load_model(SHIPPED_MODEL)
    assert spoiled.crossfit_ is not None and spoiled.evaluation_ is not None
    spoiled.set_params(C=0.01).fit(TEXTS, LABELS)
    # fit replaces every fitted attribute: no stale folds or figures from the shipped model
    assert spoiled.crossfit_ is None and spoiled.evaluation_ is None
    assert spoiled.classes_.tolist() == ["11", "31"] and spoiled.training_["rows"] == len(TEXTS)
    after = load_model(SHIPPED_MODEL)
    meta = json.loads((SHIPPED_MODEL / "model.json").read_text(encoding="utf-8"))
    assert after.C == meta["config"]["C"] and after.classes_.tolist() == meta["classes"]
    assert after.training_ == meta["training"] and after.crossfit_ is not None
    np.testing.assert_array_equal(after.coef_, np.load(SHIPPED_MODEL / "coef.npy"))
    assert classify(["群众满意度"], after)[0] == before


def test_a_fitted_model_is_fitted_by_fit_alone() -> None:
    model = IndicatorClassifier()
    with pytest.raises(IndicatormlError, match="还没有训练"):
        classify(["群众满意度"], model)
    model.fit(TEXTS, LABELS, training={"note": "from the caller"}, evaluation={"n": 4})
    assert model.training_["note"] == "from the caller" and model.evaluation_ == {"n": 4}
    with pytest.raises(ValueError, match="may not replace"):
        IndicatorClassifier().fit(TEXTS, LABELS, training={"rows": 1})


# ---------------------------------------------------------------- hostile model directories
def _copy(tmp_path: Path, name: str) -> Path:
    return Path(shutil.copytree(SHIPPED_MODEL, tmp_path / name))


def _edit_json(d: Path, name: str, change: Any) -> None:
    """Rewrite a JSON file of the model; vocabulary.json's checksum is made to agree, so only
    the meaning of the new content can be refused."""
    path = d / name
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    if name != "model.json":
        _rehash(d, name)


def _rehash(d: Path, name: str) -> None:
    meta = json.loads((d / "model.json").read_text(encoding="utf-8"))
    meta["files"][name] = hashlib.sha256((d / name).read_bytes()).hexdigest()
    (d / "model.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")


def _replace_coef(d: Path, change: Any) -> None:
    coef = np.load(d / "coef.npy")
    change(coef)
    np.save(d / "coef.npy", coef)
    _rehash(d, "coef.npy")


def _set(*path: Any, value: Any) -> Any:
    def change(data: Any) -> None:
        for key in path[:-1]:
            data = data[key]
        data[path[-1]] = value

    return change


def test_a_huge_n_gram_size_is_refused_before_classify_can_hang(tmp_path: Path, capsys: Any) -> None:
    d = _copy(tmp_path, "ngram")
    _edit_json(d, "model.json", _set("config", "char_max", value=10**12))
    assert main(["classify", "群众满意度", "--model", str(d)]) == 2
    err = capsys.readouterr().err
    assert "不是可用的 indicatorml 模型" in err and "char_max 应为[0, 10] 范围内的整数" in err


def test_a_nan_weight_is_refused(tmp_path: Path) -> None:
    d = _copy(tmp_path, "nan")
    _replace_coef(d, lambda c: c.__setitem__((0, 0), np.nan))
    with pytest.raises(IndicatormlError, match=r"coef\.npy 不是有限值的 float64 数组"):
        load_model(d)


def test_weights_that_would_overflow_into_a_nan_confidence_are_refused(tmp_path: Path) -> None:
    d = _copy(tmp_path, "huge")
    _replace_coef(d, lambda c: c.__setitem__(slice(None), np.where(c >= 0, 1e308, -1e308)))
    with pytest.raises(IndicatormlError, match="weights so large that scores could overflow"):
        load_model(d)


def test_a_repeated_class_is_refused_and_check_says_so(tmp_path: Path, capsys: Any) -> None:
    d = _copy(tmp_path, "repeated")
    _edit_json(d, "model.json", _set("classes", 1, value="11"))
    with pytest.raises(IndicatormlError, match="classes must be two or more distinct codes"):
        load_model(d)
    assert main(["check", str(SEED), "--model", str(d)]) == 2
    err = capsys.readouterr().err
    assert "不是可用的 indicatorml 模型" in err and "内部错误" not in err


@pytest.mark.parametrize(
    ("name", "change", "message"),
    [
        ("model.json", _set("classes", 3, value="41"), "class '41' is not a level-2 category code"),
        ("model.json", _set("classes", 0, value="1"), "class '1' is not a level-2 category code"),
        ("model.json", _set("blocks", "target", "weight", value=float("nan")), "blocks' weights"),
        ("model.json", _set("config", "target_weight", value=2.0), "blocks' weights"),
        ("model.json", _set("config", "colour", value="red"), "不完整或有不认识的值"),
        ("model.json", _set("temperature", value=float("inf")), "calibration scales must be positive"),
        ("model.json", _set("training", "file_sha256", value="abc"), "file_sha256 must be a list"),
        ("model.json", _set("training", value=[]), "'training' and 'evaluation' must be JSON objects"),
        ("vocabulary.json", _set("text", 1, value="w:数量"), "词必须是互不相同的字符串"),
        ("vocabulary.json", _set("target", 0, value=7), "词必须是互不相同的字符串"),
    ],
)
def test_parts_that_make_no_usable_model_are_refused(
    tmp_path: Path, name: str, change: Any, message: str
) -> None:
    d = _copy(tmp_path, "bad")
    _edit_json(d, name, change)
    with pytest.raises(IndicatormlError, match=message):
        load_model(d)


def test_the_shipped_model_passes_every_check() -> None:
    model = load_model(SHIPPED_MODEL)
    assert model.crossfit_ is not None
    for k in range(model.crossfit_.folds):  # and so do its fold models
        assert model.crossfit_.fold(k).classes_.tolist() == model.classes_.tolist()


def test_no_module_imports_one_that_imports_it_back() -> None:
    """model.py and saved.py imported each other; no pair of modules may (function-level imports count)."""
    import grimp  # installed with import-linter

    graph = grimp.build_graph("indicatorml")
    cycles = [
        (a, b)
        for a in sorted(graph.modules)
        for b in graph.find_modules_directly_imported_by(a)
        if graph.chain_exists(importer=b, imported=a)
    ]
    assert cycles == []
