"""What the classifier accepts as one indicator: a text, a (text, target) pair, an Indicator or a dict.

Why so many forms: a script has texts, the CLI has (text, ``--target``) pairs, the readers give
:class:`~indicatorml.records.Indicator` records and the JSON API gives dicts; the estimator and
``classify`` take any of them, row by row, through :func:`as_pair`.
"""

from __future__ import annotations

from typing import Any

from ..records import Indicator

__all__ = ["Item", "as_pair"]

Item = str | tuple[Any, ...] | list[Any] | Indicator | dict[str, Any] | None


def as_pair(item: Item) -> tuple[str, str | None]:
    """(indicator text, target) of one item; a missing text is ``""``, a missing target None."""
    if isinstance(item, Indicator):
        return item.indicator or "", item.target
    if isinstance(item, dict):
        return str(item.get("indicator") or ""), item.get("target")
    if isinstance(item, (tuple, list)):
        text = item[0] if len(item) > 0 else ""
        target = item[1] if len(item) > 1 else None
        return ("" if text is None else str(text)), (None if target is None else str(target))
    if item is None:
        return "", None
    return str(item), None
