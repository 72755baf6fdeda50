"""The 账号 page (管理 only): the accounts listed, one added, a role or department changed, one
disabled or enabled again — each one call into :mod:`indicatorml.accounts`, whose audit line
names the admin and the address. The command line (``indicatorml users …``) does the same.

Why only with accounts: on the single-user server there is nobody signed in to be the admin
who did it; the first admin is made on the command line (then the server is restarted, and
everyone logs in). A password is set when an account is added; a new one for a user who forgot
theirs is ``indicatorml users passwd NAME`` (a password typed into a page the admin then sees
is what the command line avoids).
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ...accounts import ROLE_NAMES, Forbidden, change_user, create_user, disable_user, enable_user, list_users
from ...store import User
from ..inputs import form_of
from ..render import page
from ..state import shared
from ..user import client_ip, user_of

__all__ = ["users_page", "add", "change"]

NO_ACCOUNTS = (
    "这个服务器没有账号（本机单用户）：请用命令行 indicatorml users add 建立第一个管理账号，然后重启服务。"
)


def _admin(request: Request) -> User:
    user = user_of(request)
    if user is None:
        raise Forbidden(NO_ACCOUNTS)
    return user


async def users_page(request: Request) -> Response:
    """``GET /users``: every account (by department, then name) and the forms."""
    _admin(request)
    found = await run_in_threadpool(list_users, shared(request).store)
    return page(request, "users.html", users=found, roles=list(ROLE_NAMES.values()))


async def add(request: Request) -> Response:
    """``POST /users``: a new account (name, password, role, department, display name)."""
    by = _admin(request)
    f = await form_of(request)
    sh = shared(request)
    await run_in_threadpool(
        lambda: create_user(
            sh.store,
            f.get("name", ""),
            f.get("password", ""),
            f.get("role", ""),
            f.get("department") or None,
            f.get("display_name") or None,
            by=by,
            ip=client_ip(request),
            policy=sh.settings.accounts,
        )
    )
    return RedirectResponse("/users", status_code=303)


async def change(request: Request) -> Response:
    """``POST /users/{name}``: ``op`` = change (role, department) | disable | enable."""
    by = _admin(request)
    f = await form_of(request)
    store, name, ip = shared(request).store, request.path_params["name"], client_ip(request)
    op = f.get("op")
    if op == "disable":
        await run_in_threadpool(lambda: disable_user(store, name, by=by, ip=ip))
    elif op == "enable":
        await run_in_threadpool(lambda: enable_user(store, name, by=by, ip=ip))
    else:
        role, department = f.get("role") or None, f.get("department") or None
        await run_in_threadpool(
            lambda: change_user(store, name, role=role, department=department, by=by, ip=ip)
        )
    return RedirectResponse("/users", status_code=303)
