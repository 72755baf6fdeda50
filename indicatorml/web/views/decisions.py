"""A reviewer's decision through the API, and the decisions of a review as a file."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ...reviews import decision_json, load_review
from ..calls import decide_on
from ..exports import decisions_file
from ..inputs import decision_args, json_body
from ..state import shared
from ..uploads import attachment
from ..user import audit_line, user_name


async def create(request: Request) -> Response:
    """``POST /api/reviews/{id}/decisions``: JSON ``{"finding": id, "decision": …}`` or
    ``{"file": n, "row": r, …}`` → 201 with the stored decision (who and when)."""
    args = decision_args(await json_body(request))
    d = await run_in_threadpool(
        decide_on,
        shared(request),
        request.path_params["id"],
        user_name(request),
        args,
        audit_line(request, "decided"),
    )
    return JSONResponse(decision_json(d), status_code=201)


async def export(request: Request) -> Response:
    """``GET /api/reviews/{id}/decisions.xlsx`` (Chinese headers, for people) or ``.jsonl``
    (ids as keys, for scripts); ``?history=1`` for every decision ever made."""
    fmt = request.path_params["fmt"]
    if fmt not in ("xlsx", "jsonl"):
        raise HTTPException(404, "审核决定可以导出为 .xlsx 或 .jsonl")
    sh = shared(request)
    review = await run_in_threadpool(load_review, sh.store, request.path_params["id"])
    got = await run_in_threadpool(decisions_file, review, fmt, request.query_params.get("history") == "1")
    return Response(got.data, media_type=got.media_type, headers=attachment(got.name))
