"""A small pool of reader worker processes: every untrusted file is read in one, under a hard
memory limit, a CPU limit and a wall-clock deadline.

Why: the content limits (:mod:`.limits`) stop what a file *claims*; a reader bug in a library
(a loop in pdfminer, an allocation nobody foresaw) is stopped only by running the read where
the operating system can end it. A worker (:mod:`.worker`) that overruns the deadline is
killed; one that dies (out of memory, CPU limit, a crash) is replaced; either way the file gets
one Problem in Chinese ("读取超时(25 秒)…") and the caller goes on with the next file.

Bounded: ``size`` workers, and at most ``queue`` callers waiting for one; a caller beyond that,
or one that waited ``wait_seconds``, gets a "busy" Problem at once instead of a thread parked
for minutes (40 hostile uploads used to leave 42 busy threads and a server that no longer
answered). Workers are started on first use and reused across files (starting one costs
~0.5 s, more than reading most tables); a killed or recycled worker is started again when next
needed.

The table comes back as JSON (:mod:`indicatorml.table_json`), never pickle, and its size is
bounded too (``reply_bytes``): what a worker sends is data the parent checks, not code.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import weakref
from pathlib import Path
from typing import IO, Any

from ..records import Problem, Table
from ..table_json import table_from_dict
from .grid import Grid
from .grid_json import grid_from_dict
from .limits import Limits, megabytes
from .worker import WorkerConfig

__all__ = ["ReaderPool", "PoolSettings"]

_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])  # the folder holding indicatorml/


class PoolSettings:
    """How big and how strict a pool is. Defaults: two workers (the machine a bureau shares
    has two cores), eight callers waiting, 25 s per file (a file stopped only by the deadline
    is still answered within issue 18's 30 s; the 30,000-row workbook reads in 7–9 s), 768 MB
    of address space per worker (that workbook peaks at 495 MB; a worker idles at ~200 MB of
    address space and ~70 MB resident; two workers at their limit and the server stay under
    1.5 GB), 256 MB of reply (that workbook's table is 33 MB of JSON)."""

    def __init__(
        self,
        size: int = 2,
        queue: int = 8,
        deadline: float = 25.0,
        memory_bytes: int | None = 768 * 1024 * 1024,
        wait_seconds: float = 60.0,
        reply_bytes: int = 256 * 1024 * 1024,
    ) -> None:
        if size < 1 or queue < 0 or deadline <= 0 or wait_seconds < 0:
            raise ValueError("a pool needs size ≥ 1, queue ≥ 0, deadline > 0, wait_seconds ≥ 0")
        self.size = size
        self.queue = queue
        self.deadline = deadline
        self.memory_bytes = memory_bytes
        self.wait_seconds = wait_seconds
        self.reply_bytes = reply_bytes


class _Worker:
    """One worker process and the thread that reads its replies (a pipe read cannot time out
    portably; the pool waits on the queue this thread fills instead)."""

    def __init__(self, settings: PoolSettings) -> None:
        config = WorkerConfig(settings.memory_bytes, int(settings.deadline) + 5)
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (_PACKAGE_ROOT, env.get("PYTHONPATH")) if p)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "indicatorml.tables.worker", config.to_json()],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            start_new_session=True,  # Ctrl-C in a terminal reaches the CLI, which ends its workers
        )
        self.replies: queue.Queue[bytes] = queue.Queue()
        assert self.proc.stdout is not None
        # The thread holds the pipe and the queue, not this object: a pool that is dropped
        # (and its workers with it) is collected, and its finalizer ends the processes.
        threading.Thread(
            target=_pump, args=(self.proc.stdout, self.replies, settings.reply_bytes), daemon=True
        ).start()

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        for f in (self.proc.stdin, self.proc.stdout):
            if f is not None:
                try:
                    f.close()
                except OSError:
                    pass


def _pump(stdout: IO[bytes], replies: queue.Queue[bytes], limit: int) -> None:
    """Move a worker's reply lines to its queue until the pipe closes."""
    while True:
        try:
            line = stdout.readline(limit + 1)
        except (OSError, ValueError):  # closed under us by kill()
            line = b""
        replies.put(line)
        if not line or not line.endswith(b"\n"):
            return  # closed, or a reply over the limit (the pool kills the worker)


def _end_all(workers: list[_Worker | None]) -> None:
    for w in workers:
        if w is not None:
            w.kill()


class ReaderPool:
    """Read files in worker processes (see the module docstring). Thread-safe: many request
    threads share one pool. ``read`` never raises for a file: what went wrong is the table's
    Problem."""

    def __init__(self, settings: PoolSettings | None = None) -> None:
        self.settings = settings or PoolSettings()
        self._idle: list[_Worker | None] = [None] * self.settings.size  # None: start one when needed
        self._waiting = 0
        self._cond = threading.Condition()
        self._closed = False
        self.replaced = 0  # workers killed or found dead and started again (the benchmark reports it)
        # A pool dropped without close() still ends its idle workers (they would wait for input).
        weakref.finalize(self, _end_all, self._idle)

    # -------------------------------------------------------------- the public verbs
    def read(self, path: str | Path, limits: Limits, until: float | None = None) -> Table:
        """The table of the file at ``path`` read by a worker, or a table whose one Problem says
        why not (deadline, memory, busy, the batch's time used up)."""
        p = str(path)
        got = self._exchange(p, {"path": p, "limits": limits.to_dict()}, until)
        if isinstance(got, str):
            return _failed(p, got)
        table, last = _decoded(p, got)
        return table

    def grids(
        self, path: str | Path, kind: str, limits: Limits, until: float | None = None
    ) -> list[Grid] | None:
        """The grids of the ``kind`` file at ``path`` read by a worker (for a writer laying a
        new workbook out like it), or None when they cannot be had (the same limits, deadline
        and memory cap as :meth:`read`; the writer then uses the table's own rows)."""
        p = str(path)
        got = self._exchange(p, {"path": p, "limits": limits.to_dict(), "grids": kind}, until)
        return None if isinstance(got, str) else _decoded_grids(got)

    def _exchange(self, p: str, request: dict[str, Any], until: float | None) -> bytes | str:
        """One request to a worker: its reply line, or why there is none (in Chinese)."""
        now = time.monotonic()
        if until is not None and now >= until:
            return "这一批文件的读取时间已用完,这个文件没有读取;请减少一次上传的文件数。"
        slot = self._take(min(self.settings.wait_seconds, until - now) if until is not None else None)
        if isinstance(slot, _NoSlot):
            s = self.settings
            return f"服务器正忙:{s.size} 个文件正在读取、{s.queue} 个在排队,请稍后再试。"
        worker: _Worker | None = slot
        try:
            if worker is None or not worker.alive():
                if worker is not None:
                    worker.kill()  # recycled (it ended itself after a big file): reap it
                worker = None
                try:
                    worker = _Worker(self.settings)
                except OSError as e:
                    return f"无法启动读取进程({type(e).__name__}: {e}),没有读取。"
            deadline = self.settings.deadline
            if until is not None:
                deadline = max(0.1, min(deadline, until - time.monotonic()))
            got, worker = self._ask(worker, request, deadline)
            return got
        finally:
            self._give(worker)

    def pids(self) -> list[int]:
        """The process ids of the idle, live workers (for a benchmark's memory count, a test)."""
        with self._cond:
            return [w.proc.pid for w in self._idle if w is not None and w.alive()]

    def start(self) -> None:
        """Start every worker now (a server does this at start, so the first upload does not wait)."""
        with self._cond:
            for k, w in enumerate(self._idle):
                if w is None:
                    self._idle[k] = _Worker(self.settings)

    def close(self) -> None:
        """End every idle worker; busy ones end when their read is done."""
        with self._cond:
            self._closed = True
            idle = list(self._idle)
            self._idle.clear()  # the same list the finalizer holds
            self._cond.notify_all()
        _end_all(idle)

    def __enter__(self) -> ReaderPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -------------------------------------------------------------- slots
    def _take(self, wait: float | None) -> _Worker | None | _NoSlot:
        """An idle slot (a live worker, or None: start one), or ``_NO_SLOT`` when the queue is full
        or the wait ran out."""
        limit = self.settings.wait_seconds if wait is None else wait
        with self._cond:
            if not self._idle and (self._closed or self._waiting >= self.settings.queue):
                return _NO_SLOT
            self._waiting += 1
            try:
                end = time.monotonic() + limit
                while not self._idle and not self._closed:
                    left = end - time.monotonic()
                    if left <= 0 or not self._cond.wait(left):
                        if not self._idle:
                            return _NO_SLOT
                if self._closed:
                    return _NO_SLOT
                return self._idle.pop()
            finally:
                self._waiting -= 1

    def _give(self, worker: _Worker | None) -> None:
        with self._cond:
            if self._closed:
                if worker is not None:
                    worker.kill()
                return
            self._idle.append(worker if worker is not None and worker.alive() else None)
            self._cond.notify()

    # -------------------------------------------------------------- one request
    def _ask(
        self, worker: _Worker, request: dict[str, Any], deadline: float
    ) -> tuple[bytes | str, _Worker | None]:
        """Send one request and wait for its reply until ``deadline`` seconds; (the reply line or
        why there is none, the worker if it may be reused)."""
        line_out = json.dumps(request, ensure_ascii=False).encode() + b"\n"
        try:
            assert worker.proc.stdin is not None
            worker.proc.stdin.write(line_out)
            worker.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            return self._dead(worker), None
        try:
            line = worker.replies.get(timeout=deadline)
        except queue.Empty:
            self._replace(worker)
            shown = max(1, round(deadline))  # a deadline the batch cut short shows as whole seconds too
            return f"读取超时({shown} 秒):文件可能已损坏或构造异常,没有读完。", None
        if not line:
            return self._dead(worker), None
        if not line.endswith(b"\n"):
            self._replace(worker)
            return f"读取结果超过 {megabytes(self.settings.reply_bytes)},没有接收。", None
        if _ends_after(line):
            worker.kill()  # it is ending itself (recycled): reap it, start another when needed
            return line, None
        return line, worker

    def _replace(self, worker: _Worker) -> None:
        """Kill a worker; its slot gets a fresh one when next needed."""
        worker.kill()
        with self._cond:
            self.replaced += 1

    def _dead(self, worker: _Worker) -> str:
        """A worker that ended without a reply: say what ended it."""
        self._replace(worker)
        code = worker.proc.returncode
        memory = self.settings.memory_bytes
        if code == -getattr(signal, "SIGXCPU", -1000):
            return f"读取超时(CPU 时间超过 {int(self.settings.deadline)} 秒):没有读完。"
        if code == 3:  # the worker's own MemoryError, past its address-space limit
            cap = f"({megabytes(memory)})" if memory else ""
            return f"读取时内存超过上限{cap}:文件异常大或已损坏,没有读完。"
        if code == -getattr(signal, "SIGKILL", -1000):
            return "读取进程被系统终止(多半是内存不足):文件异常大或已损坏,没有读完。"
        return f"读取进程意外退出(代码 {code}):文件可能已损坏,没有读完。"


class _NoSlot:
    """No worker could be had (queue full, wait over, pool closed)."""


_NO_SLOT = _NoSlot()


def _failed(path: str, reason: str) -> Table:
    """A table that holds nothing but why (kind ``empty``: nothing was read, so no writer goes
    back to the file for its layout)."""
    return Table(path=path, kind="empty", problems=[Problem(path, None, reason)])


def _ends_after(line: bytes) -> bool:
    """Whether the worker said it ends after this reply (``"last"``; unreadable: treat as ending)."""
    try:
        reply: Any = json.loads(line)
        return not ("table" in reply or "grids" in reply) or reply.get("last", False) is not False
    except (ValueError, TypeError, AttributeError, RecursionError):
        return True


def _decoded_grids(line: bytes) -> list[Grid] | None:
    """The reply's grids, checked; None for anything else (a failed read, a strange reply)."""
    try:
        reply: Any = json.loads(line)
        given = reply["grids"]
        return None if given is None else [grid_from_dict(g) for g in given]
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return None


def _decoded(path: str, line: bytes) -> tuple[Table, bool]:
    """(the reply's table, whether the worker ends after it), checked: a worker that sends
    something else is a failed read (and is not reused)."""
    try:
        reply: Any = json.loads(line)
        table = table_from_dict(reply["table"])
        last = reply.get("last", False) is not False
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return _failed(path, "读取进程返回的数据无法识别,没有读取。"), True
    if table.path != path:
        return _failed(path, "读取进程返回的不是这个文件的结果,没有读取。"), True
    return table, last
