"""The writers' second read of an upload (its grids) runs where the review's read ran.

Issue 18: every uploaded file is read under limits in a reader worker. The annotated workbook of
a stored ``.xls``/``.docx``/``.pdf`` is laid out from the source's grids, parsed again from the
stored bytes at download time; these tests pin that this parse goes through the pool when the
caller reads through one, that the grids cross the pipe exactly, and that a hostile file costs
its grids (the writer falls back to the table's rows), never the server.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest

from indicatorml.tables import read_table
from indicatorml.tables.file_grids import GRID_KINDS, file_grids, grids_here
from indicatorml.tables.grid import Grid
from indicatorml.tables.grid_json import grid_from_dict, grid_to_dict
from indicatorml.tables.limits import DEFAULT_LIMITS
from indicatorml.tables.pool import PoolSettings, ReaderPool
from indicatorml.tables.reading import reading

import make_hostile as mh
from helpers import WORKBOOKS

SOURCES = sorted(p for p in WORKBOOKS.iterdir() if p.suffix.lstrip(".") in GRID_KINDS)


def _kind(path: Path) -> str:
    return path.suffix.lstrip(".")


@pytest.fixture(scope="module")
def pool():
    p = ReaderPool(PoolSettings(size=1, queue=0, deadline=5, memory_bytes=512 << 20))
    yield p
    p.close()


def test_there_are_sources_of_every_kind() -> None:
    assert {_kind(p) for p in SOURCES} == set(GRID_KINDS)
    assert {_kind(p) for p in READABLE} == set(GRID_KINDS)


def _readable(path: Path) -> bool:
    """Grids to compare: not damaged on purpose (truncated, encrypted, renamed), not empty (an
    empty document, a scanned PDF without a text layer)."""
    try:
        return bool(grids_here(_kind(path), path))
    except Exception:  # noqa: BLE001
        return False


READABLE = [p for p in SOURCES if _readable(p)]


@pytest.mark.parametrize("path", READABLE, ids=[p.name for p in READABLE])
def test_grids_survive_json_exactly(path: Path) -> None:
    grids = grids_here(_kind(path), path)
    assert grids
    for g in grids:
        back = grid_from_dict(json.loads(json.dumps(grid_to_dict(g), ensure_ascii=False)))
        assert back == g


def test_values_keep_their_types_across_json() -> None:
    g = Grid("表1", "sheet", [["a", "b", "c", "d", "e"]], [[False] * 5], [1])
    g.values = [[dt.datetime(2025, 1, 2, 3, 4), dt.date(2025, 1, 2), dt.time(8, 30), 3.5, True]]
    back = grid_from_dict(json.loads(json.dumps(grid_to_dict(g))))
    assert back.values == g.values and [type(v) for v in back.values[0]] == [type(v) for v in g.values[0]]


@pytest.mark.parametrize("path", SOURCES, ids=[p.name for p in SOURCES])
def test_a_worker_gives_the_grids_this_process_reads(pool: ReaderPool, path: Path) -> None:
    try:
        here = grids_here(_kind(path), path)
    except Exception:  # noqa: BLE001 - damaged on purpose: the worker gives none either
        assert pool.grids(path, _kind(path), DEFAULT_LIMITS) is None
        return
    assert pool.grids(path, _kind(path), DEFAULT_LIMITS) == here


def test_file_grids_goes_through_the_pool_of_the_reading_block(pool: ReaderPool) -> None:
    """Inside ``reading(pool=…)`` the bytes are parsed by a worker; outside, here — same grids."""
    path = WORKBOOKS / "申报表_绩效指标列合并.docx"

    class Spy:
        def __init__(self) -> None:
            self.asked: list[str] = []

        def read(self, *a, **k):  # pragma: no cover - not called here
            raise AssertionError("only grids are asked for")

        def grids(self, p, kind, limits, until=None):
            self.asked.append(kind)
            return pool.grids(p, kind, limits, until)

    spy = Spy()
    with reading(pool=spy):
        through = file_grids("docx", path.read_bytes())
    assert spy.asked == ["docx"]
    assert through == file_grids("docx", path.read_bytes())
    assert through is not None and len(through) == len(read_table(path).sheets)


def test_a_hostile_file_costs_its_grids_not_the_worker_pool(pool: ReaderPool, tmp_path: Path) -> None:
    """The 34 KB .docx with a 10^9 gridSpan (it once took the server past 22 GB): no grids, at
    once, and the pool reads the next file as before."""
    bad = mh.docx_grid_span(tmp_path / "span.docx")
    assert pool.grids(bad, "docx", DEFAULT_LIMITS.scaled(10**7)) is None
    good = WORKBOOKS / "申报表_两行表头.xls"
    assert pool.grids(good, "xls", DEFAULT_LIMITS) == grids_here("xls", good)


def test_the_servers_downloads_parse_the_stored_upload_in_a_reader_worker(
    tmp_path: Path, monkeypatch
) -> None:
    """A stored .docx review's workbook and the stateless /api/check workbook: the source's grids
    come from the server's reader pool (so under its memory limit and deadline), and the
    workbook is laid out like the source (its merged 绩效指标 column re-made)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # starlette's note on httpx, as in the other web tests
        from starlette.testclient import TestClient

    from indicatorml.web.app import create_app
    from indicatorml.web.settings import Settings

    asked: list[str] = []
    real = ReaderPool.grids

    def spy(self, path, kind, limits, until=None):
        asked.append(kind)
        return real(self, path, kind, limits, until)

    monkeypatch.setattr(ReaderPool, "grids", spy)
    source = WORKBOOKS / "申报表_绩效指标列合并.docx"
    with TestClient(create_app(Settings(data_dir=tmp_path)), base_url="http://localhost") as c:
        c.headers["X-CSRF-Token"] = c.get("/api/csrf").json()["token"]
        made = c.post("/api/reviews", files={"file": (source.name, source.read_bytes())})
        assert made.status_code == 201, made.text
        got = c.get(f"/api/reviews/{made.json()['id']}/files/1/workbook")
        assert got.status_code == 200 and asked == ["docx"]
        checked = c.post("/api/check?format=xlsx", files={"file": (source.name, source.read_bytes())})
        assert checked.status_code == 200 and asked == ["docx", "docx"]
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(got.content))
    assert any(ws.merged_cells.ranges for ws in wb.worksheets)
