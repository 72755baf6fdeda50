"""An .xlsx or .docx checked as a zip before any library inflates it: a zip bomb stops here.

Why two passes: the zip's central directory says how big every member is once inflated, so a
file that *admits* to gigabytes (or to a compression ratio no real document has) is refused
from the directory alone, before a byte is inflated. But the directory can lie, so every
member is then inflated once in bounded pieces and the bytes that actually come out are
counted against the same limits; only then do openpyxl / python-docx open the file. (They
read members through :mod:`zipfile`, which stops at the declared size, so what the count
passes is what they can see.) The second pass costs a few milliseconds per megabyte; it is
the price of not trusting the directory.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import IO

from .limits import FileBudget, LimitExceeded, megabytes

__all__ = ["check_zip"]

_CHUNK = 1 << 20
_RATIO_FLOOR = 1 << 20  # a member smaller than this inflated cannot hurt, whatever its ratio


def check_zip(path: Path | IO[bytes], budget: FileBudget) -> None:
    """Raise :class:`LimitExceeded` if the zip at ``path`` (a file, or its bytes open) holds too many members, inflates
    to more than ``unzipped_bytes``, or a member over 1 MB is compressed more than
    ``zip_ratio``:1 — by its directory first, then by the bytes actually inflated. A zip too
    damaged to list is left to the reader (it reports the damage itself)."""
    limits = budget.limits
    try:
        z = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError):
        return
    with z:
        infos = z.infolist()
        if len(infos) > limits.zip_members:
            raise LimitExceeded("压缩包内的文件数", f"{len(infos):,} 个", f"{limits.zip_members:,} 个")
        declared = sum(i.file_size for i in infos)
        if declared > limits.unzipped_bytes:
            raise LimitExceeded(
                "解压后的总大小", f"目录声明 {megabytes(declared)}", megabytes(limits.unzipped_bytes)
            )
        for i in infos:
            _ratio(i.filename, i.file_size, i.compress_size, limits.zip_ratio)
        total = 0
        for i in infos:
            total = _inflated(z, i, total, budget)


def _ratio(name: str, inflated: int, compressed: int, limit: int) -> None:
    if inflated > _RATIO_FLOOR and inflated > limit * max(compressed, 1):
        raise LimitExceeded(
            f"压缩包内 {name} 的压缩比", f"{inflated // max(compressed, 1):,}:1", f"{limit}:1"
        )


def _inflated(z: zipfile.ZipFile, info: zipfile.ZipInfo, total: int, budget: FileBudget) -> int:
    """Inflate one member in pieces, counting; stop as soon as the total inflated so far passes
    ``unzipped_bytes`` or the member passes the ratio. Returns the new total."""
    limits = budget.limits
    n = 0
    try:
        with z.open(info) as f:
            while chunk := f.read(_CHUNK):
                n += len(chunk)
                if total + n > limits.unzipped_bytes:
                    raise LimitExceeded(
                        "解压后的总大小", f"实际至少 {megabytes(total + n)}", megabytes(limits.unzipped_bytes)
                    )
                _ratio(info.filename, n, info.compress_size, limits.zip_ratio)
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError, RuntimeError):
        pass  # damage (bad CRC, encryption, unknown method): the reader reports it
    return total + n
