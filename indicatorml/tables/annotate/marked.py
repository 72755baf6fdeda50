"""Which writer a marked input goes to: its own workbook marked in place, or a new one laid out like it.

Why a module of its own: ``check`` and ``code``, the CLI and the review pipeline all hand the
annotate package one file's table and marks; the choice between :func:`~.own_workbook.annotate_workbook`
(an ``.xlsx`` whose bytes are at hand) and :func:`~.new_workbook.report_workbook` (anything
else) is made here once, and so is reading a CLI input's bytes (:func:`source_of`).
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from ...records import Table
from .marks import Listing, Marked, Note, Source
from .names import shown_name
from .new_workbook import report_workbook
from .own_workbook import annotate_workbook

__all__ = ["source_of", "in_place", "marked_workbook"]


def source_of(table: Table, name: str | None = None) -> Source:
    """A table read from a file on disk (the CLI, ``code``) as a :class:`Source`: the file's bytes
    where it is still there, shown as ``name`` (default: the file's own name, never its folder)."""
    path = Path(table.path)
    data = path.read_bytes() if path.is_file() else None
    return Source(table, name if name is not None else shown_name(table.path), data)


def in_place(source: Source) -> bool:
    """Whether the input comes back as its own workbook, marked: an ``.xlsx`` (by its content,
    as the reader found it) with indicators, whose bytes are at hand."""
    return source.table.kind == "xlsx" and source.data is not None and bool(source.table.records)


def marked_workbook(
    items: Sequence[Marked],
    listing: Listing | None = None,
    listing_table: Callable[[Note], int | None] | None = None,
    more: Sequence[Listing] = (),
) -> bytes:
    """The workbook of ``items`` as bytes: one ``.xlsx`` input marked in place, anything else
    (another kind, or several inputs together) a new workbook laid out like the inputs;
    ``more`` list sheets (rows without links) come last."""
    with _collector_paused():
        if len(items) == 1 and in_place(items[0].source):
            return annotate_workbook(items[0], listing, more)
        return report_workbook(items, listing, listing_table, more)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector off while a workbook is built and saved, back as it was after.

    Why: openpyxl makes several objects per cell, all alive until the workbook is saved; each
    full collection walks every one of them, so with the collector on, writing grew faster than
    the rows (CPU per row 162 µs at 7,200 rows, 205 µs at 29,000; 134 and 152 with it off —
    benchmarks/bench_write.py). Nothing made here is garbage before the save, so nothing is
    held back; cycles left over are collected when the collector runs again.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
