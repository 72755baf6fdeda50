"""The 填报 page: a draft indicator as it is typed — the suggestion, its why, the rules'
findings on the draft and the library's precedents (the bureau's own rows first) — and last
year's row for it (``GET /api/last-year``: the department's stored review of the year before)."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ...errors import IndicatormlError
from ...reviews import last_year_row
from ..calls import draft_panel
from ..inputs import optional_int, query_text
from ..render import fragment, page
from ..state import shared
from ..user import department_of


async def write_page(request: Request) -> Response:
    """``GET /write``: the page, with the panel already filled for a draft in the address."""
    draft = _draft(request)
    panel = await _panel(request, draft)
    fixed = department_of(request)
    try:
        where = _where(request)
        last = await run_in_threadpool(_last_year, request, where, draft)
    except IndicatormlError as e:
        where, last = {"org": fixed or "", "year": None, "project": ""}, {"error": str(e)}
    return page(
        request,
        "write.html",
        indicator=draft["indicator"],
        target=draft["target"],
        level2=draft["level2"],
        panel=panel,
        org=where["org"],
        org_fixed=fixed is not None,
        year=where["year"],
        project=where["project"],
        last_year=last,
    )


async def last_year(request: Request) -> Response:
    """``GET /api/last-year?indicator=&year=&org=&project=&target=&level2=``: last year's row
    of the department for the indicator being typed (the 填报 page calls it; changes nothing).

    ``{"org", "year", "row": {project, indicator, target, actual, level2_code, year, file,
    review_id, file_n, row, score, link} | null}``; the department is the signed-in user's
    (:func:`~..user.department_of`), else ``org``; 400 without either, or without ``indicator``."""
    draft = _draft(request)
    where = _where(request)
    if not where["org"]:
        raise IndicatormlError("要给出 org(主管部门/单位),才能找到本单位去年的指标")
    if not draft["indicator"].strip():
        raise IndicatormlError("要给出 indicator(正在填写的指标)")
    row = await run_in_threadpool(_last_year, request, where, draft)
    return JSONResponse({"org": where["org"], "year": where["year"], "row": row})


async def write_panel(request: Request) -> Response:
    """``GET /write/panel``: the panel alone, for the page's script as the writer types."""
    return fragment(request, "_panel.html", panel=await _panel(request, _draft(request)))


def _draft(request: Request) -> dict[str, str]:
    return {
        "indicator": query_text(request, "indicator", "指标"),
        "target": query_text(request, "target", "指标值"),
        "level2": query_text(request, "level2", "类别"),
    }


def _where(request: Request) -> dict[str, Any]:
    """The department (the user's, else the ``org`` field), year and project being filled in."""
    return {
        "org": (department_of(request) or query_text(request, "org", "主管部门")).strip(),
        "year": optional_int(request.query_params.get("year"), "年度", 1900, 2999),
        "project": query_text(request, "project", "项目名称").strip(),
    }


def _last_year(request: Request, where: dict[str, Any], draft: dict[str, str]) -> dict[str, Any] | None:
    """Last year's row as the page and the API show it (with a link to its stored review)."""
    if not where["org"] or not draft["indicator"].strip():
        return None
    hit = last_year_row(
        shared(request).store,
        where["org"],
        draft["indicator"],
        year=where["year"],
        project=where["project"] or None,
        level2_code=draft["level2"] or None,
        target=draft["target"] or None,
    )
    if hit is None:
        return None
    out = hit.to_dict()
    out["link"] = f"/reviews/{hit.review_id}#r-{hit.file_n}-{hit.row}" if hit.review_id else None
    return out


async def _panel(request: Request, draft: dict[str, str]) -> dict[str, Any] | None:
    if not draft["indicator"].strip():
        return None
    sh = shared(request)
    try:
        return await run_in_threadpool(
            draft_panel,
            sh,
            draft["indicator"],
            draft["target"] or None,
            draft["level2"] or None,
            sh.models.choice(),
            department_of(request) or query_text(request, "org", "主管部门").strip() or None,
        )
    except IndicatormlError as e:
        return {"error": str(e)}
