"""The tables as the current (head) revision has them, for the queries of this package.

The database itself is created and changed only by the Alembic revisions in ``migrations/``
(never by ``metadata.create_all``): a released revision is never edited, a change is a new
revision, and this module is updated to match it. tests/test_store_migrations.py compares this
module with a database upgraded to head (Alembic's autogenerate comparison), on SQLite and on
PostgreSQL, so the two cannot drift apart.

Column types are the ones both engines have: text, integers, ``JSON`` (TEXT on SQLite, json on
PostgreSQL), ``LargeBinary`` (BLOB / bytea) and timestamps that always come back as aware UTC
datetimes (:class:`UTCDateTime`). Ids of findings and decisions are database sequences; reviews
and jobs have random url-safe ids (an id in a URL must not be guessable).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

__all__ = [
    "metadata",
    "blobs",
    "reviews",
    "review_files",
    "review_rows",
    "review_projects",
    "findings",
    "decisions",
    "jobs",
    "settings",
    "departments",
    "users",
    "sessions",
    "login_failures",
    "audit",
    "UTCDateTime",
    "utcnow",
    "DECISIONS",
    "JOB_STATES",
    "ROLES",
]

DECISIONS = ("accept", "keep", "set")  # 采纳建议 / 保持原类别 / 改为 level2_code
JOB_STATES = ("queued", "running", "done", "failed")
ROLES = ("admin", "reviewer", "writer")  # 管理 / 审核 / 填报 (the Chinese names: indicatorml.accounts)

# Names of constraints and indexes follow one convention, so a later revision can name them.
metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def utcnow() -> datetime:
    """Now, as an aware UTC datetime: the only kind of time the store writes."""
    return datetime.now(UTC)


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """A timestamp stored in UTC, returned as an aware UTC datetime on every engine.

    PostgreSQL keeps ``timestamptz``; SQLite has no time zones, so the value is converted to UTC
    and stored naive, and the zone is put back on reading. A naive datetime is refused on
    writing: its zone would be a guess.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: the store keeps aware UTC times only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


# A 64-bit sequence on PostgreSQL; SQLite's rowid is already 64-bit but only INTEGER PRIMARY KEY is it.
SequenceId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
# JSON that may be absent: Python None is SQL NULL, not the JSON text 'null'.
NullableJSON = sa.JSON(none_as_null=True)

blobs = sa.Table(
    "blobs",
    metadata,
    sa.Column("sha256", sa.String(64), primary_key=True),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("data", sa.LargeBinary, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

reviews = sa.Table(
    "reviews",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("created_by", sa.String(200)),
    sa.Column("department", sa.String(200)),
    sa.Column("year", sa.Integer),
    sa.Column("org", sa.Text),
    sa.Column("model_name", sa.Text, nullable=False),
    sa.Column("model_hash", sa.String(128), nullable=False),
    sa.Column("model_info", sa.JSON, nullable=False),
    sa.Column("label_rule", sa.JSON, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("parent_id", sa.String(64), sa.ForeignKey("reviews.id", ondelete="SET NULL")),
    # What save_review wrote, so Store.check() can tell a complete review from a torn one.
    sa.Column("files_count", sa.Integer, nullable=False),
    sa.Column("rows_count", sa.Integer, nullable=False),
    sa.Column("projects_count", sa.Integer, nullable=False),
    sa.Column("findings_count", sa.Integer, nullable=False),
    # revision 0002
    sa.Column("title", sa.Text),
    # revision 0003: commit-ordered number, given at the end of save_review (store.sequence)
    sa.Column("seq", sa.BigInteger),
    sa.Index(None, "created_at"),
    sa.Index(None, "department", "year"),
    sa.Index(None, "org", "year"),
    sa.Index(None, "parent_id"),
    sa.Index(None, "seq", unique=True),
)

review_files = sa.Table(
    "review_files",
    metadata,
    sa.Column("review_id", sa.String(64), sa.ForeignKey("reviews.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("n", sa.Integer, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("blob_sha256", sa.String(64), sa.ForeignKey("blobs.sha256"), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("table", sa.JSON, nullable=False),
    sa.Index(None, "blob_sha256"),
)

_file_fk = (["review_id", "file_n"], ["review_files.review_id", "review_files.n"])

review_rows = sa.Table(
    "review_rows",
    metadata,
    sa.Column("review_id", sa.String(64), primary_key=True),
    sa.Column("file_n", sa.Integer, primary_key=True),
    sa.Column("row", sa.Integer, primary_key=True),
    sa.Column("project", sa.Text),
    sa.Column("indicator", sa.Text, nullable=False),
    sa.Column("target", sa.Text),
    sa.Column("level1_code", sa.String(20)),
    sa.Column("level2_code", sa.String(20)),
    sa.Column("level2_raw", sa.Text),
    sa.Column("origin", NullableJSON),
    sa.Column("record", sa.JSON, nullable=False),
    sa.Column("suggestion", NullableJSON),
    sa.ForeignKeyConstraint(*_file_fk, ondelete="CASCADE"),
)

review_projects = sa.Table(
    "review_projects",
    metadata,
    sa.Column("review_id", sa.String(64), primary_key=True),
    sa.Column("file_n", sa.Integer, primary_key=True),
    sa.Column("k", sa.Integer, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("goal", sa.Text),
    sa.Column("grade", sa.String(20)),
    sa.Column("info", NullableJSON),
    sa.ForeignKeyConstraint(*_file_fk, ondelete="CASCADE"),
)

findings = sa.Table(
    "findings",
    metadata,
    sa.Column("id", SequenceId, primary_key=True, autoincrement=True),
    sa.Column("review_id", sa.String(64), nullable=False),
    sa.Column("k", sa.Integer, nullable=False),  # position in the review, as the pipeline gave them
    sa.Column("file_n", sa.Integer, nullable=False),
    sa.Column("row", sa.Integer),
    sa.Column("project", sa.Text),
    sa.Column("rule", sa.String(100), nullable=False),
    sa.Column("severity", sa.String(20), nullable=False),
    sa.Column("field", sa.String(50)),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("data", NullableJSON),
    sa.ForeignKeyConstraint(*_file_fk, ondelete="CASCADE"),
    sa.UniqueConstraint("review_id", "k"),
    sa.Index(None, "review_id", "file_n", "row"),
    sqlite_autoincrement=True,  # an id is never reused, even after a review is deleted
)

decisions = sa.Table(
    "decisions",
    metadata,
    sa.Column("id", SequenceId, primary_key=True, autoincrement=True),
    sa.Column("review_id", sa.String(64), sa.ForeignKey("reviews.id", ondelete="CASCADE"), nullable=False),
    sa.Column("finding_id", SequenceId, sa.ForeignKey("findings.id", ondelete="CASCADE")),
    sa.Column("file_n", sa.Integer, nullable=False),
    sa.Column("row", sa.Integer),
    sa.Column("decision", sa.String(10), nullable=False),
    sa.Column("level2_code", sa.String(20)),
    sa.Column("comment", sa.Text),
    sa.Column("user", sa.String(200)),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("seq", sa.BigInteger),  # revision 0003: commit-ordered number (store.sequence)
    sa.CheckConstraint("decision IN ('accept', 'keep', 'set')", name="decision"),
    sa.CheckConstraint("decision <> 'set' OR level2_code IS NOT NULL", name="set_has_code"),
    sa.Index(None, "review_id", "file_n", "row"),
    sa.Index(None, "finding_id"),
    sa.Index(None, "seq", unique=True),
    sqlite_autoincrement=True,
)

jobs = sa.Table(
    "jobs",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("kind", sa.String(50), nullable=False),
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("stage", sa.Text),
    sa.Column("department", sa.String(200)),
    sa.Column("created_by", sa.String(200)),
    sa.Column("worker", sa.String(200)),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("started_at", UTCDateTime),
    sa.Column("finished_at", UTCDateTime),
    sa.Column("heartbeat_at", UTCDateTime),
    sa.Column("error", sa.Text),
    sa.Column("input", NullableJSON),
    sa.Column("result", NullableJSON),
    sa.CheckConstraint("state IN ('queued', 'running', 'done', 'failed')", name="state"),
    sa.Index(None, "state", "kind", "created_at"),
)

settings = sa.Table(
    "settings",
    metadata,
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("value", sa.JSON, nullable=False),
)

# ------------------------------------------------------------------ revision 0004: accounts (issue 18)
departments = sa.Table(
    "departments",
    metadata,
    sa.Column("name", sa.String(200), primary_key=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

users = sa.Table(
    "users",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),  # the login name (store.users.user_key)
    sa.Column("display_name", sa.String(200)),
    sa.Column("department", sa.String(200), sa.ForeignKey("departments.name")),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("password_hash", sa.Text, nullable=False),  # an argon2 PHC string, never a password
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("password_changed_at", UTCDateTime, nullable=False),
    sa.Column("last_login_at", UTCDateTime),
    sa.Column("disabled_at", UTCDateTime),  # users are disabled, never deleted: the audit log names them
    sa.CheckConstraint("role IN ('admin', 'reviewer', 'writer')", name="role"),
    sa.CheckConstraint("role = 'admin' OR department IS NOT NULL", name="department_of_role"),
    sa.Index(None, "department"),
)

sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column(
        "token_hash", sa.String(64), primary_key=True
    ),  # sha256 of the token: the token is never stored
    sa.Column("user_name", sa.String(64), sa.ForeignKey("users.name", ondelete="CASCADE"), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),
    sa.Column("last_seen_at", UTCDateTime, nullable=False),
    sa.Column("revoked_at", UTCDateTime),
    sa.Column("ip", sa.String(64)),
    sa.Column("user_agent", sa.String(300)),
    sa.Index(None, "user_name", "created_at"),
)

login_failures = sa.Table(
    "login_failures",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),  # the name tried: perhaps no user's
    sa.Column("ip", sa.String(64), primary_key=True),
    sa.Column("failures", sa.Integer, nullable=False),
    sa.Column("first_at", UTCDateTime, nullable=False),
    sa.Column("last_at", UTCDateTime, nullable=False),
    sa.Column("locked_until", UTCDateTime),
    sa.Index(None, "last_at"),
)

# Append-only: triggers of revision 0004 refuse UPDATE and DELETE on both engines.
audit = sa.Table(
    "audit",
    metadata,
    sa.Column("id", SequenceId, primary_key=True, autoincrement=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("user_name", sa.String(200)),  # who (None: the single-user server, or nobody known)
    sa.Column("department", sa.String(200)),  # the department of what was acted on
    sa.Column("action", sa.String(50), nullable=False),
    sa.Column("object_kind", sa.String(20)),
    sa.Column("object_id", sa.String(200)),
    sa.Column("ip", sa.String(64)),
    sa.Column("details", NullableJSON),
    sa.Index(None, "created_at"),
    sa.Index(None, "user_name", "created_at"),
    sa.Index(None, "department", "created_at"),
    sa.Index(None, "action", "created_at"),
    sqlite_autoincrement=True,
)
