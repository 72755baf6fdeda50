"""A model's saved form: plain .npy arrays (read with ``allow_pickle=False``) plus JSON.

Why so strict on loading: a model directory may come from anywhere (a colleague, a share);
format, checksums and JSON are checked here, and what the parts mean by
:meth:`IndicatorClassifier.from_saved`, so that a damaged, foreign or hostile directory is
refused with a clear message, and nothing in it is ever executed.

Why :func:`load_model` hands out a new estimator each time: it is cached (the web app and the
label check load the same model again and again), and a cached instance would let one caller's
``fit`` change every later caller's model. The parts are read once and shared (arrays
read-only, TF-IDF blocks frozen); each call gets its own estimator and its own metadata.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import os
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from .. import __version__, shipped
from ..durable import replacing
from ..errors import IndicatormlError, os_reason
from ..taxonomy import by_code
from .crossfit import FOLDS_DIR, CrossFit
from .features import TfidfBlock
from .model import IndicatorClassifier, check_is_fitted

__all__ = [
    "MODEL_FORMAT",
    "MODEL_FORMAT_VERSION",
    "save_model",
    "check_model_dir",
    "read_model",
    "load_model",
    "default_model_dir",
]

MODEL_FORMAT = "indicatorml-classifier"
MODEL_FORMAT_VERSION = 1
_MODEL_JSON = "model.json"
_VOCAB_JSON = "vocabulary.json"
_ARRAYS = ("coef", "intercept", "calibration", "idf_text", "idf_target")


def save_model(model: IndicatorClassifier, directory: str | os.PathLike[str], *, folds: bool = False) -> Path:
    """Write a fitted model as .npy arrays + JSON with checksums. Same model → byte-identical files.

    With ``folds``, the cross-fitted fold models are written too, under ``folds/K`` (``train``
    saves them so; a model without folds has none to write).

    Written whole or not at all (:func:`indicatorml.durable.replacing`): the files go to a
    temporary folder beside ``directory``, are fsynced, and the folder takes ``directory``'s
    place in one rename. A process killed at any moment leaves the previous model in
    ``directory``, loadable, never a mix; a server reading the model meanwhile sees the old
    one or the new one. Because the folder is replaced as a whole, ``directory`` must be new,
    empty or a model folder: a folder with other files in it is refused, never emptied.
    """
    check_is_fitted(model)
    d = Path(directory)
    check_model_dir(d)
    with replacing(d) as tmp:
        _write_model(model, tmp)
        if folds and model.crossfit_ is not None:
            for k in range(model.crossfit_.folds):
                fold = model.crossfit_.fold(k)
                assert isinstance(fold, IndicatorClassifier)
                (tmp / FOLDS_DIR).mkdir(exist_ok=True)
                _write_model(fold, tmp / FOLDS_DIR / str(k))
    return d


def check_model_dir(d: Path) -> None:
    """IndicatormlError unless :func:`save_model` may write ``d``: a new or empty folder, or a
    model folder (replaced as a whole). ``train`` asks before training, not after."""
    if d.exists() and not d.is_dir():
        raise IndicatormlError(f"{d} 是一个文件：模型要写进一个目录（新的、空的或已有的模型目录）")
    if d.is_dir() and not (d / _MODEL_JSON).is_file() and any(d.iterdir()):
        raise IndicatormlError(
            f"{d} 里已有别的文件，不是 indicatorml 的模型目录：保存模型会整个替换这个目录，"
            "请换一个新的或空的目录"
        )


def _write_model(model: IndicatorClassifier, d: Path) -> None:
    """The files of one model in the (new) folder ``d``."""
    check_is_fitted(model)
    d.mkdir(exist_ok=True)
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
    if model.crossfit_ is not None:
        meta["crossfit"] = model.crossfit_.to_json()
    (d / _MODEL_JSON).write_text(
        json.dumps(meta, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )


def default_model_dir() -> Path:
    """``$INDICATORML_MODEL`` if set, else ``models/default`` at the top of the repository."""
    env = os.environ.get("INDICATORML_MODEL")
    if env:
        return Path(env)
    return shipped.MODEL_DIR


def _bad(d: Path, why: str) -> IndicatormlError:
    return IndicatormlError(f"{d} 不是可用的 indicatorml 模型: {why}")


class _Parts(NamedTuple):
    """What a model directory holds, checked as files (read once, shared by every copy)."""

    config: dict[str, Any]
    classes: list[str]
    arrays: dict[str, np.ndarray]  # read-only
    blocks: tuple[TfidfBlock, TfidfBlock]  # frozen
    temperature: float
    training: dict[str, Any]
    evaluation: dict[str, Any] | None
    crossfit: CrossFit | None  # immutable


def _read_json(d: Path) -> tuple[dict[str, Any], str]:
    """model.json, checked to be ours, and the sha256 of its bytes (the model's identity)."""
    mpath = d / _MODEL_JSON
    if not mpath.is_file():
        raise _bad(d, f"缺少 {_MODEL_JSON}")
    try:
        raw = mpath.read_bytes()
        meta = json.loads(raw.decode("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise _bad(d, f"{_MODEL_JSON} 不是可读的 JSON(技术细节: {e})") from None
    if not isinstance(meta, dict) or meta.get("format") != MODEL_FORMAT:
        raise _bad(d, f"{_MODEL_JSON} 描述的不是 {MODEL_FORMAT} 模型")
    if meta.get("format_version") != MODEL_FORMAT_VERSION:
        raise _bad(
            d,
            f"模型格式版本是 {meta.get('format_version')!r},这个 indicatorml 只读版本 "
            f"{MODEL_FORMAT_VERSION}(请用 `indicatorml train` 重新训练)",
        )
    if not isinstance(meta.get("files"), dict):
        raise _bad(d, "model.json 里没有各文件的校验和")
    return meta, hashlib.sha256(raw).hexdigest()


def _read_checked(d: Path, name: str, digests: dict[str, Any]) -> bytes:
    """The bytes of file ``name``, refused unless they match the checksum model.json gives."""
    try:
        raw = (d / name).read_bytes()
    except OSError as e:
        raise _bad(d, f"无法读取 {name}: {os_reason(e)}") from None
    if hashlib.sha256(raw).hexdigest() != digests.get(name):
        raise _bad(d, f"{name} 与校验和不符(文件已损坏或被替换)")
    return raw


def _read_arrays(d: Path, digests: dict[str, Any]) -> dict[str, np.ndarray]:
    arrays: dict[str, np.ndarray] = {}
    for name in _ARRAYS:
        path = d / f"{name}.npy"
        _read_checked(d, path.name, digests)
        try:
            arr = np.load(path, allow_pickle=False)
        except (ValueError, OSError, EOFError) as e:
            raise _bad(d, f"{path.name} 不是普通的数值数组(技术细节: {e})") from None
        if not isinstance(arr, np.ndarray) or arr.dtype != np.float64 or not np.isfinite(arr).all():
            raise _bad(d, f"{path.name} 不是有限值的 float64 数组")
        arr.flags.writeable = False  # shared by every copy load_model hands out
        arrays[name] = arr
    return arrays


def _read_vocabulary(d: Path, digests: dict[str, Any]) -> tuple[list[str], list[str]]:
    raw = _read_checked(d, _VOCAB_JSON, digests)
    try:
        vocab = json.loads(raw.decode("utf-8"))
        text, target = list(vocab["text"]), list(vocab["target"])
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as e:
        raise _bad(d, f"{_VOCAB_JSON} 不是词表(技术细节: {e})") from None
    for tokens in (text, target):
        if not all(isinstance(t, str) for t in tokens) or len(set(tokens)) != len(tokens):
            raise _bad(d, f"{_VOCAB_JSON} 不是词表(词必须是互不相同的字符串)")
    return text, target


def _read_parts(d: Path) -> _Parts:
    if d.exists() and not d.is_dir():
        raise IndicatormlError(
            f"{d} 是一个文件;--model 要给模型目录(由 `indicatorml train --out DIR` 写出的目录)"
        )
    if not d.is_dir():
        raise IndicatormlError(f"{d} 没有模型目录(可用 `indicatorml train --out {d}` 训练一个)")
    meta, identity = _read_json(d)
    arrays = _read_arrays(d, meta["files"])
    tokens = dict(zip(("text", "target"), _read_vocabulary(d, meta["files"]), strict=True))
    try:
        classes = [str(c) for c in meta["classes"]]
        config = dict(meta["config"])
        temperature = float(meta["temperature"])
        training = meta["training"]
        evaluation = meta.get("evaluation")
        if not isinstance(training, dict) or not isinstance(evaluation, (dict, type(None))):
            raise TypeError("'training' and 'evaluation' must be JSON objects")
    except (KeyError, TypeError, ValueError) as e:
        raise _bad(d, f"{_MODEL_JSON} 不完整或有不认识的值(技术细节: {e})") from None
    try:
        blocks = tuple(
            TfidfBlock.from_tokens(
                tokens[name],
                arrays[f"idf_{name}"],
                bool(meta["blocks"][name]["sublinear_tf"]),
                float(meta["blocks"][name]["weight"]),
            )
            for name in ("text", "target")
        )
    except (KeyError, TypeError, ValueError) as e:
        raise _bad(d, f"{_MODEL_JSON} 的 blocks 一项格式不对(技术细节: {e})") from None
    parts = _Parts(
        config,
        classes,
        {k: arrays[k] for k in ("coef", "intercept", "calibration")},
        (blocks[0], blocks[1]),
        temperature,
        training,
        evaluation,
        _crossfit(d, meta.get("crossfit"), identity),
    )
    _estimator(d, parts)  # refused now, not at first use, if the parts make no usable model
    return parts


def _estimator(d: Path, parts: _Parts) -> IndicatorClassifier:
    """A new estimator on the shared parts, with its own copy of the metadata."""
    try:
        return IndicatorClassifier.from_saved(
            parts.config,
            parts.classes,
            parts.arrays,
            parts.blocks,
            parts.temperature,
            copy.deepcopy(parts.training),
            copy.deepcopy(parts.evaluation),
            parts.crossfit,
        )
    except TypeError as e:  # an unknown parameter name
        raise _bad(d, f"{_MODEL_JSON} 不完整或有不认识的值(技术细节: {e})") from None
    except ValueError as e:  # a parameter out of its constraints, or parts that make no usable model
        raise _bad(d, f"模型内容前后不一致(技术细节: {e})") from None


def read_model(d: Path) -> IndicatorClassifier:
    """Read the model in directory ``d`` (uncached); IndicatormlError for anything that is not
    exactly what :func:`save_model` writes, or whose parts make no usable model."""
    return _estimator(d, _read_parts(d))


def _crossfit(d: Path, crossfit: Any, identity: str) -> CrossFit | None:
    """The saved map source → fold (see :mod:`.crossfit`), checked; None for a model without folds.
    Fold k is read from ``folds/k`` on first use — of the model whose model.json has the sha256
    ``identity``: a fold read after the folder was replaced by another model is refused."""
    if crossfit is None:
        return None
    try:
        n = int(crossfit["folds"])
        keys = {str(k): int(v) for k, v in dict(crossfit["keys"]).items()}
    except (KeyError, TypeError, ValueError) as e:
        raise _bad(d, f"{_MODEL_JSON} 的 crossfit 一项格式不对(技术细节: {e})") from None
    try:
        return CrossFit(n, keys, functools.partial(_load_fold, d, identity))
    except ValueError as e:
        raise _bad(d, f"{_MODEL_JSON} 的 crossfit 一项有误(技术细节: {e})") from None


def _load_fold(d: Path, identity: str, k: int) -> IndicatorClassifier:
    try:
        fold = load_model(d / FOLDS_DIR / str(k))
    except IndicatormlError as e:
        if _identity(d) != identity:
            raise _replaced(d) from None
        raise IndicatormlError(
            f"无法加载模型的第 {k} 折({e});请用 `indicatorml train --out DIR` 重新训练"
        ) from None
    # Checked after reading: a fold read before a replacement is the model's own; one read
    # during or after it may be the next model's, whose folds left out other sources.
    if _identity(d) != identity:
        raise _replaced(d)
    return fold


def _identity(d: Path) -> str | None:
    try:
        return hashlib.sha256((d / _MODEL_JSON).read_bytes()).hexdigest()
    except OSError:
        return None


def _replaced(d: Path) -> IndicatormlError:
    return IndicatormlError(f"模型 {d} 在使用中被换成了另一个模型：请重新加载模型后再试")


@functools.lru_cache(maxsize=16)
def _parts_cached(path: str, stamp: tuple[tuple[str, int, int, int], ...]) -> _Parts:
    return _read_parts(Path(path))


def load_model(directory: str | os.PathLike[str] | None = None) -> IndicatorClassifier:
    """Load a saved model (default: :func:`default_model_dir`).

    Each call returns a new estimator: what one caller does to it (``fit``, setting a
    parameter) never reaches the next. The directory's parts are read once while its files
    are unchanged and shared read-only (writing into ``coef_`` raises), so a call is cheap.
    """
    d = Path(directory) if directory is not None else default_model_dir()
    for attempt in range(_READ_TRIES):
        stamp = _stamp(d)
        try:
            return _estimator(d, _parts_cached(str(d), stamp))
        except IndicatormlError:
            # A model folder replaced while it was read (save_model renames a whole new folder
            # in): files of two models do not match their checksums. Read again, the new one.
            if attempt == _READ_TRIES - 1 or _stamp(d) == stamp:
                raise
    raise AssertionError("unreachable")


_READ_TRIES = 3


def _stamp(d: Path) -> tuple[tuple[str, int, int, int], ...]:
    """What changes when the folder's files do: name, inode, mtime and size of each entry."""
    try:
        return tuple(
            (p.name, st.st_ino, st.st_mtime_ns, st.st_size) for p in sorted(d.iterdir()) for st in (p.stat(),)
        )
    except OSError:
        return ()
