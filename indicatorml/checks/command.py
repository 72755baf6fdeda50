"""The ``check`` verb: read the files, check them, write the findings in the asked-for form."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from ..errors import IndicatormlError
from ..output import emit, guess_format, write_rows
from .batch import write_checked_workbooks
from .grade import project_grades
from .report import FINDING_COLUMNS, counts_line, finding_rows, grades_line, render_findings
from .severity import SEVERITIES

__all__ = ["run_check"]


def run_check(
    files: Sequence[str],
    fmt: str | None = None,
    output: str | None = None,
    model_dir: str | None = None,
    fail_on: str | None = None,
    stream: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """The ``check`` verb: read, check, write; the exit code for ``--fail-on``.

    ``xlsx`` output is the reviewer's workbook: each ``.xlsx`` input comes back as itself with
    the findings marked, other inputs as a new workbook laid out like them; several inputs give
    one workbook each (``-o DIR/`` → ``DIR/<name>.审核.xlsx``, ``-o OUT.xlsx`` →
    ``OUT-<name>.xlsx``). Each file is written on its own: one that cannot be written is named
    on stderr with the reason, the others are written, and the exit code is 2.

    Read problems go to stderr and count as errors for ``--fail-on`` (a row that could not be
    read is something wrong with the table). Without ``--model`` and without a shipped model,
    the other rules still run and stderr says the label rule was skipped.
    """
    from ..tables import read_tables, report_problems
    from .run import check_tables

    err = err if err is not None else sys.stderr
    if fmt is None and output and (output.endswith(("/", "\\")) or Path(output).is_dir()):
        fmt = "xlsx"  # -o DIR/: one marked workbook per input in DIR
    fmt = guess_format(output, fmt)
    if fmt == "xlsx" and not output:
        raise IndicatormlError("--format xlsx needs --output PATH")
    tables = read_tables(files)
    n_problems = report_problems(tables, stream=err)
    labeled = any(r.level2_code for t in tables for r in t.records)
    model = None
    if model_dir is not None or labeled:
        from ..coding.saved import load_model

        try:
            model = load_model(model_dir)
        except IndicatormlError as e:
            if model_dir is not None:
                raise
            print(f"indicatorml: 警告: 没有可用的分类模型,跳过类别检查({e})", file=err)
    findings = check_tables(tables, model, labels=model is not None)
    failed = 0
    if fmt == "xlsx":
        batch = write_checked_workbooks(tables, findings, output or "", err=err)
        failed = len(batch.failed)
        if len(tables) > 1 or failed:
            for line in batch.summary():
                print(line, file=err)
    elif fmt == "table":
        emit(render_findings(findings, tables), output, stream)
    else:
        write_rows(finding_rows(findings), fmt, output, columns=FINDING_COLUMNS, stream=stream)
    grades = [g for t in tables for g in project_grades(t, findings)]
    print(
        f"检查 {len(tables)} 个文件: {counts_line(findings)}"
        + (f",读取问题 {n_problems}" if n_problems else "")
        + (f";{grades_line(grades)}" if grades else ""),
        file=err,
    )
    if failed:
        return 2  # not everything asked for was written: the summary above says which
    if fail_on is None:
        return 0
    limit = SEVERITIES.index(fail_on)
    hit = any(SEVERITIES.index(f.severity) <= limit for f in findings) or n_problems > 0
    return 1 if hit else 0
