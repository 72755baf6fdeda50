"""Every path the server answers, in one place: the pages, then the JSON API.

Read this table to know the whole surface; each view is a few lines in :mod:`.views`. Every
method but GET changes something and passes the CSRF check first (:mod:`.csrf`).
"""

from __future__ import annotations

from starlette.routing import BaseRoute, Route

from .views import (
    check,
    classify,
    code,
    decisions,
    downloads,
    meta,
    models,
    precedents,
    review_pages,
    reviews_api,
    search,
    write,
)

REVIEW = "/api/reviews/{id:str}"

ROUTES: list[BaseRoute] = [
    # ---------------------------------------------------------------- pages
    Route("/", meta.home),
    Route("/review", review_pages.home, methods=["GET"]),
    Route("/review", review_pages.upload, methods=["POST"]),
    Route("/reviews/{id:str}", review_pages.show, methods=["GET"]),
    Route("/reviews/{id:str}/decisions", review_pages.decide_form, methods=["POST"]),
    Route("/write", write.write_page),
    Route("/write/panel", write.write_panel),
    Route("/search", search.search_page),
    Route("/models", models.models_page, methods=["GET"]),
    Route("/models/train", models.train, methods=["POST"]),
    Route("/models/use", models.use, methods=["POST"]),
    Route("/static/{name:str}", meta.static_file),
    Route("/healthz", meta.healthz),
    Route("/models/department", models.train_department, methods=["POST"]),
    # ---------------------------------------------------------------- the JSON API
    Route("/api/docs", meta.api_docs),
    Route("/api/csrf", meta.csrf_token),
    Route("/api/reviews", reviews_api.listing, methods=["GET"]),
    Route("/api/reviews", reviews_api.create, methods=["POST"]),
    Route(REVIEW, reviews_api.show, methods=["GET"]),
    Route(REVIEW + "/decisions", decisions.create, methods=["POST"]),
    Route(REVIEW + "/decisions.{fmt:str}", decisions.export, methods=["GET"]),
    Route(REVIEW + "/files/{n:int}/workbook", downloads.workbook),
    Route(REVIEW + "/files/{n:int}/coded", downloads.coded),
    Route(REVIEW + "/workbooks.zip", downloads.workbooks),
    Route("/api/check", check.check, methods=["POST"]),
    Route("/api/classify", classify.classify, methods=["POST"]),
    Route("/api/precedents", precedents.precedents),
    Route("/api/search", precedents.search),
    Route("/api/code", code.code, methods=["POST"]),
    Route("/api/models/jobs/{job:str}", models.job_status),
    Route("/api/last-year", write.last_year),
]
