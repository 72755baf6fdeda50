"""Who is asking: the signed-in user of a request, as the views read it.

:class:`~.session.SessionCheck` (the middleware) puts the user of the request's session cookie
on ``request.state.user`` — an :class:`indicatorml.store.User` (a dict with ``name``, ``role``,
``department`` …) — or None: on the single-user server (one person at this computer, no
accounts) every review and decision is recorded as :data:`LOCAL_USER` (本机用户), which is what
the page shows beside a decision. The views ask only the functions here.
"""

from __future__ import annotations

from typing import Any, cast

from starlette.requests import Request

from ..accounts import event, role_name
from ..store import AuditIn, User

__all__ = ["LOCAL_USER", "user_of", "user_name", "department_of", "client_ip", "audit_line", "header_user"]

LOCAL_USER = "本机用户"


def user_of(request: Request) -> User | None:
    """The signed-in user (None: no session, or the single-user server)."""
    user = getattr(request.state, "user", None)
    return cast(User, user) if isinstance(user, dict) else None


def user_name(request: Request) -> str:
    """The name decisions and reviews are recorded under."""
    user = user_of(request)
    return str(user["name"]) if user else LOCAL_USER


def department_of(request: Request) -> str | None:
    """The user's department (None in single-user mode, and for an admin without one)."""
    user = user_of(request)
    return str(user["department"]) if user and user["department"] else None


def client_ip(request: Request) -> str | None:
    """The address the request came from, for the audit log (the peer's: a proxy in front
    would be recorded as itself — no ``X-Forwarded-For`` is trusted)."""
    return request.client.host if request.client else None


def audit_line(request: Request, action: str, **fields: Any) -> AuditIn:
    """The audit line of what this request does (:func:`indicatorml.accounts.event`): the user
    (None on the single-user server: the store's own line names 本机用户) and the client's ip."""
    return event(user_of(request), action, ip=client_ip(request), **fields)


def header_user(request: Request) -> dict[str, Any]:
    """What the page header shows: the name (or 本机用户), the role in Chinese, the department,
    and whether there is a session to log out of."""
    user = user_of(request)
    if user is None:
        return {"name": LOCAL_USER, "role": None, "department": None, "signed_in": False}
    return {
        "name": user["display_name"] or user["name"],
        "role": role_name(user["role"]),
        "department": user["department"],
        "signed_in": True,
    }
