"""The accounts API: the permission table, passwords, login and lockout, sessions, the serve policy, the audit lines.

A cheap argon2 policy keeps these fast (the default's cost is a figure of
benchmarks/bench_accounts.py, not a test); one test uses the default parameters to show a
stored hash is upgraded at login when the parameters change.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from argon2 import Parameters, Type

from indicatorml import accounts
from indicatorml.accounts import (
    AccountPolicy,
    Forbidden,
    LoginFailed,
    PasswordError,
    ServeRefused,
    can,
    create_user,
    login,
    logout,
    serve_policy,
    session_user,
)
from indicatorml.store import InvalidError, open_store

FAST = AccountPolicy(argon2=Parameters(Type.ID, 19, 16, 32, 1, 8, 1), lockout_failures=3)


@pytest.fixture
def store(tmp_path: Path):
    with open_store(None, tmp_path / "data") as s:
        yield s


def add(store, name, role, department=None, password="good-password"):
    return create_user(store, name, password, role, department, policy=FAST)


# ------------------------------------------------------------------ the permission table
# For each action, each role's answer for an object of their own department, of another
# department, and of no department: Y may, - may not. Written out here, not read from the code.
TABLE = """
action          填报  审核  管理
classify        YYY   YYY   YYY
search          YYY   YYY   YYY
check           YYY   YYY   YYY
review.create   ---   Y--   ---
review.view     Y--   Y--   YYY
review.decide   ---   Y--   ---
model.train     ---   ---   YYY
model.department ---  Y--   YYY
model.switch    ---   ---   YYY
users.manage    ---   ---   YYY
audit.view      ---   ---   YYY
"""


def _table() -> list[tuple[str, str, int, bool]]:
    lines = TABLE.strip().splitlines()
    roles = [accounts.role_id(r) for r in lines[0].split()[1:]]
    cases = []
    for line in lines[1:]:
        action, *cells = line.split()
        for role, cell in zip(roles, cells, strict=True):
            for k, mark in enumerate(cell):
                cases.append((action, role, k, mark == "Y"))
    return cases


@pytest.mark.parametrize("action, role, where, allowed", _table())
def test_the_permission_table(store, action, role, where, allowed):
    user = add(store, f"u-{role}", role, None if role == "admin" else "预算处")
    department = ("预算处", "绩效处", None)[where]
    assert can(user, action, department) is allowed
    if allowed:
        accounts.require(user, action, department)
    else:
        with pytest.raises(Forbidden):
            accounts.require(user, action, department)


def test_the_table_covers_every_action_and_an_admin_with_a_department_sees_all(store):
    assert sorted(line.split()[0] for line in TABLE.strip().splitlines()[1:]) == sorted(accounts.ACTIONS)
    admin = add(store, "boss", "管理", "预算处")
    assert can(admin, "review.view", "绩效处") and not can(admin, "review.decide", "预算处")


def test_nobody_and_a_disabled_user_may_do_nothing_and_are_told_why(store):
    reviewer = add(store, "zhang", "审核", "预算处")
    add(store, "admin", "管理")
    with pytest.raises(Forbidden, match="请先登录再做审核决定"):
        accounts.require(None, "review.decide", "预算处")
    with pytest.raises(Forbidden, match="只能做审核决定本部门（预算处）的内容，这个属于绩效处"):
        accounts.require(reviewer, "review.decide", "绩效处")
    with pytest.raises(Forbidden, match="审核账号不能管理账号"):
        accounts.require(reviewer, "users.manage")
    disabled = accounts.disable_user(store, "zhang")
    assert not any(can(disabled, a, "预算处") for a in accounts.ACTIONS)
    with pytest.raises(ValueError, match="unknown action"):
        can(reviewer, "review.delete")


# ------------------------------------------------------------------ users and passwords
def test_password_rules(store):
    for password, message in (
        ("short", "至少要 8 个字符"),
        (" padded-password ", "开头和结尾不能是空格"),
        ("Zhang-San", "不能和用户名一样"),
        ("x" * 2000, "最多 1024"),
    ):
        with pytest.raises(PasswordError, match=message):
            add(store, "zhang-san", "审核", "预算处", password)
    assert store.accounts.count_users(enabled_only=False) == 0  # nothing written


def test_users_are_created_changed_and_disabled_with_audit_lines(store):
    admin = add(store, "admin", "管理")
    user = create_user(
        store, "Li", "good-password", "填报", "绩效处", "李四", by=admin, ip="10.0.0.5", policy=FAST
    )
    assert (user["name"], user["role"], user["department"], user["display_name"]) == (
        "li",
        "writer",
        "绩效处",
        "李四",
    )
    user = accounts.change_user(store, "li", role="审核", by=admin)
    assert user["role"] == "reviewer"
    accounts.set_password(store, "li", "another-password", by=admin, policy=FAST)
    accounts.disable_user(store, "li", by=admin)
    assert accounts.enable_user(store, "li", by=admin)["disabled_at"] is None
    log = store.audit_log()
    assert [e["action"] for e in log] == [
        "user_created",
        "user_created",
        "user_changed",
        "password_changed",
        "user_disabled",
        "user_enabled",
    ]
    first, created = log[0], log[1]
    assert (
        first["user_name"] is None and first["details"]["via"] == "cli"
    )  # the first admin: no one logged in
    assert (
        created["user_name"] == "admin" and created["ip"] == "10.0.0.5" and created["department"] == "绩效处"
    )
    assert created["details"]["new_department"] is True and "good-password" not in str(log)
    assert log[2]["details"]["changed"] == ["role"]
    with pytest.raises(InvalidError, match="已经有了"):
        add(store, "LI", "填报", "绩效处")


# ------------------------------------------------------------------ login and sessions
def test_login_opens_a_session_whose_token_is_never_stored(store):
    add(store, "zhang", "审核", "预算处")
    done = login(store, "Zhang", "good-password", ip="10.0.0.1", user_agent="browser", policy=FAST)
    assert len(done.token) >= 43 and done.user["name"] == "zhang"
    assert session_user(store, done.token, policy=FAST)["name"] == "zhang"
    assert session_user(store, done.token + "x", policy=FAST) is None and session_user(store, None) is None
    raw = Path(store.engine.url.database).read_bytes() + Path(store.engine.url.database + "-wal").read_bytes()
    assert done.token.encode() not in raw and accounts.token_hash(done.token).encode() in raw
    line = store.audit_log()[-1]
    assert (line["action"], line["user_name"], line["ip"], line["department"]) == (
        "login",
        "zhang",
        "10.0.0.1",
        "预算处",
    )
    assert logout(store, done.token, ip="10.0.0.1") and not logout(store, done.token)
    assert session_user(store, done.token, policy=FAST) is None
    assert [e["action"] for e in store.audit_log()][-2:] == ["login", "logout"]


def test_a_wrong_password_and_an_unknown_name_get_the_same_answer_and_the_same_work(store, monkeypatch):
    add(store, "zhang", "审核", "预算处")
    checked: list[str | None] = []
    real = accounts.sessions.verify_password

    def spy(password_hash, password, policy):
        checked.append(password_hash and password_hash[:9])
        return real(password_hash, password, policy)

    monkeypatch.setattr(accounts.sessions, "verify_password", spy)
    messages = []
    for name in ("zhang", "nobody"):
        with pytest.raises(LoginFailed) as e:
            login(store, name, "wrong-password", ip="10.0.0.1", policy=FAST)
        messages.append(str(e.value))
    assert messages == ["用户名或密码不对"] * 2
    assert checked == ["$argon2id", None]  # the unknown name is checked against a dummy hash all the same
    reasons = [(e["user_name"], e["details"]["name"], e["details"]["reason"]) for e in store.audit_log()[-2:]]
    assert reasons == [("zhang", "zhang", "wrong_password"), (None, "nobody", "unknown_name")]


def test_failed_logins_lock_a_name_from_an_address_even_with_the_right_password(store, monkeypatch):
    add(store, "zhang", "审核", "预算处")
    for _ in range(2):
        with pytest.raises(LoginFailed, match="用户名或密码不对"):
            login(store, "zhang", "wrong-password", ip="10.0.0.1", policy=FAST)
    with pytest.raises(LoginFailed, match="登录失败次数太多：请 15 分钟后再试") as e:
        login(store, "zhang", "wrong-password", ip="10.0.0.1", policy=FAST)
    assert 14 * 60 < e.value.retry_after <= 15 * 60
    lines = len(store.audit_log())
    monkeypatch.setattr(accounts.sessions, "verify_password", lambda *a: pytest.fail("checked while locked"))
    with pytest.raises(LoginFailed, match="次数太多"):
        login(store, "zhang", "good-password", ip="10.0.0.1", policy=FAST)
    assert len(store.audit_log()) == lines  # a try during the lock costs no hash and writes no line
    monkeypatch.undo()
    assert (
        login(store, "zhang", "good-password", ip="10.0.0.2", policy=FAST).user["name"] == "zhang"
    )  # another address
    with store.engine.begin() as conn:  # the lock runs out
        conn.execute(sa.text("UPDATE login_failures SET locked_until = '2000-01-01 00:00:00'"))
    assert login(store, "zhang", "good-password", ip="10.0.0.1", policy=FAST).user["name"] == "zhang"


def test_a_disabled_user_cannot_log_in_and_their_sessions_end(store):
    add(store, "zhang", "审核", "预算处")
    add(store, "admin", "管理")
    done = login(store, "zhang", "good-password", ip=None, policy=FAST)
    accounts.disable_user(store, "zhang")
    assert session_user(store, done.token, policy=FAST) is None
    with pytest.raises(LoginFailed, match="已停用"):
        login(store, "zhang", "good-password", ip=None, policy=FAST)
    assert store.audit_log()[-1]["details"]["reason"] == "disabled"


def test_sessions_end_after_their_lifetime_or_idle_time_and_last_seen_is_written_sparingly(store):
    add(store, "zhang", "审核", "预算处")
    done = login(store, "zhang", "good-password", ip=None, policy=FAST)
    start = done.session["created_at"]
    seen = []
    for minutes in (0.5, 1.5, 2.0, 100, 219, 421):
        user = session_user(store, done.token, policy=FAST, now=start + timedelta(minutes=minutes))
        seen.append(
            (user is not None, store.accounts.get_session(accounts.token_hash(done.token))[0]["last_seen_at"])
        )
    # idle at most 2 h: 421 min is 202 min after the request at 219
    assert [ok for ok, _ in seen] == [True, True, True, True, True, False]
    # last_seen written at most once a minute: at 1.5 (not at 0.5), not again at 2.0
    assert [s - start for _, s in seen] == [timedelta(minutes=m) for m in (0, 1.5, 1.5, 100, 219, 219)]
    # and a working day at most, however active
    long_idle = replace(FAST, session_idle=timedelta(days=1))
    assert session_user(store, done.token, policy=long_idle, now=start + timedelta(hours=11, minutes=59))
    assert (
        session_user(store, done.token, policy=long_idle, now=start + timedelta(hours=12, minutes=1)) is None
    )


def test_opening_more_sessions_than_allowed_ends_the_oldest(store):
    add(store, "zhang", "审核", "预算处")
    policy = replace(FAST, sessions_per_user=2)
    tokens = [login(store, "zhang", "good-password", ip=None, policy=policy).token for _ in range(3)]
    assert [session_user(store, t, policy=policy) is not None for t in tokens] == [False, True, True]


def test_a_hash_made_with_older_parameters_is_upgraded_at_login(store):
    add(store, "zhang", "审核", "预算处")  # hashed with FAST (8 KiB)
    before = store.accounts.login_of("zhang")
    done = login(store, "zhang", "good-password", ip=None)  # the default policy: 64 MiB, 3 passes
    after = store.accounts.login_of("zhang")
    assert before[1].startswith("$argon2id$v=19$m=8,t=1,p=1$")
    assert after[1].startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert after[0]["password_changed_at"] == before[0]["password_changed_at"]  # same password
    assert session_user(store, done.token) is not None  # the rehash ended no session
    assert login(store, "zhang", "good-password", ip=None).user["name"] == "zhang"


# ------------------------------------------------------------------ serving
@pytest.mark.parametrize(
    "host, loopback",
    [
        ("127.0.0.1", True),
        ("127.0.0.2", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.20", False),
        ("reviews.bureau.local", False),
        ("", False),
    ],
)
def test_serve_policy_by_host_without_and_with_accounts(store, host, loopback):
    policy = serve_policy(host, store)
    if loopback:
        assert policy.mode == "single-user" and not policy.login_required
        assert policy.require_start() is policy and policy.allows(None, "model.switch")
        policy.require(None, "users.manage")  # one person, no login: everything allowed
    else:
        assert policy.mode == "refused"
        with pytest.raises(ServeRefused, match=r"(?s)还没有账号.*indicatorml users add .* --role 管理"):
            policy.require_start()
    writer = add(store, "zhang", "填报", "预算处")
    policy = serve_policy(host, store)
    assert policy.mode == "accounts" and policy.login_required and policy.require_start() is policy
    assert not policy.allows(None, "classify") and policy.allows(writer, "classify")
    with pytest.raises(Forbidden, match="填报账号不能做审核决定"):
        policy.require(writer, "review.decide", "预算处")


def test_an_event_line_names_the_user_and_their_department(store):
    user = add(store, "zhang", "审核", "预算处")
    line = accounts.event(user, "model_switched", ip="10.0.0.1", details={"model": "local"})
    assert line == {
        "action": "model_switched",
        "user_name": "zhang",
        "department": "预算处",
        "ip": "10.0.0.1",
        "details": {"model": "local"},
    }
    store.set_setting("model:预算处", {"name": "local"}, audit=line)
    (row,) = accounts.audit_rows(store.audit_log(action="model_switched"))
    assert row["action_name"] == "切换模型" and row["object"] == "setting:model:预算处"
    with pytest.raises(ValueError, match="unknown audit action"):
        accounts.event(user, "deleted everything")
