"""Model options (`--model-config`), checked before any fitting so a typo costs no training time
and shows no scikit-learn traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..errors import IndicatormlError
from .model import IndicatorClassifier


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
        raise IndicatormlError(
            f"unknown model option(s) {', '.join(unknown)}; valid: {', '.join(sorted(valid))}"
        )
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
    "noise_weight": (lambda v: _num(v) and 0 < v <= 1, "a number in (0, 1] (1 = off)"),
}


def check_counts(folds: int, own_weight: float) -> None:
    if not _int(folds) or folds < 2:
        raise IndicatormlError(f"--folds must be at least 2 (got {folds})")
    if not _num(own_weight) or own_weight <= 0:
        raise IndicatormlError(f"--own-weight must be a number > 0 (got {own_weight})")
