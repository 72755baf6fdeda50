"""A CSRF token on every state-changing request, checked before any view runs.

Why (issue 18): a page on another site, opened in the reviewer's browser, posted a poisoned
table to ``/models/train`` and an auto-submitted form to ``/models/use``; afterwards 群众满意度
was coded 11-数量 for every user of the server. The browser sends such requests with the
reviewer's cookies; what the other page cannot do is *read* anything from this server, nor add
a header of its own to a request here (the browser would first ask this server, which never
agrees). So a request that changes anything (every method but GET, HEAD and OPTIONS) passes only with:

* **a header** ``X-CSRF-Token: <token>`` holding a token signed by this server — what the
  pages' scripts send (the token is in the page) and what API clients send (``GET /api/csrf``
  hands one out; see ``/api/docs``); or
* **a form field** ``csrf_token`` equal to the ``indicatorml_csrf`` cookie and signed by this
  server (double submit): what the pages' plain forms send, the field first in every form.
  The other site can neither read the cookie nor the page holding the token.

And when the browser says where the request comes from (``Origin``, else ``Referer``), that must
be this server's own address; ``Origin: null`` (a sandboxed or redirected request) is refused.

Tokens are ``<nonce>.<HMAC-SHA256(secret, nonce)>``; the secret is a store setting
(:meth:`~indicatorml.store.Store.setting_default`), so every server process on one database
signs and accepts the same tokens. When accounts arrive (a session per user), the session id
goes into the signed text, so a token is good only in the session it was given to.

How the form field is read without parsing the body: the middleware peeks at the body's first
bytes, where the first field is (browsers send fields in page order), and hands the same bytes
on to the view. Nothing else of the body is read here.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from http.cookies import SimpleCookie
from urllib.parse import parse_qsl, urlsplit

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..store import Store
from .errors import message_response

__all__ = ["COOKIE", "HEADER", "FIELD", "SECRET_KEY", "Tokens", "CsrfCheck", "token_for", "set_token_cookie"]

COOKIE = "indicatorml_csrf"
HEADER = "X-CSRF-Token"
FIELD = "csrf_token"
SECRET_KEY = "web.csrf_secret"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
PEEK_BYTES = 4096  # the first form field is well inside this
COOKIE_SECONDS = 30 * 24 * 3600

REFUSED = (
    "请求缺少有效的防跨站令牌(CSRF),没有执行。请刷新页面后再试;"
    "API 调用请先 GET /api/csrf 取得令牌,放在请求头 X-CSRF-Token 里(见 /api/docs)。"
)
CROSS_SITE = "这个请求来自别的网站({origin}),没有执行。请在本系统的页面上操作。"


class Tokens:
    """Make and check tokens signed with one secret."""

    def __init__(self, secret: str) -> None:
        self._key = secret.encode()

    @classmethod
    def from_store(cls, store: Store) -> Tokens:
        """The tokens of every server process on ``store`` (one secret, made by the first)."""
        return cls(str(store.setting_default(SECRET_KEY, secrets.token_hex(32))))

    def issue(self) -> str:
        nonce = secrets.token_urlsafe(18)
        return f"{nonce}.{self._sign(nonce)}"

    def valid(self, token: str | None) -> bool:
        if not token or len(token) > 200 or token.count(".") != 1:
            return False
        nonce, sig = token.split(".")
        return hmac.compare_digest(sig, self._sign(nonce))

    def _sign(self, nonce: str) -> str:
        return hmac.new(self._key, b"csrf:" + nonce.encode(), hashlib.sha256).hexdigest()[:32]


def token_for(request: Request) -> tuple[str, bool]:
    """The token the page being rendered carries: the browser's cookie when it is valid, else a
    new one; and whether the response must set the cookie."""
    tokens: Tokens = request.app.state.csrf
    cookie = request.cookies.get(COOKIE)
    if tokens.valid(cookie):
        assert cookie is not None
        return cookie, False
    return tokens.issue(), True


def set_token_cookie(response: Response, token: str) -> None:
    # Lax, not Strict: a link followed from elsewhere must not mint a new cookie (the token in
    # the reviewer's other open pages would stop matching). SameSite is not the defence here.
    response.set_cookie(COOKIE, token, max_age=COOKIE_SECONDS, httponly=True, samesite="lax", path="/")


class CsrfCheck:
    """ASGI middleware: refuse (403) a state-changing request without a valid token or from
    another origin (module docstring)."""

    def __init__(self, app: ASGIApp, tokens: Tokens) -> None:
        self.app = app
        self.tokens = tokens

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers") or []}
        foreign = _foreign_origin(headers)
        if foreign is not None:
            await message_response(scope["path"], 403, CROSS_SITE.format(origin=foreign[:100]))(
                scope, receive, send
            )
            return
        if self.tokens.valid(headers.get(HEADER.lower())):
            await self.app(scope, receive, send)
            return
        peeked, first = await _peek_first_field(headers.get("content-type", ""), receive)
        cookie = _cookie(headers.get("cookie", ""))
        if first is not None and first == cookie and self.tokens.valid(first):
            await self.app(scope, _replay(peeked, receive), send)
            return
        await message_response(scope["path"], 403, REFUSED)(scope, _replay(peeked, receive), send)


def _foreign_origin(headers: dict[str, str]) -> str | None:
    """The origin a browser says the request comes from, when it is not this server's."""
    origin = headers.get("origin") or headers.get("referer")
    if not origin:
        return None
    if origin == "null":
        return origin
    netloc = urlsplit(origin).netloc.lower()
    return None if netloc and netloc == headers.get("host", "").lower() else origin


def _cookie(header: str) -> str | None:
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(header)
    except Exception:  # noqa: BLE001 - a malformed Cookie header is no cookie
        return None
    morsel = jar.get(COOKIE)
    return morsel.value if morsel is not None else None


async def _peek_first_field(ctype: str, receive: Receive) -> tuple[list[Message], str | None]:
    """Read the body's first bytes (up to :data:`PEEK_BYTES`); the messages read and the value
    of the form's first field when it is ``csrf_token``."""
    kind = ctype.split(";")[0].strip().lower()
    if kind not in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return [], None
    messages: list[Message] = []
    body = b""
    while len(body) < PEEK_BYTES:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            break
        body += message.get("body", b"")
        if not message.get("more_body", False):
            break
    if kind == "application/x-www-form-urlencoded":
        pairs = parse_qsl(body[:PEEK_BYTES].split(b"&", 1)[0].decode("latin-1"))
        return messages, pairs[0][1] if pairs and pairs[0][0] == FIELD else None
    return messages, _first_part(ctype, body)


def _first_part(ctype: str, body: bytes) -> str | None:
    """The value of a multipart body's first part when it is the field ``csrf_token``."""
    boundary = next(
        (
            p.split("=", 1)[1].strip().strip('"')
            for p in ctype.split(";")[1:]
            if p.strip().startswith("boundary=")
        ),
        None,
    )
    if not boundary:
        return None
    start = f"--{boundary}\r\n".encode("latin-1")
    if not body.startswith(start):
        return None
    head_end = body.find(b"\r\n\r\n", len(start))
    if head_end < 0:
        return None
    head = body[len(start) : head_end].decode("latin-1").lower()
    if f'name="{FIELD}"' not in head or "filename=" in head:
        return None
    value_end = body.find(f"\r\n--{boundary}".encode("latin-1"), head_end + 4)
    return body[head_end + 4 : value_end].decode("latin-1") if value_end >= 0 else None


def _replay(messages: list[Message], receive: Receive) -> Receive:
    """A receive that gives ``messages`` again, then the rest of the body."""
    pending = list(messages)

    async def replayed() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replayed
