"""``POST /api/classify``: suggested categories for indicator texts (JSON in, JSON out)."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ...coding import classify as classify_items
from ..inputs import classify_args, json_body
from ..state import shared


async def classify(request: Request) -> Response:
    """``POST /api/classify``: ``{"items": [...], "top_k"?, "layout"?}`` → ``{"results": [...]}``."""
    pairs, top_k, layout = classify_args(await json_body(request))
    sh = shared(request)
    model = sh.models.model(sh.models.resolve(request.query_params.get("model")))
    preds = await run_in_threadpool(classify_items, pairs, model, top_k, layout)
    return JSONResponse({"results": [p.to_dict() for p in preds]})
