"""A file's own name: the name a user gave an upload, made fit to show.

Why here: the name a user gave a file is text to show — in every finding, problem, sheet and
download — and never a path on the server. :func:`own_name` makes any given name safe to
show (its last path part, no control characters, bounded). What the files handed back are
called follows from it by the one naming rule of :mod:`indicatorml.tables.annotate.names`
(``review_name``: ``<stem>.审核.xlsx``, ``coded_name``, ``unique_names``).
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["MAX_NAME", "own_name"]

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
