"""``POST /api/check``: a stateless review of the uploaded files, nothing stored.

JSON by default (each file's own name, kind and counts, the findings as the CLI's JSONL);
``?format=xlsx`` gives the file's own ``<stem>.审核.xlsx`` for one file, and for several a zip
of them, each under its own name.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ...reviews import file_workbook, workbooks_zip
from ..calls import check_uploads, written
from ..inputs import uploads_of
from ..shaping import check_json
from ..state import shared
from ..uploads import attachment


async def check(request: Request) -> Response:
    """``POST /api/check``: see the module docstring."""
    uploads, _ = await uploads_of(request)
    sh = shared(request)
    review = await run_in_threadpool(
        check_uploads, sh, uploads, sh.models.resolve(request.query_params.get("model"))
    )
    if request.query_params.get("format") != "xlsx":
        return JSONResponse(check_json(review))
    one = len(review.files) == 1
    got = (
        await run_in_threadpool(written, sh, file_workbook, review, 1)
        if one
        else await run_in_threadpool(written, sh, workbooks_zip, review)
    )
    return Response(got.data, media_type=got.media_type, headers=attachment(got.name))
