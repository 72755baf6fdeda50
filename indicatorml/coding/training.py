"""Training and grouped evaluation: what ``indicatorml train`` and ``indicatorml evaluate`` run.

Why kept apart from :mod:`indicatorml.classify`: this is the only part that needs
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

from .. import shipped
from ..errors import IndicatormlError
from ..records import Indicator
from ..taxonomy import by_code, canonical_level2, parent
from .metrics import classification_figures, group_folds
from .model import IndicatorClassifier

__all__ = [
    "DEFAULT_OWN_WEIGHT",
    "HANDWRITTEN",
    "default_data_paths",
    "handwritten_paths",
    "is_handwritten",
    "load_labeled",
    "evaluation_groups",
    "cross_val_predict_proba",
    "evaluate",
    "train",
    "make_config",
]

DEFAULT_OWN_WEIGHT = 3.0
_DATA_DIR = shipped.DATA_DIR
HANDWRITTEN = "hand-written"  # the provenance every row of data/handwritten/ must carry


def handwritten_paths() -> list[Path]:
    """The shipped hand-written example files (training only, never evaluated)."""
    return sorted((_DATA_DIR / "handwritten").glob("*.tsv"))


def is_handwritten(record: Indicator) -> bool:
    """True for a row from a hand-written examples file (never scored in an evaluation)."""
    return str(record.extra.get("provenance", "")).strip() == HANDWRITTEN


def default_data_paths() -> list[Path]:
    """The shipped labeled data: the public corpus and the seed table(s)."""
    corpus = _DATA_DIR / "corpus" / "public_indicators.tsv"
    seeds = sorted((_DATA_DIR / "seed").glob("*.txt"))
    if not corpus.is_file():
        raise IndicatormlError(f"the shipped data ({corpus}) is not in this installation; "
                               "train with --no-default-data --data YOUR_TABLES")
    return [corpus, *seeds]


def make_config(config: dict[str, Any] | str | None) -> dict[str, Any]:
    """Model options from a dict, JSON text or a .json file; unknown keys are an error."""
    import json

    if config is None:
        return {}
    if isinstance(config, str):
        text = config
        if not text.lstrip().startswith("{"):
            try:
                text = Path(config).read_text(encoding="utf-8")
            except OSError as e:
                raise IndicatormlError(f"--model-config: cannot read {config}: {e.strerror or e}") from None
        try:
            config = json.loads(text)
        except json.JSONDecodeError as e:
            raise IndicatormlError(f"--model-config is not JSON: {e}") from None
    if not isinstance(config, dict):
        raise IndicatormlError("model config must be a JSON object of options")
    valid = set(IndicatorClassifier._param_names())
    unknown = sorted(set(config) - valid)
    if unknown:
        raise IndicatormlError(f"unknown model option(s) {', '.join(unknown)}; valid: {', '.join(sorted(valid))}")
    for key, value in config.items():
        ok, want = _OPTION_CHECKS[key]
        if not ok(value):
            raise IndicatormlError(f"model option {key} must be {want}, not {value!r}")
    return dict(config)


def _num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and bool(np.isfinite(v))


def _int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


# Checked before any fitting, so a typo costs no training time and shows no scikit-learn traceback.
_OPTION_CHECKS: dict[str, tuple[Any, str]] = {
    "C": (lambda v: _num(v) and v > 0, "a number > 0"),
    "loss": (lambda v: v in ("logistic", "hinge"), "'logistic' or 'hinge'"),
    "word_ngrams": (lambda v: _int(v) and v >= 1, "an integer >= 1"),
    "char_min": (lambda v: _int(v) and v >= 0, "an integer >= 0"),
    "char_max": (lambda v: _int(v) and v >= 0, "an integer >= 0"),
    "use_target": (lambda v: isinstance(v, bool), "true or false"),
    "target_weight": (lambda v: _num(v) and v >= 0, "a number >= 0"),
    "sublinear_tf": (lambda v: isinstance(v, bool), "true or false"),
    "min_df": (lambda v: _int(v) and v >= 1, "an integer >= 1"),
    "calibrate": (lambda v: isinstance(v, bool), "true or false"),
    "calibration": (lambda v: v in ("temperature", "vector"), "'temperature' or 'vector'"),
    "calibration_reg": (lambda v: _num(v) and v >= 0, "a number >= 0"),
    "calibration_folds": (lambda v: _int(v) and v >= 2, "an integer >= 2"),
    "level1_rule": (lambda v: v in ("sum", "argmax"), "'sum' or 'argmax'"),
    "seed": (lambda v: _int(v) and v >= 0, "an integer >= 0"),
}


def _mark_handwritten(table: Any, path: Path) -> None:
    """Mark every record of a hand-written file, refusing a file whose rows do not all say so
    (a real row must never slip into the training-only set, nor a made-up one into the scores)."""
    cols = [c.strip().lower() for c in (table.columns or [])]
    if "provenance" not in cols:
        raise IndicatormlError(f"{path}: a hand-written examples file needs a 'provenance' column")
    k = cols.index("provenance")
    for r in table.records:
        row = table.rows[r.extra["_row"]]
        value = str(row[k]).strip() if k < len(row) else ""
        if value != HANDWRITTEN:
            raise IndicatormlError(f"{r.source}: provenance is {value!r}, not {HANDWRITTEN!r}")
        r.extra["provenance"] = HANDWRITTEN


def load_labeled(paths: Sequence[str | os.PathLike] = (), default_data: bool = True,
                 stream: Any = ..., handwritten: bool = False) -> tuple[list[Indicator], np.ndarray]:
    """Labeled records of the shipped data and/or ``paths``, and a flag per row: from ``paths``?

    Unreadable rows are reported (file:line) on ``stream``; rows without a level-2 label are
    counted and skipped; cost in either layout becomes 14. With ``handwritten`` (and the
    default data) the shipped hand-written examples come last, marked (:func:`is_handwritten`).
    """
    from ..tables import read_table, report_problems

    if stream is ...:  # sys.stderr as it is now (a default bound at import goes stale)
        stream = sys.stderr
    files: list[tuple[Path, bool]] = []
    if default_data:
        files += [(p, False) for p in default_data_paths()]
        if handwritten:
            files += [(p, False) for p in handwritten_paths()]
    for p in paths:
        path = Path(p)
        if path.is_dir():
            found = sorted(q for q in path.rglob("*") if q.is_file() and q.suffix.lower()
                           in (".txt", ".tsv", ".csv", ".xlsx", ".jsonl"))
            if not found:
                raise IndicatormlError(f"{path}: no tables (.txt .tsv .csv .xlsx .jsonl) in this directory")
            files += [(q, True) for q in found]
        elif path.is_file():
            files.append((path, True))
        else:
            raise IndicatormlError(f"{path}: no such file")
    records: list[Indicator] = []
    own: list[bool] = []
    unlabeled = 0
    own_read = 0
    tables = []
    for path, is_own in files:
        table = read_table(str(path))
        for r in table.records:  # so the model can say which files it has seen (check warns on them)
            r.extra["_file_sha256"] = table.sha256
        if not is_own:  # shipped files are named from the repository top, wherever it lives,
            rel = path.relative_to(_DATA_DIR.parent).as_posix()  # so folds (and models) are the same
            for r in table.records:
                r.source = rel + r.source[len(str(path)):] if r.source.startswith(str(path)) else r.source
        if path.parent.name == "handwritten" and path.parent.parent == _DATA_DIR:
            _mark_handwritten(table, path)
        tables.append(table)
        own_read += len(table.records) if is_own else 0
        for r in table.records:
            code = (r.level2_code or "").strip()
            if not code or not code.isdigit():
                unlabeled += 1
                continue
            try:
                cat = by_code(canonical_level2(code))
            except KeyError:
                unlabeled += 1
                continue
            if cat.level != 2:
                unlabeled += 1
                continue
            r.level2_code = cat.code
            records.append(r)
            own.append(is_own)
    if stream is not None:
        report_problems(tables, stream=stream)
        if unlabeled:
            print(f"indicatorml: {unlabeled} indicator(s) without a level-2 label were not used", file=stream)
    if paths and not any(own):
        # Training "on your tables" with none of their rows would silently give the shipped model.
        names = ", ".join(str(p) for p in paths)
        if not own_read:
            raise IndicatormlError(f"{names}: no indicators could be read, so there is nothing to learn from")
        raise IndicatormlError(f"{names}: none of the {own_read} indicator(s) read has a level-2 label (二级指标), "
                               "so there is nothing to learn from them; label them first (e.g. "
                               "`indicatorml code FILE`, then review the codes) or leave out --data")
    if not records:
        raise IndicatormlError("no labeled indicators to learn from")
    return records, np.asarray(own, dtype=bool)


def evaluation_groups(records: Sequence[Indicator], n_splits: int) -> tuple[list[str], str]:
    """Groups for k-fold and what they are: source page/file, else project within a file."""
    groups = [r.group for r in records]
    if len(set(groups)) >= n_splits:
        return groups, "source page or file"
    by_project = [f"{r.group}#{r.project or ''}" for r in records]
    if len(set(by_project)) >= 2:
        return by_project, "project (too few pages or files for the folds)"
    raise IndicatormlError("grouped evaluation needs at least two sources (pages, files or projects)")


def _weights(own: np.ndarray | None, own_weight: float) -> np.ndarray | None:
    if own is None or not own.any() or own.all():
        return None
    return np.where(own, float(own_weight), 1.0)


def cross_val_predict_proba(records: Sequence[Indicator], n_splits: int = 5, config: dict | None = None,
                            seed: int = 0, sample_weight: Sequence[float] | None = None,
                            groups: Sequence[str] | None = None,
                            progress: bool = False, train_only: Sequence[Indicator] = (),
                            train_only_weight: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Out-of-fold calibrated probabilities; folds never split a group (default: record.group).

    Returns ``(proba, classes)``: ``proba[i]`` comes from a model that never saw row i's group.
    ``train_only`` rows (hand-written examples) join every fold's training part and are never
    scored. Deterministic for a seed. A class absent from a fold's training part gets
    probability 0.
    """
    records = list(records)
    y = np.asarray([canonical_level2(r.level2_code or "") for r in records])
    keys = list(groups) if groups is not None else [r.group for r in records]
    n_groups = len(set(keys))
    if n_groups < 2:
        raise IndicatormlError("cross-validation needs at least two groups (pages, files or projects)")
    n_splits = min(n_splits, n_groups)
    classes = np.array(sorted(set(y.tolist()), key=int))
    col = {c: j for j, c in enumerate(classes)}
    proba = np.zeros((len(records), len(classes)))
    w = None if sample_weight is None else np.asarray(sample_weight, dtype=float)
    cfg = make_config(config)
    folds = group_folds(keys, n_splits, seed)
    it = folds
    if progress:
        from tqdm import tqdm

        it = tqdm(folds, desc="cross-validating", unit="fold", file=sys.stderr, leave=False)
    extra = list(train_only)
    y_extra = [canonical_level2(r.level2_code or "") for r in extra]
    for train_idx, test_idx in it:
        fold_w = None
        if extra and (w is not None or train_only_weight != 1.0):
            fold_w = np.r_[np.ones(len(train_idx)) if w is None else w[train_idx],
                           np.full(len(extra), float(train_only_weight))]
        elif w is not None:
            fold_w = w[train_idx]
        m = IndicatorClassifier(**cfg).fit([records[i] for i in train_idx] + extra,
                                           [*y[train_idx].tolist(), *y_extra], fold_w,
                                           groups=[keys[i] for i in train_idx] + [r.group for r in extra])
        p = m.predict_proba([records[i] for i in test_idx])
        for j, c in enumerate(m.classes_):
            proba[test_idx, col[c]] = p[:, j]
    return proba, classes


def _figures(records: Sequence[Indicator], proba: np.ndarray, classes: np.ndarray, cfg: dict) -> dict[str, Any]:
    decider = IndicatorClassifier(**cfg)
    decider.classes_ = classes
    chosen = decider._decide(proba)
    pred = classes[chosen]
    conf = proba[np.arange(len(pred)), chosen]
    y = [canonical_level2(r.level2_code or "") for r in records]
    return classification_figures(y, pred, conf, list(classes), {c: parent(c).code for c in classes},
                                  {c: by_code(c).name for c in classes})


def evaluate(paths: Sequence[str | os.PathLike] = (), default_data: bool = True,
             config: dict | str | None = None, folds: int = 5, seed: int = 0,
             own_weight: float = DEFAULT_OWN_WEIGHT, progress: bool = True,
             records: Sequence[Indicator] | None = None, handwritten: bool = True) -> dict[str, Any]:
    """Grouped k-fold figures: level-2 accuracy, macro-F1, level-1 accuracy, per-class P/R,
    confusion matrix, ECE, coverage at 95% precision. Hand-written rows (``handwritten``, on by
    default like in :func:`train`) join every training fold and are never scored."""
    cfg = make_config(config)
    _check_counts(folds, own_weight)
    if records is None:
        records, own = load_labeled(paths, default_data, handwritten=handwritten)
    else:
        records, own = list(records), None
    hand = [r for r in records if is_handwritten(r)] if handwritten else []
    records, own = _drop_handwritten(records, own)
    groups, grouping = evaluation_groups(records, folds)
    proba, classes = cross_val_predict_proba(records, folds, cfg, seed, _weights(own, own_weight), groups,
                                             progress=progress, train_only=hand)
    out = _figures(records, proba, classes, cfg)
    out.update({
        "folds": min(folds, len(set(groups))),
        "grouped_by": grouping,
        "groups": len(set(groups)),
        "seed": seed,
        "config": IndicatorClassifier(**cfg).get_params(),
    })
    return out


def _check_counts(folds: int, own_weight: float) -> None:
    if not _int(folds) or folds < 2:
        raise IndicatormlError(f"--folds must be at least 2 (got {folds})")
    if not _num(own_weight) or own_weight <= 0:
        raise IndicatormlError(f"--own-weight must be a number > 0 (got {own_weight})")


def _drop_handwritten(records: list[Indicator], own: np.ndarray | None) -> tuple[list[Indicator], np.ndarray | None]:
    keep = [i for i, r in enumerate(records) if not is_handwritten(r)]
    return [records[i] for i in keep], (None if own is None else own[keep])


def train(paths: Sequence[str | os.PathLike] = (), default_data: bool = True,
          out: str | os.PathLike | None = None, config: dict | str | None = None,
          own_weight: float = DEFAULT_OWN_WEIGHT, folds: int = 5, with_evaluation: bool = True,
          progress: bool = True, handwritten: bool = True) -> IndicatorClassifier:
    """Train on the shipped data (with the hand-written examples unless ``handwritten`` is
    False) plus ``paths`` (rows of ``paths`` weigh ``own_weight``), record the grouped-CV
    figures of real rows in the model's metadata, and save to ``out`` if given."""
    cfg = make_config(config)
    _check_counts(folds, own_weight)
    if out is not None and Path(out).exists() and not Path(out).is_dir():
        raise IndicatormlError(f"--out {out} is a file; give a directory for the model")
    records, own = load_labeled(paths, default_data, handwritten=handwritten)
    y = [r.level2_code for r in records]
    w = _weights(own, own_weight)
    evaluation = None
    if with_evaluation:
        scored, scored_own = _drop_handwritten(records, own)
        try:
            groups, grouping = evaluation_groups(scored, folds)
        except IndicatormlError:
            groups = None
        if groups is not None and len(set(y)) >= 2:
            hand = [r for r in records if is_handwritten(r)]
            proba, classes = cross_val_predict_proba(scored, folds, cfg, 0, _weights(scored_own, own_weight),
                                                     groups, progress=progress, train_only=hand)
            fig = _figures(scored, proba, classes, cfg)
            evaluation = {k: fig[k] for k in ("n", "level2_accuracy", "macro_f1", "level1_accuracy", "ece",
                                              "coverage_at_95_precision", "coverage_threshold",
                                              "share_confidence_ge_0_9", "accuracy_confidence_ge_0_9")}
            evaluation.update({"folds": min(folds, len(set(groups))), "grouped_by": grouping,
                               "groups": len(set(groups)), "seed": 0})
    if progress:
        print(f"indicatorml: fitting on {len(records)} indicators "
              f"({int(own.sum())} from your tables, weight {own_weight:g})", file=sys.stderr)
    model = IndicatorClassifier(**cfg).fit(records, y, w)
    model.training_["own_rows"] = int(own.sum())
    model.training_["own_weight"] = float(own_weight) if w is not None else 1.0
    model.training_["handwritten_rows"] = sum(1 for r in records if is_handwritten(r))
    # Which files the model has seen (their bytes' sha256): a label check of one of them is no test.
    model.training_["file_sha256"] = sorted({r.extra.get("_file_sha256") or "" for r in records} - {""})
    model.evaluation_ = evaluation
    if out is not None:
        model.save(out)
    return model
