"""Every error as a message: JSON ``{"error": …}`` for the API, a short Chinese page for a browser.

Why one place: a traceback must never reach a user, and no 500 may reach a browser for a bad
file (BRIEF). The Python API raises :class:`~indicatorml.errors.IndicatormlError` (and the
store its subclasses) with a Chinese message the user can act on; here each becomes its status —
404 for what does not exist, 403 for what the user's role may not do, 503 for a database that cannot be reached, 400 for the rest — and
anything unexpected becomes a 500 that names only the kind of error (the traceback goes to the
server's log, never to the page: it can name server paths).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from html import escape
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from ..accounts import Forbidden
from ..errors import IndicatormlError
from ..store import CorruptError, InvalidError, NotFoundError, StoreError

__all__ = ["Answer", "message_response", "status_of", "HANDLERS"]

log = logging.getLogger("indicatorml.web")


class Answer(Exception):
    """A finished JSON answer raised from deep in a call (e.g. 400 with the reader's problems)."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(body.get("error"))
        self.status = status
        self.body = body


def message_response(
    path: str, status: int, message: str, headers: Mapping[str, str] | None = None
) -> Response:
    """JSON for the API (``/api/…``), a short Chinese page for a browser."""
    if path.startswith("/api/"):
        return JSONResponse({"error": message}, status_code=status, headers=headers)
    return HTMLResponse(
        "<!doctype html><html lang='zh-CN'><meta charset=utf-8>"
        f"<title>{status} · indicatorml</title><link rel=stylesheet href='/static/app.css'>"
        "<header class=top><span class=brand>indicatorml <small>绩效目标表</small></span></header>"
        f"<main><h1>没有完成</h1><p class=error-message>{escape(message)}</p>"
        "<p><a href='javascript:history.back()'>返回上一页</a> · <a href='/review'>审核首页</a></p></main>",
        status_code=status,
        headers=headers,
    )


def status_of(exc: IndicatormlError) -> int:
    """The HTTP status of an API error: what does not exist is 404, an unreachable or damaged
    database is the server's problem (503, 500), everything else the request's (400)."""
    if isinstance(exc, NotFoundError):
        return 404
    if isinstance(exc, Forbidden):  # the permission table said no (accounts.permissions)
        return 403
    if isinstance(exc, CorruptError):
        return 500
    if isinstance(exc, StoreError) and not isinstance(exc, InvalidError):
        return 503
    return 400


async def _on_indicatorml_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, IndicatormlError)
    return message_response(request.url.path, status_of(exc), str(exc))


async def _on_answer(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Answer)
    if request.url.path.startswith("/api/"):
        return JSONResponse(exc.body, status_code=exc.status)
    return message_response(request.url.path, exc.status, str(exc.body.get("error", "")))


async def _on_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    detail = str(exc.detail)
    if detail.isascii():  # Starlette's own English reasons ("Not Found", "Method Not Allowed")
        detail = _STATUS_ZH.get(exc.status_code, f"请求没有完成（{exc.status_code}）")
    return message_response(request.url.path, exc.status_code, detail, headers=exc.headers)


async def _on_error(request: Request, exc: Exception) -> Response:
    log.error("内部错误: %s %s", request.method, request.url.path, exc_info=exc)
    return message_response(
        request.url.path, 500, f"内部错误（{type(exc).__name__}）：请求没有完成，详情已记在服务器日志里。"
    )


_STATUS_ZH = {
    400: "请求的格式不对",
    404: "没有这个页面或文件",
    405: "这个地址不接受这种请求方法",
    413: "请求太大",
    415: "请求体的类型不对",
}

# Registered by create_app, each for its class (Starlette picks the most specific one).
HANDLERS = {
    Answer: _on_answer,
    IndicatormlError: _on_indicatorml_error,
    HTTPException: _on_http_error,
    Exception: _on_error,
}
