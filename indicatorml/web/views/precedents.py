"""``/api/precedents`` and ``/api/search``: the bureau's library first, then the shipped rows."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..inputs import int_param, library_filters, search_kind, search_text
from ..state import shared


async def precedents(request: Request) -> Response:
    """``GET /api/precedents?text=…&top=K`` (+ ``year``, ``org``, ``department``, ``level2``,
    ``source`` filters): similar indicators, how they were filed, their targets."""
    text = search_text(request, "text")
    top = int_param(request, "top", 10, 1, 100)
    found = await run_in_threadpool(shared(request).library.precedents, text, top, **library_filters(request))
    return JSONResponse(found.to_dict())


async def search(request: Request) -> Response:
    """``GET /api/search?q=…&kind=indicator|goal&top=K`` (indicator search takes the filters)."""
    from ...precedents import search as search_goals

    kind = search_kind(request)
    q = search_text(request, "q")
    top = int_param(request, "top", 10, 1, 100)
    sh = shared(request)
    if kind == "goal":
        hits = await run_in_threadpool(search_goals, q, "goal", top, sh.goal_index())
    else:
        hits = await run_in_threadpool(sh.library.search, q, top, **library_filters(request))
    return JSONResponse({"hits": hits})
