"""Each view can be imported and called alone, with nothing but a request whose app holds the
shared state (Datasette style); the route table names every view once; no function of the web
layer is long (create_app is wiring, not a 301-line closure)."""

from __future__ import annotations

import ast
import asyncio
import json
import warnings
from pathlib import Path

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.requests import Request

from indicatorml.store import NotFoundError  # noqa: E402
from indicatorml.web import routes  # noqa: E402
from indicatorml.web.app import create_app  # noqa: E402
from indicatorml.web.settings import Settings  # noqa: E402
from indicatorml.web.views import meta, precedents, reviews_api, search  # noqa: E402

from helpers import ROOT  # noqa: E402

WEB = ROOT / "indicatorml" / "web"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    return create_app(Settings(data_dir=tmp_path_factory.mktemp("web-views")), warm=False)


def call(view, app, path: str, query: str = "", **path_params):
    """``view`` called directly with a GET request for ``path``: (status, body)."""
    scope = {
        "type": "http",
        "method": "GET",
        "path": path,
        "query_string": query.encode(),
        "headers": [(b"host", b"localhost")],
        "app": app,
        "state": {"user": None},
        "path_params": path_params,
    }
    response = asyncio.run(view(Request(scope)))
    return response.status_code, response.body


def test_a_view_is_a_plain_function_of_a_request(app):
    assert call(meta.healthz, app, "/healthz") == (200, b'{"status":"ok"}')
    status, body = call(
        precedents.precedents, app, "/api/precedents", "text=%E6%BB%A1%E6%84%8F%E5%BA%A6&top=3"
    )
    assert status == 200 and len(json.loads(body)["hits"]) == 3
    status, body = call(reviews_api.listing, app, "/api/reviews")
    assert status == 200 and json.loads(body) == {"reviews": []}
    status, body = call(search.search_page, app, "/search", "q=%E5%9F%B9%E8%AE%AD")
    assert status == 200 and "条结果" in body.decode()
    with pytest.raises(NotFoundError):  # the app's handlers make it a 404; the view just raises
        call(reviews_api.show, app, "/api/reviews/x", id="nope")


def test_every_route_names_a_view_of_the_views_package():
    for route in routes.ROUTES:
        endpoint = route.endpoint  # type: ignore[attr-defined]
        assert endpoint.__module__.startswith("indicatorml.web.views."), route.path
        assert endpoint.__doc__, f"{route.path}: a view says what it answers"


def _functions(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node.name, node.end_lineno - node.lineno + 1


@pytest.mark.parametrize("path", sorted(WEB.rglob("*.py")), ids=lambda p: str(p.relative_to(WEB)))
def test_no_web_function_is_long(path):
    long = [(name, n) for name, n in _functions(path) if n > 60]
    assert not long, f"{path.name}: {long}"


def test_create_app_is_wiring_only():
    lengths = dict(_functions(WEB / "app.py"))
    assert lengths["create_app"] <= 30
