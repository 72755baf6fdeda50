"""A file's grids again, from its bytes, for the writers that lay a new workbook out like it.

Why here and why through the pool: the annotated workbook of a stored ``.xls``/``.docx``/``.pdf``
(and the coded file) is written from the source's grids (cells, merge continuations), parsed
again from the stored upload long after the review read it. That is a second parse of an
untrusted file, so it runs where the review's read ran: in a reader worker when the caller
reads through a pool (:func:`~.reading.reading` with ``pool=``, as the server does), under the
same content limits, memory limit and deadline; in this process otherwise (the CLI's trusted
files, the library). A file whose grids cannot be had gets None, and the writers fall back to
the table's own rows — a workbook laid out more plainly, never a crash.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from .grid import Grid
from .limits import Limits
from .reading import current_policy

__all__ = ["GRID_KINDS", "grids_here", "file_grids"]

GRID_KINDS = ("xls", "xlsx", "docx", "pdf")  # the kinds whose readers give grids


def grids_here(kind: str, path: Path, limits: Limits | None = None) -> list[Grid]:
    """The grids of the ``kind`` file at ``path``, read in this process under ``limits``
    (default: those in force). Raises on a damaged file or one over the limits."""
    if kind == "xls":
        from .xls import xls_grids

        return xls_grids(path.read_bytes(), limits)
    if kind == "xlsx":
        from .xlsx import xlsx_grids

        return xlsx_grids(path, limits)
    if kind == "docx":
        from .docx import docx_grids

        return docx_grids(path, limits)
    if kind == "pdf":
        from .pdf import pdf_grids

        return pdf_grids(path, limits)[0]
    raise ValueError(f"no grids for kind {kind!r}")


def file_grids(kind: str, data: bytes) -> dict[str, Grid] | None:
    """The grids of a ``kind`` file whose bytes are ``data``, by name; None where the kind has
    none or they cannot be read (see the module docstring for where the read runs)."""
    if kind not in GRID_KINDS:
        return None
    policy = current_policy()
    with tempfile.TemporaryDirectory(prefix="indicatorml-grids-") as tmp:
        path = Path(tmp) / f"source.{kind}"
        path.write_bytes(data)
        if policy.pool is not None:
            grids = policy.pool.grids(path, kind, policy.limits, policy.until)
        else:
            try:
                grids = grids_here(kind, path, policy.limits)
            except Exception:  # noqa: BLE001 - no grids: the table's own rows instead
                grids = None
    return None if grids is None else {g.name: g for g in grids}
