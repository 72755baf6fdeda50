"""scikit-learn's parameter protocol (get_params/set_params, clone, tags) without inheriting
from scikit-learn, so a saved model is used with numpy alone."""

from __future__ import annotations

import inspect
from typing import Any

__all__ = ["EstimatorParams"]


class EstimatorParams:
    """get_params/set_params/clone support without inheriting from scikit-learn."""

    _estimator_type = "classifier"

    @classmethod
    def param_names(cls) -> list[str]:
        """The parameters, in ``__init__`` order (what ``get_params`` returns)."""
        sig = inspect.signature(cls.__init__)
        return [p for p in sig.parameters if p != "self"]

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.param_names()}

    def set_params(self, **params: Any) -> EstimatorParams:
        valid = set(self.param_names())
        for k, v in params.items():
            if k not in valid:
                raise ValueError(f"invalid parameter {k!r} for {type(self).__name__}; valid: {sorted(valid)}")
            setattr(self, k, v)
        return self

    def __repr__(self) -> str:
        defaults = {p.name: p.default for p in inspect.signature(type(self).__init__).parameters.values()}
        changed = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items() if defaults.get(k) != v)
        return f"{type(self).__name__}({changed})"

    def __sklearn_tags__(self) -> Any:  # called by scikit-learn only, so importing it here is free
        from sklearn.utils import ClassifierTags, InputTags, Tags, TargetTags

        return Tags(
            estimator_type="classifier",
            target_tags=TargetTags(required=True),
            classifier_tags=ClassifierTags(),
            input_tags=InputTags(two_d_array=False, string=True),
        )
