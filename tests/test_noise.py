"""IndicatorClassifier(noise_weight=...): rows the held-out models contradict weigh less."""

import numpy as np
import pytest

from indicatorml.coding import IndicatorClassifier
from indicatorml.coding.noise import NOISE_OTHER, NOISE_TAU
from indicatorml.coding.options import make_config
from indicatorml.errors import IndicatormlError
from indicatorml.records import Indicator

SAT = ["群众满意度", "服务对象满意度", "学生满意度", "受益群众满意度", "参训人员满意度"]
NUM = ["培训人数", "发放补贴户数", "新建道路公里数", "采购设备数量", "举办活动场次"]
TIME = ["资金拨付及时率", "项目按时完成率", "完成时间", "任务完成及时性", "按期开工率"]


def clean_rows() -> list[Indicator]:
    """Four source pages, each with five clearly worded rows of 31, 11 and 13."""
    rows = []
    for g in range(4):
        for texts, code, target in ((SAT, "31", "≥90%"), (NUM, "11", "≥100人"), (TIME, "13", "12月底前")):
            rows += [
                Indicator(t, target=target, level2_code=code, source=f"page{g}.csv:{i + 2}")
                for i, t in enumerate(texts)
            ]
    return rows


def mislabeled(source: str = "page0.csv:99", **extra) -> Indicator:
    """A satisfaction indicator filed under 数量."""
    return Indicator("群众满意度", target="≥90%", level2_code="11", source=source, extra=dict(extra))


def labels(rows):
    return [r.level2_code for r in rows]


def assert_same_fit(a: IndicatorClassifier, b: IndicatorClassifier) -> None:
    assert a.classes_.tolist() == b.classes_.tolist()
    for name in ("coef_", "intercept_", "calibration_"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    assert a.temperature_ == b.temperature_


def test_a_contradicted_row_is_down_weighted_and_no_clean_row_is():
    rows = [*clean_rows(), mislabeled()]
    bad = len(rows) - 1
    m = IndicatorClassifier(noise_weight=0.25).fit(rows, labels(rows))
    assert m.noise_rows_.tolist() == [bad]
    assert m.training_["noise_downweighted"] == 1
    # the refit is exactly the plain fit with that row's weight times 0.25
    w = np.ones(len(rows))
    w[bad] = 0.25
    assert_same_fit(m, IndicatorClassifier().fit(rows, labels(rows), w))
    assert m.predict([mislabeled()]).tolist() == ["31"]


def test_the_rule_uses_the_held_out_calibrated_probabilities():
    rows = [*clean_rows(), mislabeled()]
    y = np.array(labels(rows))
    m = IndicatorClassifier().fit(rows, y)
    scores, lab, where = m.heldout_scores(rows, y, None, [r.group for r in rows])
    assert sorted(where.tolist()) == list(range(len(rows)))  # every real row scored once
    z = scores * m.calibration_[0] + m.calibration_[1]
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    own = p[np.arange(len(lab)), lab]
    flagged = where[own < NOISE_TAU]
    assert flagged.tolist() == [len(rows) - 1]
    r = int(np.flatnonzero(where == len(rows) - 1)[0])
    assert p[r, m.classes_.tolist().index("31")] >= NOISE_OTHER


def test_off_by_default_and_at_one_the_fit_is_the_plain_fit():
    rows = [*clean_rows(), mislabeled()]
    plain = IndicatorClassifier().fit(rows, labels(rows))
    off = IndicatorClassifier(noise_weight=1.0).fit(rows, labels(rows))
    assert_same_fit(off, plain)
    assert off.training_ == plain.training_ and "noise_downweighted" not in plain.training_
    assert not hasattr(off, "noise_rows_")
    assert IndicatorClassifier().get_params()["noise_weight"] == 1.0
    assert repr(IndicatorClassifier()) == "IndicatorClassifier()"


def test_clean_data_fits_as_without_the_option():
    rows = clean_rows()
    m = IndicatorClassifier(noise_weight=0.25).fit(rows, labels(rows))
    assert m.noise_rows_.tolist() == [] and m.training_["noise_downweighted"] == 0
    assert_same_fit(m, IndicatorClassifier().fit(rows, labels(rows)))


def test_hand_written_and_own_rows_are_never_down_weighted():
    rows = [*clean_rows(), mislabeled("hand.tsv:2", provenance="hand-written")]
    m = IndicatorClassifier(noise_weight=0.25).fit(rows, labels(rows))
    assert m.noise_rows_.tolist() == []
    # a bureau's own row (weight > 1) keeps its weight; the same row at weight 1 does not
    rows = [*clean_rows(), mislabeled("own.csv:2")]
    w = np.r_[np.ones(len(rows) - 1), 3.0]
    m = IndicatorClassifier(noise_weight=0.25).fit(rows, labels(rows), w)
    assert m.noise_rows_.tolist() == [] and m.training_["noise_downweighted"] == 0
    assert_same_fit(m, IndicatorClassifier().fit(rows, labels(rows), w))
    w[-1] = 1.0
    m = IndicatorClassifier(noise_weight=0.25).fit(rows, labels(rows), w)
    assert m.noise_rows_.tolist() == [len(rows) - 1]
    w[-1] = 0.25
    assert_same_fit(m, IndicatorClassifier().fit(rows, labels(rows), w))


def test_without_calibration_the_rule_still_runs_and_the_scores_stay_raw():
    rows = [*clean_rows(), mislabeled()]
    m = IndicatorClassifier(calibrate=False, noise_weight=0.25).fit(rows, labels(rows))
    assert m.noise_rows_.tolist() == [len(rows) - 1]
    assert m.temperature_ == 1.0 and (m.calibration_ == np.vstack([np.ones(3), np.zeros(3)])).all()


@pytest.mark.parametrize("value", [0, 0.0, -0.25, 1.5, True, "0.25", float("nan"), None])
def test_bad_values_are_refused(value):
    with pytest.raises(IndicatormlError, match="noise_weight 应为"):
        make_config({"noise_weight": value})


def test_good_values_are_accepted_and_fit_checks_too():
    assert make_config({"noise_weight": 0.25}) == {"noise_weight": 0.25}
    assert make_config('{"noise_weight": 1}') == {"noise_weight": 1}
    with pytest.raises(ValueError, match="noise_weight"):
        IndicatorClassifier(noise_weight=0).fit(["满意度", "人数"], ["31", "11"])
