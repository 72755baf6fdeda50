"""``store.accounts``: departments, users, sessions and failed logins — one transaction per method.

The SQL is in :mod:`~indicatorml.store.users` and :mod:`~indicatorml.store.sessions`; the
rules users read about (roles in Chinese, what each may do, password checks, how long a
session lives) in :mod:`indicatorml.accounts`, which is the API the pages and the CLI call.
A method that changes something takes the ``audit`` line recording it and writes both in one
transaction (the object it is about defaults to the user or session changed).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy.engine import Connection, Engine

from . import sessions as _sessions
from . import users as _users
from .account_shapes import (
    AuditIn,
    Department,
    LoginFailures,
    Session,
    SessionIn,
    User,
    UserChange,
    UserIn,
)
from .audit import append_audit
from .engine import writer
from .transaction import run

__all__ = ["AccountStore"]

T = TypeVar("T")


class AccountStore:
    """The accounts part of a store (``Store.accounts``). Shapes: :mod:`.account_shapes`."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._writer = writer(engine)

    # ------------------------------------------------------------------ departments
    def add_department(self, name: str, exist_ok: bool = False, audit: AuditIn | None = None) -> Department:
        return self._write(
            lambda c: _log(c, _users.add_department(c, name, exist_ok), audit, "department", name)
        )

    def departments(self) -> list[Department]:
        return self._read(_users.list_departments)

    # ------------------------------------------------------------------ users
    def add_user(self, user: UserIn, create_department: bool = False, audit: AuditIn | None = None) -> User:
        """A new user (rules: :mod:`indicatorml.store.users`); ``create_department`` adds an
        unknown department instead of refusing it."""

        def add(conn: Connection) -> User:
            stored = _users.add_user(conn, user, create_department)
            return _log(conn, stored, audit, "user", stored["name"])

        return self._write(add)

    def get_user(self, name: str) -> User:
        """The user of that login name (any spelling of it); NotFoundError if none."""
        return self._read(lambda c: _users.get_user(c, name))

    def login_of(self, name: str) -> tuple[User, str] | None:
        """The user and their password hash, for checking a password; None for no such user."""
        return self._read(lambda c: _users.login_of(c, name))

    def list_users(self, department: str | None = None, include_disabled: bool = True) -> list[User]:
        return self._read(lambda c: _users.list_users(c, department, include_disabled))

    def count_users(self, enabled_only: bool = True, role: str | None = None) -> int:
        return self._read(lambda c: _users.count_users(c, enabled_only, role))

    def change_user(
        self,
        name: str,
        change: UserChange,
        create_department: bool = False,
        audit: AuditIn | None = None,
    ) -> tuple[User, list[str]]:
        """Apply ``change``; the user now and what changed. The ``audit`` line is written only
        when something did change (its details get ``"changed": [...]``)."""

        def apply(conn: Connection) -> tuple[User, list[str]]:
            user, changed = _users.change_user(conn, name, change, create_department)
            if changed and audit is not None:
                details = {**(audit.get("details") or {}), "changed": changed}
                _log(conn, None, {**audit, "details": details}, "user", user["name"])
            return user, changed

        return self._write(apply)

    def rehash_password(self, name: str, old_hash: str, new_hash: str) -> bool:
        """Store the same password's hash under new parameters (see store.users.rehash_password)."""
        return self._write(lambda c: _users.rehash_password(c, name, old_hash, new_hash))

    # ------------------------------------------------------------------ sessions
    def open_session(self, session: SessionIn, max_per_user: int, audit: AuditIn | None = None) -> Session:
        def open_(conn: Connection) -> Session:
            stored = _sessions.open_session(conn, session, max_per_user)
            return _log(conn, stored, audit, "user", stored["user_name"])

        return self._write(open_)

    def get_session(self, token_hash: str) -> tuple[Session, User] | None:
        return self._read(lambda c: _sessions.get_session(c, token_hash))

    def touch_session(self, token_hash: str, at: datetime | None = None) -> bool:
        return self._write(lambda c: _sessions.touch_session(c, token_hash, at))

    def revoke_session(self, token_hash: str, audit: AuditIn | None = None) -> Session | None:
        """End a session; the ``audit`` line is written only if it was live until now."""

        def revoke(conn: Connection) -> Session | None:
            before = _sessions.get_session(conn, token_hash)
            stored = _sessions.revoke_session(conn, token_hash)
            if stored is not None and before is not None and before[0]["revoked_at"] is None:
                _log(conn, None, audit, "user", stored["user_name"])
            return stored

        return self._write(revoke)

    def revoke_user_sessions(self, name: str) -> int:
        return self._write(lambda c: _sessions.revoke_user_sessions(c, name))

    # ------------------------------------------------------------------ failed logins
    def record_login_failure(
        self,
        name: str,
        ip: str | None,
        *,
        window: timedelta,
        limit: int,
        lock_for: timedelta,
        audit: AuditIn | None = None,
    ) -> LoginFailures:
        def record(conn: Connection) -> LoginFailures:
            state = _sessions.record_login_failure(
                conn, name, ip, window=window, limit=limit, lock_for=lock_for
            )
            return _log(conn, state, audit, "user", None)

        return self._write(record)

    def login_lock(self, name: str, ip: str | None) -> datetime | None:
        return self._read(lambda c: _sessions.login_lock(c, name, ip))

    # ------------------------------------------------------------------ transactions
    def _read(self, fn: Callable[[Connection], T]) -> T:
        return run(self._engine, fn)

    def _write(self, fn: Callable[[Connection], T]) -> T:
        return run(self._writer, fn)


def _log(conn: Connection, result: T, audit: AuditIn | None, kind: str, object_id: Any) -> T:
    if audit is not None:
        line: dict[str, Any] = {"object_kind": kind, "object_id": object_id, **audit}
        append_audit(conn, line)  # type: ignore[arg-type]
    return result
