"""The upload limit: 20 MB per request, counted on the bytes themselves.

Why count and not only trust Content-Length: a chunked upload has none, and a client can lie.
The header is checked first (an honest large upload is refused before it is read); then every
body chunk is counted as the app reads it, and the read stops with 413 once past the limit.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


def too_large_message(limit: int) -> str:
    return (
        f"上传内容超过 {limit // (1024 * 1024)} MB 的上限,没有处理。请把表格拆成几个文件分别上传。"
        f" (upload larger than {limit // (1024 * 1024)} MB)"
    )


def error_response(path: str, status: int, message: str) -> Response:
    """JSON for the API, a short Chinese page for a browser."""
    if path.startswith("/api/"):
        return JSONResponse({"error": message}, status_code=status)
    from html import escape

    return HTMLResponse(
        f"<!doctype html><meta charset=utf-8><title>{status}</title>"
        f"<p style='font:16px sans-serif;margin:2em'>{escape(message)}"
        f"<p style='margin:2em'><a href='javascript:history.back()'>返回</a>",
        status_code=status,
    )


class BodyLimit:
    """ASGI middleware: refuse request bodies over ``limit`` bytes with 413."""

    def __init__(self, app: ASGIApp, limit: int = MAX_UPLOAD_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None:
            try:
                too_big = int(length) > self.limit
            except ValueError:
                too_big = False
            if too_big:
                await error_response(scope["path"], 413, too_large_message(self.limit))(scope, receive, send)
                return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    # Raised inside the endpoint's read, so the app's 413 handler answers.
                    raise HTTPException(413, too_large_message(self.limit))
            return message

        await self.app(scope, counted, send)
