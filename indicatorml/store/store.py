"""The store's one public object: every method is one transaction, taking and returning plain data.

The review pipeline, the pages, the API and the CLI call these methods; the modules beside this
one hold the SQL. A method that writes runs in a write transaction (SQLite: ``BEGIN
IMMEDIATE``), commits before it returns and rolls back on any error, so a caller never sees a
half-done write and a killed process leaves none. A Store is safe to share between threads (each
call takes its own pooled connection) and between processes (each opens its own Store on the
same URL).

Accounts, sessions and failed logins are ``store.accounts`` (:class:`AccountStore`, the same
database). The audit log is written in the transaction of what it records: ``save_review`` and
``add_decision`` write their own line; the other writers take an ``audit`` line from the caller.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from . import audit as _audit
from . import blobs as _blobs
from . import check as _check
from . import decisions as _decisions
from . import jobs as _jobs
from . import library as _library
from . import reviews as _reviews
from . import schema as _schema
from . import settings as _settings
from .account_shapes import AuditEntry, AuditIn
from .account_store import AccountStore
from .backup import dump
from .engine import database_url, make_engine, show_url, writer
from .errors import NotFoundError, StoreError
from .migrate import current_revision, ensure_head
from .shapes import (
    BackupSummary,
    CheckReport,
    Decision,
    Job,
    LibraryBatch,
    LibraryMark,
    Review,
    ReviewIn,
    ReviewSummary,
)
from .transaction import reason, run

__all__ = ["Store", "open_store"]

T = TypeVar("T")


def open_store(url: str | None, data_dir: Path | None) -> Store:
    """Open the store: ``url`` (``postgresql+psycopg://…`` or ``sqlite:///path``), else the SQLite
    file ``<data_dir>/indicatorml.sqlite3`` (created with its folder).

    The schema is created or upgraded automatically: an empty database gets every table, an
    older revision is upgraded to this indicatorml's, under a lock, so several server processes
    starting together on one database migrate it once (see :mod:`indicatorml.store.migrate`);
    there is no separate ``db upgrade`` step. A database written by a newer indicatorml, or one
    that cannot be reached, raises :class:`StoreError` with a message (password hidden).
    """
    target = database_url(url, data_dir)
    try:
        engine = make_engine(target)  # creates a SQLite file's folder
    except OSError as e:
        raise StoreError(f"无法打开数据库 {show_url(target)}：{e.strerror or e}") from e
    try:
        ensure_head(engine)
    except StoreError:
        engine.dispose()
        raise
    except (DBAPIError, OSError) as e:
        engine.dispose()
        raise StoreError(f"无法打开数据库 {show_url(target)}：{reason(e)}") from e
    return Store(engine)


class Store:
    """Reviews, decisions, uploads (blobs), jobs and settings in one database. See the modules
    named after each for what the methods guarantee, and :mod:`indicatorml.store.shapes` for the
    dicts they take and return."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._writer = writer(engine)
        self.accounts = AccountStore(engine)

    @property
    def url(self) -> str:
        """The database URL without its password."""
        return show_url(self.engine.url)

    @property
    def dialect(self) -> str:
        """ "sqlite" or "postgresql"."""
        return self.engine.dialect.name

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ blobs
    def put_blob(self, data: bytes) -> str:
        """Store bytes once under their sha256 (hex), which is returned; storing again is a no-op."""
        return self._write(lambda c: _blobs.put_blob(c, data))

    def get_blob(self, sha256: str) -> bytes:
        """The bytes stored under ``sha256``, verified (:class:`CorruptError` if they do not match)."""
        return self._read(lambda c: _blobs.get_blob(c, sha256))

    # ------------------------------------------------------------------ reviews
    def save_review(self, review: ReviewIn, audit: AuditIn | None = None) -> str:
        """Store a computed review (:class:`~indicatorml.store.shapes.ReviewIn`) in one
        transaction — uploads, files, rows, projects, findings and its "reviewed" audit line
        (``audit``: what to add to it, e.g. the client's ip), or nothing; its id."""

        def save(conn: Connection) -> str:
            review_id = _reviews.save_review(conn, review)
            _audit.review_line(conn, review_id, audit)
            return review_id

        return self._write(save)

    def review_department(self, review_id: str) -> str | None:
        """The department a review belongs to (None: the single-user server's), for a
        permission check before loading it; NotFoundError if there is no such review."""
        return self._read(lambda c: _reviews_department(c, review_id))

    def get_review(self, review_id: str) -> Review:
        """The stored review with its decisions (:class:`~indicatorml.store.shapes.Review`)."""
        return self._read(lambda c: _reviews.get_review(c, review_id))

    def list_reviews(
        self,
        *,
        department: str | None = None,
        year: int | None = None,
        org: str | None = None,
        created_by: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[ReviewSummary]:
        """Reviews matching every filter given, newest first."""
        return self._read(
            lambda c: _reviews.list_reviews(
                c,
                department=department,
                year=year,
                org=org,
                created_by=created_by,
                limit=limit,
                offset=offset,
            )
        )

    # ------------------------------------------------------------------ decisions
    def add_decision(
        self,
        review_id: str,
        target: int | tuple[int, int],
        decision: str,
        level2_code: str | None = None,
        comment: str | None = None,
        user: str | None = None,
        audit: AuditIn | None = None,
    ) -> Decision:
        """Append a decision on a finding (its id) or an indicator row ((file_n, row)) and its
        "decided" audit line (department: the review's; ``audit``: what to add to it); the stored
        decision. See :mod:`indicatorml.store.decisions` for the rules and what "current" means."""

        def decide(conn: Connection) -> Decision:
            stored = _decisions.add_decision(conn, review_id, target, decision, level2_code, comment, user)
            _audit.decision_line(conn, stored, audit)
            return stored

        return self._write(decide)

    def decisions(
        self, review_id: str, finding_id: int | None = None, row: tuple[int, int] | None = None
    ) -> list[Decision]:
        """The decision history of a review (of one finding or row, if given), oldest first."""
        return self._read(lambda c: _decisions.load_decisions(c, review_id, finding_id, row))

    # ------------------------------------------------------------------ the library (issue 17)
    def library_rows(self, since: LibraryMark | None = None, limit: int = 200) -> LibraryBatch:
        """Indicator rows of the reviews stored after ``since`` (up to ``limit`` reviews), each with
        its current decision and decided category, the rows of earlier reviews whose decision
        changed since, and the mark to pass next time (``more``: call again at once). ``None``
        starts from the first review. See :mod:`indicatorml.store.library`."""
        return self._read(lambda c: _library.library_rows(c, since, limit))

    # ------------------------------------------------------------------ jobs
    def create_job(
        self,
        kind: str,
        input: Any = None,
        *,
        department: str | None = None,
        created_by: str | None = None,
        audit: AuditIn | None = None,
    ) -> Job:
        """A new queued job (id: 128 random bits, url-safe), with an ``audit`` line if given
        (its ``object_id`` defaults to the job's id)."""
        job_id = _reviews.new_id()
        return self._write(
            lambda c: _logged(
                c,
                _jobs.create_job(c, kind, input, job_id=job_id, department=department, created_by=created_by),
                audit,
                "job",
                job_id,
            )
        )

    def get_job(self, job_id: str) -> Job:
        return self._read(lambda c: _jobs.get_job(c, job_id))

    def list_jobs(self, *, kind: str | None = None, state: str | None = None, limit: int = 50) -> list[Job]:
        return self._read(lambda c: _jobs.list_jobs(c, kind=kind, state=state, limit=limit))

    def claim_next_job(self, kind: str, worker: str) -> Job | None:
        """The oldest queued job of ``kind``, now running under ``worker`` (no other worker gets it)."""
        return self._write(lambda c: _jobs.claim_next_job(c, kind, worker))

    def heartbeat(self, job_id: str, worker: str, stage: str | None = None) -> bool:
        """Still working (and on what); False means the job is no longer this worker's: stop."""
        return self._write(lambda c: _jobs.heartbeat(c, job_id, worker, stage))

    def finish_job(
        self, job_id: str, result: Any = None, worker: str | None = None, audit: AuditIn | None = None
    ) -> Job:
        """Mark a running job done, with an ``audit`` line if given (e.g. "trained": the model
        is in place), in the same transaction."""
        return self._write(
            lambda c: _logged(c, _jobs.finish_job(c, job_id, result, worker), audit, "job", job_id)
        )

    def fail_job(self, job_id: str, error: str, worker: str | None = None) -> Job:
        return self._write(lambda c: _jobs.fail_job(c, job_id, error, worker))

    def mark_stale_jobs(self, older_than: timedelta, requeue: bool = False) -> list[Job]:
        """Running jobs without a heartbeat for ``older_than``: failed with a Chinese reason, or
        queued again with ``requeue``. Call when a server starts and now and then after."""
        return self._write(lambda c: _jobs.mark_stale_jobs(c, older_than, requeue))

    # ------------------------------------------------------------------ settings
    def get_setting(self, key: str, default: Any = None) -> Any:
        return self._read(lambda c: _settings.get_setting(c, key, default))

    def set_setting(self, key: str, value: Any, audit: AuditIn | None = None) -> None:
        """Set ``key`` to the JSON ``value``, with an ``audit`` line if given (a model switch)."""

        def set_(conn: Connection) -> None:
            _settings.set_setting(conn, key, value)
            _logged(conn, None, audit, "setting", key)

        self._write(set_)

    def setting_default(self, key: str, value: Any) -> Any:
        """The value under ``key``, storing ``value`` first if there is none (every process
        racing to set it gets the same one back)."""
        return self._write(lambda c: _settings.setting_default(c, key, value))

    def delete_setting(self, key: str, audit: AuditIn | None = None) -> bool:
        return self._write(lambda c: _logged(c, _settings.delete_setting(c, key), audit, "setting", key))

    def settings(self) -> dict[str, Any]:
        return self._read(_settings.all_settings)

    # ------------------------------------------------------------------ the audit log
    def append_audit(self, entry: AuditIn) -> AuditEntry:
        """Append one line (for what no other method writes); see :mod:`indicatorml.store.audit`."""
        return self._write(lambda c: _audit.append_audit(c, entry))

    def audit_log(
        self,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        user: str | None = None,
        action: str | None = None,
        department: str | None = None,
        after_id: int | None = None,
        limit: int = 1000,
    ) -> list[AuditEntry]:
        """Audit lines matching every filter given, in the order they were written."""
        return self._read(
            lambda c: _audit.audit_entries(
                c,
                since=since,
                until=until,
                user=user,
                action=action,
                department=department,
                after_id=after_id,
                limit=limit,
            )
        )

    # ------------------------------------------------------------------ the whole store
    def revision(self) -> str | None:
        """The schema revision of the database (the newest, once opened)."""
        return self._read(current_revision)

    def check(self, verify_blobs: bool = True) -> CheckReport:
        """Integrity: the engine's check (SQLite), every review complete, every blob matching its hash."""
        return self._read(lambda c: _check.check_store(c, verify_blobs))

    def backup(self, path: Path) -> BackupSummary:
        """Write a portable backup of the whole store to ``path`` (see :mod:`indicatorml.store.backup`)."""
        return dump(self.engine, Path(path))

    # ------------------------------------------------------------------ transactions
    def _read(self, fn: Callable[[Connection], T]) -> T:
        return run(self.engine, fn)

    def _write(self, fn: Callable[[Connection], T]) -> T:
        return run(self._writer, fn)


def _logged(conn: Connection, result: T, audit: AuditIn | None, kind: str, object_id: str) -> T:
    """``result``, after appending ``audit`` (if any) in the same transaction; the object it is
    about defaults to ``kind`` ``object_id``."""
    if audit is not None:
        _audit.append_audit(conn, {"object_kind": kind, "object_id": object_id, **audit})
    return result


def _reviews_department(conn: Connection, review_id: str) -> str | None:
    row = conn.execute(
        sa.select(_schema.reviews.c.department).where(_schema.reviews.c.id == review_id)
    ).first()
    if row is None:
        raise NotFoundError(f"没有这份审核：{review_id}")
    return row.department
