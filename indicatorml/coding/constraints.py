"""Parameter constraints in scikit-learn's ``_parameter_constraints`` style, checked without it.

Why our own: scikit-learn's validator (``sklearn.utils._param_validation``) is private and
importing scikit-learn costs more than everything else ``indicatorml classify`` imports; a
saved model's config is checked against the same constraints at load time, on the path that
must stay fast. The vocabulary is scikit-learn's: per parameter a list of constraints, any one
of which a value may satisfy — :class:`Interval` (a type and bounds), :class:`StrOptions` (a
set of strings) or ``"boolean"``.

Unlike scikit-learn, a ``bool`` is never taken for a number and a number must be finite: a
model option comes from JSON or the command line, where ``true`` for ``C`` or ``NaN`` for a
weight is a mistake, not a value.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any, Literal

from ..errors import IndicatormlError

__all__ = ["Interval", "StrOptions", "Constraint", "InvalidParameterError", "validate_params", "describe"]


class InvalidParameterError(IndicatormlError, ValueError):
    """A parameter value outside its constraints. A ValueError (as scikit-learn's own) and an
    IndicatormlError (the CLI prints it as a message, not a traceback)."""


@dataclass(frozen=True)
class Interval:
    """A number of ``type`` (``Integral`` or ``Real``) between ``left`` and ``right`` (None: no
    bound); ``closed`` says which bounds belong to the interval, as in scikit-learn."""

    type: type[Integral] | type[Real]
    left: float | None
    right: float | None
    closed: Literal["left", "right", "both", "neither"] = "both"

    def is_satisfied_by(self, value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(value, self.type):
            return False
        try:
            if not math.isfinite(float(value)):
                return False
        except OverflowError:  # an int beyond any float is no usable number either
            return False
        x: float = int(value) if isinstance(value, Integral) else float(value)  # ints compare exactly
        if self.left is not None:
            if x < self.left or (x == self.left and self.closed in ("right", "neither")):
                return False
        if self.right is not None:
            if x > self.right or (x == self.right and self.closed in ("left", "neither")):
                return False
        return True

    def __str__(self) -> str:
        what = "整数" if self.type is Integral else "数"
        lo = self.left is not None
        hi = self.right is not None
        if lo and hi:
            a = "[" if self.closed in ("left", "both") else "("
            b = "]" if self.closed in ("right", "both") else ")"
            return f"{a}{_num(self.left)}, {_num(self.right)}{b} 范围内的{what}"
        if lo:
            return f"{'大于等于' if self.closed in ('left', 'both') else '大于'} {_num(self.left)} 的{what}"
        if hi:
            return f"{'小于等于' if self.closed in ('right', 'both') else '小于'} {_num(self.right)} 的{what}"
        return what


@dataclass(frozen=True)
class StrOptions:
    """One of a few strings (kept in the order given, so messages read the same every time)."""

    options: tuple[str, ...]

    def __init__(self, options: Iterable[str]) -> None:
        object.__setattr__(self, "options", tuple(options))

    def is_satisfied_by(self, value: Any) -> bool:
        return isinstance(value, str) and value in self.options

    def __str__(self) -> str:
        quoted = [repr(o) for o in self.options]
        return quoted[0] if len(quoted) == 1 else f"{'、'.join(quoted[:-1])} 或 {quoted[-1]}"


Constraint = Interval | StrOptions | Literal["boolean"]


def _num(v: float | None) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


def _satisfies(constraint: Constraint, value: Any) -> bool:
    if constraint == "boolean":
        return isinstance(value, bool)
    assert not isinstance(constraint, str)
    return constraint.is_satisfied_by(value)


def describe(constraints: Sequence[Constraint]) -> str:
    """What a value must be, in words: ``大于 0 的数``, ``'sum' 或 'argmax'``, ``true 或 false``."""
    return " 或 ".join("true 或 false" if c == "boolean" else str(c) for c in constraints)


def validate_params(
    constraints: Mapping[str, Sequence[Constraint]], params: Mapping[str, Any], owner: str
) -> None:
    """Raise :class:`InvalidParameterError` naming the first parameter whose value satisfies
    none of its constraints (``owner`` starts the message, e.g. ``"模型选项"``). A
    parameter without constraints is not checked (a subclass may add its own, as in scikit-learn).
    """
    for name, value in params.items():
        allowed = constraints.get(name)
        if allowed is not None and not any(_satisfies(c, value) for c in allowed):
            raise InvalidParameterError(f"{owner} {name} 应为{describe(allowed)},收到 {value!r}")
