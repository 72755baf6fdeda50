"""A reviewer's decisions: appended, never changed, so who decided what and when stays on record.

A decision is on a finding (``finding_id``; its file and row are copied from the finding) or on
an indicator row without a finding (``file_n``/``row``). Kinds: ``accept`` 采纳建议,
``keep`` 保持原类别, ``set`` 改为 ``level2_code`` (which ``set`` must give and the others must
not). The current decision is the latest one:

* of a finding: the latest decision made on that finding;
* of an indicator row: the latest decision made on the row or on any finding of that row — all
  three kinds decide the row's category, whichever finding the reviewer clicked on.
"""

from __future__ import annotations

from typing import cast

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .errors import InvalidError, NotFoundError
from .schema import DECISIONS, decisions, findings, review_rows, reviews, utcnow
from .sequence import next_seq
from .shapes import Decision
from .validate import check_int

__all__ = ["add_decision", "load_decisions", "load_decisions_of", "current_decisions", "MAX_COMMENT"]

MAX_COMMENT = 10_000  # characters of a 审核意见: a comment, not a document
# What a Decision holds: every column but ``seq`` (the library's watermark, see store.sequence).
_COLUMNS = [c for c in decisions.c if c.name != "seq"]


def add_decision(
    conn: Connection,
    review_id: str,
    target: int | tuple[int, int],
    decision: str,
    level2_code: str | None = None,
    comment: str | None = None,
    user: str | None = None,
) -> Decision:
    """Append a decision on finding ``target`` (its id) or on indicator row ``target`` = (file_n, row).

    Checked before writing: the kind, ``level2_code`` given for ``set`` only, the review, and that
    the finding or the row belongs to it (:class:`InvalidError` / :class:`NotFoundError`).
    Call inside a write transaction.
    """
    if decision not in DECISIONS:
        raise InvalidError(
            f"决定只能是 accept（采纳建议）、keep（保持原类别）或 set（改为指定类别），收到 {decision!r:.40}"
        )
    if decision == "set" and not (isinstance(level2_code, str) and level2_code.strip()):
        raise InvalidError("改为指定类别（set）需要给出二级指标代码 level2_code")
    if decision != "set" and level2_code is not None:
        raise InvalidError(f"只有 set（改为指定类别）带 level2_code；{decision} 不带")
    for what, text, bound in (
        ("二级指标代码", level2_code, 20),
        ("审核意见", comment, MAX_COMMENT),
        ("用户", user, 200),
    ):
        if text is not None and (not isinstance(text, str) or len(text) > bound):
            raise InvalidError(f"{what}应为不超过 {bound} 个字符的文本")
    if not conn.execute(sa.select(reviews.c.id).where(reviews.c.id == review_id)).first():
        raise NotFoundError(f"没有这份审核：{review_id}")
    finding_id: int | None
    row: int | None
    if isinstance(target, (tuple, list)):  # a list too: (file_n, row) as it arrives from JSON
        if len(target) != 2:
            raise InvalidError(f"指标行应为 (file_n, row)，收到 {target!r:.80}")
        file_n, row = check_int(target[0], "file_n"), check_int(target[1], "row")
        finding_id = None
        exists = conn.execute(
            sa.select(review_rows.c.row).where(
                review_rows.c.review_id == review_id, review_rows.c.file_n == file_n, review_rows.c.row == row
            )
        ).first()
        if not exists:
            raise NotFoundError(f"审核 {review_id} 的第 {file_n} 个文件没有第 {row} 行指标")
    else:
        finding_id = check_int(target, "问题编号")
        found = conn.execute(
            sa.select(findings.c.file_n, findings.c.row).where(
                findings.c.id == finding_id, findings.c.review_id == review_id
            )
        ).first()
        if found is None:
            raise NotFoundError(f"审核 {review_id} 里没有编号为 {finding_id} 的问题")
        file_n, row = found.file_n, found.row
    values = {
        "review_id": review_id,
        "finding_id": finding_id,
        "file_n": file_n,
        "row": row,
        "decision": decision,
        "level2_code": level2_code.strip() if level2_code is not None else None,
        "comment": comment,
        "user": user,
        "created_at": utcnow(),
        "seq": next_seq(conn, decisions),
    }
    key = conn.execute(sa.insert(decisions).values(values)).inserted_primary_key
    assert key is not None
    stored = conn.execute(sa.select(*_COLUMNS).where(decisions.c.id == key[0])).mappings().one()
    return cast(Decision, dict(stored))


def load_decisions(
    conn: Connection,
    review_id: str,
    finding_id: int | None = None,
    row: tuple[int, int] | None = None,
) -> list[Decision]:
    """The history of a review's decisions, oldest first; only a finding's or a row's if asked."""
    q = sa.select(*_COLUMNS).where(decisions.c.review_id == review_id).order_by(decisions.c.id)
    if finding_id is not None:
        q = q.where(decisions.c.finding_id == finding_id)
    if row is not None:
        q = q.where(decisions.c.file_n == row[0], decisions.c.row == row[1])
    return [cast(Decision, dict(m)) for m in conn.execute(q).mappings()]


def load_decisions_of(conn: Connection, review_ids: list[str]) -> dict[str, list[Decision]]:
    """The decision histories of several reviews (one query), each oldest first."""
    out: dict[str, list[Decision]] = {i: [] for i in review_ids}
    if review_ids:
        q = sa.select(*_COLUMNS).where(decisions.c.review_id.in_(review_ids)).order_by(decisions.c.id)
        for m in conn.execute(q).mappings():
            out[m["review_id"]].append(cast(Decision, dict(m)))
    return out


def current_decisions(
    history: list[Decision],
) -> tuple[dict[int, Decision], dict[tuple[int, int], Decision]]:
    """The current decision per finding id and per (file_n, row), from a history in id order."""
    by_finding: dict[int, Decision] = {}
    by_row: dict[tuple[int, int], Decision] = {}
    for d in history:
        if d["finding_id"] is not None:
            by_finding[d["finding_id"]] = d
        if d["row"] is not None:
            by_row[(d["file_n"], d["row"])] = d
    return by_finding, by_row
