"""How reads run right now: under which limits, and in this process or in a pool of workers.

Why a context and not an argument: the files a command reads are read deep inside the API
(``check`` reads through ``run_check``, ``code`` through ``code_table``, a training job through
``train`` → ``load_labeled``), and the *caller* — the CLI for a user's batch, the server for an
upload — is the one who knows how far the files are trusted. So the caller says it once::

    with reading(pool=server_pool, batch_seconds=120):
        findings = check_tables(read_tables(paths), model)

and every :func:`~indicatorml.tables.read_table` under it, in this thread, reads through the
pool. Outside any ``reading`` block a read runs in this process under ``DEFAULT_LIMITS`` (the
library's behaviour). A :class:`contextvars.ContextVar` carries it, so threads and requests
do not see each other's setting.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ..records import Table
from .grid import Grid
from .limits import DEFAULT_LIMITS, Limits

__all__ = ["Reader", "ReadPolicy", "current_policy", "reading"]


class Reader(Protocol):
    """Something that reads a file elsewhere (:class:`~indicatorml.tables.pool.ReaderPool`)."""

    def read(self, path: str | Path, limits: Limits, until: float | None = None) -> Table:
        """The file's table; a file that cannot be read within the limits is a table with one
        Problem. ``until`` (``time.monotonic()``) is when the batch must be done."""
        ...

    def grids(
        self, path: str | Path, kind: str, limits: Limits, until: float | None = None
    ) -> list[Grid] | None:
        """The grids of the ``kind`` file at ``path`` (for a writer laying a workbook out like
        it), or None when they cannot be had within the limits."""
        ...


@dataclass(frozen=True)
class ReadPolicy:
    """``limits``: the content limits every read applies. ``pool``: where reads run (None:
    here). ``until``: the monotonic time by which a batch's reads must end (None: no batch
    deadline)."""

    limits: Limits = DEFAULT_LIMITS
    pool: Reader | None = None
    until: float | None = None


_LIBRARY = ReadPolicy()  # outside any reading block: here, DEFAULT_LIMITS (frozen, so one is shared)
_POLICY: ContextVar[ReadPolicy] = ContextVar("indicatorml_read_policy", default=_LIBRARY)


def current_policy() -> ReadPolicy:
    return _POLICY.get()


@contextmanager
def reading(
    limits: Limits | None = None,
    pool: Reader | None = None,
    batch_seconds: float | None = None,
) -> Iterator[ReadPolicy]:
    """Read under ``limits`` (default: the limits in force), through ``pool`` (default: in
    this process), every file read within ``batch_seconds`` from now (default: no bound)."""
    outer = _POLICY.get()
    policy = ReadPolicy(
        limits=limits or outer.limits,
        pool=pool,
        until=time.monotonic() + batch_seconds if batch_seconds is not None else None,
    )
    token = _POLICY.set(policy)
    try:
        yield policy
    finally:
        _POLICY.reset(token)
