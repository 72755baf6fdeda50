"""Accounts for a shared server: departments, users, sessions, failed logins, and the audit log.

Issue 18: a bureau's server has local accounts with a role (admin 管理 / reviewer 审核 /
writer 填报) and a department; sessions are stored by the sha256 of their token (the token
itself never is); failed logins per (name, address) lock a name out for a while; the audit
log records who reviewed, decided, trained, switched a model, logged in or out, failed to log
in, and created or changed a user.

The audit log is append-only in the database itself: triggers refuse UPDATE and DELETE (and,
on PostgreSQL, TRUNCATE), so not even a bug in indicatorml can rewrite history; dropping the
table (a downgrade) is the only way out.

Data already stored: every department named by a review or a job becomes a department (created
at its first review or job), and every stored review and decision gets its audit line
("reviewed" by the review's creator, "decided" by the decision's user, at their own times, in
time order, marked ``"backfilled": true`` in their details), so the log starts complete.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

SequenceId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Timestamp = sa.DateTime(timezone=True)
_CHUNK = 1000

_SQLITE_TRIGGERS = (
    "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit "
    "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
    "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit "
    "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
)
_PG_TRIGGERS = (
    "CREATE FUNCTION indicatorml_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$",
    "CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON audit "
    "FOR EACH ROW EXECUTE FUNCTION indicatorml_audit_append_only()",
    "CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit "
    "FOR EACH STATEMENT EXECUTE FUNCTION indicatorml_audit_append_only()",
)


def upgrade() -> None:
    op.create_table(
        "departments",
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_departments"),
    )
    op.create_table(
        "users",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("display_name", sa.String(200)),
        sa.Column("department", sa.String(200)),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.Column("password_changed_at", Timestamp, nullable=False),
        sa.Column("last_login_at", Timestamp),
        sa.Column("disabled_at", Timestamp),
        sa.PrimaryKeyConstraint("name", name="pk_users"),
        sa.ForeignKeyConstraint(["department"], ["departments.name"], name="fk_users_department_departments"),
        sa.CheckConstraint("role IN ('admin', 'reviewer', 'writer')", name="ck_users_role"),
        sa.CheckConstraint("role = 'admin' OR department IS NOT NULL", name="ck_users_department_of_role"),
    )
    op.create_index("ix_users_department", "users", ["department"])
    op.create_table(
        "sessions",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("user_name", sa.String(64), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("expires_at", Timestamp, nullable=False),
        sa.Column("last_seen_at", Timestamp, nullable=False),
        sa.Column("revoked_at", Timestamp),
        sa.Column("ip", sa.String(64)),
        sa.Column("user_agent", sa.String(300)),
        sa.PrimaryKeyConstraint("token_hash", name="pk_sessions"),
        sa.ForeignKeyConstraint(
            ["user_name"], ["users.name"], name="fk_sessions_user_name_users", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_sessions_user_name_created_at", "sessions", ["user_name", "created_at"])
    op.create_table(
        "login_failures",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("ip", sa.String(64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("first_at", Timestamp, nullable=False),
        sa.Column("last_at", Timestamp, nullable=False),
        sa.Column("locked_until", Timestamp),
        sa.PrimaryKeyConstraint("name", "ip", name="pk_login_failures"),
    )
    op.create_index("ix_login_failures_last_at", "login_failures", ["last_at"])
    op.create_table(
        "audit",
        sa.Column("id", SequenceId, nullable=False, autoincrement=True),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("user_name", sa.String(200)),
        sa.Column("department", sa.String(200)),
        sa.Column("action", sa.String(50), nullable=False),
        sa.Column("object_kind", sa.String(20)),
        sa.Column("object_id", sa.String(200)),
        sa.Column("ip", sa.String(64)),
        sa.Column("details", sa.JSON()),
        sa.PrimaryKeyConstraint("id", name="pk_audit"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_audit_created_at", "audit", ["created_at"])
    op.create_index("ix_audit_user_name_created_at", "audit", ["user_name", "created_at"])
    op.create_index("ix_audit_department_created_at", "audit", ["department", "created_at"])
    op.create_index("ix_audit_action_created_at", "audit", ["action", "created_at"])
    conn = op.get_bind()
    for statement in _PG_TRIGGERS if conn.dialect.name == "postgresql" else _SQLITE_TRIGGERS:
        conn.exec_driver_sql(statement)
    _departments_of_stored_data(conn)
    _backfill_audit(conn)


def downgrade() -> None:
    op.drop_table("audit")  # its triggers go with it
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS indicatorml_audit_append_only()")
    op.drop_table("login_failures")
    op.drop_table("sessions")
    op.drop_table("users")
    op.drop_table("departments")


# ------------------------------------------------------------------ the data already stored
_reviews = sa.table(
    "reviews",
    sa.column("id", sa.String),
    sa.column("created_at", Timestamp),
    sa.column("created_by", sa.String),
    sa.column("department", sa.String),
    sa.column("title", sa.Text),
    sa.column("model_name", sa.Text),
    sa.column("files_count", sa.Integer),
    sa.column("rows_count", sa.Integer),
    sa.column("findings_count", sa.Integer),
    sa.column("seq", sa.BigInteger),
)
_decisions = sa.table(
    "decisions",
    sa.column("id", sa.BigInteger),
    sa.column("review_id", sa.String),
    sa.column("finding_id", sa.BigInteger),
    sa.column("file_n", sa.Integer),
    sa.column("row", sa.Integer),
    sa.column("decision", sa.String),
    sa.column("level2_code", sa.String),
    sa.column("user", sa.String),
    sa.column("created_at", Timestamp),
)
_jobs = sa.table("jobs", sa.column("department", sa.String), sa.column("created_at", Timestamp))
_departments = sa.table("departments", sa.column("name", sa.String), sa.column("created_at", Timestamp))
_audit = sa.table(
    "audit",
    sa.column("created_at", Timestamp),
    sa.column("user_name", sa.String),
    sa.column("department", sa.String),
    sa.column("action", sa.String),
    sa.column("object_kind", sa.String),
    sa.column("object_id", sa.String),
    sa.column("ip", sa.String),
    sa.column("details", sa.JSON),
)


def _aware(value: Any) -> datetime:
    """A stored time as aware UTC (SQLite keeps them naive in UTC)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _departments_of_stored_data(conn: sa.Connection) -> None:
    first: dict[str, datetime] = {}
    for table in (_reviews, _jobs):
        q = (
            sa.select(table.c.department, sa.func.min(table.c.created_at))
            .where(table.c.department.is_not(None))
            .group_by(table.c.department)
        )
        for name, at in conn.execute(q):
            at = _aware(at)
            first[name] = min(first.get(name, at), at)
    rows = [{"name": name, "created_at": at} for name, at in sorted(first.items())]
    if rows:
        conn.execute(sa.insert(_departments), rows)


def _reviewed(conn: sa.Connection) -> Iterator[tuple[datetime, int, dict[str, Any]]]:
    q = sa.select(_reviews).order_by(_reviews.c.created_at, _reviews.c.seq, _reviews.c.id)
    for r in conn.execute(q.execution_options(yield_per=_CHUNK)).mappings():
        at = _aware(r["created_at"])
        yield (
            at,
            0,
            {
                "created_at": at,
                "user_name": r["created_by"],
                "department": r["department"],
                "action": "reviewed",
                "object_kind": "review",
                "object_id": r["id"],
                "ip": None,
                "details": {
                    "title": r["title"],
                    "files": r["files_count"],
                    "rows": r["rows_count"],
                    "findings": r["findings_count"],
                    "model": r["model_name"],
                    "backfilled": True,
                },
            },
        )


def _decided(conn: sa.Connection) -> Iterator[tuple[datetime, int, dict[str, Any]]]:
    q = (
        sa.select(_decisions, _reviews.c.department)
        .select_from(_decisions.join(_reviews, _reviews.c.id == _decisions.c.review_id))
        .order_by(_decisions.c.created_at, _decisions.c.id)
    )
    for d in conn.execute(q.execution_options(yield_per=_CHUNK)).mappings():
        at = _aware(d["created_at"])
        yield (
            at,
            1,
            {
                "created_at": at,
                "user_name": d["user"],
                "department": d["department"],
                "action": "decided",
                "object_kind": "decision",
                "object_id": str(d["id"]),
                "ip": None,
                "details": {
                    "review": d["review_id"],
                    "finding": d["finding_id"],
                    "file": d["file_n"],
                    "row": d["row"],
                    "decision": d["decision"],
                    "level2_code": d["level2_code"],
                    "backfilled": True,
                },
            },
        )


def _backfill_audit(conn: sa.Connection) -> None:
    # Both are read in time order and merged (a review before the decisions on it at the same
    # instant), so audit ids follow time as the live log's do. The reviews are held in memory
    # (one small dict each: they are few), the decisions, many more, streamed.
    reviewed, decided = list(_reviewed(conn)), _decided(conn)
    chunk: list[dict[str, Any]] = []
    for _, _, row in heapq.merge(reviewed, decided, key=lambda item: (item[0], item[1])):
        chunk.append(row)
        if len(chunk) == _CHUNK:
            conn.execute(sa.insert(_audit), chunk)
            chunk = []
    if chunk:
        conn.execute(sa.insert(_audit), chunk)
