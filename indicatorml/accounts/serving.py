"""Whether a server may start where it was asked to, and whether its users must log in.

The rule (issue 18): ``indicatorml serve`` on this computer only (127.0.0.1, ::1, localhost)
without accounts stays as it always was — one person, no login. Listening anywhere else (0.0.0.0,
a LAN address, a host name) lets other people in, so it needs accounts: without an enabled
account it is refused with a message saying how to create the first administrator. Once an
enabled account exists, everyone logs in, on 127.0.0.1 too (a server with accounts has no
anonymous door). The decision is taken once, at start; the web layer keeps the
:class:`ServePolicy` and asks it on each request (:meth:`ServePolicy.allows`).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Literal

from ..errors import IndicatormlError
from ..store import Store, User
from .permissions import can, require
from .users import has_accounts

__all__ = ["ServePolicy", "ServeRefused", "serve_policy", "is_loopback"]

Mode = Literal["single-user", "accounts", "refused"]


class ServeRefused(IndicatormlError):
    """The server must not start as asked (the message says what to do)."""


@dataclass(frozen=True)
class ServePolicy:
    """How a server runs: ``single-user`` (no login, everything allowed: one person on this
    computer), ``accounts`` (everyone logs in; :func:`~indicatorml.accounts.can` decides), or
    ``refused`` (``message`` says why and how to fix it)."""

    mode: Mode
    host: str
    message: str

    @property
    def login_required(self) -> bool:
        return self.mode == "accounts"

    def require_start(self) -> ServePolicy:
        """Itself, or :class:`ServeRefused` with the message if the server must not start."""
        if self.mode == "refused":
            raise ServeRefused(self.message)
        return self

    def allows(self, user: User | None, action: str, department: str | None = None) -> bool:
        """Whether a request may do ``action``: always on the single-user server, else :func:`can`."""
        return self.mode == "single-user" or (self.mode == "accounts" and can(user, action, department))

    def require(self, user: User | None, action: str, department: str | None = None) -> None:
        """:class:`~indicatorml.accounts.Forbidden` (Chinese reason) unless :meth:`allows`."""
        if self.mode != "single-user":
            require(user, action, department)


def is_loopback(host: str) -> bool:
    """Whether ``host`` only listens on this computer: a loopback address or ``localhost``.
    A host name is not resolved (no network at start): any name but localhost counts as outside."""
    text = host.strip().strip("[]").lower()
    if text in ("localhost", "localhost.", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(text).is_loopback
    except ValueError:
        return False


def serve_policy(host: str, store: Store) -> ServePolicy:
    """The policy for serving on ``host`` with ``store``'s accounts (see the module docstring)."""
    if has_accounts(store):
        return ServePolicy("accounts", host, "已有账号：每个人都要登录")
    if is_loopback(host):
        return ServePolicy("single-user", host, f"只在本机（{host}）服务，没有账号：一个人用，不需要登录")
    where = host if host.strip() not in ("", "0.0.0.0", "::", "[::]") else f"所有网络地址（{host or '空'}）"
    return ServePolicy(
        "refused",
        host,
        f"拒绝在 {where} 上服务：这会让局域网里的其他人也能打开审核页面，但数据库里还没有账号。"
        "请先建立第一个管理账号，例如：\n"
        "  indicatorml users add 管理员用户名 --role 管理 --display-name 姓名\n"
        "（加上与 serve 相同的 --data-dir 或 --db；密码会提示输入，或用 --password-stdin 从标准输入读），"
        "之后每个人都要登录。只给自己用，请去掉 --host（默认 127.0.0.1，只有本机能打开）。",
    )
