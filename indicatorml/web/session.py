"""The session middleware: the user of the request's session cookie on ``request.state.user``.

Why a cookie only the server reads: the token (256 random bits, :func:`indicatorml.accounts.login`)
is the login; the cookie is ``HttpOnly`` (no script reads it), ``SameSite=Strict`` (no other
site's page, link or form sends it) and ``Secure`` when the page came over https (a proxy
in front that terminates TLS should forward ``https`` as the scheme). The store keeps only
the token's hash. Checking a session is one indexed read (:func:`indicatorml.accounts.session_user`),
run in a worker thread so the event loop never waits on the database.

On the single-user server (no accounts) nothing is read: ``request.state.user`` is None and
the views record 本机用户. Whether a route needs a user is the route's business
(:mod:`.access`); this middleware only says who is asking.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from ..accounts import AccountPolicy, ServePolicy, session_user
from ..store import Store

__all__ = ["COOKIE", "SessionCheck", "session_token", "set_session_cookie", "clear_session_cookie"]

COOKIE = "indicatorml_session"


# Public paths that never read the user (the route table names them PUBLIC): a page's CSS and
# scripts, the health check. No session lookup (a database read) for them.
NO_SESSION = ("/static/", "/healthz")


class SessionCheck:
    """ASGI middleware: ``request.state.user`` = the session's user, or None (module docstring)."""

    def __init__(self, app: ASGIApp, store: Store, policy: ServePolicy, accounts: AccountPolicy) -> None:
        self.app = app
        self.store = store
        self.policy = policy
        self.accounts = accounts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            state = scope.setdefault("state", {})
            state["user"] = None
            if self.policy.login_required and not str(scope.get("path", "")).startswith(NO_SESSION):
                token = session_token(Request(scope))
                if token:
                    state["user"] = await run_in_threadpool(
                        session_user, self.store, token, policy=self.accounts
                    )
        await self.app(scope, receive, send)


def session_token(request: Request) -> str | None:
    return request.cookies.get(COOKIE) or None


def set_session_cookie(response: Response, request: Request, token: str, seconds: int) -> None:
    """The session cookie: HttpOnly, SameSite=Strict, Secure over https, for the whole site."""
    response.set_cookie(
        COOKIE,
        token,
        max_age=seconds,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )


def clear_session_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(
        COOKIE, httponly=True, samesite="strict", secure=request.url.scheme == "https", path="/"
    )
