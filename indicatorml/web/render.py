"""Rendering a page: the templates (autoescaped), and what every page is given.

Why autoescape everywhere (``default=True``): every text a user gave — file names, indicators,
comments, queries — reaches a page; Jinja's escaping turns ``<script>`` into text, and no
template marks anything ``|safe``. Every page gets the CSRF token (for its forms' first hidden
field and for its scripts' ``X-CSRF-Token`` header; the cookie is set when the browser has no
valid one), the user's name (and role, for the header's 退出 button), which model the pages use, and the upload limit the upload box
checks before sending.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from .. import __version__
from ..accounts import ROLE_NAMES
from ..checks import GRADE_MEANING, GRADES, SEVERITIES, SEVERITY_ZH
from ..taxonomy import LEVEL2, code_label
from .access import may, may_view_review
from .csrf import FIELD, HEADER, set_token_cookie, token_for
from .limits import MAX_UPLOAD_BYTES
from .shaping import local_time, review_link
from .user import LOCAL_USER, header_user, user_name

__all__ = ["make_templates", "page", "fragment"]


def make_templates() -> Jinja2Templates:
    env = Environment(
        loader=PackageLoader("indicatorml.web", "templates"),
        autoescape=select_autoescape(["html"], default_for_string=True, default=True),
    )
    env.globals.update(
        version=__version__,
        severities=SEVERITIES,
        severity_zh=SEVERITY_ZH,
        grades=GRADES,
        grade_meaning=GRADE_MEANING,
        label=code_label,
        level2_categories=[(c.code, c.label) for c in LEVEL2],
        upload_limit=MAX_UPLOAD_BYTES,  # the upload box checks it before sending
        csrf_field=FIELD,
        csrf_header=HEADER,
        review_link=review_link,
        local_user=LOCAL_USER,
        role_zh=ROLE_NAMES,
    )
    env.filters["when"] = local_time
    return Jinja2Templates(env=env)


def page(request: Request, name: str, status: int = 200, **context: Any) -> Response:
    """Render template ``name`` as a whole page."""
    token, new = token_for(request)
    state = request.app.state  # .state.Shared's parts (render is imported by state: no import back)
    context.update(
        active=name.split(".")[0],
        csrf_token=token,
        user=user_name(request),
        account=header_user(request),
        may=lambda action: may(request, action),
        review_link=visible_link(request),
        model_choice=state.models.choice(),
        has_local=state.models.local() is not None,
    )
    templates: Jinja2Templates = state.templates
    response = templates.TemplateResponse(request, name, context, status_code=status)
    if new:
        set_token_cookie(response, token)
    return response


def fragment(request: Request, name: str, **context: Any) -> Response:
    """Render a part of a page (the 填报 panel) that scripts put into a page already shown."""
    templates: Jinja2Templates = request.app.state.templates
    context.setdefault("review_link", visible_link(request))
    return templates.TemplateResponse(request, name, context)


def visible_link(request: Request) -> Callable[[dict[str, Any]], str | None]:
    """``review_link`` for this user: a library hit links to its stored review only where the
    user may open it (another department's review would answer 403)."""

    def link(hit: dict[str, Any]) -> str | None:
        return review_link(hit) if may_view_review(request, hit.get("department")) else None

    return link
