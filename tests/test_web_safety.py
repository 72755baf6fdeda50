"""Issue 18's web part: a CSRF token on every state-changing request, the Host header checked,
and limits that answer — each with its own Chinese message, none a 500 or a reset.

The TestClient tests pin each rule; the live tests send the requests that used to take the
server down (1,000,000 items, deeply nested JSON, a 200,000-character query, a DNS-rebinding
Host) to uvicorn on loopback, as a client would.
"""

from __future__ import annotations

import http.client
import json
import re
import urllib.parse
import warnings
from urllib.parse import urlsplit

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from indicatorml.web.app import create_app  # noqa: E402
from indicatorml.web.csrf import Tokens  # noqa: E402
from indicatorml.web.hosts import allowed, host_name  # noqa: E402
from indicatorml.web.inputs import MAX_DEPTH, MAX_ITEMS, json_depth  # noqa: E402
from indicatorml.web.routes import ROUTES  # noqa: E402
from indicatorml.web.settings import Settings  # noqa: E402

from helpers import SEED  # noqa: E402
from web_server import csrf_token, live_server  # noqa: E402

STATE_CHANGING = sorted(
    {(r.path, m) for r in ROUTES for m in (getattr(r, "methods", None) or ()) if m not in ("GET", "HEAD")}
)


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    return create_app(
        Settings(data_dir=tmp_path_factory.mktemp("web-safety"), allowed_hosts=("budget.example",))
    )


@pytest.fixture
def browser(app):
    """A browser without any token yet (cookies kept between requests)."""
    with TestClient(app, base_url="http://localhost") as c:
        yield c


@pytest.fixture(scope="module")
def client(app):
    with TestClient(app, base_url="http://localhost") as c:
        c.headers["X-CSRF-Token"] = c.get("/api/csrf").json()["token"]
        yield c


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "x", path)


# ---------------------------------------------------------------- CSRF
def test_every_state_changing_route_is_in_the_table():
    assert ("/api/reviews", "POST") in STATE_CHANGING and ("/models/use", "POST") in STATE_CHANGING
    assert len(STATE_CHANGING) >= 9


@pytest.mark.parametrize("path,method", STATE_CHANGING)
def test_no_token_no_change(browser, path, method):
    """Each state-changing route refuses a request without a token (a form another site made)."""
    r = browser.request(method, _concrete(path), data={"model": "local", "decision": "keep"})
    assert r.status_code == 403 and "防跨站令牌" in r.text


def test_a_cross_site_form_cannot_switch_the_model(app, browser):
    """Issue 18: an auto-submitted form on another site posted /models/use (and poisoned training)."""
    browser.get("/models")  # the reviewer has the page open: her browser holds the cookie
    r = browser.post("/models/use", data={"model": "local"}, headers={"Origin": "http://evil.example"})
    assert r.status_code == 403 and "别的网站" in r.text
    r = browser.post("/models/use", data={"model": "local"})  # the other site cannot know the token
    assert r.status_code == 403
    assert app.state.store.get_setting("web.model_choice") is None


def test_a_forms_token_must_equal_the_cookie(app, browser):
    page = browser.get("/models").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert (
        browser.post(
            "/models/use", data={"csrf_token": token, "model": "default"}, follow_redirects=False
        ).status_code
        == 303
    )
    other = Tokens.from_store(app.state.store).issue()  # signed by this server, but not this browser's
    r = browser.post("/models/use", data={"csrf_token": other, "model": "default"})
    assert r.status_code == 403
    with TestClient(app, base_url="http://localhost") as fresh:  # a browser without the cookie
        assert fresh.post("/models/use", data={"csrf_token": token, "model": "default"}).status_code == 403
    # The field must come first (the page's forms put it there): a late one is not looked for.
    late = browser.post("/models/use", data={"model": "default", "csrf_token": token})
    assert late.status_code == 403


def test_a_multipart_forms_token_is_read_from_its_first_part(browser):
    page = browser.get("/review").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    r = browser.post(
        "/review",
        data={"csrf_token": token},
        files={"file": ("种子表.txt", SEED.read_bytes())},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"].startswith("/reviews/")


def test_a_forged_or_stale_header_token_is_refused(browser, app):
    for bad in ("", "abc", "x.y", Tokens("another secret").issue(), "a." + "0" * 32):
        r = browser.post("/api/classify", json={"items": ["群众满意度"]}, headers={"X-CSRF-Token": bad})
        assert r.status_code == 403, bad
    good = browser.get("/api/csrf").json()
    assert good["header"] == "X-CSRF-Token" and Tokens.from_store(app.state.store).valid(good["token"])
    r = browser.post("/api/classify", json={"items": ["群众满意度"]}, headers={"X-CSRF-Token": good["token"]})
    assert r.status_code == 200


@pytest.mark.parametrize("origin", ["http://evil.example", "null", "http://localhost.evil.example"])
def test_a_foreign_origin_is_refused_even_with_a_token(client, origin):
    r = client.post("/api/classify", json={"items": ["群众满意度"]}, headers={"Origin": origin})
    assert r.status_code == 403 and "别的网站" in r.json()["error"]
    r = client.post("/api/classify", json={"items": ["群众满意度"]}, headers={"Referer": origin + "/page"})
    assert r.status_code == 403


def test_this_servers_own_origin_passes(client):
    r = client.post("/api/classify", json={"items": ["群众满意度"]}, headers={"Origin": "http://localhost"})
    assert r.status_code == 200
    r = client.post(
        "/api/classify", json={"items": ["群众满意度"]}, headers={"Referer": "http://localhost/write"}
    )
    assert r.status_code == 200


def test_the_secret_is_shared_through_the_store(app, tmp_path):
    """A second server process on the same store accepts the first one's tokens."""
    store = app.state.store
    token = Tokens.from_store(store).issue()
    assert Tokens.from_store(store).valid(token) and not Tokens("x").valid(token)


# ---------------------------------------------------------------- Host
@pytest.mark.parametrize(
    "host,ok",
    [
        ("localhost:8765", True),
        ("127.0.0.1:8765", True),
        ("[::1]:8765", True),
        ("10.1.2.3", True),
        ("budget.example", True),
        ("BUDGET.example:443", True),
        ("evil.example", False),
        ("localhost.evil.example", False),
        ("", False),
        (None, False),
    ],
)
def test_host_names(host, ok):
    names = Settings(allowed_hosts=("budget.example",)).host_names()
    assert allowed(host, names) is ok


def test_host_name_drops_the_port():
    assert host_name("Example.org:80") == "example.org" and host_name("[::1]:8765") == "[::1]"


def test_a_rebinding_host_gets_400(client):
    r = client.get("/models", headers={"Host": "attacker.example"})
    assert r.status_code == 400 and "attacker.example" in r.text and "--allowed-host" in r.text
    assert client.get("/api/reviews", headers={"Host": "attacker.example:8765"}).status_code == 400
    assert client.get("/models", headers={"Host": "budget.example"}).status_code == 200


def test_the_bound_name_is_allowed():
    assert "reviews.bureau.local" in Settings(host="reviews.bureau.local").host_names()
    assert "0.0.0.0" not in Settings(host="0.0.0.0").host_names()


# ---------------------------------------------------------------- limits that answer
def test_classify_refuses_text_plain_and_other_types(client):
    for ctype in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", ""):
        r = client.post("/api/classify", content=b'{"items": ["a"]}', headers={"Content-Type": ctype})
        assert r.status_code == 415 and "application/json" in r.json()["error"], ctype


def test_too_many_items_is_413(client):
    r = client.post("/api/classify", json={"items": ["培训人次"] * (MAX_ITEMS + 1)})
    assert r.status_code == 413 and f"{MAX_ITEMS:,}" in r.json()["error"]
    assert client.post("/api/classify", json={"items": ["培训人次"] * MAX_ITEMS}).status_code == 200


def test_a_body_over_the_json_limit_is_413(client):
    body = json.dumps({"items": ["a"] * 1_000_000}).encode()
    r = client.post("/api/classify", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and "MB" in r.json()["error"]


def test_deep_json_is_400(client):
    for depth in (MAX_DEPTH + 1, 100_000):
        body = "[" * depth + "]" * depth
        r = client.post("/api/classify", content=body, headers={"Content-Type": "application/json"})
        assert r.status_code == 400 and "嵌套" in r.json()["error"], depth


def test_json_depth_counts_without_recursion():
    assert json_depth(1) == 0 and json_depth([]) == 1 and json_depth({"a": [{"b": []}]}) == 4
    deep: list = []
    for _ in range(50_000):
        deep = [deep]
    assert json_depth(deep) == 50_001


@pytest.mark.parametrize(
    "path,params,words",
    [
        (
            "/api/precedents",
            {"text": "满" * 5000},
            "5,000",
        ),  # httpx refuses longer URLs; the live test sends 200,000
        ("/api/search", {"q": "满" * 2001}, "2,000"),
        ("/api/precedents", {"text": "满意度", "top": "1000"}, "1–100"),
        ("/api/precedents", {"text": "满意度", "year": "next"}, "年度"),
        ("/api/search", {"q": "满意度", "kind": "x"}, "kind"),
    ],
)
def test_query_limits_are_400_with_a_message(client, path, params, words):
    r = client.get(path, params=params)
    assert r.status_code == 400 and words in r.json()["error"], r.text


def test_an_indicator_over_the_limit_is_400(client):
    r = client.post("/api/classify", json={"items": [{"indicator": "字" * 2001}]})
    assert r.status_code == 400 and "2,000" in r.json()["error"]
    page = client.get("/write", params={"indicator": "字" * 2001})
    assert page.status_code == 400 and "2,000" in page.text


def test_too_many_files_is_413(client):
    files = [("file", (f"{k}.csv", b"a,b\n")) for k in range(101)]
    r = client.post("/api/check", files=files)
    assert r.status_code == 413 and "100 个文件" in r.json()["error"]


# ---------------------------------------------------------------- the same, live
@pytest.fixture(scope="module")
def live(tmp_path_factory):
    with live_server(tmp_path_factory.mktemp("live-safety")) as url:
        yield url


def _send(url: str, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None):
    """(status, body) over a raw connection: a reset raises here instead of passing as an answer."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        return r.status, r.read()
    finally:
        conn.close()


def test_live_hostile_requests_each_get_their_message(live):
    token = csrf_token(live)
    json_headers = {"Content-Type": "application/json", "X-CSRF-Token": token}
    million = json.dumps({"items": ["群众满意度"] * 1_000_000}).encode()
    status, body = _send(live, "POST", "/api/classify", million, json_headers)
    assert status == 413 and "MB" in json.loads(body)["error"]
    deep = ("[" * 200_000 + "]" * 200_000).encode()
    status, body = _send(live, "POST", "/api/classify", deep, json_headers)
    assert status == 400 and "嵌套" in json.loads(body)["error"]
    query = urllib.parse.quote("满" * 200_000)
    status, body = _send(live, "GET", f"/api/precedents?text={query}")
    assert status == 400 and "200,000" in json.loads(body)["error"]
    status, body = _send(
        live, "POST", "/api/classify", b"items=1", {"Content-Type": "text/plain", "X-CSRF-Token": token}
    )
    assert status == 415
    status, body = _send(live, "POST", "/api/classify", b'{"items": ["a"]}', {"Content-Type": "text/plain"})
    assert status == 403  # a form on another site: no token
    assert _send(live, "GET", "/healthz")[0] == 200  # and the server is still there


def test_live_dns_rebinding_is_refused(live):
    """The attacker's page, once its name points at 127.0.0.1, asks with its own Host."""
    status, body = _send(live, "GET", "/models", headers={"Host": "rebind.attacker.example:8765"})
    assert status == 400 and "rebind.attacker.example" in body.decode()
    status, _ = _send(
        live,
        "POST",
        "/api/check",
        b"x" * (5 << 20),
        {"Host": "rebind.attacker.example", "Content-Type": "text/plain"},
    )
    assert status == 400  # answered after the body was read: no reset
    assert _send(live, "GET", "/models", headers={"Host": "localhost"})[0] == 200
