"""Bytes → text: the encodings real tables arrive in, and what counts as not a text table.

Why its own module: UTF-8, UTF-8 with BOM, GB18030 and UTF-16 (Excel's "Unicode text") must
read to identical records, and a file with a few damaged lines must keep its encoding so only
those lines are reported. Every text reader starts here.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

__all__ = ["decode", "content_sha256", "digest", "looks_binary", "CONTROL", "newlines"]


def decode(data: bytes) -> tuple[str | None, str | None, list[tuple[int, str]]]:
    """Bytes → (text with LF line ends, encoding, per-line problems).

    BOM → utf-8-sig (or utf-16); valid UTF-8 → utf-8; else GB18030. A UTF-8 file with a few
    damaged lines stays UTF-8: the damaged lines are decoded with U+FFFD and reported, rather
    than the whole file being misread as GB18030.
    """
    problems: list[tuple[int, str]] = []
    if data.startswith(b"\xef\xbb\xbf"):
        enc, body = "utf-8-sig", data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return newlines(data.decode("utf-16")), "utf-16", problems
        except UnicodeDecodeError:
            return None, None, [(0, "文件以 UTF-16 标记开头,却无法按 UTF-16 解码")]
    else:
        enc, body = "utf-8", data
    try:
        return newlines(body.decode("utf-8")), enc, problems
    except UnicodeDecodeError:
        pass
    raw_lines = body.replace(b"\r\n", b"\n").split(b"\n")
    good_non_ascii = bad = 0
    for line in raw_lines:
        try:
            line.decode("utf-8")
            good_non_ascii += any(b > 0x7F for b in line)
        except UnicodeDecodeError:
            bad += 1
    if enc == "utf-8-sig" or good_non_ascii > bad:
        out = []
        for n, line in enumerate(raw_lines, start=1):
            try:
                out.append(line.decode("utf-8"))
            except UnicodeDecodeError:
                out.append(line.decode("utf-8", errors="replace"))
                problems.append((n, "有不是有效 UTF-8 的字节(显示为 �)"))
        return newlines("\n".join(out)), enc, problems
    try:
        return newlines(body.decode("gb18030")), "gb18030", problems
    except UnicodeDecodeError:
        return None, None, [(0, "无法按 UTF-8 或 GB18030 解码这个文件")]


def content_sha256(path: str | Path) -> str:
    """sha256 of a file's text (decoded, LF line ends), so a GB18030 or CRLF copy of a table
    hashes like the original; binary files (XLSX) (XLSX, XLS, DOCX, PDF) hash by their bytes. "" if unreadable.

    Why: a model records the files it learned from, and ``check`` must recognise them.
    """
    try:
        data = Path(path).read_bytes()
    except OSError:
        return ""
    binary = data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"%PDF"))
    return digest(data, None if binary else decode(data)[0])


def digest(data: bytes, text: str | None) -> str:
    return hashlib.sha256(data if text is None else text.encode("utf-8")).hexdigest()


def newlines(text: str) -> str:
    text = text.replace("\r\n", "\n")
    if "\n" not in text and "\r" in text:
        text = text.replace("\r", "\n")  # old Mac line ends
    return text


CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def looks_binary(data: bytes) -> bool:
    """Many NULs or other control bytes near the start: an image, a PDF, a zip, not a table.
    A single stray byte in a text file is not enough (that row is reported instead)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    sample = data[:8192]
    control = sum(1 for b in sample if b < 0x20 and b not in (9, 10, 13, 12, 27))
    return control > 0.05 * len(sample) or sample.count(0) > max(4, 0.01 * len(sample))
