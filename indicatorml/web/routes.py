"""Every path the server answers, in one place: the pages, then the JSON API.

Read this table to know the whole surface; each view is a few lines in :mod:`.views`. Every
method but GET changes something and passes the CSRF check first (:mod:`.csrf`). Every route
names who may open it (:class:`~.access.ActionRoute`): an action of the permission table
(:data:`indicatorml.accounts.PERMISSIONS`), ``SIGNED_IN`` or ``PUBLIC`` — checked before its view
runs; a test walks this table so that no state-changing route goes without an action.
"""

from __future__ import annotations

from starlette.routing import BaseRoute

from .access import PUBLIC, SIGNED_IN, ActionRoute
from .views import (
    check,
    classify,
    code,
    decisions,
    downloads,
    login,
    meta,
    models,
    precedents,
    review_pages,
    reviews_api,
    search,
    users,
    write,
)

REVIEW = "/api/reviews/{id:str}"

ROUTES: list[BaseRoute] = [
    # ---------------------------------------------------------------- pages
    ActionRoute("/", meta.home, action=SIGNED_IN),
    ActionRoute("/review", review_pages.home, methods=["GET"], action="review.view"),
    ActionRoute("/review", review_pages.upload, methods=["POST"], action="review.create"),
    ActionRoute("/reviews/{id:str}", review_pages.show, methods=["GET"], action="review.view"),
    ActionRoute(
        "/reviews/{id:str}/decisions", review_pages.decide_form, methods=["POST"], action="review.decide"
    ),
    ActionRoute("/write", write.write_page, action="classify"),
    ActionRoute("/write/panel", write.write_panel, action="classify"),
    ActionRoute("/search", search.search_page, action="search"),
    ActionRoute("/models", models.models_page, methods=["GET"], action=SIGNED_IN),
    ActionRoute("/models/train", models.train, methods=["POST"], action="model.train"),
    ActionRoute("/models/use", models.use, methods=["POST"], action="model.switch"),
    ActionRoute("/models/department", models.train_department, methods=["POST"], action="model.department"),
    ActionRoute("/static/{name:str}", meta.static_file, action=PUBLIC),
    ActionRoute("/healthz", meta.healthz, action=PUBLIC),
    ActionRoute("/login", login.login_page, methods=["GET"], action=PUBLIC),
    ActionRoute("/login", login.login_form, methods=["POST"], action=PUBLIC),
    ActionRoute("/logout", login.logout_form, methods=["POST"], action=SIGNED_IN),
    ActionRoute("/users", users.users_page, methods=["GET"], action="users.manage"),
    ActionRoute("/users", users.add, methods=["POST"], action="users.manage"),
    ActionRoute("/users/{name:str}", users.change, methods=["POST"], action="users.manage"),
    # ---------------------------------------------------------------- the JSON API
    ActionRoute("/api/docs", meta.api_docs, action=PUBLIC),
    ActionRoute("/api/csrf", meta.csrf_token, action=PUBLIC),
    ActionRoute("/api/reviews", reviews_api.listing, methods=["GET"], action="review.view"),
    ActionRoute("/api/reviews", reviews_api.create, methods=["POST"], action="review.create"),
    ActionRoute(REVIEW, reviews_api.show, methods=["GET"], action="review.view"),
    ActionRoute(REVIEW + "/decisions", decisions.create, methods=["POST"], action="review.decide"),
    ActionRoute(REVIEW + "/decisions.{fmt:str}", decisions.export, methods=["GET"], action="review.view"),
    ActionRoute(REVIEW + "/files/{n:int}/workbook", downloads.workbook, action="review.view"),
    ActionRoute(REVIEW + "/files/{n:int}/coded", downloads.coded, action="review.view"),
    ActionRoute(REVIEW + "/workbooks.zip", downloads.workbooks, action="review.view"),
    ActionRoute("/api/check", check.check, methods=["POST"], action="check"),
    ActionRoute("/api/classify", classify.classify, methods=["POST"], action="classify"),
    ActionRoute("/api/precedents", precedents.precedents, action="search"),
    ActionRoute("/api/search", precedents.search, action="search"),
    ActionRoute("/api/code", code.code, methods=["POST"], action="classify"),
    ActionRoute("/api/models/jobs/{job:str}", models.job_status, action="model.train"),
    ActionRoute("/api/last-year", write.last_year, action="review.view"),
]
