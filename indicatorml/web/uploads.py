"""Uploaded files: kept in memory, written to a temporary folder under generated names.

Why generated names: the client's file name is text to show, never a path. Each upload is
written as ``表1.txt``, ``表2.xlsx`` … (the suffix only from a short list, because the reader
and the writers go by it) in a fresh folder in the temporary folder that is removed afterwards;
the name the user gave is kept beside it for display and for the download's name. The folder
is owned (``durable.owned_dir``: a lock held while it is in use), so a server started after a
killed one removes the killed one's uploads (``durable.clean_leftovers``) and nobody else's.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ..durable import UPLOADS_PREFIX, owned_dir
from ..reviews import own_name

SUFFIXES = (".txt", ".csv", ".tsv", ".tab", ".xlsx", ".jsonl", ".json", ".ndjson")


@dataclass(frozen=True)
class Upload:
    """One uploaded file: the name to show and its bytes."""

    name: str
    data: bytes

    @property
    def suffix(self) -> str:
        s = Path(self.name).suffix.lower()
        return s if s in SUFFIXES else ""


async def read_uploads(form: Any, field: str = "file") -> list[Upload]:
    """The files of a multipart form field (repeatable), read into memory."""
    out = []
    for i, item in enumerate(form.getlist(field), start=1):
        if hasattr(item, "read"):
            out.append(Upload(own_name(getattr(item, "filename", None), f"文件{i}"), await item.read()))
    return out


@dataclass
class Staged:
    """Uploads written to a temporary folder: their paths and a map back to the shown names."""

    folder: Path
    paths: list[Path]
    names: dict[str, str]  # temporary path → shown name

    def shown(self, text: Any) -> Any:
        """``text`` with each temporary path replaced by the name the user gave."""
        if not isinstance(text, str):
            return text
        for tmp, name in self.names.items():
            if tmp in text:
                text = text.replace(tmp, name)
        return text

    def shown_dict(self, d: dict[str, Any]) -> dict[str, Any]:
        return {k: self.shown(v) for k, v in d.items()}


@contextmanager
def staged(uploads: list[Upload]) -> Iterator[Staged]:
    """Write uploads to a fresh temporary folder (removed on exit) under generated names."""
    with owned_dir(Path(tempfile.gettempdir()), UPLOADS_PREFIX) as folder:
        paths, names = [], {}
        for i, up in enumerate(uploads, start=1):
            p = folder / f"表{i}{up.suffix}"
            p.write_bytes(up.data)
            paths.append(p)
            names[str(p)] = up.name
        yield Staged(folder, paths, names)


def attachment(name: str) -> dict[str, str]:
    """A Content-Disposition header for a download named ``name`` (any script, RFC 6266)."""
    ascii_name = (
        "".join(ch if ch.isascii() and (ch.isalnum() or ch in "._-") else "_" for ch in name) or "download"
    )
    return {"Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"}


def media_type(name: str) -> str:
    """XLSX by its type; text files as bytes, since a coded file keeps its own encoding (GB18030, BOM)."""
    if Path(name).suffix.lower() == ".xlsx":
        return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return "application/octet-stream"
