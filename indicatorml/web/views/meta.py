"""Home, health, static files, the CSRF token for API clients, and the API's own page."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from ..csrf import FIELD, HEADER, set_token_cookie, token_for
from ..inputs import MAX_FILES, MAX_ITEMS, MAX_JSON_BYTES, MAX_TEXT
from ..limits import MAX_UPLOAD_BYTES
from ..render import page
from ..state import shared


async def home(request: Request) -> Response:
    """``GET /``: the 审核 page is where a reviewer starts."""
    return RedirectResponse("/review", status_code=303)


async def healthz(request: Request) -> Response:
    """``GET /healthz``: the process answers (for a load balancer or a service manager)."""
    return JSONResponse({"status": "ok"})


async def csrf_token(request: Request) -> Response:
    """``GET /api/csrf``: a token for ``X-CSRF-Token`` (and the cookie a form would need)."""
    token, new = token_for(request)
    response = JSONResponse({"token": token, "header": HEADER, "field": FIELD})
    if new:
        set_token_cookie(response, token)
    return response


async def api_docs(request: Request) -> Response:
    """``GET /api/docs``: the API described in Chinese, with its limits and the CSRF token."""
    limits = {
        "upload_mb": MAX_UPLOAD_BYTES // (1024 * 1024),
        "files": MAX_FILES,
        "json_mb": MAX_JSON_BYTES // (1024 * 1024),
        "max_items": MAX_ITEMS,
        "text": MAX_TEXT,
    }
    return page(request, "api.html", limits=limits)


async def static_file(request: Request) -> Response:
    """``GET /static/{name}``: one of the package's files, by name from a fixed set (never a path)."""
    item = shared(request).static.get(request.path_params["name"])
    if item is None:
        raise HTTPException(404, "没有这个文件")
    return Response(item[0], media_type=item[1], headers={"Cache-Control": "max-age=3600"})
