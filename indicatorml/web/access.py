"""Who may open a route: every route names its action, checked before its view runs.

Why on the route and not in each view: a view forgotten is a door left open. Each route in
:mod:`.routes` is an :class:`ActionRoute` naming one of

* an action of the one permission table (:data:`indicatorml.accounts.ACTIONS`: ``classify``,
  ``review.view``, ``model.switch`` …) — the signed-in user's role must have it in some scope;
  when the path names a review (``{id}``), the review's department must be within it (a
  reviewer of another department gets 403, an admin sees all: the table says so);
* :data:`SIGNED_IN` — any signed-in user (the home redirect, logout, the models page that
  only shows which model is used);
* :data:`PUBLIC` — no login: static files, ``/healthz``, the login page, the CSRF token, the
  API's own page.

On the single-user server (no accounts, 127.0.0.1) everything is allowed, as before
(:meth:`indicatorml.accounts.ServePolicy.allows`). With accounts, a request without a session
is sent to ``/login?next=…`` (a page) or answered 401 with a Chinese message (the API); a user
without the permission gets 403 with the accounts package's reason.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from ..accounts import ACTIONS, ServePolicy, scope
from .errors import message_response
from .user import user_of

__all__ = ["PUBLIC", "SIGNED_IN", "ActionRoute", "NOT_SIGNED_IN", "visible_department", "login_path", "may"]

PUBLIC = "public"
SIGNED_IN = "signed-in"
NOT_SIGNED_IN = "请先登录：这个服务器有账号，每个人都要登录后才能使用（页面：/login）。"
_REVIEW_ACTIONS = ("review.view", "review.decide")


class ActionRoute(Route):
    """A :class:`starlette.routing.Route` that names its ``action`` and checks it (module docstring)."""

    def __init__(
        self,
        path: str,
        endpoint: Callable[..., Any],
        *,
        action: str,
        methods: Sequence[str] | None = None,
    ) -> None:
        if action not in (PUBLIC, SIGNED_IN, *ACTIONS):
            raise ValueError(f"{path}: unknown action {action!r}")
        super().__init__(path, endpoint, methods=list(methods) if methods else None)
        self.action = action

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        policy: ServePolicy = request.app.state.policy
        if self.action == PUBLIC or policy.mode == "single-user":
            await super().handle(scope, receive, send)
            return
        user = user_of(request)
        if user is None:
            await _not_signed_in(request)(scope, receive, send)
            return
        if self.action != SIGNED_IN:
            await run_in_threadpool(_require, request, self.action, user)
        await super().handle(scope, receive, send)


def _require(request: Request, action: str, user: Any) -> None:
    """:class:`Forbidden` unless ``user`` may do ``action`` (on the review the path names)."""
    policy: ServePolicy = request.app.state.policy
    if scope(user, action) is None:
        policy.require(user, action)  # raises with the role's reason
    review_id = request.path_params.get("id")
    if action in _REVIEW_ACTIONS and review_id is not None:
        department = request.app.state.store.review_department(review_id)  # 404 when none
        policy.require(user, action, department)


def _not_signed_in(request: Request) -> Any:
    path = request.url.path
    if path.startswith("/api/"):
        return message_response(path, 401, NOT_SIGNED_IN)
    here = path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(login_path(here if request.method == "GET" else "/"), status_code=303)


def login_path(next_path: str) -> str:
    """``/login?next=…`` for a local path to come back to."""
    return "/login" if next_path in ("", "/") else f"/login?next={quote(next_path, safe='/')}"


def visible_department(request: Request, action: str = "review.view") -> str | None:
    """For a list: the one department whose items the user may see, or None for all (the
    single-user server, a role that sees all). The route has checked the user has the action."""
    policy: ServePolicy = request.app.state.policy
    user = user_of(request)
    if policy.mode == "single-user":
        return None
    if user is None:
        return ""  # no department's: nothing (the route asks for a login first anyway)
    return None if scope(user, action) == "all" else user["department"] or ""


def may(request: Request, action: str) -> bool:
    """Whether the page should offer ``action`` (its form or button) to this user at all; the
    route checks again, with the object's department, when the form is sent."""
    policy: ServePolicy = request.app.state.policy
    return policy.mode == "single-user" or scope(user_of(request), action) is not None


def may_view_review(request: Request, department: str | None) -> bool:
    """Whether this user may open a stored review of ``department`` (a library hit links to its
    review only then: the hit's text is everyone's, the review page is its department's)."""
    policy: ServePolicy = request.app.state.policy
    return policy.allows(user_of(request), "review.view", department)
