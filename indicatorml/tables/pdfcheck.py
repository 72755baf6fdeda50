"""A PDF checked before pdfplumber reads it: stream sizes, page count, reference loops.

Why each check:

* pdfminer inflates a Flate stream whole, in memory: a 2 MB file whose one content stream
  inflates to 2 GB takes 2 GB. :func:`check_streams` inflates every Flate stream of the raw
  file once, in bounded pieces, and refuses the file when one stream passes
  ``pdf_stream_bytes`` or all of them pass ``pdf_decoded_bytes`` — before pdfminer decodes any.
* pdfplumber builds every page of the document before the first is read: 100,000 tiny pages
  took 80 s and a MemoryError. :func:`count_pages` walks the page tree and stops at
  ``pages`` + 1.
* pdfminer resolves a reference until it is no longer a reference: an object that is only a
  reference to itself (``4 0 obj 4 0 R endobj``) loops forever at 100% CPU.
  :func:`guard_references` makes a document refuse such a loop the moment it is asked for it.

What this does not cover: streams under other compressions (LZW, or Flate behind ASCII85) are
not pre-inflated, and pdfminer or pdfplumber may have other slow paths. Untrusted files are
read in a worker process under a hard memory and time limit (:mod:`.pool`) for those.
"""

from __future__ import annotations

import functools
import io
import re
import zlib
from collections.abc import Callable
from typing import Any

from .limits import FileBudget, LimitExceeded, Refused, megabytes

__all__ = ["check_streams", "check_document", "count_pages", "guard_references", "ReferenceLoop"]

_STREAM = re.compile(rb"(?<!end)stream(?:\r\n|\n|\r)")
_PIECE = 1 << 20


class ReferenceLoop(Refused):
    """A PDF object whose reference chain comes back to itself."""

    def __init__(self, objid: int) -> None:
        super().__init__(f"PDF 文件已损坏:对象 {objid} 的引用最终指回自身(循环引用),无法读取。")


def _is_zlib(data: bytes | memoryview, at: int) -> bool:
    """A zlib header (deflate, window ≤ 32 KB, checksum) at ``at``: how a Flate stream starts."""
    if at + 2 > len(data):
        return False
    cmf, flg = data[at], data[at + 1]
    return cmf & 0x0F == 8 and cmf >> 4 <= 7 and (cmf * 256 + flg) % 31 == 0


def check_streams(data: bytes, budget: FileBudget) -> None:
    """Inflate every Flate stream of the raw PDF ``data`` in pieces, counting what comes out
    (and throwing it away); raise :class:`LimitExceeded` past either limit.

    Streams are found by their ``stream`` keyword rather than by pdfminer's cross-reference
    table (which may itself be a compressed stream); each is inflated until zlib says it has
    ended, so a stream's own length is never trusted. A damaged stream simply stops the count
    (pdfminer reports the damage). What is fed to zlib is bounded too: twice the file, since
    real streams do not overlap.
    """
    limits = budget.limits
    view = memoryview(data)
    total = 0
    fed = 0
    feed_limit = 2 * len(data) + _PIECE
    for m in _STREAM.finditer(data):
        start = m.end()
        if not _is_zlib(data, start):
            continue
        out, used = _inflate(view[start:], limits.pdf_stream_bytes, total, limits.pdf_decoded_bytes)
        total += out
        fed += used
        if fed > feed_limit:
            raise LimitExceeded(
                "PDF 数据流读入的数据", "超过文件大小的两倍(数据流相互重叠)", "文件大小的两倍"
            )


def _inflate(src: memoryview, one: int, before: int, all_streams: int) -> tuple[int, int]:
    """(bytes out, bytes fed) inflating ``src`` until the zlib stream ends or breaks; raise as
    soon as the output passes ``one`` (this stream) or, with the ``before`` bytes of the
    streams before it, ``all_streams``."""
    d = zlib.decompressobj()
    out = fed = 0
    pos = 0
    pending = b""
    while not d.eof:
        if not pending:
            if pos >= len(src):
                break
            pending = bytes(src[pos : pos + _PIECE])
            pos += len(pending)
            fed += len(pending)
        try:
            got = d.decompress(pending, _PIECE)
        except zlib.error:
            break
        pending = d.unconsumed_tail
        out += len(got)
        if out > one:
            raise LimitExceeded("PDF 单个数据流解压后的大小", f"至少 {megabytes(out)}", megabytes(one))
        if before + out > all_streams:
            raise LimitExceeded(
                "PDF 全部数据流解压后的总大小", f"至少 {megabytes(before + out)}", megabytes(all_streams)
            )
    return out, fed


def _follow(objid: int, plain: Callable[[int], Any]) -> Any:
    """``plain(objid)``, after following the chain of an object that is itself a reference
    (``n 0 obj m 0 R endobj``) and refusing it if it comes back to an object already seen."""
    from pdfminer.pdftypes import PDFObjRef

    obj = plain(objid)
    seen = {objid}
    x = obj
    while isinstance(x, PDFObjRef):
        if x.objid in seen:
            raise ReferenceLoop(objid)
        seen.add(x.objid)
        x = plain(x.objid)
    return obj


def guard_references(doc: Any) -> None:
    """Make pdfminer's document ``doc`` raise :class:`ReferenceLoop` instead of looping when
    an object's reference chain returns to itself. pdfminer resolves every reference through
    ``doc.getobj``; objects that are not references pay one ``isinstance`` test."""
    plain = doc.getobj
    doc.getobj = functools.partial(_follow, plain=plain)


@functools.cache
def _guarded_document() -> type:
    """pdfminer's PDFDocument guarded from its first ``getobj`` (its constructor already
    resolves the catalog, which may be the loop). Built on first use: pdfminer is imported
    only when a PDF is read."""
    from pdfminer.pdfdocument import PDFDocument

    class GuardedDocument(PDFDocument):
        def getobj(self, objid: int) -> Any:
            return _follow(objid, super().getobj)

    return GuardedDocument


def check_document(data: bytes, budget: FileBudget) -> None:
    """Parse the PDF with pdfminer (as pdfplumber will), guard it against reference loops and
    count its pages. A file pdfminer cannot open is left to the reader, which reports it."""
    from pdfminer.pdfparser import PDFParser

    try:
        doc = _guarded_document()(PDFParser(io.BytesIO(data)))
    except Refused:
        raise
    except Exception:  # noqa: BLE001 - damage, a password…: pdfplumber says so in the read
        return
    count_pages(doc, budget)


def count_pages(doc: Any, budget: FileBudget) -> int:
    """The number of pages of pdfminer's ``doc``, walking its page tree but stopping at
    ``pages`` + 1 (:class:`LimitExceeded`)."""
    from pdfminer.pdfpage import PDFPage

    n = 0
    for _ in PDFPage.create_pages(doc):
        n += 1
        budget.pages(n)
    return n
