"""The reviewer's decisions: 采纳建议 / 保持原类别 / 改为 X, with a 审核意见, on a finding or a row.

Why checked here and not only by the store: the store checks the shape (the kind, a code for
``set``, that the finding or row exists); whether a decision makes sense depends on the
review — accepting needs a suggestion to accept, keeping needs a category to keep, a code
must be a level-2 category of the taxonomy. A decision the reviewer cannot have meant is
refused with a Chinese message (the page answers 400) instead of being stored.

What a decision means for the row's category (:func:`decided_level2`): ``accept`` takes the
suggestion — the finding's suggested category when decided on a label finding, else the
row's suggestion from the one scorer; ``keep`` the category the table gives; ``set`` its code.
Decisions are appended, never changed (the store keeps who and when); the current one is the
latest (see :mod:`indicatorml.store.decisions`).
"""

from __future__ import annotations

from ..checks import DECISION_ZH  # one table of the decisions' Chinese words (the workbook's too)
from ..records import Indicator
from ..store import AuditIn, Decision, InvalidError, NotFoundError, Store
from ..taxonomy import UnknownLabel, by_code, code_label, normalize_label
from .persist import load_review
from .review import Review, ReviewFile

__all__ = [
    "DECISION_ZH",
    "decide",
    "check_decision",
    "level2_of",
    "decided_level2",
    "suggested_level2",
]


def decide(
    store: Store,
    review_id: str,
    *,
    finding: int | None = None,
    row: tuple[int, int] | None = None,
    decision: str,
    level2_code: str | None = None,
    comment: str | None = None,
    user: str | None = None,
    audit: AuditIn | None = None,
) -> Decision:
    """Record a decision on a finding (its id) or on an indicator row (``(file_n, row)``, row as
    the findings count it: 0-based); the stored decision.

    ``set`` needs ``level2_code`` (a level-2 code such as ``"12"``, or a label such as
    ``"12-质量指标"``; stored as its code). :class:`~indicatorml.store.InvalidError` for a decision
    that does not fit the finding or row, :class:`~indicatorml.store.NotFoundError` for a review,
    finding or row that does not exist.
    """
    review = load_review(store, review_id)
    code = check_decision(review, finding=finding, row=row, decision=decision, level2_code=level2_code)
    target: int | tuple[int, int] = finding if finding is not None else row  # type: ignore[assignment]
    return store.add_decision(review_id, target, decision, code, comment, user, audit=audit)


def check_decision(
    review: Review,
    *,
    finding: int | None = None,
    row: tuple[int, int] | None = None,
    decision: str,
    level2_code: str | None = None,
) -> str | None:
    """Refuse a decision that does not fit ``review``; the level-2 code to store (``set`` only)."""
    if (finding is None) == (row is None):
        raise InvalidError("决定要针对一个问题（finding）或一行指标（row），二者给且只给一个")
    if decision not in DECISION_ZH:
        raise InvalidError(
            f"决定只能是 accept（采纳建议）、keep（保持原类别）或 set（改为指定类别），收到 {decision!r:.40}"
        )
    if decision != "set" and level2_code is not None:
        raise InvalidError(f"只有 set（改为指定类别）带二级指标代码；{decision} 不带")
    file, index, suggested = _target(review, finding, row)
    rec = file.table.records[index] if index is not None else None
    if decision == "set":
        if rec is None:
            raise InvalidError("这条问题针对项目或整张表，没有类别可改；请用 keep 并写审核意见")
        return level2_of(level2_code)
    if decision == "accept" and suggested is None:
        raise InvalidError("这里没有建议类别可以采纳；请用 keep（保持原类别）或 set（改为指定类别）")
    if decision == "keep" and rec is not None and not rec.level2_code:
        raise InvalidError("这一行没有填写二级指标，没有原类别可保持；请采纳建议或改为指定类别")
    return None


def _target(
    review: Review, finding: int | None, row: tuple[int, int] | None
) -> tuple[ReviewFile, int | None, str | None]:
    """The file, the row (None for a project or file finding) and the suggestion a decision on
    this target would accept."""
    if finding is not None:
        try:
            file, found = review.finding(int(finding))
        except (TypeError, ValueError):
            raise NotFoundError(f"审核 {review.id} 里没有编号为 {finding!r:.20} 的问题") from None
        f = found.finding
        if f.suggested_level2_code:
            return file, f.row, f.suggested_level2_code
        return file, f.row, suggested_level2(file, f.row) if f.row is not None else None
    assert row is not None
    try:
        file_n, index = int(row[0]), int(row[1])
    except (TypeError, ValueError, IndexError):
        raise InvalidError(f"指标行应为 (文件序号, 行号)，收到 {row!r:.40}") from None
    file = review.file(file_n)
    if not 0 <= index < len(file.table.records):
        raise NotFoundError(f"审核 {review.id} 的第 {file_n} 个文件没有第 {index} 行指标")
    return file, index, suggested_level2(file, index)


def level2_of(code: str | None) -> str:
    """A level-2 category's code from its code or label (``12``, ``12-质量指标``, ``质量指标``)."""
    if not isinstance(code, str) or not code.strip():
        raise InvalidError("改为指定类别（set）需要给出二级指标代码 level2_code，如 12")
    try:
        cat = by_code(code)
    except KeyError:
        try:
            cat = normalize_label(code)
        except UnknownLabel:
            raise InvalidError(f"没有这个二级指标：{code!r:.40}（可用 indicatorml taxonomy 查看）") from None
    if cat.level != 2:
        raise InvalidError(f"{code_label(cat.code, cat.name)} 是一级指标；请给出二级指标")
    return cat.code


def suggested_level2(file: ReviewFile, row: int) -> str | None:
    """The one scorer's suggestion for a row (None without a model, or for unusable text)."""
    if not file.suggestions:
        return None
    return file.suggestions[row].level2_code


def decided_level2(file: ReviewFile, row: int, decision: Decision | None = None) -> str | None:
    """The row's level-2 code under its current decision (or ``decision``); None while undecided."""
    d = decision if decision is not None else file.decisions.get(row)
    if d is None:
        return None
    if d["decision"] == "set":
        return d["level2_code"]
    rec: Indicator = file.table.records[row]
    if d["decision"] == "keep":
        return rec.level2_code or None
    if d["finding_id"] is not None:
        for found in file.findings:
            if found.id == d["finding_id"] and found.finding.suggested_level2_code:
                return found.finding.suggested_level2_code
    return suggested_level2(file, row)
