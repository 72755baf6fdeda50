"""The *why* of a suggestion (coding/explain.py), checked exactly on small fitted models.

The model is linear and its calibration is a scale and shift per class, so a row's
log p[toward] − log p[away] is the sum of its features' contributions plus a constant. The tests
compute that sum from the model's own arrays and compare; they compute the words' weights from
the features independently (with character n-grams off, each word's weight is its word
feature's plus its last-word feature's); and they check that spreading n-grams over words loses
nothing.
"""

from __future__ import annotations

import numpy as np
import pytest

from indicatorml.coding import IndicatorClassifier, classify
from indicatorml.coding.explain import contributions, explain, explain_suggestion, explainable, word_terms

TEXTS = [
    ("检查次数", "≥10次", "11"),
    ("培训次数", "≥5次", "11"),
    ("宣传活动次数", "≥20次", "11"),
    ("走访企业数量", "≥50家", "11"),
    ("检查合格率", "≥95%", "12"),
    ("培训合格率", "≥90%", "12"),
    ("验收合格率", "=100%", "12"),
    ("设备完好率", "≥98%", "12"),
    ("群众满意度", "≥90%", "31"),
    ("企业满意度", "≥95%", "31"),
    ("服务对象满意度", "≥90%", "31"),
    ("参训人员满意度", "≥85%", "31"),
]


def fitted(**params) -> IndicatorClassifier:
    """A small model, uncalibrated, then given a calibration with unequal scales and shifts (so
    the tests see the scales in the formula, not only a temperature)."""
    model = IndicatorClassifier(calibrate=False, **params)
    model.fit([(t, g) for t, g, _ in TEXTS], [y for _, _, y in TEXTS])
    model.calibration_ = np.vstack([[0.8, 1.3, 1.1], [0.2, -0.1, 0.05]])
    return model


def log_ratio(model: IndicatorClassifier, text: str, target: str | None, toward: str, away: str) -> float:
    p = model.predict_proba([(text, target)])[0]
    classes = [str(c) for c in model.classes_]
    return float(np.log(p[classes.index(toward)]) - np.log(p[classes.index(away)]))


@pytest.mark.parametrize(
    ("text", "target", "toward", "away"),
    [
        ("检查次数", "≥10次", "11", "12"),
        ("企业检查合格率", "≥95%", "12", "31"),
        ("培训满意度", None, "31", "11"),
    ],
)
def test_contributions_add_up_to_the_log_odds(text, target, toward, away):
    model = fitted()
    features, values, constant = contributions(model, text, target, toward, away)
    assert len(features) == len(values) > 0
    assert values.sum() + constant == pytest.approx(log_ratio(model, text, target, toward, away), abs=1e-9)
    # a feature's contribution is its TF-IDF value times the scaled coefficient difference
    rows = model.transform([(text, target)])
    classes = [str(c) for c in model.classes_]
    t, a = classes.index(toward), classes.index(away)
    a_t, a_a = model.calibration_[0][t], model.calibration_[0][a]
    expected = rows.data * (a_t * model.coef_[rows.indices, t] - a_a * model.coef_[rows.indices, a])
    assert np.allclose(values, expected)


def test_words_weigh_what_their_word_features_weigh():
    """Character n-grams off, word pairs off: a word's weight is its ``w:`` feature's plus, for
    the last word, its ``e:`` feature's; the target's features are one term."""
    model = fitted(char_min=0, char_max=0, word_ngrams=1)
    features, values, _ = contributions(model, "检查次数", "≥10次", "11", "12")
    by = dict(zip(features, values.tolist(), strict=True))
    expected = {
        "检查": by.get("w:检查", 0.0),
        "次数": by.get("w:次数", 0.0) + by.get("e:次数", 0.0),
        "指标值≥10次": sum(v for f, v in by.items() if f[:2] not in ("w:", "c:", "e:")),
    }
    got = explain(model, "检查次数", "≥10次", "11", "12", top=10)
    assert "次数" in got.words()
    assert {t.text: t.weight for t in got.terms} == pytest.approx(
        {k: v for k, v in expected.items() if v > 0 and v >= 0.1 * max(expected.values())}
    )
    assert [t.weight for t in got.terms] == sorted((t.weight for t in got.terms), reverse=True)


def test_spreading_ngrams_over_words_loses_nothing():
    """With character n-grams on, every feature's contribution lands on the words it covers:
    the words' and the target's weights add up to all the features' (no cap, no cut)."""
    model = fitted()
    features, values, _ = contributions(model, "宣传检查次数", "≥3次", "11", "12")
    terms = word_terms(  # the uncut list, to check the sum
        "宣传检查次数", "≥3次", features, values
    )
    assert sum(t.weight for t in terms) == pytest.approx(float(values.sum()))
    assert [t.text for t in terms if t.kind == "text"] == [
        "宣传",
        "检查",
        "次数",
    ]  # overlapping n-grams merged


def test_the_why_of_a_count_filed_as_quality_names_its_count_words():
    model = fitted()
    why = explain(model, "检查次数", "≥10次", "11", "12")
    assert why.toward == "11" and why.away == "12"
    assert "次数" in why.words()
    assert all(t.weight > 0 for t in why.terms) and len(why.terms) <= 3
    assert why.phrase().endswith("→ 数量指标") and "「次数」" in why.phrase()


def test_the_why_of_a_suggestion_is_toward_classifys_answer():
    model = fitted()
    why = explain_suggestion(model, "企业满意度调查", "≥90%")
    assert why is not None
    assert why.toward == classify([("企业满意度调查", "≥90%")], model)[0].level2_code == "31"
    assert why.away != "31" and why.terms
    assert explain_suggestion(model, "   ") is None  # nothing to go on


def test_only_our_linear_model_can_be_taken_apart():
    assert explainable(fitted())
    assert not explainable(IndicatorClassifier())  # not fitted
    assert not explainable(object())


def test_the_why_of_every_row_agrees_with_the_label_findings_on_the_seed():
    """On the seed (training rows: each scored by its fold model) the why of a row's suggestion is
    its label finding's why, and every row with a suggestion has one."""
    from indicatorml.checks import check_table
    from indicatorml.coding import explain_rows, load_model, score_rows
    from indicatorml.tables import read_table

    from helpers import SEED

    model = load_model()
    table = read_table(str(SEED))
    scores = score_rows(model, table.records, table.sha256)
    whys = explain_rows(model, table.records, scores, table.sha256)
    findings = [f for f in check_table(table, model, scores=scores) if f.rule == "label.improbable"]
    assert findings and all(whys[f.row] is not None and whys[f.row].words() == f.why for f in findings)
    for i, (why, pred) in enumerate(zip(whys, scores.predictions, strict=True)):
        assert why is not None and why.toward == pred.level2_code, i
        given = table.records[i].level2_code
        assert why.away != why.toward
        if given != pred.level2_code:
            assert why.away == given  # away from what the table says, where the suggestion differs


def test_rows_explained_by_a_model_that_cannot_be_taken_apart_have_no_why():
    from indicatorml.coding import explain_rows, score_rows
    from indicatorml.records import Indicator

    class Stub:
        classes_ = np.array(["11", "12"])

        def predict_proba(self, X):
            return np.array([[0.7, 0.3] for _ in X])

    records = [Indicator("培训次数", "≥5次", level2_code="12")]
    assert explain_rows(Stub(), records, score_rows(Stub(), records)) == [None]
