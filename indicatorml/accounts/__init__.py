"""Accounts for a shared server: users with a role and a department, sessions, who may do what, the audit log.

The API the web layer and the CLI call, one line per use (the store keeps the data:
``store.accounts`` and ``store.audit_log``)::

    from indicatorml import accounts

    policy = accounts.serve_policy(host, store).require_start()   # at start: refused → message
    durable.clean_leftovers(data_dir / "models")                  # at start too (indicatorml.durable)

    done = accounts.login(store, name, password, ip=ip, user_agent=ua)   # LoginFailed: message
    response.set_cookie(COOKIE, done.token, httponly=True, samesite="strict")
    user = accounts.session_user(store, cookie)                          # every request: User | None
    policy.require(user, "review.decide", store.review_department(rid))  # Forbidden: message (403)
    store.add_decision(rid, finding, "set", level2_code="12", user=user["name"],
                       audit=accounts.event(user, "decided", ip=ip))     # the line gets the ip
    accounts.logout(store, cookie, ip=ip)

    accounts.create_user(store, "zhang", pw, "审核", "预算处", by=admin)  # an admin's page / the CLI

Where it sits: above the store (it keeps its data there) and beside ``tables`` — it imports
nothing of reading, coding, checking or serving tables, and the review pipeline, the web
layer and the CLI may all import it (a lint-imports contract). Modules: ``roles`` (审核/填报/管理
↔ reviewer/writer/admin), ``policy`` (the numbers: hashing cost, session lengths, lockout),
``passwords`` (argon2id), ``users`` (create, change, password, disable), ``sessions`` (login, logout, the session of a request),
``permissions`` (the one table and ``can``), ``audit`` (action names, lines, export rows),
``serving`` (``serve_policy``), ``command`` (the ``users`` and ``audit`` verbs).
"""

from __future__ import annotations

from .audit import (
    AUDIT_ACTIONS,
    AUDIT_COLUMNS,
    AUDIT_HEADERS,
    action_name,
    audit_rows,
    cli_event,
    event,
    record,
)
from .passwords import PasswordError, check_password, hash_password, needs_rehash, verify_password
from .permissions import ACTION_NAMES, ACTIONS, PERMISSIONS, Forbidden, can, require, scope
from .policy import DEFAULT_POLICY, AccountPolicy
from .roles import ROLE_NAMES, ROLES, role_id, role_name
from .serving import ServePolicy, ServeRefused, is_loopback, serve_policy
from .sessions import LoggedIn, LoginFailed, login, logout, session_user, token_hash
from .users import (
    change_user,
    create_user,
    disable_user,
    enable_user,
    get_user,
    has_accounts,
    list_users,
    set_password,
)

__all__ = [
    "AccountPolicy",
    "DEFAULT_POLICY",
    "ROLES",
    "ROLE_NAMES",
    "role_id",
    "role_name",
    "PasswordError",
    "check_password",
    "hash_password",
    "verify_password",
    "needs_rehash",
    "create_user",
    "change_user",
    "set_password",
    "disable_user",
    "enable_user",
    "list_users",
    "get_user",
    "has_accounts",
    "LoginFailed",
    "LoggedIn",
    "login",
    "logout",
    "session_user",
    "token_hash",
    "ACTIONS",
    "ACTION_NAMES",
    "PERMISSIONS",
    "Forbidden",
    "can",
    "require",
    "scope",
    "AUDIT_ACTIONS",
    "AUDIT_COLUMNS",
    "AUDIT_HEADERS",
    "action_name",
    "audit_rows",
    "cli_event",
    "event",
    "record",
    "ServePolicy",
    "ServeRefused",
    "serve_policy",
    "is_loopback",
]
