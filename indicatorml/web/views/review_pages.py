"""The 审核 pages: upload files (a stored review, then its own page), the list of recent reviews,
one review with its findings and decisions, and a decision sent by a plain form."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ...reviews import load_review, summary_rows
from ..access import visible_department
from ..calls import decide_on, review_body
from ..inputs import decision_args, form_of
from ..render import page
from ..shaping import review_page
from ..state import shared
from ..user import audit_line, user_name
from .reviews_api import store_uploaded

RECENT = 20  # reviews listed on the upload page


async def home(request: Request) -> Response:
    """``GET /review``: the upload form and the most recent reviews (those the user may see)."""
    department = visible_department(request)
    found = await run_in_threadpool(shared(request).store.list_reviews, department=department, limit=RECENT)
    return page(request, "review.html", recent=summary_rows(found))


async def upload(request: Request) -> Response:
    """``POST /review``: store a review of the uploaded files and go to its page (303)."""
    review = await store_uploaded(request)
    return RedirectResponse(f"/reviews/{review.id}", status_code=303)


async def show(request: Request) -> Response:
    """``GET /reviews/{id}``: the review as the reviewer works on it (each project with last
    year's indicators, targets and actuals beside this year's, where last year is stored)."""
    sh = shared(request)
    review = await run_in_threadpool(load_review, sh.store, request.path_params["id"])
    data = await run_in_threadpool(review_body, sh, review)
    return page(request, "review_show.html", review=data, view=review_page(data))


async def decide_form(request: Request) -> Response:
    """``POST /reviews/{id}/decisions`` from the page without scripts: record, then back to the row."""
    fields = await form_of(request)
    args = decision_args(fields)
    review_id = request.path_params["id"]
    audit = audit_line(request, "decided")
    d = await run_in_threadpool(decide_on, shared(request), review_id, user_name(request), args, audit)
    anchor = f"#r-{d['file_n']}-{d['row']}" if d["row"] is not None else ""
    return RedirectResponse(f"/reviews/{review_id}{anchor}", status_code=303)
