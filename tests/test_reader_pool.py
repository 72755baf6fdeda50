"""Reading in worker processes (tables.pool): the same tables as in this process, and what the
workers' limits hold when a file gets past the content limits.

To reach the workers' own limits, these tests raise the content limits far past what the
hostile files claim (``OPEN``), so only the deadline, the memory limit or a kill stops them.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path

import pytest

from indicatorml.table_json import table_to_dict
from indicatorml.tables import read_table, read_tables
from indicatorml.tables.limits import DEFAULT_LIMITS
from indicatorml.tables.pool import PoolSettings, ReaderPool
from indicatorml.tables.reading import reading

import make_hostile as mh
from helpers import CORPUS, SEED, WORKBOOKS

OPEN = DEFAULT_LIMITS.scaled(10**7)  # no content limit stops the hostile files
GOOD = WORKBOOKS / "申报表_三个项目.xlsx"


@pytest.fixture
def pool():
    p = ReaderPool(PoolSettings(size=1, queue=0, deadline=3, memory_bytes=512 << 20))
    yield p
    p.close()


def _same(a, b) -> bool:
    return json.dumps(table_to_dict(a), sort_keys=True) == json.dumps(table_to_dict(b), sort_keys=True)


def test_a_worker_reads_what_this_process_reads(pool: ReaderPool) -> None:
    files = [SEED, CORPUS, *sorted(p for p in WORKBOOKS.iterdir() if p.name != "manifest.json")]
    for f in files:
        assert _same(pool.read(f, DEFAULT_LIMITS), read_table(f)), f
    assert pool.replaced == 0


def test_a_reading_block_sends_every_read_to_the_pool(pool: ReaderPool, tmp_path: Path) -> None:
    loop = mh.pdf_flate(tmp_path / "f.pdf", inflated=8 << 20)
    with reading(limits=OPEN, pool=pool):
        t = read_tables([loop])[0]
    # The content limits are open, so only the worker's memory limit (512 MB) could stop it;
    # 8 MB inflates fine: read (no table on the page), and by the worker.
    assert t.kind == "pdf" and not any("超过上限" in p.reason for p in t.problems)


def test_past_the_deadline_the_worker_is_killed_and_replaced(pool: ReaderPool, tmp_path: Path) -> None:
    slow = mh.xlsx_merges(tmp_path / "m.xlsx")  # main: 231 s
    t0 = time.monotonic()
    t = pool.read(slow, OPEN)
    assert time.monotonic() - t0 < 6
    assert [p.reason for p in t.problems] == ["读取超时(3 秒):文件可能已损坏或构造异常,没有读完。"]
    assert t.kind == "empty" and t.records == []
    assert pool.replaced == 1
    assert len(pool.read(GOOD, DEFAULT_LIMITS).records) == 24  # a fresh worker reads the next file


def test_past_the_memory_limit_the_file_fails_and_the_worker_goes_on(
    pool: ReaderPool, tmp_path: Path
) -> None:
    bomb = mh.docx_grid_span(tmp_path / "b.docx")  # a row a billion columns wide: 8 GB of list
    t = pool.read(bomb, OPEN)
    assert [p.reason for p in t.problems] == ["读取时内存超过上限(512 MB):文件异常大或已损坏,没有读完。"]
    assert len(pool.read(GOOD, DEFAULT_LIMITS).records) == 24


def test_a_worker_killed_between_files_is_replaced(pool: ReaderPool) -> None:
    assert len(pool.read(GOOD, DEFAULT_LIMITS).records) == 24
    pid = pool.pids()[0]
    os.kill(pid, signal.SIGKILL)
    time.sleep(0.2)
    assert len(pool.read(GOOD, DEFAULT_LIMITS).records) == 24
    assert pool.pids() != [pid]


def test_a_worker_killed_during_a_read_is_that_file_s_problem(pool: ReaderPool, tmp_path: Path) -> None:
    slow = mh.xlsx_merges(tmp_path / "m.xlsx")
    pool.read(GOOD, DEFAULT_LIMITS)  # the worker is up
    pid = pool.pids()[0]
    threading.Timer(0.5, os.kill, (pid, signal.SIGKILL)).start()
    t = pool.read(slow, OPEN)
    assert [p.reason for p in t.problems] == [
        "读取进程被系统终止(多半是内存不足):文件异常大或已损坏,没有读完。"
    ]
    assert len(pool.read(GOOD, DEFAULT_LIMITS).records) == 24


def test_a_full_queue_answers_busy_at_once(pool: ReaderPool, tmp_path: Path) -> None:
    slow = mh.xlsx_merges(tmp_path / "m.xlsx")
    pool.start()
    assert len(pool.pids()) == 1  # one idle worker
    busy = threading.Thread(target=pool.read, args=(slow, OPEN))
    busy.start()
    while pool.pids():  # until the thread has taken it; the queue holds nobody (queue=0)
        time.sleep(0.01)
    t0 = time.monotonic()
    t = pool.read(GOOD, DEFAULT_LIMITS)
    assert time.monotonic() - t0 < 0.5
    assert [p.reason for p in t.problems] == ["服务器正忙:1 个文件正在读取、0 个在排队,请稍后再试。"]
    busy.join()


def test_a_batch_past_its_time_reads_no_more(pool: ReaderPool, tmp_path: Path) -> None:
    slow = mh.xlsx_merges(tmp_path / "m.xlsx")
    with reading(limits=OPEN, pool=pool, batch_seconds=1):
        slow_t, good_t = read_tables([slow, GOOD])
    assert "读取超时(1 秒)" in slow_t.problems[0].reason
    assert [p.reason for p in good_t.problems] == [
        "这一批文件的读取时间已用完,这个文件没有读取;请减少一次上传的文件数。"
    ]


def test_a_reply_over_its_bound_is_refused(tmp_path: Path) -> None:
    with ReaderPool(PoolSettings(size=1, reply_bytes=1000)) as small:
        t = small.read(SEED, DEFAULT_LIMITS)
    assert [p.reason for p in t.problems] == ["读取结果超过 1,000 字节,没有接收。"]


def test_closing_the_pool_ends_its_workers() -> None:
    p = ReaderPool(PoolSettings(size=2))
    p.start()
    pids = p.pids()
    assert len(pids) == 2
    p.close()
    time.sleep(0.2)
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
