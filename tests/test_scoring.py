"""One scorer per row: the suggestion a page shows and the label finding beside it agree.

Why: the seed is one of the shipped model's training files. Its label check scores each row
with the fold model that never saw it; the suggestion shown beside the row used to come from
the full model, which learned the row and so repeats its given label next to a finding saying
"looks more like 数量指标".
"""

from __future__ import annotations

import numpy as np

from indicatorml.checks import check_table
from indicatorml.coding import classify, load_model, score_rows
from indicatorml.records import Indicator
from indicatorml.tables import read_table
from indicatorml.taxonomy import canonical_level2

from helpers import SEED, WORKBOOKS


def test_seed_rows_are_scored_by_the_fold_models_and_findings_suggest_what_the_page_shows():
    model = load_model()
    table = read_table(str(SEED))
    scores = score_rows(model, table.records, table.sha256)
    assert scores.heldout.all()  # the shipped model learned the seed: every row goes to its fold model
    findings = [f for f in check_table(table, model, scores=scores) if f.rule == "label.improbable"]
    assert findings, "the seed has rows the fold models doubt"
    for f in findings:
        shown = scores.predictions[f.row]
        assert shown.level2_code is not None
        assert canonical_level2(shown.level2_code) == f.suggested_level2_code
        assert f.suggested_level2_code != canonical_level2(f.given_level2_code)
        assert f.probability == float(scores.proba[f.row][scores.classes.index(f.suggested_level2_code)])
    # the same findings come out when check_table scores the rows itself
    assert findings == [f for f in check_table(table, model) if f.rule == "label.improbable"]


def test_rows_the_model_never_learned_get_exactly_what_classify_gives():
    model = load_model()
    table = read_table(str(WORKBOOKS / "申报表_三个项目.xlsx"))
    scores = score_rows(model, table.records, table.sha256)
    assert not scores.heldout.any()
    assert scores.predictions == classify(table.records, model)


def test_rows_without_usable_text_have_no_scores_and_say_why():
    model = load_model()
    records = [Indicator("培训人次", "≥100人次"), Indicator("   "), Indicator("123%")]
    scores = score_rows(model, records)
    assert scores.usable.tolist() == [True, False, False]
    assert np.allclose(scores.proba[0].sum(), 1.0) and not scores.proba[1:].any()
    assert scores.predictions[1].level2_code is None and scores.predictions[1].message
    assert scores.predictions[2].level2_code is None and scores.predictions[2].message
