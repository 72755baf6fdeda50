"""``run_review``: files in, a :class:`~.review.Review` out — the one review computation.

Why one function for the CLI's ``check``, the 审核 page and ``POST /api/reviews``: a reviewer
who checks a file on the command line, on the page and through the budget system's API must
get the same findings and the same suggestions. Each table's rows are scored once
(:func:`indicatorml.coding.score_rows`: a fold model for rows of the model's own training
sources) and both the suggestion kept for a row and the label finding on it read those scores.
Pure computation: nothing is stored here (see :mod:`.persist`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..checks import DEFAULT_LABEL_RULE, Finding, LabelRule, check_table, project_grades
from ..checks.context import project_contexts, table_context
from ..checks.past import PastProject
from ..coding import Prediction, score_rows
from ..coding.write_back import keep_given_level1, level1_only_rows
from ..errors import IndicatormlError
from ..records import Table
from .history import HistoryLookup
from .identity import NO_MODEL, ModelSpec, resolve_model
from .metadata import common, file_org, file_year
from .names import MAX_NAME, own_name
from .reading import ReadFile, read_named
from .review import Review, ReviewFile, ReviewFinding, ReviewProject

__all__ = ["run_review", "review_file", "file_projects", "MAX_FILES"]

MAX_FILES = 1000  # files in one review: a batch, not an archive


def run_review(
    files: Sequence[str | os.PathLike[str]],
    *,
    model: ModelSpec = None,
    model_name: str | None = None,
    year: int | None = None,
    org: str | None = None,
    label_rule: LabelRule = DEFAULT_LABEL_RULE,
    names: Sequence[str] | None = None,
    labels: bool = True,
    history: HistoryLookup | None = None,
) -> Review:
    """Read, score and check ``files``; the review (not stored).

    ``names[i]`` is file i's own name — the upload's name on the web, the name the user typed
    on the command line; default: the file's name (its last path part). It is what every
    finding, problem and download of the file is called; the path is only where the bytes
    are. ``model``: see :func:`.identity.resolve_model` (``model_name`` names it in the
    review). ``year``/``org``: as given, else what the files say (:mod:`.metadata`).
    ``labels=False`` runs without a model: no suggestions, no label rule (the other rules
    all run). ``history`` finds last year's matched projects for a file once it is read and
    the review's year and org are known (:func:`.history.lookup` over a store: the history
    rules run on them); without it the review has no history findings. Bad content is never an exception (a file that cannot be read is a review file
    with no rows and its problems); a missing file, a folder or bad arguments are
    :class:`IndicatormlError`.
    """
    paths = [str(p) for p in files]
    if not paths:
        raise IndicatormlError("没有要审核的文件")
    if len(paths) > MAX_FILES:
        raise IndicatormlError(f"一次最多审核 {MAX_FILES} 个文件，收到 {len(paths)} 个")
    shown = [own_name(Path(p).name) for p in paths] if names is None else list(names)
    if len(shown) != len(paths):
        raise IndicatormlError(f"给了 {len(paths)} 个文件，却有 {len(shown)} 个文件名")
    for name in shown:
        if not isinstance(name, str) or not name.strip() or len(name) > 4 * MAX_NAME:
            raise IndicatormlError(f"文件名应为不超过 {4 * MAX_NAME} 个字符的非空文本：{name!r:.60}")
    if year is not None and (not isinstance(year, int) or not 1900 <= year <= 2999):
        raise IndicatormlError(f"年度应为四位公历年份，收到 {year!r:.20}")
    for p in paths:  # a typo stops the command before anything is read, not one file among many
        if not Path(p).exists():
            raise IndicatormlError(f"文件不存在: {p}")
        if Path(p).is_dir():
            raise IndicatormlError(f"这是一个目录,不是表格文件: {p}")
    read = [read_named(p, name) for p, name in zip(paths, shown, strict=True)]
    scorer: Any = None
    identity = NO_MODEL
    if labels:
        scorer, identity = resolve_model(model, model_name)
    review_year = _as_year(common((file_year(r.name, r.table) for r in read), year))
    review_org = _as_text(common((file_org(r.table) for r in read), org))
    out = [
        review_file(
            n,
            r,
            scorer,
            label_rule,
            labels,
            history=history(r.table, review_year, review_org) if history is not None else None,
        )
        for n, r in enumerate(read, start=1)
    ]
    return Review(files=out, model=identity, label_rule=label_rule, year=review_year, org=review_org)


def review_file(
    n: int,
    read: ReadFile,
    model: Any,
    label_rule: LabelRule = DEFAULT_LABEL_RULE,
    labels: bool = True,
    history: Mapping[str | None, PastProject] | None = None,
) -> ReviewFile:
    """File ``n``'s part of a review: its rows scored once by ``model``, checked with those
    scores (``labels=False``: no model, no suggestions, no label rule) and, with ``history``
    (project name → last year's matched project), against last year's table."""
    table = read.table
    layout = table_context(table).layout  # a 2021-layout table gets its cost codes as 4x
    suggestions: list[Prediction] = []
    heldout: list[bool] = []
    scores = None
    if labels and table.records:
        scores = score_rows(model, table.records, table.sha256, layout=layout)
        suggestions = scores.predictions
        rows = level1_only_rows(table.records, suggestions)
        if rows:  # a writer's level 1 outranks the model's, as `code` does it
            keep_given_level1(table.records, suggestions, rows, scores.proba[rows], scores.classes, layout)
        heldout = [bool(h) for h in scores.heldout]
    findings = check_table(table, model, labels=labels, label_rule=label_rule, scores=scores, history=history)
    return ReviewFile(
        n=n,
        name=read.name,
        sha256=read.sha256,
        size=len(read.data),
        table=table,
        findings=[ReviewFinding(f) for f in findings],
        suggestions=suggestions,
        heldout=heldout,
        projects=file_projects(table, findings),
        year=file_year(read.name, table),
        org=file_org(table),
        data=read.data,
    )


def file_projects(table: Table, findings: Sequence[Finding]) -> list[ReviewProject]:
    """The file's projects as the checks see them (in reading order), each with its grade
    (优/良/中/差, :func:`indicatorml.checks.project_grades`) and, in ``info``, why that grade,
    the counts it came from and the project's own funds where the table gives them."""
    contexts = project_contexts(table_context(table))
    grades = project_grades(table, findings)
    out = []
    for k, (p, g) in enumerate(zip(contexts, grades, strict=True)):
        info: dict[str, Any] = {
            "indicators": len(p.rows),
            "grade_reason": g.reason,
            "errors": g.errors,
            "warnings": g.warnings,
            "infos": g.infos,
        }
        if p.funds is not None:
            info["funds"] = p.funds
        out.append(ReviewProject(k, p.name, p.goal, g.grade, info))
    return out


def _as_year(v: str | int | None) -> int | None:
    return v if isinstance(v, int) else None


def _as_text(v: str | int | None) -> str | None:
    return v if isinstance(v, str) else None
