"""Reading one uploaded file for a review: its bytes, and its table under the file's own name.

Why the name is put in after reading: the reader names everything it reads after the path it
was given (``Table.path``, each problem's file, each record's ``source`` and origin), and the
web layer stores an upload under a generated temporary path. A review shows the user's own
name for the file everywhere; so every text the reader wrote the path into is rewritten
(the path, and the temporary folder for messages that name it), and no server path reaches a
finding, a problem, a suggestion or a stored row.

The one call into the table reader is :func:`read_upload`: when the bounded reader of issue
18 lands, this is where uploads start going through it.
"""

from __future__ import annotations

import copy
import hashlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import IndicatormlError
from ..records import Table
from .review import Review

__all__ = ["ReadFile", "read_upload", "read_named", "rename_table", "renamed"]


@dataclass
class ReadFile:
    """One file as read for a review: its own name, its bytes and their hash, its table."""

    name: str
    data: bytes
    sha256: str
    table: Table


def read_upload(path: str | os.PathLike[str]) -> Table:
    """The table reader, as the review pipeline calls it (never raises for bad content)."""
    from ..tables import read_table

    return read_table(Path(path))


def read_named(path: str | os.PathLike[str], name: str) -> ReadFile:
    """Read ``path`` as the file called ``name``: bytes, their sha256, and the table with
    ``name`` wherever the reader wrote the path. A missing path or a folder is a usage error."""
    p = Path(path)
    if p.is_dir():
        raise IndicatormlError(f"这是一个目录,不是表格文件: {path}")
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise IndicatormlError(f"文件不存在: {path}") from None
    table = read_upload(p)
    rename_table(table, str(path), name)
    return ReadFile(name, data, hashlib.sha256(data).hexdigest(), table)


def rename_table(table: Table, path: str, name: str) -> None:
    """Put ``name`` where the reader wrote ``path`` (in place).

    The path itself is replaced in the table's name, every problem, record source, origin
    and project source; a message that still names the path's (absolute) folder — a
    library's error text about another file there — gets ``…`` instead. Nothing else of the
    table changes.
    """
    if path == name:
        return
    sub = _substitute(path, name)
    table.path = name
    for x in table.problems:
        x.file = sub(x.file)
        x.reason = sub(x.reason)
    for r in table.records:
        r.source = sub(r.source)
        if r.origin.file is not None:
            r.origin.file = sub(r.origin.file)
    for p in table.projects:
        p.source = sub(p.source)


def renamed(review: Review, names: Sequence[str]) -> Review:
    """A copy of ``review`` whose files are called ``names`` everywhere — tables, findings (file,
    source, message), suggestions (source) — as if they had been read under those names
    (``check --save`` keeps the file names, not the paths the user typed)."""
    if len(names) != len(review.files):
        raise IndicatormlError(f"审核有 {len(review.files)} 个文件，却给了 {len(names)} 个文件名")
    out = copy.deepcopy(review)
    for f, name in zip(out.files, names, strict=True):
        if f.name == name:
            continue
        sub = _substitute(f.name, name)
        rename_table(f.table, f.name, name)
        for x in f.findings:
            x.finding.file = name
            x.finding.source = sub(x.finding.source)
            x.finding.message = sub(x.finding.message)
        for p in f.suggestions:
            if p.source is not None:
                p.source = sub(p.source)
        f.name = name
    return out


def _substitute(path: str, name: str) -> Callable[[str], str]:
    """``text`` with ``path`` put as ``name``, and the path's folder as ``…`` when it is
    absolute (a temporary folder's path is distinctive; a relative "data" could be part of any
    word)."""
    folder = str(Path(path).parent)
    keep_folder = not Path(path).is_absolute() or folder == Path(path).anchor

    def sub(text: str) -> str:
        if path in text:
            text = text.replace(path, name)
        if not keep_folder and folder in text:
            text = text.replace(folder, "…")
        return text

    return sub
