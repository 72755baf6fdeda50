"""The 本单位模型 page: train a model on the bureau's labeled tables (a store job), see how it
compares with the default model, and choose which one every page uses; and a department's own
model trained from its reviewed tables in one action (用本部门已审核的表训练), with the one
sentence saying whether it beats the default model on the department's held-out year."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from ...errors import IndicatormlError
from ...reviews.department_model import department_models, queue_training
from ...store import NotFoundError
from ..access import visible_department
from ..inputs import form_of, optional_text, uploads_of
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
            job = job_json(found, await run_in_threadpool(expected_seconds, sh.store, found["kind"]))
        except NotFoundError:
            job = None
    default = await run_in_threadpool(sh.models.model, "default")
    local = sh.models.local()
    department = department_of(request) or optional_text(request.query_params.get("org"), "主管部门")
    own = await run_in_threadpool(department_models, sh.store, department) if department else None
    active = next(
        (m for m in (own or {}).get("models", []) if m.get("id") == (own or {}).get("active")), None
    )
    return page(
        request,
        "models.html",
        job=job,
        figures=local.get("figures") if local else None,
        default_training=default.training_ or {},
        default_path=sh.settings.model or "随附模型",
        department=department or "",
        department_fixed=department_of(request) is not None,
        department_model=active,
        department_models=(own or {}).get("models", []),
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


async def train_department(request: Request) -> Response:
    """``POST /models/department``: queue the department's model job (its reviewed rows, no
    upload), then show its progress. The department is the user's, else the form's ``org``."""
    fields = await form_of(request)
    # A reviewer trains their own department's model (the form's org is ignored); an admin, or
    # the single-user server, names the department in the form.
    own = visible_department(request, "model.department")
    if own == "":
        raise IndicatormlError("你的账号没有所属部门:请管理员先为账号设置部门,再训练本部门模型")
    department = own or optional_text(fields.get("org"), "主管部门") or department_of(request)
    if not department:
        raise IndicatormlError("请填写主管部门/单位名称:用这个单位已审核的表训练")
    sh = shared(request)
    job = await run_in_threadpool(
        queue_training, sh.store, department, user_name(request), client_ip(request)
    )
    sh.trainer.wake()
    return RedirectResponse(f"/models?{urlencode({'org': department, 'job': job['id']})}#department", 303)


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
    return JSONResponse(job_json(job, await run_in_threadpool(expected_seconds, sh.store, job["kind"])))
