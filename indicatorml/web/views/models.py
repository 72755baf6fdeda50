"""The 本单位模型 page: train a model on the bureau's labeled tables (a store job), see how it
compares with the default model, and choose which one every page uses."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from ...store import NotFoundError
from ..inputs import form_of, uploads_of
from ..render import page
from ..state import shared
from ..user import audit_line, client_ip, department_of, user_name
from ..worker import expected_seconds, job_json, submit


async def models_page(request: Request) -> Response:
    """``GET /models?job=…``: the choice, the training form, a job's progress, the figures."""
    sh = shared(request)
    job = None
    if request.query_params.get("job"):
        try:
            found = await run_in_threadpool(sh.store.get_job, request.query_params["job"])
            job = job_json(found, await run_in_threadpool(expected_seconds, sh.store))
        except NotFoundError:
            job = None
    default = await run_in_threadpool(sh.models.model, "default")
    local = sh.models.local()
    return page(
        request,
        "models.html",
        job=job,
        figures=local.get("figures") if local else None,
        default_training=default.training_ or {},
        default_path=sh.settings.model or "随附模型",
    )


async def train(request: Request) -> Response:
    """``POST /models/train``: queue a training job on the uploaded tables, show its progress."""
    uploads, _ = await uploads_of(request)
    sh = shared(request)
    job = await run_in_threadpool(
        submit, sh.store, sh.settings, uploads, user_name(request), department_of(request), client_ip(request)
    )
    sh.trainer.wake()
    return RedirectResponse(f"/models?job={job['id']}", status_code=303)


async def use(request: Request) -> Response:
    """``POST /models/use``: every page and API call of every process uses the chosen model."""
    fields = await form_of(request)
    line = audit_line(request, "model_switched", object_kind="model")
    await run_in_threadpool(shared(request).models.choose, fields.get("model", "default"), line)
    return RedirectResponse("/models", status_code=303)


async def job_status(request: Request) -> Response:
    """``GET /api/models/jobs/{job}``: a training job's state, stage and time."""
    sh = shared(request)
    job = await run_in_threadpool(sh.store.get_job, request.path_params["job"])
    return JSONResponse(job_json(job, await run_in_threadpool(expected_seconds, sh.store)))
