"""The store's accounts (revision 0004): departments, users, sessions, failed logins, the audit log.

Every test runs on SQLite and on PostgreSQL (tests/postgres.py). What is checked here is what
the store guarantees whoever calls it: the accounts' rules held inside the transaction, the
audit line written with what it records (or not at all), the log append-only in the database
itself, the upgrade from revision 0003 with data, and backup/restore carrying it all.
"""

from __future__ import annotations

import sys
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher

sys.path.insert(0, str(Path(__file__).resolve().parent))
import postgres  # noqa: E402
from store_samples import make_review  # noqa: E402

from indicatorml.store import InvalidError, NotFoundError, open_store, restore  # noqa: E402
from indicatorml.store import decisions as store_decisions  # noqa: E402
from indicatorml.store import jobs as store_jobs  # noqa: E402
from indicatorml.store import reviews as store_reviews  # noqa: E402
from indicatorml.store.engine import database_url, make_engine  # noqa: E402
from indicatorml.store.migrate import HEAD, migrate_to  # noqa: E402

db_url = postgres.db_url  # the fixture: SQLite and PostgreSQL
HASH = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash("password-1")
HASH2 = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash("password-2")
LATER = datetime.now(UTC) + timedelta(hours=1)


def session(token_hash: str, user: str = "zhang", ip: str | None = "10.0.0.1") -> dict:
    return {"token_hash": token_hash, "user_name": user, "expires_at": LATER, "ip": ip, "user_agent": "test"}


def hexes(i: int) -> str:
    return f"{i:064x}"


@pytest.fixture
def store(db_url):
    with open_store(db_url, None) as s:
        s.accounts.add_user({"name": "admin", "role": "admin", "password_hash": HASH})
        s.accounts.add_user(
            {"name": "Zhang", "role": "reviewer", "password_hash": HASH, "department": "预算处"},
            create_department=True,
        )
        yield s


# ------------------------------------------------------------------ departments and users
def test_users_have_one_spelling_a_role_and_a_department(store):
    acc = store.accounts
    assert acc.get_user("ＺＨＡＮＧ ")["name"] == "zhang"  # NFKC, trimmed, case folded
    assert acc.get_user("zhang")["department"] == "预算处" and acc.get_user("zhang")["role"] == "reviewer"
    assert [d["name"] for d in acc.departments()] == ["预算处"] and acc.departments()[0]["users"] == 1
    for user, message in (
        ({"name": "zhang", "role": "writer", "password_hash": HASH, "department": "预算处"}, "已经有了"),
        ({"name": "li", "role": "writer", "password_hash": HASH}, "要属于一个部门"),
        ({"name": "li", "role": "boss", "password_hash": HASH, "department": "预算处"}, "角色只能是"),
        ({"name": "li si", "role": "admin", "password_hash": HASH}, "不含空格"),
        ({"name": "li", "role": "admin", "password_hash": "password-1"}, "不收明文"),
        ({"name": "li", "role": "admin", "password_hash": HASH, "level": 3}, "不认识的键"),
    ):
        with pytest.raises(InvalidError, match=message):
            acc.add_user(user)
    with pytest.raises(NotFoundError, match="没有部门 绩效处"):
        acc.add_user({"name": "li", "role": "writer", "password_hash": HASH, "department": "绩效处"})
    assert [u["name"] for u in acc.list_users()] == ["admin", "zhang"]  # admins without a department first
    assert "password_hash" not in acc.get_user("zhang") and acc.login_of("ZHANG")[1] == HASH
    assert acc.login_of("no such user") is None and acc.login_of("x" * 500) is None


def test_the_last_enabled_admin_stays_and_a_refused_change_writes_nothing(store):
    acc = store.accounts
    for change in ({"disabled": True}, {"role": "reviewer", "department": "预算处"}):
        with pytest.raises(InvalidError, match="最后一个可用的管理账号"):
            acc.change_user("admin", change, audit={"action": "user_changed"})
    assert acc.get_user("admin")["role"] == "admin" and acc.get_user("admin")["disabled_at"] is None
    assert store.audit_log() == []  # the audit line went with the refused change
    acc.add_user({"name": "wang", "role": "admin", "password_hash": HASH})
    user, changed = acc.change_user("admin", {"disabled": True}, audit={"action": "user_disabled"})
    assert user["disabled_at"] is not None and changed == ["disabled"]
    assert acc.count_users() == 2 and acc.count_users(role="admin") == 1
    (line,) = store.audit_log()
    assert (
        line["action"] == "user_disabled"
        and line["object_id"] == "admin"
        and line["details"] == {"changed": ["disabled"]}
    )
    assert acc.change_user("admin", {"disabled": True}, audit={"action": "user_disabled"})[1] == []
    assert len(store.audit_log()) == 1  # nothing changed: no line


def test_disabling_or_a_new_password_revokes_sessions_and_a_role_change_does_not(store):
    acc = store.accounts
    acc.open_session(session(hexes(1)), max_per_user=5)
    acc.change_user("zhang", {"role": "writer"})
    assert acc.get_session(hexes(1))[0]["revoked_at"] is None
    assert acc.get_session(hexes(1))[1]["role"] == "writer"  # the session sees the user as now stored
    acc.change_user("zhang", {"password_hash": HASH2})
    assert acc.get_session(hexes(1))[0]["revoked_at"] is not None
    acc.open_session(session(hexes(2)), max_per_user=5)
    acc.change_user("zhang", {"disabled": True})
    assert acc.get_session(hexes(2))[0]["revoked_at"] is not None
    with pytest.raises(InvalidError, match="已停用"):
        acc.open_session(session(hexes(3)), max_per_user=5)
    assert acc.rehash_password("zhang", HASH2, HASH) and not acc.rehash_password("zhang", HASH2, HASH)


# ------------------------------------------------------------------ sessions
def test_sessions_are_kept_by_hash_and_bounded_per_user(store):
    acc = store.accounts
    for i in range(5):
        acc.open_session(session(hexes(i)), max_per_user=3)
    assert [acc.get_session(hexes(i)) is not None for i in range(5)] == [False, False, True, True, True]
    acc.revoke_session(hexes(4))
    acc.open_session(session(hexes(5)), max_per_user=3)  # the revoked one goes first, then none
    assert [acc.get_session(hexes(i)) is not None for i in (2, 3, 4, 5)] == [True, True, False, True]
    with pytest.raises(InvalidError, match="sha256"):
        acc.open_session(session("a-raw-token"), max_per_user=3)
    s, user = acc.get_session(hexes(5))
    assert (
        s["user_name"] == "zhang"
        and user["department"] == "预算处"
        and acc.get_user("zhang")["last_login_at"]
    )
    assert acc.touch_session(hexes(5), LATER) and acc.get_session(hexes(5))[0]["last_seen_at"] == LATER
    first = acc.revoke_session(hexes(5), audit={"action": "logout"})
    again = acc.revoke_session(hexes(5), audit={"action": "logout"})
    assert first["revoked_at"] == again["revoked_at"] and not acc.touch_session(hexes(5))
    assert [e["action"] for e in store.audit_log()] == ["logout"]  # once: the second was no logout


def test_failed_logins_lock_a_name_per_address_and_a_login_clears_them(store):
    acc = store.accounts
    rule = {"window": timedelta(minutes=15), "limit": 3, "lock_for": timedelta(minutes=15)}
    assert acc.record_login_failure("zhang", "10.0.0.1", **rule) == {"failures": 1, "locked_until": None}
    acc.record_login_failure("zhang", "10.0.0.1", **rule)
    state = acc.record_login_failure("zhang", "10.0.0.1", **rule, audit={"action": "login_failed"})
    assert state["failures"] == 0 and state["locked_until"] > datetime.now(UTC)
    assert acc.login_lock("zhang", "10.0.0.1") == state["locked_until"]
    assert acc.login_lock("zhang", "10.0.0.2") is None and acc.login_lock("li", "10.0.0.1") is None
    assert store.audit_log()[0]["action"] == "login_failed"
    acc.record_login_failure("zhang", None, **rule)
    acc.open_session(session(hexes(9), ip=None), max_per_user=3)  # a login from "no address" clears its own
    with store.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT name, ip FROM login_failures ORDER BY ip")).all()
    assert [tuple(r) for r in rows] == [("zhang", "10.0.0.1")]


# ------------------------------------------------------------------ the audit log
def test_a_review_and_a_decision_write_their_own_lines_in_their_transaction(store):
    review_id = store.save_review(
        make_review(seed=1, files=2, created_by="zhang", department="预算处"), audit={"ip": "10.1.1.1"}
    )
    review = store.get_review(review_id)
    d = store.add_decision(review_id, review["findings"][0]["id"], "set", level2_code="12", user="zhang")
    reviewed, decided = store.audit_log()
    assert (reviewed["action"], reviewed["object_id"], reviewed["user_name"]) == (
        "reviewed",
        review_id,
        "zhang",
    )
    assert reviewed["department"] == "预算处" and reviewed["ip"] == "10.1.1.1"
    assert (
        reviewed["details"]["files"] == 2 and reviewed["details"]["findings"] == review["counts"]["findings"]
    )
    assert (decided["action"], decided["object_id"], decided["department"]) == (
        "decided",
        str(d["id"]),
        "预算处",
    )
    assert decided["details"]["decision"] == "set" and decided["details"]["level2_code"] == "12"
    with pytest.raises(InvalidError):
        store.save_review({**make_review(seed=2), "year": "二〇二四"})
    with pytest.raises(InvalidError):
        store.add_decision(review_id, review["findings"][0]["id"], "set")  # no code
    assert len(store.audit_log()) == 2  # refused writes left no line
    assert store.review_department(review_id) == "预算处"
    with pytest.raises(NotFoundError):
        store.review_department("nope")


def test_the_audit_log_is_append_only_in_the_database_itself(store):
    store.append_audit({"action": "login", "user_name": "zhang"})
    for statement in ("UPDATE audit SET user_name = 'someone else'", "DELETE FROM audit"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), store.engine.begin() as conn:
            conn.exec_driver_sql(statement)
    if store.dialect == "postgresql":
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), store.engine.begin() as conn:
            conn.exec_driver_sql("TRUNCATE audit")
    assert [e["user_name"] for e in store.audit_log()] == ["zhang"]


def test_audit_lines_go_with_settings_and_jobs_and_are_filtered(store):
    store.set_setting(
        "model:预算处", {"name": "local"}, audit={"action": "model_switched", "user_name": "admin"}
    )
    job = store.create_job("train", {"files": 1}, audit={"action": "trained", "user_name": "admin"})
    store.claim_next_job("train", "w")
    store.finish_job(
        job["id"], {"ok": True}, audit={"action": "trained", "user_name": "admin", "department": "预算处"}
    )
    with pytest.raises(InvalidError):
        store.set_setting("x", float("nan"), audit={"action": "model_switched"})
    log = store.audit_log()
    assert [(e["action"], e["object_kind"], e["object_id"]) for e in log] == [
        ("model_switched", "setting", "model:预算处"),
        ("trained", "job", job["id"]),
        ("trained", "job", job["id"]),
    ]
    assert [e["id"] for e in store.audit_log(department="预算处")] == [log[2]["id"]]
    assert store.audit_log(user="admin", action="trained", after_id=log[1]["id"]) == [log[2]]
    assert store.audit_log(since=log[1]["created_at"], until=log[2]["created_at"]) == [log[1]]
    with pytest.raises(InvalidError, match="要写明操作"):
        store.append_audit({"action": " "})


# ------------------------------------------------------------------ the schema: upgrade, backup
def test_upgrade_from_revision_3_makes_departments_and_backfills_the_audit_log(db_url):
    engine = make_engine(database_url(db_url, None))
    migrate_to(engine, "0003")
    t0 = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)
    with engine.begin() as conn:
        a = store_reviews.save_review(
            conn,
            make_review(
                seed=1, files=1, created_by="甲", department="预算处", created_at=t0 + timedelta(hours=2)
            ),
        )
        b = store_reviews.save_review(
            conn, make_review(seed=2, files=1, created_by="乙", department="绩效处", created_at=t0)
        )
        d = store_decisions.add_decision(conn, b, (1, 0), "keep", user="乙")
        store_jobs.create_job(conn, "train", None, job_id="job1", department="财务处")
    engine.dispose()
    with open_store(db_url, None) as store:
        assert store.revision() == HEAD and store.check().ok
        assert [x["name"] for x in store.accounts.departments()] == sorted(["预算处", "绩效处", "财务处"])
        created = {x["name"]: x["created_at"] for x in store.accounts.departments()}
        assert created["绩效处"] == t0  # its first review
        log = store.audit_log()
        # in time order, each at its own time: the decision was made now, after both reviews
        assert [(e["action"], e["object_id"]) for e in log] == [
            ("reviewed", b),
            ("reviewed", a),
            ("decided", str(d["id"])),
        ]
        assert [e["created_at"] for e in log] == [t0, t0 + timedelta(hours=2), d["created_at"]]
        assert all(e["details"]["backfilled"] for e in log) and log[2]["department"] == "绩效处"
        # the upgraded store goes on
        store.accounts.add_user(
            {"name": "zhang", "role": "reviewer", "password_hash": HASH, "department": "绩效处"}
        )
        store.add_decision(b, (1, 0), "accept", user="zhang")
        assert store.audit_log()[-1]["id"] > log[-1]["id"]


def test_downgrade_to_revision_3_drops_the_accounts_and_back(db_url):
    engine = make_engine(database_url(db_url, None))
    try:
        migrate_to(engine, HEAD)
        migrate_to(engine, "0003")
        with engine.connect() as conn:
            names = set(sa.inspect(conn).get_table_names())
        assert not names & {"users", "sessions", "audit", "departments", "login_failures"}
        migrate_to(engine, HEAD)  # the trigger function was dropped with it: created again
    finally:
        engine.dispose()


@pytest.mark.parametrize("source, target", [("sqlite", "postgresql"), ("postgresql", "sqlite")])
def test_a_backup_carries_the_accounts_into_either_engine(source, target, tmp_path):
    with ExitStack() as stack:
        urls = {}
        for name, kind in (("src", source), ("dst", target)):
            urls[name] = (
                f"sqlite:///{tmp_path / name / 'indicatorml.sqlite3'}"
                if kind == "sqlite"
                else stack.enter_context(postgres.pg_database())
            )
        with open_store(urls["src"], None) as src:
            src.accounts.add_user(
                {"name": "admin", "role": "admin", "password_hash": HASH, "display_name": "张三"}
            )
            src.accounts.add_user(
                {"name": "li", "role": "writer", "password_hash": HASH2, "department": "预算处"},
                create_department=True,
                audit={"action": "user_created"},
            )
            src.accounts.open_session(session(hexes(7), user="li"), max_per_user=3, audit={"action": "login"})
            src.accounts.record_login_failure(
                "admin", "10.0.0.9", window=timedelta(minutes=15), limit=5, lock_for=timedelta(minutes=15)
            )
            src.save_review(make_review(seed=3, files=1, created_by="li", department="预算处"))
            before = (
                src.accounts.list_users(),
                src.accounts.departments(),
                src.audit_log(),
                src.accounts.get_session(hexes(7)),
            )
            summary = src.backup(tmp_path / "b.zip")
        assert [summary.tables[t] for t in ("users", "departments", "sessions", "login_failures")] == [
            2,
            1,
            1,
            1,
        ]
        assert summary.tables["audit"] == 3
        restore(tmp_path / "b.zip", urls["dst"], None)
        with open_store(urls["dst"], None) as dst:
            after = (
                dst.accounts.list_users(),
                dst.accounts.departments(),
                dst.audit_log(),
                dst.accounts.get_session(hexes(7)),
            )
            assert after == before
            assert dst.accounts.login_of("li")[1] == HASH2 and dst.check().ok
            line = dst.append_audit({"action": "login", "user_name": "admin"})
            assert line["id"] > before[2][-1]["id"]  # the restored log goes on after its last line
            with pytest.raises(sa.exc.DBAPIError, match="append-only"), dst.engine.begin() as conn:
                conn.exec_driver_sql("DELETE FROM audit")  # and is append-only there too


def test_check_finds_a_review_or_decision_the_audit_log_does_not_know(store):
    review_id = store.save_review(make_review(seed=4, files=1))
    store.add_decision(review_id, (1, 0), "keep")
    assert store.check().ok
    with store.engine.begin() as conn:  # written around the Store: no audit lines
        other = store_reviews.save_review(conn, make_review(seed=5, files=1))
        store_decisions.add_decision(conn, other, (1, 0), "keep")
    assert store.check().problems == [
        "有 1 份审核在审计日志里没有记录",
        "有 1 条审核决定在审计日志里没有记录",
    ]
