"""The Host header checked against the names this server goes by: 400 for any other.

Why (issue 18): a page on another site can point its own DNS name at 127.0.0.1 once it has
loaded ("DNS rebinding"); from then on the browser treats the server as that site's and lets
the page read ``/models`` and ``/api/check`` answers. What gives it away is the Host header:
the browser sends the attacker's name. So a request is answered only when its Host is

* a local name (``localhost``), the name the server is bound to, or one given with
  ``serve --allowed-host NAME`` (the names users type for a shared server); or
* an IP address literal (``127.0.0.1:8765``, ``[::1]``, ``10.1.2.3``): a rebinding page's
  requests carry its DNS name, never an address, so an address is always someone who typed it.

The port is not compared (a proxy may forward another one). A request without a Host header
(HTTP/1.0) is refused too.
"""

from __future__ import annotations

import ipaddress

from starlette.types import ASGIApp, Receive, Scope, Send

from .errors import message_response

__all__ = ["HostCheck", "host_name", "allowed"]

WRONG_HOST = (
    "这个服务器不接受这个地址（Host: {host}）。请用启动时给出的地址访问；"
    "共用服务器的管理员可以用 indicatorml serve --allowed-host 名称 加上别的名称。"
)


def host_name(header: str) -> str:
    """The name of a Host header without its port: ``Example.org:80`` → ``example.org``,
    ``[::1]:8765`` → ``[::1]``."""
    h = header.strip().lower()
    if h.startswith("["):
        return h[: h.find("]") + 1] if "]" in h else h
    return h.rsplit(":", 1)[0] if h.count(":") == 1 else h


def allowed(header: str | None, names: frozenset[str]) -> bool:
    if not header:
        return False
    name = host_name(header)
    if name in names:
        return True
    try:
        ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return False
    return True


class HostCheck:
    """ASGI middleware: answer 400 (with a Chinese message) a request whose Host is not ours."""

    def __init__(self, app: ASGIApp, names: frozenset[str]) -> None:
        self.app = app
        self.names = names

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw = dict(scope.get("headers") or []).get(b"host")
        host = raw.decode("latin-1") if raw is not None else None
        if allowed(host, self.names):
            await self.app(scope, receive, send)
            return
        shown = (host or "（没有）")[:100]
        await message_response(scope["path"], 400, WRONG_HOST.format(host=shown))(scope, receive, send)
