"""Accounts in the web server (issue 18): serve's start rule, login and logout, the session cookie,
every route's action from the one permission table, 401/403, departments kept apart, audit lines
with the client's address — and the single-user server on 127.0.0.1 as it always was."""

from __future__ import annotations

import re
import warnings
from contextlib import closing
from urllib.parse import unquote

import pytest
from argon2 import Parameters, Type

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from indicatorml import accounts, cli  # noqa: E402
from indicatorml.accounts import ACTIONS, PERMISSIONS, AccountPolicy, ServeRefused  # noqa: E402
from indicatorml.store import open_store  # noqa: E402
from indicatorml.web import routes  # noqa: E402
from indicatorml.web.access import PUBLIC, SIGNED_IN, ActionRoute  # noqa: E402
from indicatorml.web.app import create_app  # noqa: E402
from indicatorml.web.session import COOKIE  # noqa: E402
from indicatorml.web.settings import Settings  # noqa: E402
from indicatorml.web.views.login import safe_next  # noqa: E402

from helpers import ROOT, SEED  # noqa: E402

FAST = AccountPolicy(argon2=Parameters(Type.ID, 19, 16, 32, 1, 8, 1), lockout_failures=3)
PASSWORD = "good-password"
USERS = [  # name, role, department
    ("admin", "管理", None),
    ("zhang", "审核", "预算处"),
    ("wang", "审核", "绩效处"),
    ("li", "填报", "预算处"),
    ("locked", "审核", "预算处"),
]


# ------------------------------------------------------------------ the route table
def test_every_route_names_its_action():
    """A route added as a plain Route, or with a made-up action, fails here; a route that
    changes something must name an action of the permission table (login and logout aside)."""
    not_in_table = {("/login", "POST"): PUBLIC, ("/logout", "POST"): SIGNED_IN}
    for route in routes.ROUTES:
        assert isinstance(route, ActionRoute), f"{route.path}: not an ActionRoute"
        assert route.action in (PUBLIC, SIGNED_IN, *ACTIONS), route.path
        for method in route.methods or ():
            if method in ("GET", "HEAD"):
                continue
            expected = not_in_table.get((route.path, method))
            if expected is not None:
                assert route.action == expected, route.path
            else:
                assert route.action in ACTIONS, f"{method} {route.path} changes something: name an action"


def test_a_route_with_an_unknown_action_is_refused():
    with pytest.raises(ValueError, match="unknown action"):
        ActionRoute("/x", lambda r: None, action="review.everything")


# ------------------------------------------------------------------ serve's start rule
def test_serve_refuses_every_address_without_accounts(tmp_path, capsys):
    code = cli.main(["serve", "--host", "0.0.0.0", "--data-dir", str(tmp_path / "d")])
    err = capsys.readouterr().err
    assert code == 2
    assert "拒绝在" in err and "indicatorml users add" in err and "Traceback" not in err
    with pytest.raises(ServeRefused):
        create_app(Settings(host="10.0.0.7", data_dir=tmp_path / "d"), warm=False)


def test_single_user_on_loopback_needs_no_login(tmp_path):
    app = create_app(Settings(data_dir=tmp_path), warm=False)
    with TestClient(app, base_url="http://localhost") as c:
        page = c.get("/review")
        assert page.status_code == 200 and "本机用户" in page.text and 'action="/logout"' not in page.text
        assert c.get("/api/reviews").status_code == 200
        assert c.get("/login?next=/search", follow_redirects=False).headers["location"] == "/search"


# ------------------------------------------------------------------ a server with accounts
@pytest.fixture(scope="module")
def app(tmp_path_factory):
    data = tmp_path_factory.mktemp("web-accounts")
    with open_store(None, data) as store:
        for name, role, department in USERS:
            accounts.create_user(store, name, PASSWORD, role, department, policy=FAST)
    app = create_app(Settings(data_dir=data, accounts=FAST), warm=False)
    with TestClient(app, base_url="http://localhost"):  # the app's lifespan: readers, trainer, store
        yield app


def browser(app, address: str = "10.9.9.9", base_url: str = "http://localhost", **kw) -> TestClient:
    """A client of the running app (its own cookies and address; the lifespan is the app fixture's)."""
    return TestClient(app, base_url=base_url, client=(address, 50000), **kw)


def form_token(c: TestClient) -> str:
    """The CSRF token a page's form carries (and the cookie it goes with)."""
    page = c.get("/login")
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def sign_in(c: TestClient, name: str, password: str = PASSWORD, next_path: str = "/"):
    token = c.get("/api/csrf").json()["token"]
    c.headers["X-CSRF-Token"] = token
    data = {"csrf_token": token, "name": name, "password": password, "next": next_path}
    return c.post("/login", data=data, follow_redirects=False)


@pytest.fixture(scope="module")
def clients(app):
    """One signed-in client per user, each from its own address."""
    out = {}
    for k, (name, _, _) in enumerate(USERS[:4]):
        c = browser(app, f"10.0.0.{k + 1}")
        assert sign_in(c, name).status_code == 303
        out[name] = c
    return out


@pytest.fixture(scope="module")
def reviews(clients):
    """A review by 张 (预算处) and one by 王 (绩效处)."""
    got = {}
    for name in ("zhang", "wang"):
        r = clients[name].post(
            "/api/reviews", files={"file": ("种子表.txt", SEED.read_bytes(), "text/plain")}
        )
        assert r.status_code == 201, r.text
        got[name] = r.json()
    return got


def test_without_a_session_pages_go_to_login_and_the_api_answers_401(app):
    with closing(browser(app)) as c:
        r = c.get("/reviews/abc?x=1", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/login?next=/reviews/abc%3Fx%3D1"
        api = c.get("/api/reviews")
        assert api.status_code == 401 and "请先登录" in api.json()["error"]
        assert c.post("/api/classify", json={"items": ["x"]}, headers=_token(c)).status_code == 401
        for public in ("/healthz", "/static/app.css", "/api/csrf", "/api/docs", "/login"):
            assert c.get(public).status_code == 200, public
        assert "用户名" in c.get("/login").text


def _token(c: TestClient) -> dict[str, str]:
    return {"X-CSRF-Token": c.get("/api/csrf").json()["token"]}


def test_login_sets_a_strict_httponly_cookie_and_goes_to_next(app):
    with closing(browser(app, "10.0.1.1", "http://localhost")) as c:
        r = sign_in(c, "zhang", next_path="/search?q=培训")
        assert r.status_code == 303 and unquote(r.headers["location"]) == "/search?q=培训"
        cookie = r.headers["set-cookie"]
        assert cookie.startswith(f"{COOKIE}=") and "HttpOnly" in cookie and "Path=/" in cookie
        assert "samesite=strict" in cookie.lower() and "Secure" not in cookie
        page = c.get("/review")
        assert page.status_code == 200 and "zhang" in page.text and "审核 · 预算处" in page.text
        assert 'action="/logout"' in page.text
    with closing(browser(app, "10.0.1.2", "https://localhost")) as c:
        assert "Secure" in sign_in(c, "zhang").headers["set-cookie"]


def test_login_and_logout_need_the_csrf_token(app):
    with closing(browser(app, "10.0.1.3", "http://localhost")) as c:
        bare = c.post("/login", data={"name": "zhang", "password": PASSWORD}, follow_redirects=False)
        assert bare.status_code == 403 and COOKIE not in bare.headers.get("set-cookie", "")
        token = form_token(c)  # the form's field, double-submitted with the cookie the page set
        ok = c.post(
            "/login",
            data={"csrf_token": token, "name": "zhang", "password": PASSWORD},
            follow_redirects=False,
        )
        assert ok.status_code == 303 and ok.headers["location"] == "/"
        assert c.post("/logout", follow_redirects=False).status_code == 403  # no token: still signed in
        assert c.get("/api/reviews").status_code == 200
        out = c.post("/logout", data={"csrf_token": token}, follow_redirects=False)
        assert out.status_code == 303 and out.headers["location"] == "/login"
        assert c.get("/api/reviews").status_code == 401


def test_a_session_ended_by_logout_is_dead_even_with_its_cookie(app):
    with closing(browser(app, "10.0.1.4", "http://localhost")) as c:
        sign_in(c, "li")
        stolen = c.cookies.get(COOKIE)
        c.post("/logout", headers=_token(c))
    with closing(browser(app, cookies={COOKIE: stolen})) as c:
        assert c.get("/api/reviews").status_code == 401


def test_wrong_password_and_lockout_show_the_accounts_messages(app):
    with closing(browser(app, "10.0.2.1", "http://localhost")) as c:
        wrong = sign_in(c, "locked", "not-the-password")
        assert wrong.status_code == 401 and "用户名或密码不对" in wrong.text
        assert COOKIE not in wrong.headers.get("set-cookie", "")
        assert sign_in(c, "nobody", "whatever-1").status_code == 401  # the same words for no such name
        for _ in range(2):
            last = sign_in(c, "locked", "not-the-password")
        assert (
            last.status_code == 429
            and "登录失败次数太多" in last.text
            and int(last.headers["Retry-After"]) > 0
        )
        right = sign_in(c, "locked")  # even the right password, while locked
        assert right.status_code == 429 and COOKIE not in right.headers.get("set-cookie", "")
    with closing(browser(app, "10.0.2.2", "http://localhost")) as c:
        assert sign_in(c, "locked").status_code == 303  # the lock is of that name from that address


@pytest.mark.parametrize(
    "asked, went",
    [
        ("/reviews/abc#r-1-2", "/reviews/abc#r-1-2"),
        ("https://evil.example/", "/"),
        ("//evil.example/x", "/"),
        ("/\\evil.example", "/"),
        ("/%0d%0aSet-Cookie:x", "/%0d%0aSet-Cookie:x"),  # still a local path (encoded)
        ("javascript:alert(1)", "/"),
        ("", "/"),
    ],
)
def test_next_is_only_a_local_path(app, asked, went):
    assert safe_next(asked) == went
    with closing(browser(app, "10.0.3.1", "http://localhost")) as c:
        assert sign_in(c, "zhang", next_path=asked).headers["location"] == went


def test_next_with_a_control_character_is_refused():
    assert safe_next("/a\r\nLocation: //evil") == "/" and safe_next("/" + "a" * 3000) == "/"


# ------------------------------------------------------------------ who may do what
def test_roles_follow_the_permission_table(clients):
    writer = clients["li"].post("/api/reviews", files={"file": ("种子表.txt", SEED.read_bytes())})
    assert writer.status_code == 403 and writer.json()["error"] == "填报账号不能上传审核"
    assert clients["li"].post("/api/classify", json={"items": ["群众满意度"]}).status_code == 200
    switch = clients["zhang"].post("/models/use", data={"model": "default"}, follow_redirects=False)
    assert switch.status_code == 403 and "审核账号不能切换模型" in switch.text and "<html" in switch.text
    assert clients["li"].get("/api/models/jobs/x").status_code == 403
    admin = clients["admin"].post("/models/use", data={"model": "default"}, follow_redirects=False)
    assert admin.status_code == 303
    assert clients["admin"].post("/api/reviews", files={"file": ("a.txt", b"x")}).status_code == 403
    for name in ("li", "zhang", "admin"):
        assert clients[name].get("/search?q=培训").status_code == 200
        assert clients[name].get("/write?indicator=满意度").status_code == 200
    assert 'action="/review"' not in clients["li"].get("/review").text  # no upload form for a writer
    assert 'action="/review"' in clients["zhang"].get("/review").text


def test_a_review_belongs_to_the_uploaders_department(clients, reviews):
    mine, theirs = reviews["zhang"]["id"], reviews["wang"]["id"]
    row = reviews["zhang"]["rows"][0]
    decision = {"file": row["file_n"], "row": row["row"], "decision": "keep", "comment": "看过"}
    wang = clients["wang"]
    refused = wang.get(f"/api/reviews/{mine}")
    assert refused.status_code == 403 and "只能查看审核本部门（绩效处）的内容" in refused.json()["error"]
    assert wang.get(f"/reviews/{mine}").status_code == 403
    assert wang.get(f"/api/reviews/{mine}/workbooks.zip").status_code == 403
    assert wang.get(f"/api/reviews/{mine}/decisions.jsonl").status_code == 403
    assert wang.post(f"/api/reviews/{mine}/decisions", json=decision).status_code == 403
    assert wang.get(f"/api/reviews/{theirs}").status_code == 200
    assert clients["zhang"].post(f"/api/reviews/{mine}/decisions", json=decision).status_code == 201
    # the writer of 预算处 sees it but does not decide; the admin sees both, decides neither
    assert clients["li"].get(f"/reviews/{mine}").status_code == 200
    assert clients["li"].post(f"/api/reviews/{mine}/decisions", json=decision).status_code == 403
    assert clients["admin"].get(f"/api/reviews/{theirs}").status_code == 200
    assert clients["admin"].post(f"/api/reviews/{mine}/decisions", json=decision).status_code == 403
    listed = {n: {r["id"] for r in clients[n].get("/api/reviews").json()["reviews"]} for n in clients}
    assert listed == {"zhang": {mine}, "wang": {theirs}, "li": {mine}, "admin": {mine, theirs}}
    assert mine not in wang.get("/review").text and theirs in wang.get("/review").text


def test_a_review_of_no_department_is_only_the_admins(app, clients):
    """A review stored by the single-user server (no department) is nobody's own."""
    from indicatorml.reviews import create_review

    orphan = create_review(app.state.store, [SEED], names=["单机.txt"], history=False).id
    refused = clients["zhang"].get(f"/api/reviews/{orphan}")
    assert refused.status_code == 403 and "没有部门" in refused.json()["error"]
    assert clients["admin"].get(f"/api/reviews/{orphan}").status_code == 200
    assert orphan not in {r["id"] for r in clients["li"].get("/api/reviews").json()["reviews"]}


def test_audit_lines_name_the_user_and_the_address(app, clients, reviews):
    mine = reviews["zhang"]["id"]
    row = reviews["zhang"]["rows"][1]
    made = clients["zhang"].post(
        f"/reviews/{mine}/decisions",
        data={"file": str(row["file_n"]), "row": str(row["row"]), "decision": "keep"},
        follow_redirects=False,
    )
    assert made.status_code == 303
    clients["admin"].post("/models/use", data={"model": "default"}, follow_redirects=False)
    log = app.state.store.audit_log(limit=1000)
    reviewed = [e for e in log if e["action"] == "reviewed" and e["object_id"] == mine]
    assert [(e["user_name"], e["department"], e["ip"]) for e in reviewed] == [("zhang", "预算处", "10.0.0.2")]
    decided = [e for e in log if e["action"] == "decided" and e["details"]["review"] == mine]
    assert decided and {(e["user_name"], e["department"], e["ip"]) for e in decided} == {
        ("zhang", "预算处", "10.0.0.2")
    }
    switched = [e for e in log if e["action"] == "model_switched"]
    assert switched and (switched[-1]["user_name"], switched[-1]["ip"]) == ("admin", "10.0.0.1")
    assert switched[-1]["details"]["model"] == "default"
    logins = [e for e in log if e["action"] == "login" and e["user_name"] == "wang"]
    assert logins and logins[0]["ip"] == "10.0.0.3"
    assert len(reviewed) == 1  # the store's own line, with the ip laid over: no second line


# ------------------------------------------------------------------ the docs say what the table says
def test_the_readme_role_table_is_the_permission_table():
    """Each row of the README's role table lists actions by their Chinese names; its cells must
    be what PERMISSIONS gives each role (✓/全部: all, 本部门: own, —: nothing)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line.startswith("| ") and line.count("|") == 5]
    header = next(i for i, line in enumerate(rows) if line.startswith("| 可以做的事"))
    roles = [accounts.role_id(c.strip()) for c in rows[header].split("|")[2:5]]
    mark = {"✓": "all", "全部": "all", "本部门": "own", "—": None}
    seen = set()
    for line in rows[header + 1 :]:
        cells = [c.strip() for c in line.split("|")[1:5]]
        if set(cells[0]) <= {"-", " "}:
            continue
        actions = [a for a, zh in accounts.ACTION_NAMES.items() if zh in cells[0]]
        if not actions:
            break
        for action in actions:
            seen.add(action)
            got = {role: mark[cell] for role, cell in zip(roles, cells[1:], strict=True)}
            assert got == {r: PERMISSIONS[action].get(r) for r in roles}, (action, line)
    assert seen == set(ACTIONS), f"the README's role table leaves out {set(ACTIONS) - seen}"


# ------------------------------------------------------------------ the 账号 page
def test_the_admin_adds_changes_and_disables_an_account(app, clients):
    admin = clients["admin"]
    listed = admin.get("/users")
    assert listed.status_code == 200 and 'data-user="wang"' in listed.text and 'href="/users"' in listed.text
    assert 'href="/users"' not in clients["zhang"].get("/review").text  # no link for others
    assert clients["zhang"].get("/users").status_code == 403
    assert (
        clients["zhang"].post("/users", data={"name": "x", "password": "p" * 10, "role": "管理"}).status_code
        == 403
    )
    new = {
        "name": "Zhao",
        "display_name": "赵六",
        "role": "填报",
        "department": "社保处",
        "password": "zhao-password",
    }
    assert admin.post("/users", data=new, follow_redirects=False).status_code == 303
    short = admin.post("/users", data={**new, "name": "qian", "password": "short"})
    assert short.status_code == 400 and "密码" in short.text
    zhao = browser(app, "10.0.5.1")
    assert sign_in(zhao, "zhao", "zhao-password").status_code == 303
    assert zhao.post("/api/reviews", files={"file": ("a.txt", b"x")}).status_code == 403  # a writer
    changed = admin.post("/users/zhao", data={"op": "change", "role": "审核", "department": "社保处"})
    row = re.search(r'<tr data-user="zhao">(.*?)</tr>', changed.text, re.S).group(1)
    assert changed.status_code == 200 and "<td>审核</td>" in row and "<td>社保处</td>" in row
    assert zhao.get("/review").text.count('action="/review"') == 1  # now a reviewer: the upload form
    assert admin.post("/users/zhao", data={"op": "disable"}, follow_redirects=False).status_code == 303
    assert zhao.get("/api/reviews").status_code == 401  # the session ended with the account
    assert "已停用" in sign_in(zhao, "zhao", "zhao-password").text
    log = [(e["action"], e["user_name"], e["ip"]) for e in app.state.store.audit_log(limit=1000)]
    for action in ("user_created", "user_changed", "user_disabled"):
        assert (action, "admin", "10.0.0.1") in log


def test_the_users_page_of_the_single_user_server_says_to_use_the_command_line(tmp_path):
    app = create_app(Settings(data_dir=tmp_path), warm=False)
    with TestClient(app, base_url="http://localhost") as c:
        r = c.get("/users")
        assert r.status_code == 403 and "indicatorml users add" in r.text


def test_a_script_logs_in_with_the_header_token_and_keeps_the_cookie(app):
    """As /api/docs shows it: the token in X-CSRF-Token, name and password as form fields."""
    with closing(browser(app, "10.0.6.1")) as c:
        token = c.get("/api/csrf").json()["token"]
        c.headers["X-CSRF-Token"] = token
        assert (
            c.post("/login", data={"name": "li", "password": PASSWORD}, follow_redirects=False).status_code
            == 303
        )
        assert c.get("/api/reviews").status_code == 200
    assert "登录(服务器有账号时)" in browser(app).get("/api/docs").text


def test_the_login_and_users_pages_speak_chinese(app, clients):
    from test_web_pages import assert_chinese

    with closing(browser(app, "10.0.7.1")) as c:
        assert_chinese(c.get("/login").text, "login page")
        refused = sign_in(c, "zhang", "not-the-password").text
        assert_chinese(refused.replace('value="zhang"', ""), "login refused")  # the name as typed
    users = clients["admin"].get("/users").text
    names = "|".join(
        [n for n, _, _ in USERS] + ["zhao"]
    )  # the accounts' names are data, not words of the page
    assert_chinese(re.sub(rf"\b({names})\b", "", users), "users page")
    assert_chinese(clients["li"].get("/users").text, "users refused")


# ------------------------------------------------------------------ a department's own model
def test_a_reviewer_trains_only_their_own_departments_model(app, clients):
    """审核 trains 本部门 (the form's org is ignored), 管理 names any department, 填报 may not;
    the job keeps the requester's address for its "trained" audit line."""
    store = app.state.store
    zhang = clients["zhang"].post("/models/department", data={"org": "绩效处"}, follow_redirects=False)
    assert zhang.status_code == 303, zhang.text
    admin = clients["admin"].post("/models/department", data={"org": "绩效处"}, follow_redirects=False)
    assert admin.status_code == 303, admin.text
    writer = clients["li"].post("/models/department", data={"org": "预算处"}, follow_redirects=False)
    assert writer.status_code == 403 and "训练本部门模型" in writer.text
    jobs = sorted(store.list_jobs(kind="department-model"), key=lambda j: j["created_at"])
    assert [(j["department"], j["created_by"], j["input"].get("ip")) for j in jobs] == [
        ("预算处", "zhang", "10.0.0.2"),
        ("绩效处", "admin", "10.0.0.1"),
    ]


def test_last_years_row_is_looked_up_in_the_users_own_department(clients):
    """A writer of 预算处 asking for another department's last year gets their own department's."""
    r = clients["li"].get(
        "/api/last-year", params={"indicator": "入户走访次数", "org": "绩效处", "year": 2025}
    )
    assert r.status_code == 200 and r.json()["org"] == "预算处"


def test_pages_offer_only_the_forms_the_role_may_send(clients, reviews):
    """A writer sees a review of their department without decision forms and the models page
    without the switch, training and department forms; the reviewer gets the decision forms."""
    rid = reviews["zhang"]["id"]
    as_writer, as_reviewer = clients["li"].get(f"/reviews/{rid}"), clients["zhang"].get(f"/reviews/{rid}")
    assert as_writer.status_code == 200 and as_reviewer.status_code == 200
    assert "decide-form" not in as_writer.text and "decide-form" in as_reviewer.text
    models = clients["li"].get("/models").text
    for action in ("/models/use", "/models/train", "/models/department"):
        assert f'action="{action}"' not in models
    assert "只有管理员可以切换" in models
    assert 'action="/models/department"' in clients["zhang"].get("/models").text


def test_library_hits_link_only_to_reviews_the_user_may_open(clients, reviews):
    """Both departments' reviewed rows are found (the library is shared), but a hit links to its
    stored review only for a user who may open that review — no link that would answer 403."""
    ids = {name: r["id"] for name, r in reviews.items()}
    page = clients["zhang"].get("/search", params={"q": "获赔率", "top": 50})
    assert page.status_code == 200
    assert f"/reviews/{ids['zhang']}#" in page.text and f"/reviews/{ids['wang']}#" not in page.text
    admin = clients["admin"].get("/search", params={"q": "获赔率", "top": 50}).text
    assert f"/reviews/{ids['zhang']}#" in admin and f"/reviews/{ids['wang']}#" in admin


def test_static_files_and_the_health_check_skip_the_session_lookup(clients, monkeypatch):
    from indicatorml.web import session

    calls = []
    real = session.session_user
    monkeypatch.setattr(session, "session_user", lambda *a, **k: calls.append(1) or real(*a, **k))
    zhang = clients["zhang"]
    assert zhang.get("/static/app.css").status_code == 200 and zhang.get("/healthz").status_code == 200
    assert calls == []
    assert zhang.get("/review").status_code == 200 and calls == [1]
    # what skips the lookup must be public in the route table (a page needing the user would break)
    for route in routes.ROUTES:
        if route.path.startswith(session.NO_SESSION):
            assert route.action == PUBLIC, route.path
