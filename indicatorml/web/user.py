"""Who is asking: the seam where accounts (issue 18) plug in.

Today a server has one user, the person at this computer: ``request.state.user`` is None and
every review and decision is recorded as :data:`LOCAL_USER` (本机用户), which is what the page
shows beside a decision. The accounts change replaces :class:`UserSeam` with its session
middleware, which puts the signed-in user (an object with ``name`` and ``department``) on
``request.state.user``; the views already ask only :func:`user_name` and :func:`department_of`.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["LOCAL_USER", "UserSeam", "user_name", "department_of"]

LOCAL_USER = "本机用户"


class UserSeam:
    """ASGI middleware: ``request.state.user = None`` (single-user mode)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope.setdefault("state", {})["user"] = None
        await self.app(scope, receive, send)


def user_name(request: Request) -> str:
    """The name decisions and reviews are recorded under."""
    user = getattr(request.state, "user", None)
    return str(getattr(user, "name", None) or LOCAL_USER)


def department_of(request: Request) -> str | None:
    """The user's department (None in single-user mode)."""
    user = getattr(request.state, "user", None)
    dept = getattr(user, "department", None)
    return str(dept) if dept else None
