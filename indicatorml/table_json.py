"""A :class:`~indicatorml.records.Table` as plain JSON data and back, exactly.

Why: a review is kept (the store saves every table it read, so that its workbook can be
written again later without reading or checking the file again), and an untrusted file is read
in a separate process that hands its table back to the server. Both need a form that carries
everything the writers use — records with their cell origins, projects, problems, the sheets'
layout, the flat rows — and that is plain data: JSON, never pickle (a pickle from a reader that
a hostile file took over would run code in the server).

``table_from_dict(table_to_dict(t)) == t`` for every table a reader gives (tested on every
fixture). Cell values of flat rows that JSON has no type for (dates and times from a workbook)
are tagged: ``{"$": "datetime", "v": "2024-01-31T00:00:00"}``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import fields
from typing import Any

from .records import GridInfo, Indicator, Origin, Problem, Project, SeedItem, Table, TableSpan

__all__ = ["table_to_dict", "table_from_dict", "indicator_to_dict", "indicator_from_dict", "FORMAT"]

FORMAT = 1  # bumped when the shape changes; table_from_dict refuses what it does not know

_TIME_TYPES: dict[str, type[dt.datetime] | type[dt.date] | type[dt.time]] = {
    "datetime": dt.datetime,
    "date": dt.date,
    "time": dt.time,
}


def _value_to_json(v: Any) -> Any:
    """A flat-row cell value as JSON: str/int/float/bool/None as they are, times tagged."""
    if v is None or isinstance(v, (str, bool, int, float)):
        return v
    if isinstance(v, dt.timedelta):
        return {"$": "timedelta", "v": v.total_seconds()}
    if isinstance(v, (dt.datetime, dt.date, dt.time)):  # datetime first: a datetime is a date too
        name = next(n for n, t in _TIME_TYPES.items() if isinstance(v, t))
        return {"$": name, "v": v.isoformat()}
    return str(v)


def _value_from_json(v: Any) -> Any:
    if isinstance(v, dict):
        tag, raw = v.get("$"), v.get("v")
        if tag == "timedelta":
            return dt.timedelta(seconds=float(str(raw)))
        t = _TIME_TYPES.get(str(tag))
        if t is None:
            raise ValueError(f"unknown tagged value {tag!r}")
        return t.fromisoformat(str(raw))
    return v


def _origin_to_dict(o: Origin) -> dict[str, Any]:
    seed = None
    if o.seed is not None:
        s = o.seed
        seed = {"span": list(s.span), "number": s.number, "style": dict(s.style), "read_as": list(s.read_as)}
    return {
        "file": o.file,
        "sheet": o.sheet,
        "cells": {k: list(v) for k, v in o.cells.items()},
        "row": o.row,
        "seed": seed,
        "file_sha256": o.file_sha256,
    }


def _origin_from_dict(d: dict[str, Any]) -> Origin:
    s = d.get("seed")
    seed = None
    if s is not None:
        start, end = s["span"]
        seed = SeedItem(
            span=(int(start), int(end)),
            number=int(s["number"]),
            style={str(k): str(v) for k, v in s["style"].items()},
            read_as=tuple(s["read_as"]),
        )
    return Origin(
        file=d.get("file"),
        sheet=d.get("sheet"),
        cells={str(k): (int(v[0]), int(v[1])) for k, v in (d.get("cells") or {}).items()},
        row=d.get("row"),
        seed=seed,
        file_sha256=d.get("file_sha256"),
    )


_PLAIN = tuple(f.name for f in fields(Indicator) if f.name not in ("extra", "origin"))


def indicator_to_dict(rec: Indicator) -> dict[str, Any]:
    """Every field of an indicator, its origin included (unlike ``Indicator.to_dict``, the
    JSONL view, which shows what a user reads)."""
    out: dict[str, Any] = {k: getattr(rec, k) for k in _PLAIN}
    out["extra"] = {k: _value_to_json(v) for k, v in rec.extra.items()}
    out["origin"] = _origin_to_dict(rec.origin)
    return out


def indicator_from_dict(d: dict[str, Any]) -> Indicator:
    plain: dict[str, Any] = {k: d[k] for k in _PLAIN if k in d}
    rec = Indicator(**plain)
    rec.extra = {str(k): _value_from_json(v) for k, v in (d.get("extra") or {}).items()}
    rec.origin = _origin_from_dict(d.get("origin") or {})
    return rec


def _sheet_to_dict(g: GridInfo) -> dict[str, Any]:
    return {
        "name": g.name,
        "kind": g.kind,
        "tables": [{f.name: getattr(t, f.name) for f in fields(TableSpan)} for t in g.tables],
    }


def _sheet_from_dict(d: dict[str, Any]) -> GridInfo:
    return GridInfo(name=d["name"], kind=d["kind"], tables=[TableSpan(**t) for t in d.get("tables", [])])


def table_to_dict(table: Table) -> dict[str, Any]:
    """The whole table as JSON-ready data (see the module docstring)."""
    return {
        "format": FORMAT,
        "path": table.path,
        "kind": table.kind,
        "records": [indicator_to_dict(r) for r in table.records],
        "projects": [
            {
                "name": p.name,
                "goal": p.goal,
                "amounts": dict(p.amounts),
                "source": p.source,
                "indicator_rows": list(p.indicator_rows),
            }
            for p in table.projects
        ],
        "problems": [
            {"file": x.file, "line": x.line, "reason": x.reason, "sheet": x.sheet} for x in table.problems
        ],
        "encoding": table.encoding,
        "sha256": table.sha256,
        "newline": table.newline,
        "columns": list(table.columns),
        "rows": [[_value_to_json(v) for v in row] for row in table.rows],
        "preamble": list(table.preamble),
        "sheets": [_sheet_to_dict(g) for g in table.sheets],
        "titles": list(table.titles),
    }


def table_from_dict(d: dict[str, Any]) -> Table:
    """The table :func:`table_to_dict` gave; ``ValueError`` for data of another shape."""
    if not isinstance(d, dict) or d.get("format") != FORMAT:
        raise ValueError(f"not a table of format {FORMAT}")
    try:
        return Table(
            path=str(d["path"]),
            kind=str(d["kind"]),
            records=[indicator_from_dict(r) for r in d["records"]],
            projects=[Project(**p) for p in d["projects"]],
            problems=[Problem(**x) for x in d["problems"]],
            encoding=d.get("encoding"),
            sha256=str(d.get("sha256") or ""),
            newline=str(d.get("newline") or "\n"),
            columns=[str(c) for c in d.get("columns", [])],
            rows=[[_value_from_json(v) for v in row] for row in d.get("rows", [])],
            preamble=[str(x) for x in d.get("preamble", [])],
            sheets=[_sheet_from_dict(g) for g in d.get("sheets", [])],
            titles=[str(x) for x in d.get("titles", [])],  # absent in tables stored before titles were kept
        )
    except (KeyError, TypeError, IndexError) as e:
        raise ValueError(f"malformed table data ({type(e).__name__}: {e})") from None
