"""Training and grouped evaluation: what ``indicatorml train`` and ``indicatorml evaluate`` run.

Why kept apart from :mod:`.model` and :mod:`.predict`: this is the only part that needs
scikit-learn, and the only part that reads labeled tables in bulk.

Why own tables weigh more: the shipped data are many publishers' habits; a bureau training
on its own past tables wants the model to follow *its* habit where the two disagree (a
vocational college files 国家级课程数量 under 质量, most tables under 数量). Rows from
``--data`` therefore get ``own_weight`` times the weight of a shipped row. The figure that
supports the default is in ``benchmarks/bench_classify.py`` (domain adaptation).

Why hand-written examples (``data/handwritten/``): the real data have few rows of some
categories (8 生态效益, 24 可持续影响) and publishers disagree; a few dozen rows written from
the category definitions alone teach the textbook form of each category. They are training
rows only: every evaluation scores real rows, with the hand-written rows added to each
training fold and never to a test fold (``handwritten=False`` turns them off; the benchmark
shows both in one run).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import IndicatormlError
from ..records import Indicator
from .crossfit import CrossFit, fold_keys
from .evaluation import cross_val_predict_proba, evaluation_groups, figures_of
from .labeled_data import DEFAULT_OWN_WEIGHT, drop_handwritten, is_handwritten, load_labeled, own_weights
from .model import IndicatorClassifier
from .options import check_counts, make_config
from .saved import check_model_dir, save_model

_SAVED_FIGURES = (
    "n",
    "level2_accuracy",
    "macro_f1",
    "level1_accuracy",
    "ece",
    "coverage_at_95_precision",
    "coverage_threshold",
    "share_confidence_ge_0_9",
    "accuracy_confidence_ge_0_9",
)


def train(
    paths: Sequence[str | os.PathLike[str]] = (),
    default_data: bool = True,
    out: str | os.PathLike[str] | None = None,
    config: dict[str, Any] | str | None = None,
    own_weight: float = DEFAULT_OWN_WEIGHT,
    folds: int = 5,
    with_evaluation: bool = True,
    progress: bool = True,
    handwritten: bool = True,
    own_records: Sequence[Indicator] = (),
) -> IndicatorClassifier:
    """Train on the shipped data (with the hand-written examples unless ``handwritten`` is
    False) plus ``paths`` (rows of ``paths`` weigh ``own_weight``), record the grouped-CV
    figures of real rows in the model's metadata, and save to ``out`` if given.

    ``own_records`` are own rows already read (a department's reviewed rows from the store):
    labeled with a level-2 code, each naming its source the way a read file's rows do —
    ``origin.file`` (what the grouped evaluation keeps together) and ``origin.file_sha256``
    (the fold map, so the label check of that file later is cross-fitted)."""
    cfg = make_config(config)
    check_counts(folds, own_weight)
    if out is not None and Path(out).exists() and not Path(out).is_dir():
        raise IndicatormlError(f"--out {out} 是一个文件;请给模型目录")
    if out is not None:
        check_model_dir(Path(out))
    if paths or default_data or not own_records:
        records, own = load_labeled(paths, default_data, handwritten=handwritten)
    else:
        records, own = [], np.zeros(0, dtype=bool)
    if own_records:
        records = [*records, *own_records]
        own = np.concatenate([own, np.ones(len(own_records), dtype=bool)])
    y = [r.level2_code for r in records]
    w = own_weights(own, own_weight)
    evaluation = None
    fold_models: list[tuple[IndicatorClassifier, np.ndarray]] = []
    crossfit = None
    if with_evaluation:
        scored, scored_own = drop_handwritten(records, own)
        try:
            groups, grouping = evaluation_groups(scored, folds)
        except IndicatormlError:
            groups = None
        if groups is not None and len(set(y)) >= 2:
            hand = [r for r in records if is_handwritten(r)]
            proba, classes = cross_val_predict_proba(
                scored,
                folds,
                cfg,
                0,
                own_weights(scored_own, own_weight),
                groups,
                progress=progress,
                train_only=hand,
                keep_models=fold_models,
            )
            models = tuple(m for m, _ in fold_models)
            crossfit = CrossFit(
                len(fold_models),
                fold_keys(scored, [t for _, t in fold_models], grouping.startswith("project")),
                models.__getitem__,
            )
            evaluation = _evaluation(scored, scored_own, proba, classes, cfg)
            evaluation.update(
                {
                    "folds": min(folds, len(set(groups))),
                    "grouped_by": grouping,
                    "groups": len(set(groups)),
                    "seed": 0,
                }
            )
    if progress:
        print(
            f"indicatorml: 正在用 {len(records)} 条指标训练"
            f"(其中 {int(own.sum())} 条来自你的表,权重 {own_weight:g})",
            file=sys.stderr,
        )
    facts = {
        "own_rows": int(own.sum()),
        "own_weight": float(own_weight) if w is not None else 1.0,
        "handwritten_rows": sum(1 for r in records if is_handwritten(r)),
        # Which files the model has seen (their bytes' sha256): a label check of one of them is no test.
        "file_sha256": sorted({r.origin.file_sha256 or "" for r in records} - {""}),
    }
    model = IndicatorClassifier(**cfg).fit(
        records, y, w, training=facts, evaluation=evaluation, crossfit=crossfit
    )
    if out is not None:
        save_model(model, out, folds=True)  # whole or not at all, folds included
    return model


def _evaluation(
    scored: list[Indicator],
    scored_own: np.ndarray | None,
    proba: np.ndarray,
    classes: np.ndarray,
    cfg: dict[str, Any],
) -> dict[str, Any]:
    """The figures a model keeps of its grouped CV: on every scored row, and on your rows only."""
    fig = figures_of(scored, proba, classes, cfg)
    evaluation: dict[str, Any] = {k: fig[k] for k in _SAVED_FIGURES}
    mine = np.flatnonzero(scored_own) if scored_own is not None else np.zeros(0, dtype=int)
    if 0 < len(mine) < len(scored):
        # The same out-of-fold answers, on your rows only: comparable with another
        # model's figures on your tables (the web page's 本单位模型 comparison).
        own_fig = figures_of([scored[i] for i in mine], proba[mine], classes, cfg)
        evaluation["own"] = {k: own_fig[k] for k in _SAVED_FIGURES}
    return evaluation
