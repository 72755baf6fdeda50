"""The audit log: one line per thing a person did, appended in the transaction that did it, never changed.

Why in the same transaction: a review saved without its "reviewed" line, or a line for a
decision that was rolled back, would make the log lie after a crash; written together, both
or neither survive. ``save_review`` and ``add_decision`` write their line themselves (who
from ``created_by`` / ``user``, the department from the review — a decision's department is
its review's), so no caller can forget it; the other writers take an ``audit`` line from the
caller (a model switch is a setting to the store, a "trained" line a finished job).

Append-only twice over: this module has no update or delete, and the database refuses them
(triggers of revision 0004).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .account_shapes import AuditEntry, AuditIn
from .errors import InvalidError
from .schema import audit, reviews, utcnow
from .shapes import Decision
from .validate import Json, Spec, check_item, check_lengths

__all__ = ["append_audit", "audit_entries", "review_line", "decision_line", "MAX_ENTRIES"]

MAX_ENTRIES = 100_000  # lines one query returns at most (page with ``after_id``)

AUDIT_SPEC: Spec = {
    "action": ((str,), True),
    "created_at": ((datetime,), False),
    "user_name": ((str, None), False),
    "department": ((str, None), False),
    "object_kind": ((str, None), False),
    "object_id": ((str, None), False),
    "ip": ((str, None), False),
    "details": ((Json,), False),
}


def append_audit(conn: Connection, entry: AuditIn) -> AuditEntry:
    """Append ``entry``; the line as stored. Call inside the write transaction of what it records."""
    e = check_item(entry, AUDIT_SPEC, "审计记录")
    if not e["action"].strip():
        raise InvalidError("审计记录要写明操作 action")
    check_lengths(e, audit, "审计记录")
    values = {c.name: e.get(c.name) for c in audit.c if c.name != "id"}
    values["created_at"] = e.get("created_at") or utcnow()
    key = conn.execute(sa.insert(audit).values(values)).inserted_primary_key
    assert key is not None
    return cast(AuditEntry, dict(conn.execute(sa.select(audit).where(audit.c.id == key[0])).mappings().one()))


def audit_entries(
    conn: Connection,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    user: str | None = None,
    action: str | None = None,
    department: str | None = None,
    after_id: int | None = None,
    limit: int = 1000,
) -> list[AuditEntry]:
    """Lines matching every filter given (``since`` inclusive, ``until`` exclusive), oldest first
    (by id: the order they were written); at most ``limit`` (≤ MAX_ENTRIES), after ``after_id``."""
    if not 0 < limit <= MAX_ENTRIES:
        raise InvalidError(f"一次最多读 {MAX_ENTRIES} 条审计记录，收到 limit={limit}")
    where: list[sa.ColumnElement[bool]] = []
    if since is not None:
        where.append(audit.c.created_at >= since)
    if until is not None:
        where.append(audit.c.created_at < until)
    if user is not None:
        where.append(audit.c.user_name == user)
    if action is not None:
        where.append(audit.c.action == action)
    if department is not None:
        where.append(audit.c.department == department)
    if after_id is not None:
        where.append(audit.c.id > after_id)
    q = sa.select(audit).where(*where).order_by(audit.c.id).limit(limit)
    return [cast(AuditEntry, dict(m)) for m in conn.execute(q).mappings()]


def review_line(conn: Connection, review_id: str, extra: AuditIn | None) -> AuditEntry:
    """The "reviewed" line of a review just saved, from the review itself; ``extra`` (the
    caller's: ip, more details) is laid over it — its keys that are not None, details merged."""
    r = conn.execute(
        sa.select(
            reviews.c.created_at,
            reviews.c.created_by,
            reviews.c.department,
            reviews.c.title,
            reviews.c.model_name,
            reviews.c.files_count,
            reviews.c.rows_count,
            reviews.c.findings_count,
        ).where(reviews.c.id == review_id)
    ).one()
    line: dict[str, Any] = {
        "action": "reviewed",
        "created_at": r.created_at,
        "user_name": r.created_by,
        "department": r.department,
        "object_kind": "review",
        "object_id": review_id,
        "details": {
            "title": r.title,
            "files": r.files_count,
            "rows": r.rows_count,
            "findings": r.findings_count,
            "model": r.model_name,
        },
    }
    return append_audit(conn, _laid_over(line, extra))


def decision_line(conn: Connection, decision: Decision, extra: AuditIn | None) -> AuditEntry:
    """The "decided" line of a decision just added; its department is its review's."""
    department = conn.execute(
        sa.select(reviews.c.department).where(reviews.c.id == decision["review_id"])
    ).scalar_one()
    line: dict[str, Any] = {
        "action": "decided",
        "created_at": decision["created_at"],
        "user_name": decision["user"],
        "department": department,
        "object_kind": "decision",
        "object_id": str(decision["id"]),
        "details": {
            "review": decision["review_id"],
            "finding": decision["finding_id"],
            "file": decision["file_n"],
            "row": decision["row"],
            "decision": decision["decision"],
            "level2_code": decision["level2_code"],
        },
    }
    return append_audit(conn, _laid_over(line, extra))


def _laid_over(line: dict[str, Any], extra: AuditIn | None) -> AuditIn:
    if extra is None:
        return cast(AuditIn, line)
    e = check_item(extra, {**AUDIT_SPEC, "action": ((str,), False)}, "审计记录")
    e = {k: v for k, v in e.items() if v is not None}  # None: "as the write knows it", not "unknown"
    details = e.pop("details", None)
    if details is not None and not isinstance(details, dict):
        raise InvalidError("审计记录的 details 应为对象（dict）")
    merged = {**line, **e}
    merged["details"] = {**line["details"], **(details or {})}
    return cast(AuditIn, merged)
