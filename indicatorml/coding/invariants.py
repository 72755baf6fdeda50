"""What the fitted parts of a classifier must satisfy before it may answer anyone.

Why: a saved model may come from anywhere (a colleague, a share). Its files are checked by
:mod:`.saved` (checksums, plain float arrays, JSON); these checks are about meaning, so that a
model that passes them answers every input, quickly, with finite probabilities. A class
repeated in ``classes`` would make the label check fail inside; a weight of 1e308 would make
softmax compute inf - inf and a confidence of NaN (which is not JSON).
``IndicatorClassifier.from_saved`` runs them; its parameters are checked there too, against
``_parameter_constraints`` (an n-gram size of 10**12 would make featurizing hang).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..taxonomy import by_code, canonical_level2
from .features import TfidfBlock

__all__ = ["MAX_SCORE", "check_fitted_parts"]

# The largest linear score (after calibration) a model may be able to reach: far below the
# float64 limit, so that softmax never meets inf - inf.
MAX_SCORE = 1e300


def check_fitted_parts(
    classes: Sequence[str],
    arrays: Mapping[str, np.ndarray],
    blocks: tuple[TfidfBlock, TfidfBlock],
    temperature: float,
    training: Mapping[str, Any],
    target_weight: float,
    sublinear_tf: bool,
) -> None:
    """ValueError unless the parts make a usable model: two or more distinct canonical level-2
    ``classes``; ``arrays`` ``coef``/``intercept``/``calibration`` (named as their .npy files)
    and the blocks' idf finite float64 of matching shapes; blocks whose weights (text 1,
    target ``target_weight``) and ``sublinear_tf`` are the parameters'; positive calibration
    scales and temperature; scores that stay below :data:`MAX_SCORE` for any input; and a
    ``training`` record whose ``file_sha256`` (if any) is a list of strings."""
    names = [str(c) for c in classes]
    if len(names) < 2 or len(set(names)) != len(names):
        raise ValueError(f"classes must be two or more distinct codes, not {names}")
    for c in names:
        try:
            level = by_code(c).level if c.isdigit() else None
        except KeyError:
            level = None
        if level != 2 or canonical_level2(c) != c:
            raise ValueError(f"class {c!r} is not a level-2 category code (cost as 14)")
    text, target = blocks
    k, n_text, n_target = len(names), len(text.vocabulary), len(target.vocabulary)
    shapes = {
        "coef": (arrays["coef"], (n_text + n_target, k)),
        "intercept": (arrays["intercept"], (k,)),
        "calibration": (arrays["calibration"], (2, k)),
        "idf_text": (text.idf, (n_text,)),
        "idf_target": (target.idf, (n_target,)),
    }
    for name, (arr, shape) in shapes.items():
        if arr.shape != shape:
            raise ValueError(f"{name}.npy has shape {arr.shape}, expected {shape}")
        if arr.dtype != np.float64 or not np.isfinite(arr).all():
            raise ValueError(f"{name}.npy is not a finite float64 array")
    if (text.weight, target.weight) != (1.0, target_weight) or {text.sublinear_tf, target.sublinear_tf} != {
        sublinear_tf
    }:
        raise ValueError("the TF-IDF blocks' weights or sublinear_tf disagree with the config")
    coef, intercept, calibration = arrays["coef"], arrays["intercept"], arrays["calibration"]
    if not (np.isfinite(temperature) and temperature > 0) or not (calibration[0] > 0).all():
        raise ValueError("calibration scales must be positive")
    # A block's feature rows have unit length times its weight, so by Cauchy-Schwarz no score
    # of class k exceeds this bound, whatever the input.
    with np.errstate(over="ignore", invalid="ignore"):
        bound = (
            np.linalg.norm(coef[:n_text], axis=0) * text.weight
            + np.linalg.norm(coef[n_text:], axis=0) * target.weight
            + np.abs(intercept)
        ) * calibration[0] + np.abs(calibration[1])
    if not (bound <= MAX_SCORE).all():
        raise ValueError("weights so large that scores could overflow")
    hashes = training.get("file_sha256", [])
    if not isinstance(hashes, list) or not all(isinstance(h, str) for h in hashes):
        raise ValueError("training.file_sha256 must be a list of file hashes")
