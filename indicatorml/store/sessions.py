"""Sessions (who is logged in, by the hash of their token) and failed logins (who is locked out).

What is stored of a session is the sha256 of its token, never the token: a copy of the
database (a backup, a stolen disk) opens nobody's session. The policy — how long a session
lives, how idle it may be, how many a user may hold, how many failures lock a name out and
for how long — is the caller's (:mod:`indicatorml.accounts`), passed in; these functions keep
the table bounded whatever the policy: opening a session first drops the user's ended ones
and, past the bound, their oldest; recording a failure first drops failures nobody needs.

Failures are counted per (name tried, address), for names that are no user's too — else the
answer time would tell which names exist, and a guesser would be stopped only on real names.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from .account_shapes import LoginFailures, Session, SessionIn, User
from .errors import InvalidError
from .schema import login_failures, sessions, users, utcnow
from .users import get_user
from .validate import Spec, check_item, check_lengths

__all__ = [
    "open_session",
    "get_session",
    "touch_session",
    "revoke_session",
    "revoke_user_sessions",
    "record_login_failure",
    "login_lock",
    "clear_login_failures",
]

SESSION_SPEC: Spec = {
    "token_hash": ((str,), True),
    "user_name": ((str,), True),
    "expires_at": ((datetime,), True),
    "ip": ((str, None), True),
    "user_agent": ((str, None), True),
}
_HEX64 = frozenset("0123456789abcdef")


def open_session(conn: Connection, session: SessionIn, max_per_user: int) -> Session:
    """Store a new session of an enabled user, keeping at most ``max_per_user`` of theirs
    (the oldest live ones go first, ended ones before any); notes the login time and clears
    the failures of (user, address)."""
    s = check_item(session, SESSION_SPEC, "会话")
    token_hash = s["token_hash"]
    if len(token_hash) != 64 or not set(token_hash) <= _HEX64:
        raise InvalidError("会话只按令牌的 sha256（64 位十六进制）保存")
    if max_per_user < 1:
        raise InvalidError("每个用户至少要能有 1 个会话")
    user = get_user(conn, s["user_name"])
    if user["disabled_at"] is not None:
        raise InvalidError(f"用户 {user['name']} 已停用，不能登录")
    now = utcnow()
    values = {
        **s,
        "user_name": user["name"],
        "ip": _clip(s["ip"], 64),
        "user_agent": _clip(s["user_agent"], 300),
    }
    check_lengths(values, sessions, "会话")
    mine = sessions.c.user_name == user["name"]
    ended = sessions.c.revoked_at.is_not(None) | (sessions.c.expires_at <= now)
    conn.execute(sa.delete(sessions).where(mine, ended))
    live = (
        conn.execute(sa.select(sessions.c.token_hash).where(mine).order_by(sessions.c.created_at))
        .scalars()
        .all()
    )
    if len(live) >= max_per_user:
        oldest = live[: len(live) - max_per_user + 1]
        conn.execute(sa.delete(sessions).where(sessions.c.token_hash.in_(oldest)))
    conn.execute(sa.insert(sessions).values(**values, created_at=now, last_seen_at=now))
    conn.execute(sa.update(users).where(users.c.name == user["name"]).values(last_login_at=now))
    clear_login_failures(conn, user["name"], values["ip"])
    found = get_session(conn, token_hash)
    assert found is not None
    return found[0]


def get_session(conn: Connection, token_hash: str) -> tuple[Session, User] | None:
    """The session of that token hash and its user as now stored (one query), or None."""
    user_columns = [c.label(f"u_{c.name}") for c in users.c if c.name != "password_hash"]
    q = (
        sa.select(sessions, *user_columns)
        .select_from(sessions.join(users, users.c.name == sessions.c.user_name))
        .where(sessions.c.token_hash == token_hash)
    )
    m = conn.execute(q).mappings().first()
    if m is None:
        return None
    session = {c.name: m[c.name] for c in sessions.c}
    user = {k.removeprefix("u_"): v for k, v in m.items() if k.startswith("u_")}
    return cast(Session, session), cast(User, user)


def touch_session(conn: Connection, token_hash: str, at: datetime | None = None) -> bool:
    """Note that the session was used (``last_seen_at``); False if it is gone or revoked."""
    q = (
        sa.update(sessions)
        .where(sessions.c.token_hash == token_hash, sessions.c.revoked_at.is_(None))
        .values(last_seen_at=at or utcnow())
    )
    return conn.execute(q).rowcount == 1


def revoke_session(conn: Connection, token_hash: str) -> Session | None:
    """End the session (logging out); the session, or None if there was none. Idempotent."""
    conn.execute(
        sa.update(sessions)
        .where(sessions.c.token_hash == token_hash, sessions.c.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    found = get_session(conn, token_hash)
    return None if found is None else found[0]


def revoke_user_sessions(conn: Connection, user_name: str) -> int:
    """End every live session of a user; how many."""
    q = (
        sa.update(sessions)
        .where(sessions.c.user_name == get_user(conn, user_name)["name"], sessions.c.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    return int(conn.execute(q).rowcount)


# ------------------------------------------------------------------ failed logins
def record_login_failure(
    conn: Connection,
    name: str,
    ip: str | None,
    *,
    window: timedelta,
    limit: int,
    lock_for: timedelta,
    at: datetime | None = None,
) -> LoginFailures:
    """Count a failed login of ``name`` from ``ip``: the ``limit``-th failure within ``window``
    locks (name, ip) for ``lock_for`` (and starts the count again). Returns the state after."""
    at = at or utcnow()
    name, ip = _clip(name, 64) or "", _address(ip)
    # Rows nobody needs any more: their window is over and no lock is running.
    conn.execute(
        sa.delete(login_failures).where(
            login_failures.c.last_at < at - window,
            login_failures.c.locked_until.is_(None) | (login_failures.c.locked_until < at),
        )
    )
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    key = (login_failures.c.name == name) & (login_failures.c.ip == ip)
    conn.execute(
        insert(login_failures)
        .values(name=name, ip=ip, failures=0, first_at=at, last_at=at)
        .on_conflict_do_nothing(index_elements=["name", "ip"])
    )
    # FOR UPDATE: two failures at once on PostgreSQL count twice (SQLite writers are serial).
    row = conn.execute(sa.select(login_failures).where(key).with_for_update()).mappings().one()
    values: dict[str, Any]
    if row["failures"] and row["last_at"] < at - window:
        values = {"failures": 1, "first_at": at}  # the old window is over: a new count
    else:
        values = {"failures": row["failures"] + 1}
    values["last_at"] = at
    if values["failures"] >= limit:
        values.update(failures=0, locked_until=at + lock_for)
    conn.execute(sa.update(login_failures).where(key).values(values))
    locked = values.get("locked_until", row["locked_until"])
    return LoginFailures(failures=values["failures"], locked_until=locked if locked and locked > at else None)


def login_lock(conn: Connection, name: str, ip: str | None, at: datetime | None = None) -> datetime | None:
    """Until when (name, ip) is locked out, or None."""
    at = at or utcnow()
    until = conn.execute(
        sa.select(login_failures.c.locked_until).where(
            login_failures.c.name == (_clip(name, 64) or ""), login_failures.c.ip == _address(ip)
        )
    ).scalar()
    return until if until is not None and until > at else None


def clear_login_failures(conn: Connection, name: str, ip: str | None) -> None:
    """Forget the failures of (name, ip) — after a successful login."""
    conn.execute(
        sa.delete(login_failures).where(
            login_failures.c.name == (_clip(name, 64) or ""), login_failures.c.ip == _address(ip)
        )
    )


def _address(ip: str | None) -> str:
    """The address failures are counted under ("-" when the server does not know it)."""
    return (ip or "-")[:64]


def _clip(text: str | None, length: int) -> str | None:
    """Text a client sent (an address, a browser's name, a name tried): kept, cut to fit."""
    return None if text is None else text[:length]
