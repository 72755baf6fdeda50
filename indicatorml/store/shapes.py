"""The plain-data shapes the store takes and returns: the contract of :class:`indicatorml.store.Store`.

Everything is a dict of str/int/float/None/lists/dicts (JSON-able), except times, which are aware
UTC ``datetime`` objects (the web layer formats them; ``.isoformat()`` for JSON). No ORM object
leaves the store. The ``…In`` shapes are what the review pipeline hands to ``save_review``; keys
marked optional may be left out. JSON-typed fields (``table``, ``record``, ``origin``,
``suggestion``, ``info``, ``data``, ``model_info``, ``label_rule``, job ``input``/``result``,
settings values) are stored as given and come back equal (dicts compare equal; the store does
not look inside them).

Numbering, decided by the pipeline and kept as given: files ``n`` = 1, 2, … in upload order;
``row`` = the pipeline's number of an indicator row in its file (unique per file); projects
``k`` = their order in the file. Findings are numbered by the store: ``id`` is a database
sequence, unique across the store, stable for the review's life, never reused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, TypedDict

__all__ = [
    "DecisionKind",
    "FileIn",
    "RowIn",
    "ProjectIn",
    "FindingIn",
    "ReviewIn",
    "Counts",
    "Decision",
    "ReviewFile",
    "ReviewRow",
    "ReviewProject",
    "Finding",
    "ReviewSummary",
    "Review",
    "Job",
    "CheckReport",
    "BackupSummary",
    "LibraryMark",
    "LibraryRow",
    "LibraryChange",
    "LibraryBatch",
]

DecisionKind = Literal["accept", "keep", "set"]
JSON = Any  # a JSON value: dict, list, str, int, float, bool or None


# ------------------------------------------------------------------ what save_review takes
class _FileRequired(TypedDict):
    n: int  # 1, 2, … in upload order
    name: str  # the file's own name as the user gave it (never a server path)
    kind: str  # "xlsx", "xls", "docx", "pdf", "csv", "tsv", "seed", "jsonl" …
    table: dict[str, JSON]  # the Table's layout as JSON (records.table_to_dict, or its layout part)


class FileIn(_FileRequired, total=False):
    """One uploaded file. Give its bytes as ``data`` (stored as a blob in the same transaction),
    or the ``blob_sha256`` of bytes already stored with ``put_blob`` — or both (then they must agree)."""

    data: bytes
    blob_sha256: str


class _RowRequired(TypedDict):
    file_n: int
    row: int
    indicator: str
    record: dict[str, JSON]  # the whole Indicator as JSON


class RowIn(_RowRequired, total=False):
    """One indicator row, with the columns issue 17 queries pulled out of ``record``."""

    project: str | None
    target: str | None
    level1_code: str | None
    level2_code: str | None  # the category the table gives
    level2_raw: str | None
    origin: JSON  # where in the file: sheet, cells …
    suggestion: JSON  # the one scorer's suggestion: level2_code, confidence, alternatives, heldout, why


class _ProjectRequired(TypedDict):
    file_n: int
    k: int
    name: str


class ProjectIn(_ProjectRequired, total=False):
    goal: str | None
    grade: str | None
    info: JSON


class _FindingRequired(TypedDict):
    file_n: int
    rule: str
    severity: str  # "error" | "warning" | "info" (the checks' words; the store does not judge)
    message: str


class FindingIn(_FindingRequired, total=False):
    row: int | None  # None: a finding on a project or the whole file
    project: str | None
    field: str | None
    data: JSON


class _ReviewRequired(TypedDict):
    model_name: str
    model_hash: str
    model_info: dict[str, JSON]
    label_rule: dict[str, JSON]
    files: list[FileIn]
    rows: list[RowIn]
    projects: list[ProjectIn]
    findings: list[FindingIn]  # kept in this order; get_review returns them so, each with its id


class ReviewIn(_ReviewRequired, total=False):
    """A computed review, as ``Store.save_review`` takes it."""

    id: str  # default: 128 random bits, url-safe (secrets.token_urlsafe(16))
    created_at: datetime  # aware; default now
    created_by: str | None
    department: str | None
    year: int | None
    org: str | None
    title: str | None  # default: the first file's name (+ " 等 N 个文件")
    status: str  # default "done"
    parent_id: str | None  # the review this one re-checks (e.g. with a newer model)


# ------------------------------------------------------------------ what the store returns
class Counts(TypedDict):
    files: int
    rows: int
    projects: int
    findings: int


class Decision(TypedDict):
    id: int  # increasing: a later decision has a larger id
    review_id: str
    finding_id: int | None  # None: a decision on an indicator row without a finding
    file_n: int
    row: int | None  # the finding's row (None for a project/file finding)
    decision: DecisionKind  # accept 采纳建议 / keep 保持原类别 / set 改为 level2_code
    level2_code: str | None  # set only
    comment: str | None  # 审核意见
    user: str | None
    created_at: datetime


class ReviewFile(TypedDict):
    n: int
    name: str
    blob_sha256: str  # Store.get_blob(sha) gives the uploaded bytes back
    size: int
    kind: str
    table: dict[str, JSON]


class ReviewRow(TypedDict):
    file_n: int
    row: int
    project: str | None
    indicator: str
    target: str | None
    level1_code: str | None
    level2_code: str | None
    level2_raw: str | None
    origin: JSON
    record: dict[str, JSON]
    suggestion: JSON
    decision: Decision | None  # the row's current decision: the latest on the row or on a finding of it


class ReviewProject(TypedDict):
    file_n: int
    k: int
    name: str
    goal: str | None
    grade: str | None
    info: JSON


class Finding(TypedDict):
    id: int
    file_n: int
    file: str  # the file's own name
    row: int | None
    project: str | None
    rule: str
    severity: str
    field: str | None
    message: str
    data: JSON
    decision: Decision | None  # the latest decision made on this finding


class ReviewSummary(TypedDict):
    """One line of a review list (no files, rows or findings)."""

    id: str
    created_at: datetime
    created_by: str | None
    department: str | None
    year: int | None
    org: str | None
    title: str | None
    model_name: str
    model_hash: str
    status: str
    parent_id: str | None
    counts: Counts


class Review(ReviewSummary):
    """A stored review with its decisions applied (``Store.get_review``).

    Order: files by n, rows by (file_n, row), projects by (file_n, k), findings as given to
    save_review, decisions (the whole history) by id.
    """

    model_info: dict[str, JSON]
    label_rule: dict[str, JSON]
    files: list[ReviewFile]
    rows: list[ReviewRow]
    projects: list[ReviewProject]
    findings: list[Finding]
    decisions: list[Decision]


class Job(TypedDict):
    """A background job (training a model …). state: queued → running → done | failed."""

    id: str
    kind: str
    state: Literal["queued", "running", "done", "failed"]
    stage: str | None  # what it is doing now, in Chinese, for the page
    department: str | None
    created_by: str | None
    worker: str | None  # who claimed it (e.g. "host:pid")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    heartbeat_at: datetime | None
    error: str | None  # Chinese, for the page (never a server path)
    input: JSON
    result: JSON


class LibraryMark(TypedDict):
    """How far a reader of ``Store.library_rows`` has got: pass it back to get what is newer."""

    reviews: int  # the largest reviews.seq delivered
    decisions: int  # the largest decisions.seq applied


class LibraryRow(TypedDict):
    """One indicator row of a stored review, as the library (issue 17) needs it.

    ``decided_code`` is the row's category after the reviewer: the given ``level2_code`` when
    there is no decision or the current one is ``keep``; the decision's code for ``set``; for
    ``accept`` the suggestion accepted — the finding's ``data["suggested_level2_code"]`` when
    the decision was made on a finding that names one, else the row's
    ``suggestion["level2_code"]`` (and the given code if there is no suggestion at all).
    """

    review_id: str
    file_n: int
    row: int
    file: str  # the file's own name
    project: str | None
    goal: str | None  # the goal of the file's first project of that name, if any
    indicator: str
    target: str | None
    level1_code: str | None
    level2_code: str | None  # as the table gives it
    level2_raw: str | None
    suggested_code: str | None  # the one scorer's suggestion for the row
    decision: DecisionKind | None  # the row's current decision (latest on the row or a finding of it)
    decided_code: str | None
    department: str | None
    org: str | None
    year: int | None
    created_at: datetime  # when the review was saved
    title: str | None  # the review's title


class LibraryChange(TypedDict):
    """A row delivered before whose current decision changed since (same keys as in LibraryRow)."""

    review_id: str
    file_n: int
    row: int
    decision: DecisionKind | None
    decided_code: str | None


class LibraryBatch(TypedDict):
    """What ``Store.library_rows`` returns: new rows, changed decisions, and the mark to pass next."""

    rows: list[LibraryRow]  # rows of reviews saved after the mark: by review (saving order), file_n, row
    changes: list[LibraryChange]  # rows of reviews delivered before, whose decision changed since the mark
    mark: LibraryMark
    more: bool  # reviews remain beyond this batch's limit: call again with ``mark``


@dataclass
class CheckReport:
    """What ``Store.check()`` found. ``ok`` is True when ``problems`` is empty."""

    engine: str  # "sqlite" | "postgresql"
    revision: str | None
    reviews: int
    blobs: int
    problems: list[str] = field(default_factory=list)  # Chinese, one line each

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class BackupSummary:
    """What a backup holds (``Store.backup``, ``backup``, ``restore``)."""

    path: str
    revision: str
    tables: dict[str, int]  # table → rows (blobs included, counted once each)
    blob_bytes: int
    size: int  # the backup file's size in bytes
