"""Cross-fitted models: a label check never grades a row with a model that learned that row.

Why: a model trained on a table has learned that table's labels, right or wrong, so it will
not question them — the shipped model would pass every doubtful label of the seed. The
grouped cross-validation that ``train`` runs anyway fits K models, each without a set of
sources (pages, files); they are saved next to the full model (``folds/0`` … ``folds/K-1``)
with a map from each training source to the fold that left it out. The label check asks
:func:`heldout_proba` instead of ``predict_proba``: a row from a training source is scored
by the model that never saw that source, any other row by the full model.

A source is named by its page (``url``) where the table gives one, else by the sha256 of its
file's text (so a copy of the seed in another folder or encoding is still recognised), with
the project appended when the folds had to split one file by project.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Protocol

import numpy as np

from ..errors import IndicatormlError
from ..records import Indicator

__all__ = [
    "CrossFit",
    "FoldModel",
    "source_key",
    "fold_keys",
    "fold_model",
    "heldout_proba",
    "row_fold",
    "row_model",
    "FOLDS_DIR",
]

FOLDS_DIR = "folds"


class FoldModel(Protocol):
    """What a fold model (and the full model) must do here: probabilities per class."""

    classes_: np.ndarray

    def predict_proba(self, X: Sequence[Any]) -> np.ndarray: ...


@dataclass(frozen=True)
class CrossFit:
    """A model's cross-fitted folds: which fold left out each training source, and the fold models.

    ``keys`` maps a source (:func:`source_key`) to the fold whose model did not see it;
    ``fold(k)`` gives fold model k (kept in memory after ``train``, read on first use from
    ``folds/k`` beside a saved model). Immutable, so a model's copies may share it.
    """

    folds: int
    keys: Mapping[str, int]
    fold: Callable[[int], FoldModel] = field(compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.folds < 2 or any(not 0 <= v < self.folds for v in self.keys.values()):
            raise ValueError(f"fold numbers outside 0..{self.folds - 1}")
        object.__setattr__(self, "keys", MappingProxyType(dict(self.keys)))

    def to_json(self) -> dict[str, Any]:
        """What a saved model's ``model.json`` keeps under ``crossfit`` (the models are saved apart)."""
        return {"folds": self.folds, "keys": dict(self.keys)}


def source_key(rec: Indicator, file_sha: str | None, by_project: bool = False) -> str:
    """The name of a row's source: its page, else its file's content hash (+ project)."""
    base = f"url:{rec.url}" if rec.url else f"file:{file_sha or ''}"
    return f"{base}#{rec.project or ''}" if by_project else base


def fold_keys(records: Sequence[Indicator], folds: Sequence[np.ndarray], by_project: bool) -> dict[str, int]:
    """Source → the fold whose model did not see it (``folds[k]`` = test rows of fold k)."""
    out: dict[str, int] = {}
    for k, test_idx in enumerate(folds):
        for i in test_idx:
            rec = records[int(i)]
            out[source_key(rec, rec.origin.file_sha256, by_project)] = k
    return dict(sorted(out.items()))


def _fold_of(rec: Indicator, file_sha: str | None, keys: Mapping[str, int]) -> int | None:
    for by_project in (True, False):
        k = keys.get(source_key(rec, file_sha, by_project))
        if k is not None:
            return k
    return None


def heldout_proba(
    model: Any, records: Sequence[Indicator], file_sha: str | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Probabilities (columns = ``model.classes_``) from models that never saw each row's source.

    Returns ``(proba, heldout)``: ``heldout[i]`` is True where row i came from a training
    source and was scored by its fold model, False where the full model scored it (a row the
    model never learned). A model without folds (``crossfit_`` None) scores every row itself.
    """
    records = list(records)
    heldout = np.zeros(len(records), dtype=bool)
    crossfit: CrossFit | None = getattr(model, "crossfit_", None)
    if not crossfit or not records:
        return np.asarray(model.predict_proba(records), dtype=float), heldout
    by_fold: dict[int, list[int]] = {}
    rest: list[int] = []
    for i, rec in enumerate(records):
        k = _fold_of(rec, file_sha, crossfit.keys)
        if k is None:
            rest.append(i)
        else:
            by_fold.setdefault(k, []).append(i)
    col = {str(c): j for j, c in enumerate(model.classes_)}
    proba = np.zeros((len(records), len(col)))
    if rest:  # rows of sources the model never learned: the full model, once, for them only
        proba[rest] = model.predict_proba([records[i] for i in rest])
    for k, rows in sorted(by_fold.items()):
        fold = crossfit.fold(k)
        p = fold.predict_proba([records[i] for i in rows])
        full = np.zeros((len(rows), len(col)))
        for j, c in enumerate(fold.classes_):
            if str(c) in col:
                full[:, col[str(c)]] = p[:, j]
        proba[rows] = full
        heldout[rows] = True
    return proba, heldout


def fold_model(model: Any, k: int) -> FoldModel:
    """Fold model k of a model (IndicatormlError if it has no folds or fold k cannot be read)."""
    crossfit: CrossFit | None = getattr(model, "crossfit_", None)
    if crossfit is None:
        raise IndicatormlError("这个模型没有保存各折模型,不能用来检查它自己的训练数据")
    return crossfit.fold(k)


def row_fold(model: Any, rec: Indicator, file_sha: str | None = None) -> int | None:
    """The fold whose model :func:`heldout_proba` scores ``rec`` with, None for the full model."""
    crossfit: CrossFit | None = getattr(model, "crossfit_", None)
    return _fold_of(rec, file_sha, crossfit.keys) if crossfit else None


def row_model(model: Any, rec: Indicator, file_sha: str | None = None) -> Any:
    """The model that :func:`heldout_proba` scores ``rec`` with: the fold model that never saw its
    source, else ``model`` itself. Why public: the words behind a label finding
    (:mod:`.explain`) must come from the model whose probabilities raised it."""
    k = row_fold(model, rec, file_sha)
    return model if k is None else fold_model(model, k)
