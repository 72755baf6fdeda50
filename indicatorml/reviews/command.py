"""The ``check`` verb: one :func:`~.run.run_review`, its findings written in the asked-for form.

Why the verb lives with the review pipeline: ``indicatorml check``, the 审核 page and the API
compute a review the same way (one scorer, one set of checks), and ``--save`` stores exactly
what was printed. The files keep the names the user typed (they are the user's own paths on
the user's own machine); a saved review keeps only each file's name (its last path part), since
a stored review may be read on a shared server where a local folder means nothing.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from ..checks import SEVERITIES, project_grades
from ..checks.report import FINDING_COLUMNS, counts_line, finding_rows, grades_line, render_findings
from ..checks.workbook import output_paths
from ..coding import saved as saved_models
from ..errors import IndicatormlError
from ..output import emit, guess_format, write_rows
from ..store import Store
from ..tables import report_problems
from ..tables.annotate import lost_line, same_file
from .names import own_name
from .outputs import write_file_workbook
from .persist import save_review
from .review import Review
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
    one workbook each (``-o DIR/`` → ``DIR/<name>.xlsx``, ``-o OUT.xlsx`` → ``OUT-<name>.xlsx``).
    A workbook that cannot be written is said on stderr and the others are still written.

    Read problems go to stderr and count as errors for ``--fail-on`` (a row that could not be
    read is something wrong with the table). Without ``--model`` and without a usable default
    model, the other rules still run and stderr says the label rule was skipped (when a file
    has categories to judge). With ``store`` the review is saved (with ``user``, and ``year`` /
    ``org`` where given, else as the files say them) and its id said on stderr.
    """
    err = err if err is not None else sys.stderr
    if fmt is None and output and (output.endswith(("/", "\\")) or Path(output).is_dir()):
        fmt = "xlsx"  # -o DIR/: one marked workbook per input in DIR
    fmt = guess_format(output, fmt)
    if fmt == "xlsx" and not output:
        raise IndicatormlError("--format xlsx needs --output PATH")
    labels, skipped = True, None
    try:
        saved_models.load_model(model_dir)  # cached: run_review's own load costs nothing more
    except IndicatormlError as e:
        if model_dir is not None:
            raise
        labels, skipped = False, e
    names = [own_name(Path(f).name) for f in files] if store is not None else [str(f) for f in files]
    review = run_review(files, model=model_dir, labels=labels, names=names, year=year, org=org)
    tables = [f.table for f in review.files]
    findings = [x.finding for f in review.files for x in f.findings]
    n_problems = report_problems(tables, stream=err)
    if skipped is not None and any(r.level2_code for t in tables for r in t.records):
        print(f"indicatorml: 警告: 没有可用的分类模型,跳过类别检查({skipped})", file=err)
    failed = 0
    if fmt == "xlsx":
        failed = _write_workbooks(review, files, output or "", err)
    elif fmt == "table":
        emit(render_findings(findings, tables), output, stream)
    else:
        write_rows(finding_rows(findings), fmt, output, columns=FINDING_COLUMNS, stream=stream)
    # each project's grade: the pure function of its findings that run_review stored it from
    grades = [g for f in review.files for g in project_grades(f.table, [x.finding for x in f.findings])]
    print(
        f"检查 {len(tables)} 个文件: {counts_line(findings)}"
        + (f",读取问题 {n_problems}" if n_problems else "")
        + (f";{grades_line(grades)}" if grades else "")
        + (f",{failed} 个审核工作簿未能写出" if failed else ""),
        file=err,
    )
    if store is not None:
        review_id = save_review(store, review, user=user)
        print(f"已保存审核 {review_id}(查看: indicatorml reviews show {review_id})", file=err)
    if failed:
        return 3
    if fail_on is None:
        return 0
    limit = SEVERITIES.index(fail_on)
    hit = any(SEVERITIES.index(f.severity) <= limit for f in findings) or n_problems > 0
    return 1 if hit else 0


def _write_workbooks(review: Review, inputs: Sequence[str], output: str, err: TextIO) -> int:
    """One annotated workbook per file (see :func:`~indicatorml.checks.workbook.output_paths`);
    how many could not be written (each said on ``err``, the others still written). No output
    may be an input: checked for all before anything is written."""
    paths = output_paths([f.table for f in review.files], output)
    for p in paths:
        if any(same_file(src, p) for src in inputs):
            raise IndicatormlError(
                f"--output {p} is the input file; choose another name (the input is never overwritten)"
            )
    written, failed = [], 0
    for f, p in zip(review.files, paths, strict=True):
        try:
            lost = write_file_workbook(review, f.n, p)
        except Exception as e:  # noqa: BLE001 - one file's writer failing must not lose the others
            if len(review.files) == 1:
                raise
            why = str(e) if isinstance(e, IndicatormlError) else f"内部错误 {type(e).__name__}: {e}"
            print(f"indicatorml: error: {f.name}: 审核工作簿未能写出({why})", file=err)
            failed += 1
            continue
        written.append(p)
        if lost:
            print(lost_line(f.name, p, lost), file=err)
    if len(written) > 1:
        print(f"写出 {len(written)} 个审核工作簿: " + ", ".join(str(p) for p in written), file=err)
    return failed
