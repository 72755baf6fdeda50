"""What a file handed back is called: ``申报表.xlsx`` → ``申报表.审核.xlsx`` (review), ``申报表.coded.xlsx`` (code).

Why one module: the CLI writes these files, the web and the review pipeline name their
downloads and zip members after them, and a reviewer who sends a file back must find the same
name whichever way she made it. Before, the CLI's ``coded_path`` and the web's own rule
disagreed (the web's 编码 download of ``X.docx`` was an XLSX named ``X.coded.docx``).

Every function takes the name the user gave (``申报表.xlsx``, or a path: only its last part
counts, whether the separator is ``/`` or ``\\``), never a server path, and gives a bare
file name: no folder part can come through, so a name is safe as a zip member or a
``Content-Disposition`` filename.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = [
    "REVIEW_TAG",
    "CODED_TAG",
    "NEW_WORKBOOK",
    "shown_name",
    "stem_of",
    "review_name",
    "coded_name",
    "unique_names",
]

REVIEW_TAG = "审核"  # 申报表.xlsx → 申报表.审核.xlsx
CODED_TAG = "coded"  # 申报表.xlsx → 申报表.coded.xlsx (the name `indicatorml code` has always written)
# Kinds that are read but not written in their own format: they come back as a new .xlsx.
NEW_WORKBOOK = (".xls", ".docx", ".pdf")
_FALLBACK = "文件"


def shown_name(name: str) -> str:
    """The last part of ``name`` (``/`` or ``\\`` separated), stripped; ``文件`` when nothing is left."""
    return re.split(r"[\\/]", name or "")[-1].strip() or _FALLBACK


def _split(name: str) -> tuple[str, str]:
    """(stem, suffix) of a shown name: ``申报表.xlsx`` → (``申报表``, ``.xlsx``); a name that is
    only a suffix (``.xlsx``) keeps it as its stem."""
    shown = shown_name(name)
    stem, dot, suffix = shown.rpartition(".")
    if not dot or not stem.strip(". "):
        return shown, ""
    return stem, "." + suffix


def stem_of(name: str) -> str:
    """The shown name without its suffix: ``申报表.xlsx`` → ``申报表`` (a sheet named after the file)."""
    return _split(name)[0]


def review_name(name: str) -> str:
    """The review workbook of the file the user called ``name``: ``<stem>.审核.xlsx`` whatever
    its kind (``表.docx`` → ``表.审核.xlsx``, ``a.csv`` → ``a.审核.xlsx``)."""
    return f"{_split(name)[0]}.{REVIEW_TAG}.xlsx"


def coded_name(name: str) -> str:
    """The coded draft of ``name``: its own kind where it is written back in it
    (``草稿.csv`` → ``草稿.coded.csv``, ``草稿.xlsx`` → ``草稿.coded.xlsx``), a new ``.xlsx``
    for ``.xls``/``.docx``/``.pdf`` (``表.docx`` → ``表.coded.xlsx``), ``.txt`` without a suffix."""
    stem, suffix = _split(name)
    if suffix.lower() in NEW_WORKBOOK:
        suffix = ".xlsx"
    return f"{stem}.{CODED_TAG}{suffix or '.txt'}"


def unique_names(names: Sequence[str]) -> list[str]:
    """``names`` made unique (case-insensitively, as Windows and zip tools compare them):
    the second ``表.审核.xlsx`` becomes ``表(2).审核.xlsx``, the third ``表(3).审核.xlsx`` —
    the number goes on the stem, so the name still ends as the rule says."""
    used: set[str] = set()
    out = []
    for name in names:
        stem, ending = _stem_and_ending(name)
        candidate, k = name, 2
        while candidate.lower() in used:
            candidate, k = f"{stem}({k}){ending}", k + 1
        used.add(candidate.lower())
        out.append(candidate)
    return out


def _stem_and_ending(name: str) -> tuple[str, str]:
    """``a.b.审核.xlsx`` → (``a.b``, ``.审核.xlsx``); a name without a tag splits at its suffix."""
    for tag in (REVIEW_TAG, CODED_TAG):
        i = name.rfind(f".{tag}.")
        if i > 0:
            return name[:i], name[i:]
    stem, suffix = _split(name)
    return stem, suffix
