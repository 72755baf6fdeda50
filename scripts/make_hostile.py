"""Build the hostile files of issue 18: small files that claim (or inflate to) far more than they hold.

    .venv/bin/python scripts/make_hostile.py OUT_DIR [--small]

Each builder writes one file and returns its path; the tests (tests/test_hostile.py) and the
benchmark (benchmarks/bench_hostile.py) call them, so nothing large is committed. The default
sizes are the issue's reports; ``--small`` (and the builders' arguments) make versions that
still break every limit but are quick to build and to refuse.

* ``docx_grid_span`` — a 34 KB .docx whose table row declares ``gridBefore``/``gridSpan`` of a
  billion columns (main: past 22 GB resident, killed).
* ``pdf_self_reference`` — an 851-byte PDF whose page ``/Contents`` is an object that is only a
  reference to itself (main: pdfminer loops forever at 100% CPU).
* ``xlsx_inflating`` — a ~1 MB .xlsx whose sheet XML inflates to 1 GB (main: 3–3.7 GB).
* ``xlsx_merges`` — a 15 KB workbook declaring merged ranges up to ZZZ2000 (main: 153 s).
* ``xlsx_dimension`` — a sheet whose ``<dimension>`` claims XFD1048576 (main: 20 s, 3.7 GB).
* ``pdf_flate`` — a ~2 MB PDF whose page content stream inflates to 2.15 GB.
* ``pdf_pages`` — a 9.7 MB PDF of 100,000 tiny pages (main: 80 s, then MemoryError).
* ``xlsx_form`` — a harmless workbook of ``rows`` × ``cols`` cells and ``merges`` merged ranges,
  for testing each limit at its boundary.
"""

from __future__ import annotations

import argparse
import io
import sys
import zipfile
import zlib
from collections.abc import Callable, Iterable
from pathlib import Path

__all__ = [
    "docx_grid_span",
    "pdf_self_reference",
    "xlsx_inflating",
    "xlsx_merges",
    "xlsx_dimension",
    "pdf_flate",
    "pdf_pages",
    "xlsx_form",
    "pdf_document",
    "column_name",
    "KINDS",
]

_CT = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/></Relationships>'
)
_SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)


def column_name(n: int) -> str:
    """1 → A, 27 → AA, 18278 → ZZZ (Excel's column letters)."""
    out = ""
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def _cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def _form_rows(rows: int, cols: int) -> Iterable[str]:
    """An indicator table (header row, then rows of 产出指标 / 数量指标 / 指标N / ≥N) padded to
    ``cols`` columns: readable by the form reader, so a file within the limits gives records."""
    head = ["一级指标", "二级指标", "三级指标", "指标值"]
    for r in range(1, rows + 1):
        texts = head if r == 1 else ["产出指标", "数量指标", f"培训人数{r - 1}", f"≥{r}人"]
        cells = [_cell(f"{column_name(c)}{r}", texts[c - 1] if c <= 4 else "x") for c in range(1, cols + 1)]
        yield f'<row r="{r}">' + "".join(cells) + "</row>"


def _write_xlsx(path: Path, sheet_parts: Iterable[str | bytes], level: int = 6) -> Path:
    """A minimal one-sheet workbook whose sheet XML is ``sheet_parts`` written in order
    (streamed into the zip, so a sheet of gigabytes never sits in memory)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as z:
        z.writestr("[Content_Types].xml", _CT)
        z.writestr("_rels/.rels", _RELS)
        z.writestr("xl/workbook.xml", _WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            for part in sheet_parts:
                f.write(part.encode() if isinstance(part, str) else part)
    return path


def xlsx_form(
    path: Path,
    rows: int = 5,
    cols: int = 4,
    merges: int = 0,
    merge_cols: int = 1,
    dimension: str | None = None,
    last: str | None = None,
) -> Path:
    """A harmless workbook: an indicator table of ``rows`` rows × ``cols`` columns, and
    ``merges`` one-row merged ranges, each ``merge_cols`` wide, in the rows below the table;
    ``dimension`` is the sheet's claimed used range, ``last`` an empty styled cell far below
    (as a formatted but empty cell is stored)."""

    def parts() -> Iterable[str]:
        yield _SHEET_HEAD
        if dimension:
            yield f'<dimension ref="{dimension}"/>'
        yield "<sheetData>"
        yield from _form_rows(rows, cols)
        if last:
            yield f'<row r="{last.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")}"><c r="{last}" s="0"/></row>'
        yield "</sheetData>"
        if merges:
            yield f'<mergeCells count="{merges}">'
            for k in range(merges):
                r = rows + 2 + k
                yield f'<mergeCell ref="A{r}:{column_name(merge_cols)}{r}"/>'
            yield "</mergeCells>"
        yield "</worksheet>"

    return _write_xlsx(path, parts())


def xlsx_inflating(path: Path, inflated: int = 1 << 30) -> Path:
    """A workbook whose one sheet XML inflates to ``inflated`` bytes (mostly one long run of
    spaces inside ``<sheetData>``, which deflate packs ~1000:1)."""
    chunk = b" " * (1 << 24)

    def parts() -> Iterable[str | bytes]:
        yield _SHEET_HEAD + "<sheetData>" + "".join(_form_rows(3, 4))
        left = inflated
        while left > 0:
            yield chunk[: min(left, len(chunk))]
            left -= len(chunk)
        yield "</sheetData></worksheet>"

    return _write_xlsx(path, parts(), level=9)


def xlsx_merges(path: Path, merges: int = 60, last: str = "ZZZ2000") -> Path:
    """A small workbook whose merged ranges, starting in its first rows, reach ``last`` (an
    empty styled cell in that row makes the sheet that long)."""
    row = last.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")

    def parts() -> Iterable[str]:
        yield _SHEET_HEAD + "<sheetData>" + "".join(_form_rows(3, 4))
        yield f'<row r="{row}"><c r="A{row}" s="0"/></row></sheetData>'
        yield f'<mergeCells count="{merges}">'
        for k in range(merges):
            yield f'<mergeCell ref="{column_name(5 + k // 3)}{1 + k % 3}:{last}"/>'
        yield "</mergeCells></worksheet>"

    return _write_xlsx(path, parts())


def xlsx_dimension(path: Path, ref: str = "XFD1048576", last_row: int = 10_000) -> Path:
    """Three real rows and an empty styled cell in row ``last_row`` under a ``<dimension>``
    that claims ``A1:ref``: read-only openpyxl pads every row, gaps included, to the claimed
    width (16,384 columns for XFD)."""
    return xlsx_form(path, rows=3, cols=4, dimension=f"A1:{ref}", last=f"A{last_row}")


def docx_grid_span(path: Path, span: int = 1_000_000_000) -> Path:
    """A Word document with one small table whose first row declares ``gridBefore`` and whose
    first cell declares ``gridSpan`` of ``span`` grid columns (34 KB: python-docx's template)."""
    import docx

    doc = docx.Document()
    table = doc.add_table(rows=2, cols=2)
    for r, texts in enumerate((["三级指标", "指标值"], ["培训人数", "≥100人"])):
        for c, t in enumerate(texts):
            table.cell(r, c).text = t
    buf = io.BytesIO()
    doc.save(buf)
    src = zipfile.ZipFile(buf)
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    xml = src.read("word/document.xml").decode()
    xml = xml.replace("<w:tr>", f'<w:tr><w:trPr><w:gridBefore w:val="{span}"/></w:trPr>', 1)
    xml = xml.replace("<w:tc><w:tcPr>", f'<w:tc><w:tcPr><w:gridSpan w:val="{span}"/>', 1)
    assert f'w:gridSpan w:val="{span}"' in xml and w in xml, "python-docx's table XML changed"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            data = xml.encode() if item.filename == "word/document.xml" else src.read(item.filename)
            out.writestr(item, data)
    return path


def pdf_document(objects: list[bytes]) -> bytes:
    """A PDF of ``objects`` (object k+1 is ``objects[k]``, object 1 the catalog) with a correct
    cross-reference table, so the reader takes the same path as on a well-formed file."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for k, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % k + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


_PAGE = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents %d 0 R >>"


def pdf_self_reference(path: Path) -> Path:
    """One page whose ``/Contents`` is object 4, and object 4 is ``4 0 R``: itself."""
    path.write_bytes(
        pdf_document(
            [
                b"<< /Type /Catalog /Pages 2 0 R >>",
                b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                _PAGE % 4,
                b"4 0 R",
            ]
        )
    )
    return path


def _flate_stream(size: int, fill: bytes = b" ") -> bytes:
    """``size`` bytes of ``fill`` deflated in pieces (never held whole)."""
    comp = zlib.compressobj(9)
    chunk = fill * ((1 << 24) // len(fill))
    parts = []
    left = size
    while left > 0:
        parts.append(comp.compress(chunk[: min(left, len(chunk))]))
        left -= len(chunk)
    parts.append(comp.flush())
    return b"".join(parts)


def pdf_flate(path: Path, inflated: int = 2_150_000_000) -> Path:
    """One page whose content stream is ``inflated`` bytes of spaces, Flate-compressed."""
    data = _flate_stream(inflated)
    stream = b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream"
    path.write_bytes(
        pdf_document(
            [
                b"<< /Type /Catalog /Pages 2 0 R >>",
                b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                _PAGE % 4,
                stream,
            ]
        )
    )
    return path


def pdf_pages(path: Path, pages: int = 100_000) -> Path:
    """``pages`` tiny pages sharing one content stream (one word of text each)."""
    content = b"BT /F1 12 Tf 20 100 Td (x) Tj ET"
    first = 5  # objects 1-4: catalog, page tree, content, font
    kids = b" ".join(b"%d 0 R" % (first + k) for k in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids ["
        + kids
        + b"] /Count %d /MediaBox [0 0 50 50] " % pages
        + b"/Resources << /Font << /F1 4 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    objects += [b"<< /Type /Page /Parent 2 0 R /Contents 3 0 R >>"] * pages  # the rest is inherited
    path.write_bytes(pdf_document(objects))
    return path


# name → (file name, builder at the size, builder at a small size that still breaks the limits)
KINDS: dict[str, tuple[str, Callable[[Path], Path], Callable[[Path], Path]]] = {
    "docx gridSpan": ("grid_span.docx", docx_grid_span, docx_grid_span),
    "pdf self-reference": ("self_reference.pdf", pdf_self_reference, pdf_self_reference),
    "xlsx inflating": ("inflating.xlsx", xlsx_inflating, lambda p: xlsx_inflating(p, 300 << 20)),
    "xlsx merges to ZZZ2000": ("merges.xlsx", xlsx_merges, xlsx_merges),
    "xlsx dimension XFD1048576": ("dimension.xlsx", xlsx_dimension, xlsx_dimension),
    "pdf flate stream": ("flate.pdf", pdf_flate, lambda p: pdf_flate(p, 300 << 20)),
    "pdf 100,000 pages": ("pages.pdf", pdf_pages, lambda p: pdf_pages(p, 5_000)),
}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--small", action="store_true", help="the quick versions the tests use")
    a = ap.parse_args(argv)
    a.out.mkdir(parents=True, exist_ok=True)
    for label, (name, full, small) in KINDS.items():
        p = (small if a.small else full)(a.out / name)
        print(f"{label:<28} {p}  {p.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
