"""One reader worker: ``python -m indicatorml.tables.worker CONFIG`` reads files for a
:class:`~.pool.ReaderPool`, one at a time, under a hard memory and CPU limit.

Why a process: a reader bug in a library (a loop, a gigabyte allocation) must cost one file,
not the server. The worker holds ``RLIMIT_AS`` (its address space: an allocation past it is a
MemoryError or the process ends) and a per-file ``RLIMIT_CPU`` (the kernel ends it past the
CPU time); the pool adds a wall-clock deadline and kills it. A worker is reused across files,
because starting Python and importing the readers costs more than reading most tables.

The protocol is JSON lines, never pickle (a worker a hostile file took over must not be able
to run code in the parent through what it sends back):

* request (stdin): ``{"path": "…", "limits": {…}}`` — :meth:`Limits.to_dict`; with
  ``"grids": kind`` it asks for the file's grids instead (a writer's second read of a stored upload)
* reply (stdout): ``{"table": …, "last": bool}`` — :func:`~indicatorml.table_json.table_to_dict`,
  or ``{"grids": [...] | null, "last": bool}`` — :func:`~.grid_json.grid_to_dict`;
  ``last``: the worker ends after this reply (see below), so the pool starts another.

Anything else a library prints goes to stderr, never into the protocol. The worker ends when
stdin closes (its pool is gone), and after a file that left it holding more than half its
memory limit (Python rarely gives memory back; a fresh worker is cheaper than a bloated one).

On a platform without :mod:`resource` (Windows) the worker runs without the memory and CPU
limits; the pool's wall-clock deadline still holds.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any, BinaryIO

__all__ = ["main", "WorkerConfig"]


class WorkerConfig:
    """What a worker is started with (argv[1], JSON): its memory limit, the CPU seconds it may
    spend on one file."""

    def __init__(self, memory_bytes: int | None, cpu_seconds: int | None) -> None:
        self.memory_bytes = memory_bytes
        self.cpu_seconds = cpu_seconds

    def to_json(self) -> str:
        return json.dumps({"memory_bytes": self.memory_bytes, "cpu_seconds": self.cpu_seconds})

    @classmethod
    def from_json(cls, text: str) -> WorkerConfig:
        d = json.loads(text)
        return cls(d.get("memory_bytes"), d.get("cpu_seconds"))


def _limit_memory(memory_bytes: int | None) -> None:
    try:
        import resource
    except ImportError:  # Windows: no hard limit (the pool's deadline still holds)
        return
    if memory_bytes:
        try:
            resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
        except (ValueError, OSError):  # a system that will not lower it (macOS): the deadline holds
            pass


def _limit_cpu(seconds: int | None) -> None:
    """This file may use ``seconds`` more CPU seconds than the worker has used so far (the
    soft limit is raised per file; the kernel sends SIGXCPU, which ends the worker)."""
    try:
        import resource
    except ImportError:
        return
    if seconds:
        used = resource.getrusage(resource.RUSAGE_SELF)
        spent = int(used.ru_utime + used.ru_stime) + 1
        _, hard = resource.getrlimit(resource.RLIMIT_CPU)
        soft = spent + seconds
        try:
            resource.setrlimit(
                resource.RLIMIT_CPU, (soft if hard == resource.RLIM_INFINITY else min(soft, hard), hard)
            )
        except (ValueError, OSError):
            pass


def _address_space() -> int | None:
    """Bytes of address space the process holds now (Linux ``/proc``; None elsewhere)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as f:
            return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError, AttributeError):
        return None


def _protocol_channel() -> BinaryIO:
    """The real stdout, kept for replies; fd 1 then points at stderr, so whatever a library
    prints cannot corrupt a reply."""
    out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    return out


def _warm() -> None:
    """Import the readers' libraries once, before the first file (each costs 0.1–0.3 s)."""
    import docx  # noqa: F401
    import openpyxl  # noqa: F401
    import pdfplumber  # noqa: F401
    import xlrd  # noqa: F401


def _answer(request: dict[str, Any], config: WorkerConfig) -> tuple[bytes, bool]:
    """(the reply line, whether this worker ends after it)."""
    from ..table_json import table_to_dict
    from .limits import Limits
    from .read import read_here

    limits = Limits.from_dict(request["limits"])
    reply: dict[str, Any]
    if request.get("grids"):
        reply = {"grids": _grids(str(request["grids"]), Path(str(request["path"])), limits)}
    else:
        reply = {"table": table_to_dict(read_here(str(request["path"]), limits, config.memory_bytes))}
    held = _address_space()
    last = bool(config.memory_bytes and held is not None and held > config.memory_bytes // 2)
    reply["last"] = last
    return json.dumps(reply, ensure_ascii=False).encode("utf-8") + b"\n", last


def _grids(kind: str, path: Path, limits: Any) -> list[dict[str, Any]] | None:
    """A file's grids for a writer (:func:`~.file_grids.grids_here`), or None when they cannot be
    read (damaged, over a limit: the writer then lays the workbook out from the table's rows)."""
    from .file_grids import grids_here
    from .grid_json import grid_to_dict

    try:
        return [grid_to_dict(g) for g in grids_here(kind, path, limits)]
    except MemoryError:
        raise
    except Exception:  # noqa: BLE001 - no grids is an answer, not a dead worker
        return None


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    config = WorkerConfig.from_json(args[0]) if args else WorkerConfig(None, None)
    out = _protocol_channel()
    _limit_memory(config.memory_bytes)
    _warm()
    for line in sys.stdin.buffer:
        _limit_cpu(config.cpu_seconds)
        try:
            reply, last = _answer(json.loads(line), config)
        except MemoryError:
            return 3  # the pool reports a worker that ended without a reply
        out.write(reply)
        out.flush()
        if last:
            return 0  # recycled: the pool starts a fresh worker for the next file
    return 0


if __name__ == "__main__":
    sys.exit(main())
