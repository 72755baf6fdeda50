"""The review objects: what one review pipeline run holds, in memory and as loaded from the store.

Why objects of their own (and not the store's dicts): the CLI, the pages and the downloads
work with the reader's :class:`~indicatorml.records.Table`, the checks'
:class:`~indicatorml.checks.Finding` and the scorer's :class:`~indicatorml.coding.Prediction`;
a review is those, per file, plus what makes it a record of work — the model that judged it,
the label rule, the store's ids and the reviewer's decisions. :mod:`.persist` maps them onto
the store's plain data and back, so a stored review loaded back equals what was saved.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..checks import Finding, LabelRule
from ..coding import Prediction
from ..records import Table
from ..store import Decision, NotFoundError

__all__ = ["ModelIdentity", "ReviewFinding", "ReviewProject", "ReviewFile", "Review"]


@dataclass(frozen=True)
class ModelIdentity:
    """Which model judged a review, so that a stored review says what its suggestions rest on.

    ``name`` is what a page shows ("default" for the shipped model, a folder's name, the name
    the server gave); ``hash`` the sha256 of the model's ``model.json`` (which holds the
    checksums of every array, so it names the whole model); ``info`` the rest as JSON: package
    version, training rows and data hash, classes, cross-fitted folds. A model directory's path
    is never kept (it is the server's, not the reviewer's).
    """

    name: str
    hash: str
    info: dict[str, Any] = field(default_factory=dict)


@dataclass
class ReviewFinding:
    """One finding of a review, with the store's id once saved and the reviewer's current decision.

    ``id`` is None until the review is saved (then stable for the review's life); ``decision``
    is the latest decision made on this finding (the store's shape), None while undecided.
    Neither takes part in equality: a review before and after saving compares equal.
    """

    finding: Finding
    id: int | None = field(default=None, compare=False)
    decision: Decision | None = field(default=None, compare=False)


@dataclass
class ReviewProject:
    """A project of a file as the review lists it (``k`` = its order in the file).

    ``name`` is None for indicator rows under no project name; ``grade`` is the project's
    优/良/中/差 once the checks give one (issue 16), None before; ``info`` holds its
    indicator count and, where the table gives them, its amounts.
    """

    k: int
    name: str | None
    goal: str | None
    grade: str | None = None
    info: dict[str, Any] = field(default_factory=dict)


@dataclass
class ReviewFile:
    """One uploaded file of a review (``n`` = 1, 2, … in upload order).

    ``name`` is the file's own name (the upload's name, the CLI's file name) — what every
    finding's ``file``, problem and source names; never a server or temporary path.
    ``sha256``/``size`` are those of the uploaded bytes (the store keeps them as a blob);
    ``table`` the table as read (named ``name``); ``findings`` in the checks' order;
    ``suggestions[i]`` the one scorer's suggestion for ``table.records[i]``, ``heldout[i]``
    whether a fold model that never saw the row's source scored it (empty lists when the
    review ran without a model); ``year``/``org`` what the file itself says (best effort).
    ``data`` holds the bytes when they are at hand (a run, or a load that asked for them);
    ``decisions`` the current decision per indicator row (index into ``table.records``).
    """

    n: int
    name: str
    sha256: str
    size: int
    table: Table
    findings: list[ReviewFinding] = field(default_factory=list)
    suggestions: list[Prediction] = field(default_factory=list)
    heldout: list[bool] = field(default_factory=list)
    projects: list[ReviewProject] = field(default_factory=list)
    year: int | None = None
    org: str | None = None
    data: bytes | None = field(default=None, compare=False, repr=False)
    decisions: dict[int, Decision] = field(default_factory=dict, compare=False)

    @property
    def kind(self) -> str:
        return self.table.kind

    def row_findings(self, row: int) -> list[ReviewFinding]:
        """The findings on indicator row ``row`` (not those on its project or the whole file)."""
        return [f for f in self.findings if f.finding.row == row]


@dataclass
class Review:
    """A review: its files, the model and label rule that judged them, and (once stored) its
    id, time, owner and the reviewer's decisions.

    ``year``/``org`` are the review's (given on upload, else what its files say).
    ``history`` is every decision in the order made (the current ones are on the findings and
    files). ``id``, ``created_at``, ``created_by``, ``department`` and ``history`` do not take
    part in equality (a review compares equal before and after saving).
    """

    files: list[ReviewFile]
    model: ModelIdentity
    label_rule: LabelRule
    year: int | None = None
    org: str | None = None
    id: str | None = field(default=None, compare=False)
    created_at: datetime | None = field(default=None, compare=False)
    created_by: str | None = field(default=None, compare=False)
    department: str | None = field(default=None, compare=False)
    title: str | None = field(default=None, compare=False)
    history: list[Decision] = field(default_factory=list, compare=False)

    def file(self, n: int) -> ReviewFile:
        """File number ``n`` (1-based); :class:`~indicatorml.store.NotFoundError` (a page's 404)
        if the review has none."""
        for f in self.files:
            if f.n == n:
                return f
        raise NotFoundError(f"{self._named()}里没有第 {n} 个文件")

    def findings(self) -> Iterator[tuple[ReviewFile, ReviewFinding]]:
        """Every finding with its file, files in order."""
        for f in self.files:
            for found in f.findings:
                yield f, found

    def finding(self, finding_id: int) -> tuple[ReviewFile, ReviewFinding]:
        """The finding with this store id, and its file; :class:`~indicatorml.store.NotFoundError`
        if the review has none."""
        for f, found in self.findings():
            if found.id == finding_id:
                return f, found
        raise NotFoundError(f"{self._named()}里没有编号为 {finding_id} 的问题")

    def _named(self) -> str:
        return f"审核 {self.id} " if self.id else "这份审核"
