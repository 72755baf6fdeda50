"""``POST /api/classify``: suggested categories for indicator texts (JSON in, JSON out).

``?org=`` (or the signed-in user's department) names the department asking: its own model
answers where it has one and no ``?model=`` is given; never another department's."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ...coding import classify as classify_items
from ..inputs import classify_args, json_body, optional_text
from ..state import shared
from ..user import department_of


async def classify(request: Request) -> Response:
    """``POST /api/classify``: ``{"items": [...], "top_k"?, "layout"?}`` → ``{"results": [...]}``."""
    pairs, top_k, layout = classify_args(await json_body(request))
    sh = shared(request)
    department = department_of(request) or optional_text(request.query_params.get("org"), "主管部门")
    model = await run_in_threadpool(sh.models.model_for, department, request.query_params.get("model"))
    preds = await run_in_threadpool(classify_items, pairs, model, top_k, layout)
    return JSONResponse({"results": [p.to_dict() for p in preds]})
