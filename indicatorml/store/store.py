"""The store's one public object: every method is one transaction, taking and returning plain data.

The review pipeline, the pages, the API and the CLI call these methods; the modules beside this
one hold the SQL. A method that writes runs in a write transaction (SQLite: ``BEGIN
IMMEDIATE``), commits before it returns and rolls back on any error, so a caller never sees a
half-done write and a killed process leaves none. A Store is safe to share between threads (each
call takes its own pooled connection) and between processes (each opens its own Store on the
same URL).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, StatementError

from . import blobs as _blobs
from . import check as _check
from . import decisions as _decisions
from . import jobs as _jobs
from . import library as _library
from . import reviews as _reviews
from . import settings as _settings
from .backup import dump
from .engine import database_url, make_engine, show_url, writer
from .errors import InvalidError, StoreError
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
        raise StoreError(f"无法打开数据库 {show_url(target)}：{_reason(e)}") from e
    return Store(engine)


class Store:
    """Reviews, decisions, uploads (blobs), jobs and settings in one database. See the modules
    named after each for what the methods guarantee, and :mod:`indicatorml.store.shapes` for the
    dicts they take and return."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._writer = writer(engine)

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
    def save_review(self, review: ReviewIn) -> str:
        """Store a computed review (:class:`~indicatorml.store.shapes.ReviewIn`) in one
        transaction — uploads, files, rows, projects, findings, or nothing; its id."""
        return self._write(lambda c: _reviews.save_review(c, review))

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
    ) -> Decision:
        """Append a decision on a finding (its id) or an indicator row ((file_n, row)); the stored
        decision. See :mod:`indicatorml.store.decisions` for the rules and what "current" means."""
        return self._write(
            lambda c: _decisions.add_decision(c, review_id, target, decision, level2_code, comment, user)
        )

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
        self, kind: str, input: Any = None, *, department: str | None = None, created_by: str | None = None
    ) -> Job:
        """A new queued job (id: 128 random bits, url-safe)."""
        job_id = _reviews.new_id()
        return self._write(
            lambda c: _jobs.create_job(
                c, kind, input, job_id=job_id, department=department, created_by=created_by
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

    def finish_job(self, job_id: str, result: Any = None, worker: str | None = None) -> Job:
        return self._write(lambda c: _jobs.finish_job(c, job_id, result, worker))

    def fail_job(self, job_id: str, error: str, worker: str | None = None) -> Job:
        return self._write(lambda c: _jobs.fail_job(c, job_id, error, worker))

    def mark_stale_jobs(self, older_than: timedelta, requeue: bool = False) -> list[Job]:
        """Running jobs without a heartbeat for ``older_than``: failed with a Chinese reason, or
        queued again with ``requeue``. Call when a server starts and now and then after."""
        return self._write(lambda c: _jobs.mark_stale_jobs(c, older_than, requeue))

    # ------------------------------------------------------------------ settings
    def get_setting(self, key: str, default: Any = None) -> Any:
        return self._read(lambda c: _settings.get_setting(c, key, default))

    def set_setting(self, key: str, value: Any) -> None:
        self._write(lambda c: _settings.set_setting(c, key, value))

    def setting_default(self, key: str, value: Any) -> Any:
        """The value under ``key``, storing ``value`` first if there is none (every process
        racing to set it gets the same one back)."""
        return self._write(lambda c: _settings.setting_default(c, key, value))

    def delete_setting(self, key: str) -> bool:
        return self._write(lambda c: _settings.delete_setting(c, key))

    def settings(self) -> dict[str, Any]:
        return self._read(_settings.all_settings)

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
        with self._transaction(self.engine) as conn:
            return fn(conn)

    def _write(self, fn: Callable[[Connection], T]) -> T:
        with self._transaction(self._writer) as conn:
            return fn(conn)

    @contextmanager
    def _transaction(self, engine: Engine) -> Iterator[Connection]:
        try:
            with engine.begin() as conn:
                yield conn
        except StatementError as e:
            if isinstance(
                e.orig, (TypeError, ValueError)
            ):  # a value the engine cannot store (NaN, bytes in JSON)
                raise InvalidError(f"无法保存的值：{e.orig}") from e
            if isinstance(e, sa.exc.IntegrityError):
                raise InvalidError(f"数据违反了数据库的约束：{_reason(e)}") from e
            if isinstance(e, DBAPIError):
                raise StoreError(f"数据库 {self.url} 出错：{_reason(e)}") from e
            raise


def _reason(e: BaseException) -> str:
    """The first line of the driver's message, without the SQL and parameters SQLAlchemy appends."""
    orig = getattr(e, "orig", None) or e
    return str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
