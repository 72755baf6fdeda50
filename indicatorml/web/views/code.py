"""``POST /api/code``: one draft file coded and written back in its own kind."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from ..calls import code_upload
from ..inputs import uploads_of
from ..state import shared
from ..uploads import attachment, media_type


async def code(request: Request) -> Response:
    """``POST /api/code``: the coded file, with the counts in ``X-Indicatorml-*`` headers."""
    uploads, _ = await uploads_of(request, single=True)
    sh = shared(request)
    data, name, headers = await run_in_threadpool(
        code_upload, sh, uploads[0], sh.models.resolve(request.query_params.get("model"))
    )
    return Response(data, media_type=media_type(name), headers={**attachment(name), **headers})
