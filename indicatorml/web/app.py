"""The routes: each page or API endpoint reads its input, calls the Python API off the event
loop (``run_in_threadpool``), and renders or returns the result. No checking, scoring or
searching is done here.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from .. import __version__
from ..checks.severity import SEVERITIES, SEVERITY_ZH
from ..errors import IndicatormlError
from ..tables.annotate import coded_name
from ..taxonomy import LAYOUTS, code_label
from . import jobs, views
from .limits import MAX_UPLOAD_BYTES, BodyLimit, error_response
from .state import DEFAULT, LOCAL, ServerState, Settings
from .uploads import Upload, attachment, media_type, read_uploads, staged

STATIC_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
}


def _static_files() -> dict[str, tuple[bytes, str]]:
    """The package's static files, read once: requests name a key of this dict, never a path."""
    out = {}
    for f in resources.files("indicatorml.web").joinpath("static").iterdir():
        suffix = Path(f.name).suffix
        if suffix in STATIC_TYPES:
            out[f.name] = (f.read_bytes(), STATIC_TYPES[suffix])
    return out


def create_app(settings: Settings | None = None, warm: bool = True) -> Starlette:
    """The web app. ``warm`` loads the model and the precedent index before the first request."""
    state = ServerState(settings or Settings())
    env = Environment(
        loader=PackageLoader("indicatorml.web", "templates"),
        autoescape=select_autoescape(["html"], default_for_string=True, default=True),
    )
    env.globals.update(
        version=__version__,
        severities=SEVERITIES,
        severity_zh=SEVERITY_ZH,
        label=code_label,
        upload_limit=MAX_UPLOAD_BYTES,  # the upload box checks it before sending
    )
    templates = Jinja2Templates(env=env)
    static = _static_files()

    def page(request: Request, name: str, status: int = 200, **context: Any) -> Response:
        context.update(active=name.split(".")[0], model_choice=state.choice, has_local=state.has_local())
        return templates.TemplateResponse(request, name, context, status_code=status)

    def which(request: Request) -> str | None:
        m = request.query_params.get("model")
        if m in (DEFAULT, LOCAL):
            if m == LOCAL and not state.has_local():
                raise IndicatormlError("这个服务器还没有本单位模型 (no local model trained on this server)")
            return m
        return None

    def top_param(request: Request, default: int = 10) -> int:
        try:
            return max(1, min(100, int(request.query_params.get("top", default))))
        except ValueError:
            raise IndicatormlError("top 应为 1–100 的整数 (top must be an integer)") from None

    async def uploads_of(request: Request, single: bool = False) -> list[Upload]:
        ctype = request.headers.get("content-type", "")
        if not ctype.startswith("multipart/form-data"):
            raise IndicatormlError(
                "请用 multipart/form-data 上传, 字段名 file (upload files as multipart field 'file')"
            )
        async with request.form(max_files=100) as form:
            ups = await read_uploads(form)
        if not ups:
            raise IndicatormlError("没有收到文件: 字段名应为 file (no file in multipart field 'file')")
        if single and len(ups) > 1:
            raise IndicatormlError("一次只能编码一个文件 (one file at a time)")
        return ups

    # ------------------------------------------------------------ work done in threads
    def do_review(ups: list[Upload], model_name: str | None) -> list[dict[str, Any]]:
        from ..checks import check_tables
        from ..coding import classify
        from ..tables import read_tables

        with staged(ups) as st, state.reading_uploads():
            tables = read_tables(st.paths)
            model = state.model(model_name)
            findings = check_tables(tables, model)
            preds = [classify(t.records, model) if t.records else [] for t in tables]
            return views.review(tables, findings, preds, st)

    def do_check(ups: list[Upload], model_name: str | None, xlsx: bool) -> Any:
        from ..checks import check_tables, write_findings_xlsx
        from ..tables import read_tables

        with staged(ups) as st, state.reading_uploads():
            tables = read_tables(st.paths)
            findings = check_tables(tables, state.model(model_name))
            if xlsx:
                out = st.folder / "审核.xlsx"
                write_findings_xlsx(tables, findings, str(out))
                return out.read_bytes()
            files = []
            for up, t in zip(ups, tables, strict=True):
                n_proj = (
                    len(t.projects) if t.kind == "seed" else len({r.project for r in t.records if r.project})
                )
                files.append(
                    {
                        "name": up.name,
                        "kind": t.kind,
                        "indicators": len(t.records),
                        "projects": n_proj,
                        "problems": [
                            {"file": up.name, "line": x.line, "reason": x.reason} for x in t.problems
                        ],
                    }
                )
            return {"files": files, "findings": [st.shown_dict(f.to_dict()) for f in findings]}

    def do_code(up: Upload, model_name: str | None) -> tuple[bytes, dict[str, str]]:
        from ..coding import code_table
        from ..tables import read_table

        with staged([up]) as st, state.reading_uploads():
            out = st.folder / f"coded{up.suffix or '.txt'}"
            table = read_table(st.paths[0])
            try:
                res = code_table(
                    st.paths[0], output=out, model=state.model_dir(model_name), stream=None, table=table
                )
            except IndicatormlError as e:
                problems = [{"file": up.name, "line": x.line, "reason": x.reason} for x in table.problems]
                raise _Answer(400, {"error": st.shown(str(e)), "problems": problems}) from None
            headers = {
                "X-Indicatorml-Coded": str(res.coded),
                "X-Indicatorml-Review": str(res.review),
                "X-Indicatorml-Kept": str(res.kept),
            }
            return out.read_bytes(), headers

    def do_suggest(indicator: str, target: str | None, model_name: str | None) -> dict[str, Any]:
        from ..coding import classify
        from ..precedents import precedents

        pred = classify([(indicator, target or None)], state.model(model_name))[0].to_dict()
        prec = precedents(indicator, top=8, index=state.index()).to_dict()
        return {"prediction": pred, "precedents": prec, "chart": views.target_chart(prec["targets"])}

    # ------------------------------------------------------------ pages
    async def home(request: Request) -> Response:
        return RedirectResponse("/review", status_code=303)

    async def review_page(request: Request) -> Response:
        return page(request, "review.html", files=None)

    async def review_post(request: Request) -> Response:
        ups = await uploads_of(request)
        model_name = request.query_params.get("model") or None
        files = await run_in_threadpool(
            do_review, ups, model_name if model_name in (DEFAULT, LOCAL) else None
        )
        token = state.reviews.add(ups)
        rules = sorted({r for f in files for r in f["rules"]})
        return page(request, "review.html", files=files, token=token, rules=rules)

    async def review_download(request: Request) -> Response:
        ups = state.reviews.get(request.path_params["token"])
        if ups is None:
            raise HTTPException(404, "这次审核的文件已不在服务器上(只保留最近几次、一小时内);请重新上传。")
        what = request.path_params["what"]
        if what == "workbook":
            data = await run_in_threadpool(do_check, ups, None, True)
            return Response(data, media_type=media_type("x.xlsx"), headers=attachment("审核结果.xlsx"))
        try:
            i = int(what)
            up = ups[i]
        except (ValueError, IndexError):
            raise HTTPException(404, "没有这个文件") from None
        data, headers = await run_in_threadpool(do_code, up, None)
        name = coded_name(up.name)
        return Response(data, media_type=media_type(name), headers={**attachment(name), **headers})

    async def write_page(request: Request) -> Response:
        indicator = request.query_params.get("indicator", "")
        target = request.query_params.get("target", "")
        panel = await suggest_context(indicator, target) if indicator.strip() else None
        return page(request, "write.html", indicator=indicator, target=target, panel=panel)

    async def suggest_context(indicator: str, target: str) -> dict[str, Any]:
        try:
            return await run_in_threadpool(do_suggest, indicator, target, None)
        except IndicatormlError as e:
            return {"error": str(e)}

    async def write_panel(request: Request) -> Response:
        indicator = request.query_params.get("indicator", "")
        target = request.query_params.get("target", "")
        panel = await suggest_context(indicator, target) if indicator.strip() else None
        return templates.TemplateResponse(request, "_panel.html", {"panel": panel})

    async def search_page(request: Request) -> Response:
        from ..precedents import search

        q = request.query_params.get("q", "")
        kind = request.query_params.get("kind", "indicator")
        kind = kind if kind in ("indicator", "goal") else "indicator"
        hits, error = None, None
        if q.strip():
            try:
                hits = await run_in_threadpool(search, q, kind, top_param(request, 20), state.index())
            except IndicatormlError as e:
                error = str(e)
        return page(request, "search.html", q=q, kind=kind, hits=hits, error=error)

    async def models_page(request: Request) -> Response:
        job = state.jobs.get(request.query_params.get("job", ""))
        default = state.model(DEFAULT)
        return page(
            request,
            "models.html",
            job=job.to_dict() if job else None,
            figures=state.local_figures(),
            default_training=default.training_ or {},
            default_path=state.settings.model or "随附模型 (shipped)",
        )

    async def models_train(request: Request) -> Response:
        ups = await uploads_of(request)
        job = jobs.start(state, ups)
        return RedirectResponse(f"/models?job={job.id}", status_code=303)

    async def models_use(request: Request) -> Response:
        async with request.form() as form:
            choice = str(form.get("model", DEFAULT))
        state.choose(choice)
        return RedirectResponse("/models", status_code=303)

    # ------------------------------------------------------------ JSON API
    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def api_check(request: Request) -> Response:
        ups = await uploads_of(request)
        xlsx = request.query_params.get("format") == "xlsx"
        result = await run_in_threadpool(do_check, ups, which(request), xlsx)
        if xlsx:
            return Response(result, media_type=media_type("x.xlsx"), headers=attachment("审核结果.xlsx"))
        return JSONResponse(result)

    async def api_classify(request: Request) -> Response:
        from ..coding import classify

        try:
            body = await request.json()
        except ValueError:
            raise IndicatormlError(
                '请求体应为 JSON: {"items": [{"indicator": "…", "target": "…"}]}'
            ) from None
        items = body.get("items") if isinstance(body, dict) else None
        if not isinstance(items, list):
            raise IndicatormlError('缺少 items 列表: {"items": [{"indicator": "…", "target": "…"}]}')
        pairs = []
        for k, it in enumerate(items):
            if isinstance(it, str):
                it = {"indicator": it}
            if not isinstance(it, dict) or not isinstance(it.get("indicator"), str):
                raise IndicatormlError(
                    f"items[{k}] 应为含 indicator 文本的对象 (an object with an 'indicator' string)"
                )
            t = it.get("target")
            pairs.append((it["indicator"], t if isinstance(t, str) and t.strip() else None))
        top_k = body.get("top_k", 3)
        layout = body.get("layout", "pre2021")
        if not isinstance(top_k, int) or top_k < 1:
            raise IndicatormlError("top_k 应为正整数")
        if layout not in LAYOUTS:
            raise IndicatormlError(f"layout 应为 {' 或 '.join(LAYOUTS)}")
        model = state.model(which(request))
        preds = await run_in_threadpool(classify, pairs, model, top_k, layout)
        return JSONResponse({"results": [p.to_dict() for p in preds]})

    async def api_precedents(request: Request) -> Response:
        from ..precedents import precedents

        text = request.query_params.get("text", "")
        p = await run_in_threadpool(precedents, text, top_param(request), state.index())
        return JSONResponse(p.to_dict())

    async def api_search(request: Request) -> Response:
        from ..precedents import search

        kind = request.query_params.get("kind", "indicator")
        if kind not in ("indicator", "goal"):
            raise IndicatormlError("kind 应为 indicator 或 goal")
        hits = await run_in_threadpool(
            search, request.query_params.get("q", ""), kind, top_param(request), state.index()
        )
        return JSONResponse({"hits": hits})

    async def api_code(request: Request) -> Response:
        ups = await uploads_of(request, single=True)
        data, headers = await run_in_threadpool(do_code, ups[0], which(request))
        name = coded_name(ups[0].name)
        return Response(data, media_type=media_type(name), headers={**attachment(name), **headers})

    async def api_job(request: Request) -> Response:
        job = state.jobs.get(request.path_params["job"])
        if job is None:
            raise HTTPException(404, "没有这个训练任务")
        return JSONResponse(job.to_dict())

    async def api_docs(request: Request) -> Response:
        return page(request, "api.html", limit_mb=MAX_UPLOAD_BYTES // (1024 * 1024))

    async def static_file(request: Request) -> Response:
        item = static.get(request.path_params["name"])
        if item is None:
            raise HTTPException(404, "没有这个文件")
        return Response(item[0], media_type=item[1], headers={"Cache-Control": "max-age=3600"})

    # ------------------------------------------------------------ errors: a message, never a traceback
    # Starlette types every handler as taking Exception; each is registered for one class below,
    # and anything else it is handed gets the last-resort answer.
    async def on_indicatorml_error(request: Request, exc: Exception) -> Response:
        return error_response(request.url.path, 400, str(exc))

    async def on_answer(request: Request, exc: Exception) -> Response:
        if not isinstance(exc, _Answer):
            return await on_error(request, exc)
        return (
            JSONResponse(exc.body, status_code=exc.status)
            if request.url.path.startswith("/api/")
            else error_response(request.url.path, exc.status, exc.body.get("error", ""))
        )

    async def on_http_error(request: Request, exc: Exception) -> Response:
        if not isinstance(exc, HTTPException):
            return await on_error(request, exc)
        return error_response(request.url.path, exc.status_code, str(exc.detail))

    async def on_error(request: Request, exc: Exception) -> Response:
        return error_response(request.url.path, 500, f"内部错误: {type(exc).__name__}: {exc}")

    routes = [
        Route("/", home),
        Route("/review", review_page, methods=["GET"]),
        Route("/review", review_post, methods=["POST"]),
        Route("/review/{token}/{what}", review_download),
        Route("/write", write_page),
        Route("/write/panel", write_panel),
        Route("/search", search_page),
        Route("/models", models_page, methods=["GET"]),
        Route("/models/train", models_train, methods=["POST"]),
        Route("/models/use", models_use, methods=["POST"]),
        Route("/healthz", healthz),
        Route("/api/docs", api_docs),
        Route("/api/check", api_check, methods=["POST"]),
        Route("/api/classify", api_classify, methods=["POST"]),
        Route("/api/precedents", api_precedents),
        Route("/api/search", api_search),
        Route("/api/code", api_code, methods=["POST"]),
        Route("/api/models/jobs/{job}", api_job),
        Route("/static/{name}", static_file),
    ]

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if warm:
            state.readers.start()  # the first upload does not wait for its reader to start
        yield
        state.readers.close()

    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        middleware=[Middleware(BodyLimit, limit=MAX_UPLOAD_BYTES)],
        exception_handlers={
            IndicatormlError: on_indicatorml_error,
            _Answer: on_answer,
            HTTPException: on_http_error,
            Exception: on_error,
        },
    )
    app.state.indicatorml = state
    if warm:
        try:
            state.model()
        except IndicatormlError:
            pass  # the pages say so when a model is needed
        state.index()
    return app


class _Answer(Exception):
    """A finished JSON answer raised from a worker thread (e.g. 400 with the reader's problems)."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(body.get("error"))
        self.status = status
        self.body = body
