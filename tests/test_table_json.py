"""A table as JSON data and back: exact for every kind of file the readers take.

Why exact: a stored review writes its workbook from this data, and a sandboxed reader hands its
table back through it; anything lost here would be a cell the reviewer's workbook forgets.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from indicatorml.records import Indicator, Table
from indicatorml.table_json import table_from_dict, table_to_dict
from indicatorml.tables import read_table

from helpers import CORPUS, SEED, WORKBOOKS

FILES = [SEED, CORPUS, *sorted(p for p in WORKBOOKS.iterdir() if p.name != "manifest.json")]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_readable_file_round_trips_through_json(path):
    table = read_table(str(path))
    data = json.loads(json.dumps(table_to_dict(table), ensure_ascii=False))
    assert table_from_dict(data) == table


def test_the_fixtures_cover_origins_sheets_rows_and_problems():
    """The round trip above only means something if the fixtures carry every part."""
    tables = [read_table(str(p)) for p in FILES]
    assert any(r.origin.cells for t in tables for r in t.records)
    assert any(r.origin.seed is not None for t in tables for r in t.records)
    assert any(t.sheets and t.sheets[0].tables for t in tables)
    assert any(t.problems for t in tables)
    assert any(t.rows for t in tables)
    assert any(t.projects for t in tables)


def test_cell_values_without_a_json_type_are_tagged_and_come_back():
    t = Table(
        path="x.xlsx", kind="xlsx", records=[Indicator("培训人次", extra={"when": dt.date(2024, 1, 31)})]
    )
    t.rows = [
        ["a", 1, 2.5, True, None, dt.datetime(2024, 1, 31, 8, 30), dt.time(9, 0), dt.timedelta(hours=2)]
    ]
    data = table_to_dict(t)
    assert data["rows"][0][5] == {"$": "datetime", "v": "2024-01-31T08:30:00"}
    assert data["records"][0]["extra"]["when"] == {"$": "date", "v": "2024-01-31"}
    assert table_from_dict(json.loads(json.dumps(data))) == t


@pytest.mark.parametrize(
    "bad",
    [
        None,
        [],
        {"format": 99},
        {"format": 1, "path": "x"},
        {"format": 1, "path": "x", "kind": "csv", "records": [1]},
    ],
)
def test_other_data_is_refused_with_a_value_error(bad):
    with pytest.raises(ValueError):
        table_from_dict(bad)
