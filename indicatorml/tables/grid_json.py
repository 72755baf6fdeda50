"""A :class:`~.grid.Grid` as JSON and back, exactly: how a reader worker sends a file's grids.

Why: the writers of a stored review lay a new workbook out like its source (``.xls``, ``.docx``,
``.pdf``) from the source's grids, read again from the stored bytes. That read parses an
untrusted file, so it runs in a reader worker (:meth:`~.pool.ReaderPool.grids`) like every other
read, and the grids cross the pipe as data, never pickle. Raw cell values keep their type
(numbers stay numbers, dates stay dates), tagged where JSON has no type of its own.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from .grid import Grid

__all__ = ["grid_to_dict", "grid_from_dict"]

_TAGS: dict[str, Any] = {"$datetime": dt.datetime, "$date": dt.date, "$time": dt.time}


def _value_out(v: Any) -> Any:
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    for tag, kind in _TAGS.items():
        if type(v) is kind:
            return {tag: v.isoformat()}
    return str(v)  # anything else a library gave (a Decimal, a timedelta): its text


def _value_in(v: Any) -> Any:
    if isinstance(v, dict) and len(v) == 1:
        ((tag, text),) = v.items()
        kind = _TAGS.get(tag)
        if kind is not None and isinstance(text, str):
            return kind.fromisoformat(text)
    return v


def grid_to_dict(g: Grid) -> dict[str, Any]:
    """The grid as JSON-ready data."""
    return {
        "name": g.name,
        "kind": g.kind,
        "cells": g.cells,
        "cont": g.cont,
        "rownums": g.rownums,
        "values": None if g.values is None else [[_value_out(v) for v in row] for row in g.values],
        "above": g.above,
        "problems": [[row, reason] for row, reason in g.problems],
    }


def grid_from_dict(d: dict[str, Any]) -> Grid:
    """The grid :func:`grid_to_dict` gave (KeyError/TypeError/ValueError on anything else)."""
    values = d["values"]
    return Grid(
        name=str(d["name"]),
        kind=str(d["kind"]),
        cells=[[str(c) for c in row] for row in d["cells"]],
        cont=[[bool(c) for c in row] for row in d["cont"]],
        rownums=[int(n) for n in d["rownums"]],
        values=None if values is None else [[_value_in(v) for v in row] for row in values],
        above=[str(a) for a in d["above"]],
        problems=[(None if row is None else int(row), str(reason)) for row, reason in d["problems"]],
    )
