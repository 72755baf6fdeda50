"""A model's saved form: plain .npy arrays (read with ``allow_pickle=False``) plus JSON.

Why so strict on loading: a model directory may come from anywhere (a colleague, a share);
format, shapes and checksums are checked so that a damaged or foreign directory is refused
with a clear message, and nothing in it is ever executed.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from .. import __version__, shipped
from ..errors import IndicatormlError
from ..taxonomy import by_code
from .features import (
    TfidfBlock,
)
from .model import IndicatorClassifier

__all__ = [
    "MODEL_FORMAT",
    "MODEL_FORMAT_VERSION",
    "save_model",
    "read_model",
    "load_model",
    "default_model_dir",
]

MODEL_FORMAT = "indicatorml-classifier"
MODEL_FORMAT_VERSION = 1
_MODEL_JSON = "model.json"
_VOCAB_JSON = "vocabulary.json"
_ARRAYS = ("coef", "intercept", "calibration", "idf_text", "idf_target")


def save_model(model: IndicatorClassifier, directory: str | os.PathLike) -> Path:
    """Write a fitted model as .npy arrays + JSON with checksums. Same model → byte-identical files."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    arrays = {
        "coef": model.coef_,
        "intercept": model.intercept_,
        "calibration": model.calibration_,
        "idf_text": model.text_block_.idf,
        "idf_target": model.target_block_.idf,
    }
    digests = {}
    for name, arr in arrays.items():
        path = d / f"{name}.npy"
        np.save(path, np.ascontiguousarray(arr, dtype=np.float64), allow_pickle=False)
        digests[path.name] = hashlib.sha256(path.read_bytes()).hexdigest()
    vocab = {"text": model.text_block_.tokens, "target": model.target_block_.tokens}
    vtext = json.dumps(vocab, ensure_ascii=False, indent=0) + "\n"
    (d / _VOCAB_JSON).write_text(vtext, encoding="utf-8")
    digests[_VOCAB_JSON] = hashlib.sha256(vtext.encode("utf-8")).hexdigest()
    meta = {
        "format": MODEL_FORMAT,
        "format_version": MODEL_FORMAT_VERSION,
        "package_version": __version__,
        "classes": [str(c) for c in model.classes_],
        "class_names": {str(c): by_code(str(c)).name for c in model.classes_},
        "config": model.get_params(),
        "temperature": float(model.temperature_),
        "blocks": {
            "text": {
                "size": len(model.text_block_.vocabulary),
                "weight": model.text_block_.weight,
                "sublinear_tf": model.text_block_.sublinear_tf,
            },
            "target": {
                "size": len(model.target_block_.vocabulary),
                "weight": model.target_block_.weight,
                "sublinear_tf": model.target_block_.sublinear_tf,
            },
        },
        "training": model.training_,
        "evaluation": model.evaluation_,
        "files": digests,
    }
    crossfit = getattr(model, "crossfit_", None)
    if crossfit:
        meta["crossfit"] = crossfit
    (d / _MODEL_JSON).write_text(
        json.dumps(meta, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )
    return d


def default_model_dir() -> Path:
    """``$INDICATORML_MODEL`` if set, else ``models/default`` at the top of the repository."""
    env = os.environ.get("INDICATORML_MODEL")
    if env:
        return Path(env)
    return shipped.MODEL_DIR


def _bad(d: Path, why: str) -> IndicatormlError:
    return IndicatormlError(f"{d} is not a usable indicatorml model: {why}")


def read_model(d: Path) -> IndicatorClassifier:
    if d.exists() and not d.is_dir():
        raise IndicatormlError(
            f"{d} is a file; --model takes a model directory (one written by `indicatorml train --out DIR`)"
        )
    if not d.is_dir():
        raise IndicatormlError(f"no model directory at {d} (train one with `indicatorml train --out {d}`)")
    mpath = d / _MODEL_JSON
    if not mpath.is_file():
        raise _bad(d, f"{_MODEL_JSON} is missing")
    try:
        meta = json.loads(mpath.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise _bad(d, f"{_MODEL_JSON} is not readable JSON ({e})") from None
    if not isinstance(meta, dict) or meta.get("format") != MODEL_FORMAT:
        raise _bad(d, f"{_MODEL_JSON} does not describe an {MODEL_FORMAT} model")
    if meta.get("format_version") != MODEL_FORMAT_VERSION:
        raise _bad(
            d,
            f"model format version {meta.get('format_version')!r}; this indicatorml reads "
            f"version {MODEL_FORMAT_VERSION} (retrain with `indicatorml train`)",
        )
    digests = meta.get("files")
    if not isinstance(digests, dict):
        raise _bad(d, "no file checksums in model.json")
    arrays: dict[str, np.ndarray] = {}
    for name in _ARRAYS:
        path = d / f"{name}.npy"
        try:
            raw = path.read_bytes()
        except OSError as e:
            raise _bad(d, f"{path.name} cannot be read ({e.strerror or e})") from None
        if hashlib.sha256(raw).hexdigest() != digests.get(path.name):
            raise _bad(d, f"{path.name} does not match its checksum (damaged or replaced)")
        try:
            arr = np.load(path, allow_pickle=False)
        except (ValueError, OSError, EOFError) as e:
            raise _bad(d, f"{path.name} is not a plain numeric array ({e})") from None
        if not isinstance(arr, np.ndarray) or arr.dtype != np.float64 or not np.isfinite(arr).all():
            raise _bad(d, f"{path.name} is not a finite float64 array")
        arrays[name] = arr
    vpath = d / _VOCAB_JSON
    try:
        vraw = vpath.read_bytes()
    except OSError as e:
        raise _bad(d, f"{_VOCAB_JSON} cannot be read ({e.strerror or e})") from None
    if hashlib.sha256(vraw).hexdigest() != digests.get(_VOCAB_JSON):
        raise _bad(d, f"{_VOCAB_JSON} does not match its checksum (damaged or replaced)")
    try:
        vocab = json.loads(vraw.decode("utf-8"))
        text_tokens_, target_tokens_ = list(vocab["text"]), list(vocab["target"])
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as e:
        raise _bad(d, f"{_VOCAB_JSON} is not a vocabulary ({e})") from None
    try:
        classes = [str(c) for c in meta["classes"]]
        for c in classes:
            if by_code(c).level != 2:
                raise KeyError(c)
        config = dict(meta["config"])
        temperature = float(meta["temperature"])
        blocks = meta["blocks"]
        model = IndicatorClassifier(**config)
    except (KeyError, TypeError, ValueError) as e:
        raise _bad(d, f"{_MODEL_JSON} is incomplete or has unknown values ({e})") from None
    n_feat = len(text_tokens_) + len(target_tokens_)
    k = len(classes)
    shapes = {
        "coef": (n_feat, k),
        "intercept": (k,),
        "calibration": (2, k),
        "idf_text": (len(text_tokens_),),
        "idf_target": (len(target_tokens_),),
    }
    for name, shape in shapes.items():
        if arrays[name].shape != shape:
            raise _bad(d, f"{name}.npy has shape {arrays[name].shape}, expected {shape}")
    if not temperature > 0 or not (arrays["calibration"][0] > 0).all():
        raise _bad(d, "calibration scales must be positive")
    model.classes_ = np.array(classes)
    model.coef_ = arrays["coef"]
    model.intercept_ = arrays["intercept"]
    model.temperature_ = temperature
    model.calibration_ = arrays["calibration"]
    try:
        model.text_block_, model.target_block_ = (
            TfidfBlock.from_tokens(
                tokens,
                arrays[f"idf_{name}"],
                bool(blocks[name]["sublinear_tf"]),
                float(blocks[name]["weight"]),
            )
            for name, tokens in (("text", text_tokens_), ("target", target_tokens_))
        )
    except (KeyError, TypeError, ValueError) as e:
        raise _bad(d, f"{_MODEL_JSON} has a malformed 'blocks' entry ({e})") from None
    model.training_ = meta.get("training")
    model.evaluation_ = meta.get("evaluation")
    model.crossfit_ = _crossfit(d, meta.get("crossfit"))
    model.directory_ = str(d)
    return model


def _crossfit(d: Path, crossfit: Any) -> dict[str, Any] | None:
    """The saved map source → fold (see :mod:`.crossfit`), checked; None for a model without folds."""
    if crossfit is None:
        return None
    try:
        n = int(crossfit["folds"])
        keys = {str(k): int(v) for k, v in dict(crossfit["keys"]).items()}
    except (KeyError, TypeError, ValueError) as e:
        raise _bad(d, f"{_MODEL_JSON} has a malformed 'crossfit' entry ({e})") from None
    if n < 2 or any(not 0 <= v < n for v in keys.values()):
        raise _bad(d, f"{_MODEL_JSON} has a 'crossfit' entry with fold numbers outside 0..{n - 1}")
    return {"folds": n, "keys": keys}


@functools.lru_cache(maxsize=4)
def _load_cached(path: str, stamp: tuple) -> IndicatorClassifier:
    return read_model(Path(path))


def load_model(directory: str | os.PathLike | None = None) -> IndicatorClassifier:
    """Load a saved model (default: :func:`default_model_dir`). Cached while its files are unchanged."""
    d = Path(directory) if directory is not None else default_model_dir()
    try:
        stamp = tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in sorted(d.iterdir()))
    except OSError:
        stamp = ()
    return _load_cached(str(d), stamp)
