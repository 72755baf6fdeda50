"""A stored review's files: each annotated workbook under its own name, the zip, the coded file.

They read the stored review and the stored upload bytes only (the review pipeline never
re-checks for a download), so what is downloaded is what the page showed.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from ...reviews import Download, file_coded, file_workbook, load_review, workbooks_zip
from ..calls import written
from ..state import shared
from ..uploads import attachment


def _answer(got: Download) -> Response:
    return Response(got.data, media_type=got.media_type, headers=attachment(got.name))


def _file_n(request: Request) -> int:
    return int(request.path_params["n"])  # the route's {n:int} has made it digits


async def workbook(request: Request) -> Response:
    """``GET /api/reviews/{id}/files/{n}/workbook``: ``<stem>.审核.xlsx``."""
    sh = shared(request)
    store = sh.store
    review = await run_in_threadpool(load_review, store, request.path_params["id"])
    return _answer(await run_in_threadpool(written, sh, file_workbook, review, _file_n(request), store))


async def coded(request: Request) -> Response:
    """``GET /api/reviews/{id}/files/{n}/coded``: the file coded with the review's suggestions."""
    sh = shared(request)
    store = sh.store
    review = await run_in_threadpool(load_review, store, request.path_params["id"])
    return _answer(await run_in_threadpool(written, sh, file_coded, review, _file_n(request), store))


async def workbooks(request: Request) -> Response:
    """``GET /api/reviews/{id}/workbooks.zip``: every file's workbook, each under its own name."""
    sh = shared(request)
    store = sh.store
    review = await run_in_threadpool(load_review, store, request.path_params["id"])
    return _answer(await run_in_threadpool(written, sh, workbooks_zip, review, store))
