"""Logging in and out: the 登录 page, its form, and the 退出 button of every page's header.

The form is CSRF-protected like every other (its first field is the token, double-submitted
with the CSRF cookie the page set), so another site cannot log a browser into an account of
its choosing. A refused login shows the accounts package's message (用户名或密码不对, the
lockout's 请 N 分钟后再试 with ``Retry-After``) and never says whether the name exists.
``next`` is followed only when it is a path on this server (:func:`safe_next`): a link to
``/login?next=https://elsewhere`` lands on the home page, not elsewhere.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ...accounts import LoginFailed, login, logout
from ..inputs import form_of
from ..render import page
from ..session import clear_session_cookie, session_token, set_session_cookie
from ..state import shared
from ..user import client_ip, user_of

__all__ = ["login_page", "login_form", "logout_form", "safe_next"]

_MAX_NEXT = 2000


def safe_next(text: str | None) -> str:
    """``text`` when it is a path on this server (``/reviews/x?y``), else ``/``: no scheme, no
    host, no ``//`` or ``/\\`` (which browsers read as another host), no control characters."""
    if not text or len(text) > _MAX_NEXT or not text.startswith("/") or text.startswith(("//", "/\\")):
        return "/"
    if any(ord(c) < 32 or c == "\\" or ord(c) == 127 for c in text):
        return "/"
    parts = urlsplit(text)
    return text if not parts.scheme and not parts.netloc else "/"


async def login_page(request: Request) -> Response:
    """``GET /login?next=…``: the form (straight on to ``next`` when already signed in, or
    when this server has no accounts)."""
    target = safe_next(request.query_params.get("next"))
    if user_of(request) is not None or not shared(request).policy.login_required:
        return RedirectResponse(target, status_code=303)
    return page(request, "login.html", next=target, error=None, tried="")


async def login_form(request: Request) -> Response:
    """``POST /login`` (``csrf_token``, ``name``, ``password``, ``next``): a session cookie and
    on to ``next``, or the form again with the reason (401; 429 while locked out)."""
    fields = await form_of(request)
    target = safe_next(fields.get("next"))
    sh = shared(request)
    if not sh.policy.login_required:
        return RedirectResponse(target, status_code=303)
    name = fields.get("name", "")
    try:
        done = await run_in_threadpool(
            login,
            sh.store,
            name,
            fields.get("password", ""),
            ip=client_ip(request),
            user_agent=request.headers.get("user-agent", "")[:300] or None,
            policy=sh.settings.accounts,
        )
    except LoginFailed as e:
        status, headers = (429, {"Retry-After": str(e.retry_after)}) if e.retry_after else (401, {})
        response = page(request, "login.html", status=status, next=target, error=str(e), tried=name[:64])
        response.headers.update(headers)
        return response
    response = RedirectResponse(target, status_code=303)
    lifetime = int(sh.settings.accounts.session_lifetime.total_seconds())
    set_session_cookie(response, request, done.token, lifetime)
    return response


async def logout_form(request: Request) -> Response:
    """``POST /logout``: the session ends (on the server too), then the login page."""
    sh = shared(request)
    await run_in_threadpool(logout, sh.store, session_token(request), ip=client_ip(request))
    response = RedirectResponse("/login" if sh.policy.login_required else "/", status_code=303)
    clear_session_cookie(response, request)
    return response
