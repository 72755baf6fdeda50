"""The upload limit: 20 MB per request, counted on the bytes themselves.

Why count and not only trust Content-Length: a chunked upload has none, and a client can lie.
The header is checked first (an honest large upload is refused before it is parsed); then
every body chunk is counted as the app reads it, and the read stops with 413 once past the
limit.

Why the rest of an oversize body is read (and thrown away) before the 413 is sent: a client
that sends its whole body before reading the answer — ``urllib``, a browser without a size
check — is still writing when the server answers and closes, and the unread bytes make the
connection end in a reset: the user saw "Failed to fetch", not the message. Up to
``DISCARD_BYTES`` the body is drained chunk by chunk (nothing is kept), so such a client
finishes sending and reads the 413; past that the connection is closed (a client sending
more than that is not waiting for an answer).
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import message_response

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
DISCARD_BYTES = 100 * 1024 * 1024


def too_large_message(limit: int) -> str:
    return f"上传内容超过 {limit // (1024 * 1024)} MB 的上限,没有处理。请把表格拆成几个文件分别上传。"


async def drain(receive: Receive, seen: int, bound: int) -> None:
    """Read and drop the rest of a request body, up to ``bound`` bytes in all (``seen`` already
    read), so that a client sending it whole can then read the answer."""
    more = True
    while more and seen <= bound:  # past the bound the server closes: the client sees a reset
        message = await receive()
        if message["type"] != "http.request":
            return  # the client went away
        seen += len(message.get("body", b""))
        more = bool(message.get("more_body", False))


class BodyLimit:
    """ASGI middleware: refuse request bodies over ``limit`` bytes with 413, after draining up
    to ``discard`` bytes of them (see the module docstring)."""

    def __init__(self, app: ASGIApp, limit: int = MAX_UPLOAD_BYTES, discard: int = DISCARD_BYTES) -> None:
        self.app = app
        self.limit = limit
        self.discard = discard

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        # A client that asked "100-continue" has not sent its body yet and will not: answer now.
        waits = headers.get(b"expect", b"").lower() == b"100-continue"
        if length is not None:
            try:
                too_big = int(length) > self.limit
            except ValueError:
                too_big = False
            if too_big:
                if int(length) <= self.discard and not waits:
                    await drain(receive, 0, self.discard)
                await message_response(scope["path"], 413, too_large_message(self.limit))(
                    scope, receive, send
                )
                return
        seen = 0
        complete = False

        async def counted() -> Message:
            nonlocal seen, complete
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                complete = not message.get("more_body", False)
                if seen > self.limit:
                    # Raised inside the endpoint's read, so the app's 413 handler answers.
                    raise HTTPException(413, too_large_message(self.limit))
            else:
                complete = True  # disconnected
            return message

        async def answer(message: Message) -> None:
            nonlocal complete
            # Any answer given before the body was read (a 413, a 400 for a wrong form) first
            # drains the rest, so a client sending its body whole can read it.
            if message["type"] == "http.response.start" and not complete and not waits:
                complete = True
                await drain(receive, seen, self.discard)
            await send(message)

        await self.app(scope, counted, answer)
