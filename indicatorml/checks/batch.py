"""``check FILE… -o DIR/``: one review workbook per input, named after it, each file on its own.

Why each file on its own: a reviewer checks a department's batch — a dozen workbooks, a Word
form, a CSV — in one command. One file the writer cannot handle must not cost her the others
(it used to stop the batch at that file, with the files before it written and no summary):
its failure becomes one Chinese line naming the file, the others are written, and the summary
says what was written and what was not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import IndicatormlError, os_reason
from ..records import Table
from ..tables.annotate import losses, lost_line, review_name, save_bytes, shown_name, unique_names
from .finding import Finding
from .workbook import review_workbook

__all__ = ["BatchResult", "output_paths", "write_checked_workbooks"]


@dataclass
class BatchResult:
    """What a batch wrote: (input, workbook) per file written, (input's name, why) per file not."""

    written: list[tuple[str, Path]] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)

    def summary(self) -> list[str]:
        """The summary lines for stderr (Chinese, as everything a user reads)."""
        lines = []
        if self.written:
            lines.append(
                f"写出 {len(self.written)} 个审核工作簿: " + ", ".join(str(p) for _, p in self.written)
            )
        if self.failed:
            lines.append(
                f"{len(self.failed)} 个文件没有写出审核工作簿: "
                + "; ".join(f"{name}({why})" for name, why in self.failed)
            )
        return lines


def output_paths(tables: Sequence[Table], output: str) -> list[Path]:
    """Where ``check FILE… -o OUTPUT`` writes each input's workbook.

    One input and OUTPUT not a folder: OUTPUT itself, as given. With OUTPUT a folder (existing,
    or ending in ``/``): ``OUTPUT/<own name>.审核.xlsx`` (``申报表.xlsx`` → ``申报表.审核.xlsx``,
    ``表.docx`` → ``表.审核.xlsx``; :func:`~indicatorml.tables.annotate.review_name`), the
    names the reviewer sends back. Several inputs and OUTPUT a file name: ``<OUTPUT
    stem>-<input stem>.xlsx`` beside it. Names that would collide get ``(2)``, ``(3)``…
    """
    out = Path(output)
    folder = output.endswith(("/", "\\")) or out.is_dir()
    if len(tables) == 1 and not folder:
        return [out]
    if folder:
        names = [review_name(t.path) for t in tables]
    else:
        names = [f"{out.stem}-{Path(shown_name(t.path)).stem}.xlsx" for t in tables]
    base = out if folder else out.parent
    return [base / n for n in unique_names(names)]


def _unread(table: Table) -> str | None:
    """Why the file gives no workbook: no indicator could be read from it (its problems say
    why: damaged, encrypted, not a table…); None where it was read. A file read without a
    problem and without indicators (an empty template) still comes back, laid out as it is."""
    if table.records or not table.problems:
        return None
    return "没有读到指标: " + "; ".join(p.reason for p in table.problems[:3])


def write_checked_workbooks(
    tables: Sequence[Table], findings: Sequence[Finding], output: str, err: Any = None
) -> BatchResult:
    """``check … -o``: one marked workbook per input (see :func:`output_paths`), each written
    whole or not at all. A file that cannot be written is reported on ``err`` (one line naming
    it) and in the result; the others are written all the same. What openpyxl could not keep of
    an input is said on ``err`` too."""
    paths = output_paths(tables, output)
    if output.endswith(("/", "\\")) or Path(output).is_dir():
        try:
            Path(output).mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise IndicatormlError(f"无法写入目录 {output}: {os_reason(e)}") from None
    inputs = [t.path for t in tables]
    result = BatchResult()
    for t, p in zip(tables, paths, strict=True):
        name = shown_name(t.path)
        why = _unread(t)
        try:
            if why is None:
                data = Path(t.path).read_bytes()
                book = review_workbook(t, [f for f in findings if f.file == t.path], name=name, source=data)
                save_bytes(book, p, inputs=inputs)
                lost = losses(data) if t.kind == "xlsx" else []
                if lost and err is not None:
                    print(lost_line(t.path, p, lost), file=err)
                result.written.append((t.path, p))
                continue
        except IndicatormlError as e:
            why = str(e)
        except OSError as e:
            why = os_reason(e)
        except Exception as e:  # noqa: BLE001 - one file's failure, never the batch's: said, and the rest go on
            why = f"内部错误 {type(e).__name__}: {e}"
        result.failed.append((name, why))
        if err is not None:
            print(f"indicatorml: 「{name}」没有写出审核工作簿: {why}", file=err)
    return result
