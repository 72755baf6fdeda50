"""Model options (`--model-config`), checked before any fitting so a typo costs no training time
and shows no scikit-learn traceback. The allowed values are the estimator's own
``_parameter_constraints`` (one table, also checked by ``fit`` and when a model is loaded).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..errors import IndicatormlError, os_reason
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
                raise IndicatormlError(f"--model-config: 无法读取 {config}: {os_reason(e)}") from None
        try:
            config = json.loads(text)
        except json.JSONDecodeError as e:
            raise IndicatormlError(f"--model-config 不是 JSON(技术细节: {e})") from None
    if not isinstance(config, dict):
        raise IndicatormlError('模型选项应写成一个 JSON 对象,如 {"C": 2}')
    valid = set(IndicatorClassifier.param_names())
    unknown = sorted(set(config) - valid)
    if unknown:
        raise IndicatormlError(
            f"没有这个模型选项: {', '.join(unknown)};可用的选项: {', '.join(sorted(valid))}"
        )
    IndicatorClassifier.check_params(config, "模型选项")  # the estimator's own constraints
    return dict(config)


def _num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and bool(np.isfinite(v))


def _int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def check_counts(folds: int, own_weight: float) -> None:
    """IndicatormlError unless ``--folds`` is an integer >= 2 and ``--own-weight`` a number > 0."""
    if not _int(folds) or folds < 2:
        raise IndicatormlError(f"--folds 至少为 2(收到 {folds})")
    if not _num(own_weight) or own_weight <= 0:
        raise IndicatormlError(f"--own-weight 应为大于 0 的数(收到 {own_weight})")
