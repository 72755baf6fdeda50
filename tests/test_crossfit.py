"""Cross-fitted folds: a training table's rows are scored by the fold model that never saw them.

The data: real corpus rows of 12 source pages, in one TSV (the ``url`` column names each page),
trained with 3 grouped folds and saved. Exact routing is asserted: a training row's
probabilities are those of the one fold model whose folds left its page out; a row from a page
the model never saw gets the full model's; a damaged fold map is refused at load time.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from indicatorml.checks import check_table
from indicatorml.coding import load_model, train
from indicatorml.coding.crossfit import fold_model, heldout_proba, source_key
from indicatorml.errors import IndicatormlError
from indicatorml.tables import read_table

from helpers import CORPUS


def _pages(n: int, skip: int = 0) -> tuple[list[str], list[list[str]]]:
    with CORPUS.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    header, body = rows[0], rows[1:]
    urls: list[str] = []
    for r in body:
        if r[0] not in urls:
            urls.append(r[0])
    keep = set(urls[skip : skip + n])
    return header, [r for r in body if r[0] in keep]


def _write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    path.write_text("\n".join("\t".join(r) for r in [header, *rows]) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    d = tmp_path_factory.mktemp("crossfit")
    header, rows = _pages(12)
    data = _write(d / "own.tsv", header, rows)
    train([str(data)], default_data=False, out=d / "m", folds=3, progress=False, handwritten=False)
    return d, data


def test_train_saves_fold_models_and_the_source_map(trained):
    d, data = trained
    meta = json.loads((d / "m" / "model.json").read_text(encoding="utf-8"))
    assert meta["crossfit"]["folds"] == 3
    table = read_table(data)
    urls = {r.url for r in table.records}
    assert set(meta["crossfit"]["keys"]) == {f"url:{u}" for u in urls}
    assert sorted(set(meta["crossfit"]["keys"].values())) == [0, 1, 2]
    for k in range(3):
        assert (d / "m" / "folds" / str(k) / "model.json").is_file()


def test_training_rows_are_scored_by_the_fold_that_left_their_page_out(trained):
    d, data = trained
    model = load_model(d / "m")
    table = read_table(data)
    proba, heldout = heldout_proba(model, table.records, table.sha256)
    assert heldout.all()
    keys = model.crossfit_.keys
    for i in (0, len(table.records) // 2, len(table.records) - 1):
        rec = table.records[i]
        fold = fold_model(model, keys[source_key(rec, table.sha256)])
        want = np.zeros(len(model.classes_))
        col = {c: j for j, c in enumerate(model.classes_)}
        for j, c in enumerate(fold.classes_):
            want[col[c]] = fold.predict_proba([rec])[0, j]
        assert np.array_equal(proba[i], want)
        assert not np.array_equal(proba[i], model.predict_proba([rec])[0])


def test_rows_of_unseen_pages_are_scored_by_the_full_model(trained, tmp_path):
    d, _ = trained
    model = load_model(d / "m")
    header, rows = _pages(3, skip=40)
    table = read_table(_write(tmp_path / "new.tsv", header, rows))
    proba, heldout = heldout_proba(model, table.records, table.sha256)
    assert not heldout.any()
    assert np.array_equal(proba, model.predict_proba(table.records))


def test_no_trained_on_note_when_folds_check_the_table(trained):
    d, data = trained
    findings = check_table(read_table(data), load_model(d / "m"))
    assert "label.trained-on" not in {f.rule for f in findings}


def test_a_damaged_fold_map_is_refused(trained, tmp_path):
    import shutil

    d, _ = trained
    bad = tmp_path / "bad"
    shutil.copytree(d / "m", bad)
    meta = json.loads((bad / "model.json").read_text(encoding="utf-8"))
    meta["crossfit"]["keys"] = {k: 7 for k in meta["crossfit"]["keys"]}
    (bad / "model.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(IndicatormlError, match="fold numbers outside 0..2"):
        load_model(bad)


def test_a_missing_fold_directory_is_a_clear_error(trained, tmp_path):
    import shutil

    d, data = trained
    gone = tmp_path / "gone"
    shutil.copytree(d / "m", gone)
    shutil.rmtree(gone / "folds" / "1")
    table = read_table(data)
    with pytest.raises(IndicatormlError, match="无法加载模型的第 1 折"):
        heldout_proba(load_model(gone), table.records, table.sha256)
