"""Turn any table file into records — the one door every command reads through.

Reads the seed layout (one row per project, numbered indicator cell), flat CSV/TSV/XLSX
tables with a header row (including the shared corpus TSV), and JSONL as written by
``indicatorml parse``; UTF-8, UTF-8 with BOM, GB18030 (and UTF-16 with BOM, as Excel's
"Unicode text" saves it) read to identical records.

Layout: ``decode`` (bytes → text), ``read`` (dispatch by file kind), one module per kind
(``seed`` + ``seed_cell`` for the seed layout, ``delimited`` CSV/TSV, ``xlsx``, ``jsonl``),
``columns`` (what a header cell means), ``write`` and ``view``.

Why it never raises for bad content: a reviewer with a 300-row table wants the 298 readable
rows and a list of the 2 that are not, each with file, line and reason — not a traceback.
Every row that is not read is a :class:`~indicatorml.records.Problem`; nothing is dropped in
silence.

Writing back: :func:`write_table` writes the seed layout (byte for byte the same when nothing
changed: per-row punctuation and ``<p>`` wrappers are kept in ``Indicator.extra["_seed"]`` and
the raw lines in ``Table.rows``), or CSV/TSV/XLSX/JSONL. Keys of ``extra`` that start with
``_`` are the reader's bookkeeping and are never written as columns.
"""

from .decode import content_sha256, decode
from .read import parse_files, read_table, read_tables, report_problems
from .seed import SEED_HEADER, render_seed, seed_indicator_string
from .view import VIEW_COLUMNS, VIEW_HEADERS, summary_line, view_rows
from .write import WRITE_FORMATS, add_column, record_columns, records_to_rows, write_table

__all__ = [
    "read_table",
    "read_tables",
    "parse_files",
    "report_problems",
    "write_table",
    "render_seed",
    "seed_indicator_string",
    "records_to_rows",
    "record_columns",
    "add_column",
    "view_rows",
    "VIEW_COLUMNS",
    "VIEW_HEADERS",
    "summary_line",
    "decode",
    "content_sha256",
    "SEED_HEADER",
    "WRITE_FORMATS",
]
