"""Logging in, being logged in, logging out: what the login page and every request call.

A session is a random 256-bit token (``secrets.token_urlsafe(32)``) the browser keeps in a
cookie; the store keeps only its sha256, so a copy of the database opens no session. A session
ends at the first of: logout, ``policy.session_lifetime`` after login, ``policy.session_idle``
without a request, the user disabled or given a new password (the store revokes it), or the
user opening more than ``policy.sessions_per_user`` (the oldest ends).

:func:`session_user` runs on every request, so it is one indexed read (session joined with
its user, so a disabled user or a changed role counts at once) and writes ``last_seen_at`` at
most once per ``policy.touch_every``.

Failed logins are counted per (name tried, address) and lock that pair out after
``policy.lockout_failures`` within ``policy.lockout_window``: while locked, a login is refused
before any password is checked (no argon2 time spent, no audit line for each try — the line
of the failure that locked it says so), even with the right password.
"""

from __future__ import annotations

import hashlib
import math
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime

from ..errors import IndicatormlError
from ..store import AuditIn, Session, Store, User
from .audit import event
from .passwords import hash_password, needs_rehash, verify_password
from .policy import DEFAULT_POLICY, AccountPolicy

__all__ = ["LoginFailed", "LoggedIn", "login", "logout", "session_user", "token_hash"]

_MAX_TOKEN = 128  # characters a session cookie may have before it is not even looked up
_MAX_NAME = 64


class LoginFailed(IndicatormlError):
    """A refused login: the message is what the login page shows (Chinese; it never says
    whether the name exists). ``retry_after``: seconds until a lockout ends, else None."""

    def __init__(self, message: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class LoggedIn:
    """A successful login: ``token`` goes into the session cookie (HttpOnly, SameSite) and
    nowhere else — it is not stored and cannot be read back."""

    token: str
    user: User
    session: Session


def token_hash(token: str) -> str:
    """What the store keeps of a session token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def login(
    store: Store,
    name: str,
    password: str,
    *,
    ip: str | None,
    user_agent: str | None = None,
    policy: AccountPolicy = DEFAULT_POLICY,
) -> LoggedIn:
    """Check a name and password and open a session; :class:`LoginFailed` if refused.

    Written: the session with the "login" audit line (one transaction); a failure with its
    "login_failed" line (name tried, reason); a rehash when the policy's argon2 parameters
    changed since the password was set.
    """
    tried = _tried(name)
    locked = store.accounts.login_lock(tried, ip)
    if locked is not None:
        raise _locked(locked)
    found = store.accounts.login_of(tried)
    ok = verify_password(found[1] if found else None, password or "", policy)
    if not ok or found is None:
        reason = "wrong_password" if found else "unknown_name"
        state = store.accounts.record_login_failure(
            tried,
            ip,
            window=policy.lockout_window,
            limit=policy.lockout_failures,
            lock_for=policy.lockout_for,
            audit=_failed(found[0] if found else None, tried, ip, reason),
        )
        if state["locked_until"] is not None:
            raise _locked(state["locked_until"])
        raise LoginFailed("用户名或密码不对")
    user, stored_hash = found
    if user["disabled_at"] is not None:
        store.append_audit(_failed(user, tried, ip, "disabled"))
        raise LoginFailed("这个账号已停用：请找管理员")
    if needs_rehash(stored_hash, policy):
        store.accounts.rehash_password(user["name"], stored_hash, hash_password(password, policy))
    token = secrets.token_urlsafe(32)
    session = store.accounts.open_session(
        {
            "token_hash": token_hash(token),
            "user_name": user["name"],
            "expires_at": _now() + policy.session_lifetime,
            "ip": ip,
            "user_agent": user_agent,
        },
        policy.sessions_per_user,
        audit=event(user, "login", ip=ip, object_kind="user", object_id=user["name"]),
    )
    return LoggedIn(token=token, user=user, session=session)


def session_user(
    store: Store, token: str | None, *, policy: AccountPolicy = DEFAULT_POLICY, now: datetime | None = None
) -> User | None:
    """The logged-in user of a session token (the cookie), or None: no token, an unknown,
    revoked, expired or idle one, or a disabled user. Runs on every request (see the module
    docstring for its cost)."""
    if not token or len(token) > _MAX_TOKEN:
        return None
    key = token_hash(token)
    found = store.accounts.get_session(key)
    if found is None:
        return None
    session, user = found
    now = now or _now()
    if (
        session["revoked_at"] is not None
        or now >= session["expires_at"]
        or now - session["last_seen_at"] >= policy.session_idle
        or user["disabled_at"] is not None
    ):
        return None
    if now - session["last_seen_at"] >= policy.touch_every:
        store.accounts.touch_session(key, now)
    return user


def logout(store: Store, token: str | None, *, ip: str | None = None) -> bool:
    """End the session of ``token`` (with a "logout" line); False if there was no live one."""
    if not token or len(token) > _MAX_TOKEN:
        return False
    key = token_hash(token)
    found = store.accounts.get_session(key)
    if found is None or found[0]["revoked_at"] is not None:
        return False
    user = found[1]
    store.accounts.revoke_session(
        key, audit=event(user, "logout", ip=ip, object_kind="user", object_id=user["name"])
    )
    return True


def _tried(name: str) -> str:
    """The name as typed, in a form fit for counting and logging (normal form, cut to 64)."""
    text = unicodedata.normalize("NFKC", name if isinstance(name, str) else "").strip().casefold()
    return text[:_MAX_NAME]


def _failed(user: User | None, tried: str, ip: str | None, reason: str) -> AuditIn:
    """The "login_failed" line: the name as tried, and why (unknown_name, wrong_password, disabled)."""
    who = user["name"] if user else None
    return event(
        user,
        "login_failed",
        ip=ip,
        object_kind="user",
        object_id=who,
        details={"name": tried, "reason": reason},
    )


def _locked(until: datetime) -> LoginFailed:
    seconds = max(1, math.ceil((until - _now()).total_seconds()))
    minutes = max(1, math.ceil(seconds / 60))
    return LoginFailed(f"这个账号在这台电脑上登录失败次数太多：请 {minutes} 分钟后再试", retry_after=seconds)


def _now() -> datetime:
    return datetime.now(UTC)
