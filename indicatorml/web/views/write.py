"""The 填报 page: a draft indicator as it is typed — the suggestion, its why, the rules'
findings on the draft and the library's precedents (the bureau's own rows first)."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from ...errors import IndicatormlError
from ..calls import draft_panel
from ..inputs import query_text
from ..render import fragment, page
from ..state import shared


async def write_page(request: Request) -> Response:
    """``GET /write``: the page, with the panel already filled for a draft in the address."""
    draft = _draft(request)
    panel = await _panel(request, draft)
    return page(
        request,
        "write.html",
        indicator=draft["indicator"],
        target=draft["target"],
        level2=draft["level2"],
        panel=panel,
    )


async def write_panel(request: Request) -> Response:
    """``GET /write/panel``: the panel alone, for the page's script as the writer types."""
    return fragment(request, "_panel.html", panel=await _panel(request, _draft(request)))


def _draft(request: Request) -> dict[str, str]:
    return {
        "indicator": query_text(request, "indicator", "指标"),
        "target": query_text(request, "target", "指标值"),
        "level2": query_text(request, "level2", "类别"),
    }


async def _panel(request: Request, draft: dict[str, str]) -> dict[str, Any] | None:
    if not draft["indicator"].strip():
        return None
    sh = shared(request)
    try:
        return await run_in_threadpool(
            draft_panel,
            sh,
            draft["indicator"],
            draft["target"] or None,
            draft["level2"] or None,
            sh.models.choice(),
        )
    except IndicatormlError as e:
        return {"error": str(e)}
