"""Which model and which label rule judged a review: resolved once per run, kept with the review.

Why kept: a stored review is read weeks later, maybe after the server switched models; its
suggestions and label findings mean something only beside the model that gave them. The hash
of ``model.json`` names the whole model (that file holds the checksum of every array), so two
reviews with the same hash were judged by the same numbers.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from .. import __version__
from ..checks import LabelRule
from ..coding import IndicatorClassifier
from ..coding import saved as saved_models
from ..errors import IndicatormlError
from .review import ModelIdentity

__all__ = ["NO_MODEL", "ModelSpec", "resolve_model", "label_rule_json", "label_rule_from_json"]

ModelSpec = IndicatorClassifier | str | os.PathLike[str] | None | Any
# The identity of a review run without a model (labels=False): no suggestions, no label rule.
NO_MODEL = ModelIdentity("(未使用模型)", "", {"package_version": __version__})


def resolve_model(model: ModelSpec, name: str | None = None) -> tuple[Any, ModelIdentity]:
    """The model to score with and its identity.

    ``model``: None (the default model: ``$INDICATORML_MODEL``, else the shipped one), a model
    directory, or a fitted model object (an :class:`IndicatorClassifier`, or anything with
    ``classes_`` and ``predict_proba``). ``name`` is what the review calls it (default: "default"
    for the default model, the folder's name for a directory, the class name for an object).
    """
    if model is None or isinstance(model, (str, os.PathLike)):
        directory = Path(model) if model is not None else saved_models.default_model_dir()
        loaded = saved_models.load_model(directory)
        shown = name or ("default" if model is None else directory.name or str(directory))
        digest, trained_by = _model_json(directory / "model.json")
        return loaded, _identity(loaded, shown, digest or _object_hash(loaded), trained_by)
    if not hasattr(model, "classes_") or not hasattr(model, "predict_proba"):
        raise IndicatormlError(f"这不是模型(技术细节: {type(model).__name__} 没有 classes_ / predict_proba)")
    return model, _identity(model, name or type(model).__name__, _object_hash(model))


def _identity(model: Any, name: str, digest: str, trained_by: str | None = None) -> ModelIdentity:
    training = getattr(model, "training_", None) or {}
    info: dict[str, Any] = {
        "package_version": __version__,  # the indicatorml that ran the review
        "model_package_version": trained_by,  # the one that trained the model (model.json says it)
        "classes": [str(c) for c in model.classes_],
        "training_rows": training.get("rows"),
        "training_data_sha256": training.get("data_sha256"),
        # A model records no date (same data → byte-identical model); a training job may add one.
        "trained_at": training.get("trained_at"),
        "crossfit_folds": getattr(getattr(model, "crossfit_", None), "folds", None),
    }
    return ModelIdentity(name, digest, info)


def _model_json(path: Path) -> tuple[str, str | None]:
    """The sha256 of a model's ``model.json`` and the indicatorml version that wrote it."""
    try:
        raw = path.read_bytes()
    except OSError:  # gone since it was loaded: the loaded numbers name the model instead
        return "", None
    try:
        version = json.loads(raw).get("package_version")
    except (ValueError, AttributeError):
        version = None
    return hashlib.sha256(raw).hexdigest(), version if isinstance(version, str) else None


def _object_hash(model: Any) -> str:
    """A model object's own numbers (weights and classes), hashed: no file to hash."""
    h = hashlib.sha256()
    h.update(json.dumps([str(c) for c in model.classes_]).encode())
    for attr in ("coef_", "intercept_", "calibration_"):
        arr = getattr(model, attr, None)
        if isinstance(arr, np.ndarray):
            h.update(np.ascontiguousarray(arr, dtype=np.float64).tobytes())
    if not isinstance(model, IndicatorClassifier):
        h.update(type(model).__qualname__.encode())
    return h.hexdigest()


def label_rule_json(rule: LabelRule) -> dict[str, Any]:
    """The label rule's parameters as JSON (what the store keeps with the review)."""
    return asdict(rule)


def label_rule_from_json(data: dict[str, Any]) -> LabelRule:
    """The rule :func:`label_rule_json` gave (parameters unknown to this version are ignored)."""
    known = {k: v for k, v in data.items() if k in LabelRule.__dataclass_fields__}
    return LabelRule(**known)
