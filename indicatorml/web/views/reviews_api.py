"""``/api/reviews``: store a review of uploaded files, read one back, list them."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ...reviews import Review, load_review, summary_rows
from ..access import visible_department
from ..calls import review_body, review_uploads
from ..inputs import int_param, review_fields, uploads_of
from ..state import shared
from ..user import audit_line, department_of, user_name


async def store_uploaded(request: Request, asked: str | None = None) -> Review:
    """The review of a request's uploaded files (``file``, ``year``, ``org``), stored for its
    user and department; ``asked``: the model the request named (None: the chosen one, or the
    department's own). The API's POST and the 审核 page's upload both store through here."""
    uploads, fields = await uploads_of(request)
    year, org = review_fields(fields)
    sh = shared(request)
    return await run_in_threadpool(
        review_uploads,
        sh,
        uploads,
        year=year,
        org=org,
        which=sh.models.resolve(asked),
        user=user_name(request),
        department=department_of(request),
        own_model=not asked,
        audit=audit_line(request, "reviewed"),
    )


async def create(request: Request) -> Response:
    """``POST /api/reviews``: multipart ``file`` (repeatable), optional ``year``, ``org`` → 201."""
    review = await store_uploaded(request, request.query_params.get("model"))
    sh = shared(request)
    body = await run_in_threadpool(review_body, sh, review)
    return JSONResponse(body, status_code=201, headers={"Location": f"/api/reviews/{review.id}"})


async def show(request: Request) -> Response:
    """``GET /api/reviews/{id}``: the stored review, its findings with their ids, its decisions,
    and ``last_year`` (each project with a last year beside it)."""
    sh = shared(request)
    review = await run_in_threadpool(load_review, sh.store, request.path_params["id"])
    return JSONResponse(await run_in_threadpool(review_body, sh, review))


async def listing(request: Request) -> Response:
    """``GET /api/reviews?limit=&offset=``: the newest reviews first (those the user may see:
    their department's, or all for a role that sees all)."""
    limit = int_param(request, "limit", 50, 1, 500)
    offset = int_param(request, "offset", 0, 0, 10**9)
    department = visible_department(request)
    found = await run_in_threadpool(
        shared(request).store.list_reviews, department=department, limit=limit, offset=offset
    )
    return JSONResponse({"reviews": summary_rows(found)})
