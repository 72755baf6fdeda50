"""The 检索 page: the bureau's library first (with department, year and a link to the review),
then the shipped rows; filters by year, department and category; project goals too."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from ...errors import IndicatormlError
from ..inputs import int_param, library_filters, query_text, search_kind, search_text
from ..render import page
from ..state import shared


async def search_page(request: Request) -> Response:
    """``GET /search?q=…&kind=…&year=…&department=…&level2=…&source=…``."""
    q = query_text(request, "q", "检索词")
    sh = shared(request)
    context: dict[str, Any] = {"q": q, "kind": "indicator", "hits": None, "error": None}
    try:
        context["kind"] = search_kind(request)
        context["filters"] = library_filters(request)
        if q.strip():
            context["hits"] = await run_in_threadpool(_search, request, context["kind"], context["filters"])
    except IndicatormlError as e:
        context["error"] = str(e)
    context.setdefault("filters", {})
    context["facets"] = await run_in_threadpool(sh.library.facets, None)
    return page(request, "search.html", **context)


def _search(request: Request, kind: str, filters: dict[str, Any]) -> list[dict[str, Any]]:
    from ...precedents import search as search_goals

    sh = shared(request)
    q, top = search_text(request, "q"), int_param(request, "top", 20, 1, 100)
    if kind == "goal":
        return search_goals(q, "goal", top, sh.goal_index())
    return sh.library.search(q, top, **filters)
