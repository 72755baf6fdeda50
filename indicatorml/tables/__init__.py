"""Turn any table file into records — the one door every command reads through.

Reads the seed layout (one row per project, numbered indicator cell), flat CSV/TSV/XLSX
tables with a header row (including the shared corpus TSV), and JSONL as written by
``indicatorml parse``; UTF-8, UTF-8 with BOM, GB18030 (and UTF-16 with BOM, as Excel's
"Unicode text" saves it) read to identical records.

Layout: ``decode`` (bytes → text), ``read`` (dispatch by file kind), one module per kind
(``seed`` + ``seed_cell`` for the seed layout, ``delimited`` CSV/TSV, ``jsonl``; and for
workbooks and documents ``xlsx``, ``xls``, ``docx``, ``pdf``, each turning its content into
``grid.Grid``s: one per sheet / Word table / PDF page table, merged cells known), ``forms``
(a grid → records: header blocks, indicator tables, every row a role) with ``form_blocks``
(a header block's labels and values), ``columns`` (what a header cell means), ``write`` and
``view``; ``annotate/`` marks a table's cells in a workbook (the user's own, or a new one).

Workbooks and documents: every sheet and every table in it is read; the header block above a
table (项目名称, 主管部门, 实施单位, 资金, 年度绩效目标 / 预期目标 / 实际完成情况, 实施期 …) gives
each indicator under it ``project`` and ``goal`` and these ``extra`` keys: ``org`` (主管部门),
``implementer`` (实施单位), ``code`` (项目编码), ``period`` (实施期), ``attribute`` (项目属性),
``amount`` (年度资金总额), ``amount_fiscal`` (财政拨款), ``amount_other`` (其他资金),
``budget_start`` / ``budget_year`` / ``spent`` (自评表: 年初预算数 / 全年预算数 / 全年执行数),
``goal_long`` (中长期 / 总体目标, the goal when no annual one is given), ``goal_actual``
(实际完成情况). Columns beside the value are kept as ``direction``, ``unit``, ``nature``
(指标性质), ``explain`` (指标解释), ``scoring`` (评(扣)分标准), ``basis`` (指标值设定依据),
``actual`` (实际完成值), ``weight``
(分值/权重), ``score`` (得分), ``deviation`` (偏差原因分析及改进措施); a direction or unit column
is joined into ``target`` (``≥`` + ``90`` + ``%`` → ``≥90%``, the value cell kept as
``target_raw``); a level-1 score (``产出指标(50分)``) is kept as ``level1_score``. Where each
record was read (file, grid, ``{field: (row, col)}``) is ``Indicator.origin``
(:class:`~indicatorml.records.Origin`), never a column; see ``Table.sheets`` for where each
table sits, and ``Problem.sheet``.

Untrusted files: every read applies :class:`Limits` (``limits``: what a file may claim, checked
before the costly step, with ``zipcheck`` and ``pdfcheck``); inside a :func:`reading` block with a
:class:`ReaderPool` (``pool``, ``worker``) each file is read in a worker process under a hard
memory and time limit and comes back as JSON.

Why it never raises for bad content: a reviewer with a 300-row table wants the 298 readable
rows and a list of the 2 that are not, each with file, line and reason — not a traceback.
Every row that is not read is a :class:`~indicatorml.records.Problem`; nothing is dropped in
silence.

Writing back: :func:`write_table` writes the seed layout (byte for byte the same when nothing
changed: per-row punctuation and ``<p>`` wrappers are kept in ``Indicator.origin.seed`` and
the raw lines in ``Table.rows``), or CSV/TSV/XLSX/JSONL; every key of ``extra`` is a column.
"""

from .decode import content_sha256, decode
from .limits import DEFAULT_LIMITS, TRUSTED_LIMITS, Limits
from .pool import PoolSettings, ReaderPool
from .read import parse_files, read_table, read_tables, report_problems
from .reading import reading
from .seed import SEED_HEADER, render_seed, seed_indicator_string
from .view import VIEW_COLUMNS, VIEW_HEADERS, summary_line, view_rows
from .write import WRITE_FORMATS, add_column, record_columns, records_to_rows, table_bytes, write_table

__all__ = [
    "read_table",
    "read_tables",
    "reading",
    "ReaderPool",
    "PoolSettings",
    "Limits",
    "DEFAULT_LIMITS",
    "TRUSTED_LIMITS",
    "parse_files",
    "report_problems",
    "write_table",
    "table_bytes",
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
