"""The ``check`` verb: one :func:`~.run.run_review`, its findings written in the asked-for form.

Why the verb lives with the review pipeline: ``indicatorml check``, the 审核 page and the API
compute a review the same way (one scorer, one set of checks), and ``--save`` stores exactly
what was printed. The files keep the names the user typed (they are the user's own paths on
the user's own machine, and what the check verb has always printed); a saved review keeps only
each file's name (its last path part), since a stored review may be read on a shared server
where a local folder means nothing. The workbooks of ``-o`` are written by the checks' batch
writer (:func:`indicatorml.checks.batch.write_checked_workbooks`) from this review's tables and
findings.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from ..checks import SEVERITIES, project_grades
from ..checks.batch import write_checked_workbooks
from ..checks.report import FINDING_COLUMNS, counts_line, finding_rows, grades_line, render_findings
from ..coding import saved as saved_models
from ..errors import IndicatormlError
from ..output import emit, guess_format, write_rows
from ..store import Store
from ..tables import report_problems
from .names import own_name
from .persist import save_review
from .reading import renamed
from .run import run_review

__all__ = ["run_check"]


def run_check(
    files: Sequence[str],
    fmt: str | None = None,
    output: str | None = None,
    model_dir: str | None = None,
    fail_on: str | None = None,
    stream: TextIO | None = None,
    err: TextIO | None = None,
    store: Store | None = None,
    user: str | None = None,
    year: int | None = None,
    org: str | None = None,
) -> int:
    """The ``check`` verb: review the files, write the findings; the exit code for ``--fail-on``.

    ``xlsx`` output is the reviewer's workbook: each ``.xlsx`` input comes back as itself with
    the findings marked, other inputs as a new workbook laid out like them; several inputs give
    one workbook each (``-o DIR/`` → ``DIR/<name>.审核.xlsx``, ``-o OUT.xlsx`` →
    ``OUT-<name>.xlsx``). Each file is written on its own: one that cannot be written is named
    on stderr with the reason, the others are written, and the exit code is 2.

    Read problems go to stderr and count as errors for ``--fail-on`` (a row that could not be
    read is something wrong with the table). Without ``--model`` and without a usable default
    model, the other rules still run and stderr says the label rule was skipped (when a file
    has categories to judge). With ``store`` the review is saved (with ``user``, and ``year`` /
    ``org`` where given, else as the files say them; each file under its own name, without the
    folder typed) and its id said on stderr.
    """
    err = err if err is not None else sys.stderr
    if fmt is None and output and (output.endswith(("/", "\\")) or Path(output).is_dir()):
        fmt = "xlsx"  # -o DIR/: one marked workbook per input in DIR
    fmt = guess_format(output, fmt)
    if fmt == "xlsx" and not output:
        raise IndicatormlError("--format xlsx 要与 --output PATH 一起用(工作簿只能写进文件)")
    labels, skipped = True, None
    try:
        saved_models.load_model(model_dir)  # cached: run_review's own load costs nothing more
    except IndicatormlError as e:
        if model_dir is not None:
            raise
        labels, skipped = False, e
    review = run_review(
        files, model=model_dir, labels=labels, names=[str(f) for f in files], year=year, org=org
    )
    tables = [f.table for f in review.files]
    findings = [x.finding for f in review.files for x in f.findings]
    n_problems = report_problems(tables, stream=err)
    if skipped is not None and any(r.level2_code for t in tables for r in t.records):
        print(f"indicatorml: 警告: 没有可用的分类模型,跳过类别检查({skipped})", file=err)
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
    # each project's grade: the pure function of its findings that run_review stored it from
    grades = [g for f in review.files for g in project_grades(f.table, [x.finding for x in f.findings])]
    print(
        f"检查 {len(tables)} 个文件: {counts_line(findings)}"
        + (f",读取问题 {n_problems}" if n_problems else "")
        + (f";{grades_line(grades)}" if grades else ""),
        file=err,
    )
    if store is not None:
        kept = renamed(review, [own_name(Path(f).name) for f in files])
        review_id = save_review(store, kept, user=user)
        print(f"已保存审核 {review_id}(查看: indicatorml reviews show {review_id})", file=err)
    if failed:
        return 2  # not everything asked for was written: the summary above says which
    if fail_on is None:
        return 0
    limit = SEVERITIES.index(fail_on)
    hit = any(SEVERITIES.index(f.severity) <= limit for f in findings) or n_problems > 0
    return 1 if hit else 0
