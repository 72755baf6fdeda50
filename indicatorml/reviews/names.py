"""A file's own name, and the names of what a review gives back for it.

Why here: the name a user gave a file is text to show — in every finding, problem, sheet and
download — and never a path on the server. :func:`own_name` makes any given name safe to
show (its last path part, no control characters, bounded); the download names follow from
it. The workbook writers of issue 15 bring their own naming function; until they land,
:func:`workbook_name` is the one place the ``<stem>.审核.xlsx`` rule lives.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from pathlib import PurePosixPath

from ..coding.write_back import coded_path

__all__ = ["MAX_NAME", "own_name", "workbook_name", "coded_name", "unique_names"]

MAX_NAME = 120  # characters of a shown file name (the web's upload names are cut the same way)


def own_name(raw: str | None, fallback: str = "上传的文件") -> str:
    """A file name fit to show: the last part of ``raw`` after ``/`` or ``\\`` (a browser may
    send ``C:\\fakepath\\表.xlsx``), without control characters, at most :data:`MAX_NAME`
    characters; ``fallback`` when nothing is left."""
    s = re.split(r"[\\/]", raw or "")[-1]
    s = "".join(ch for ch in s if unicodedata.category(ch)[0] != "C").strip()
    if s in (".", ".."):
        s = ""
    return s[:MAX_NAME] or fallback


def _stem(name: str) -> str:
    p = PurePosixPath(own_name(name))
    return p.stem if p.suffix else p.name


def workbook_name(name: str) -> str:
    """The annotated workbook of a file: ``预算.xls`` → ``预算.审核.xlsx``."""
    return f"{_stem(name)}.审核.xlsx"


def coded_name(name: str) -> str:
    """The coded file, as ``indicatorml code`` names it: ``草稿.csv`` → ``草稿.coded.csv``,
    ``.xls``/``.docx``/``.pdf`` → ``.coded.xlsx`` (a new workbook)."""
    return coded_path(own_name(name)).name


def unique_names(names: Iterable[str]) -> list[str]:
    """The names as given, a repeat (case-insensitive) getting ``(2)``, ``(3)``… before its
    suffix: the members of a zip, which may not share a name."""
    used: set[str] = set()
    out = []
    for name in names:
        p = PurePosixPath(name)
        stem, suffix = (name[: -len(p.suffix)], p.suffix) if p.suffix else (name, "")
        if stem.endswith(".审核"):  # 甲.审核.xlsx → 甲(2).审核.xlsx
            stem, suffix = stem[: -len(".审核")], ".审核" + suffix
        candidate, k = name, 2
        while candidate.lower() in used:
            candidate, k = f"{stem}({k}){suffix}", k + 1
        used.add(candidate.lower())
        out.append(candidate)
    return out
