"""The Store API on SQLite and on PostgreSQL: blobs, reviews, decisions, jobs, settings, check.

Reviews come from tests/store_samples.py (real indicator texts of the shipped corpus).
"""

from __future__ import annotations

import hashlib
import math
import os
import sqlite3
import sys
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))
import postgres  # noqa: E402
from store_samples import make_review  # noqa: E402

from indicatorml.store import (  # noqa: E402
    CorruptError,
    InvalidError,
    NotFoundError,
    Store,
    StoreError,
    open_store,
)
from indicatorml.store.engine import SQLITE_NAME, database_url  # noqa: E402

db_url = postgres.db_url  # the fixture: every test taking it runs on SQLite and on PostgreSQL


@pytest.fixture
def store(db_url):
    s = open_store(db_url, None)
    yield s
    s.close()


def count(store: Store, table: str) -> int:
    with store.engine.connect() as conn:
        return conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()


# ------------------------------------------------------------------ opening
def test_default_is_a_sqlite_file_in_wal_mode_under_the_data_dir(tmp_path):
    data_dir = tmp_path / "not" / "yet"
    with open_store(None, data_dir) as store:
        assert store.dialect == "sqlite" and (data_dir / SQLITE_NAME).is_file()
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    # another program sees the same file in WAL mode
    with sqlite3.connect(data_dir / SQLITE_NAME) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_without_postgresql_the_store_tests_skip_locally_and_fail_on_ci(monkeypatch):
    monkeypatch.delenv(postgres.ENV, raising=False)
    monkeypatch.setattr(postgres, "_cluster", None)  # as if none had been started yet
    monkeypatch.setattr(postgres, "find_bindir", lambda: None)
    monkeypatch.setattr(postgres, "ON_CI", False)
    with pytest.raises(pytest.skip.Exception, match="apt-get install postgresql"):
        postgres.server_url()
    monkeypatch.setattr(postgres, "ON_CI", True)
    with pytest.raises(pytest.fail.Exception, match="apt-get install postgresql"):
        postgres.server_url()


def test_urls_that_are_not_one_of_the_two_engines_are_refused_with_the_accepted_forms(tmp_path):
    with pytest.raises(StoreError, match="postgresql\\+psycopg://"):
        database_url("mysql://u:secret@h/db", None)
    with pytest.raises(StoreError, match="不能是内存数据库"):
        database_url("sqlite://", None)
    with pytest.raises(StoreError, match="--db"):
        database_url(None, None)
    assert database_url("postgresql://u@h/db", None).drivername == "postgresql+psycopg"


def test_a_sqlite_file_that_cannot_be_created_is_a_message(tmp_path):
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(StoreError, match="无法打开数据库"):
        open_store(None, tmp_path / "file" / "data")


def test_an_unreachable_database_is_a_message_without_the_password():
    with pytest.raises(StoreError) as e:
        open_store("postgresql+psycopg://someone:secret-pw@127.0.0.1:1/nowhere?connect_timeout=2", None)
    assert "无法打开数据库" in str(e.value) and "secret-pw" not in str(e.value)


# ------------------------------------------------------------------ blobs
def test_blobs_are_content_addressed_idempotent_and_verified(store):
    data = os.urandom(300_000) + "中文".encode()
    sha = store.put_blob(data)
    assert sha == hashlib.sha256(data).hexdigest()
    assert store.put_blob(data) == sha and count(store, "blobs") == 1
    assert store.get_blob(sha) == data
    assert (
        store.put_blob(b"") == hashlib.sha256(b"").hexdigest() and store.get_blob(store.put_blob(b"")) == b""
    )
    with pytest.raises(NotFoundError):
        store.get_blob("0" * 64)
    with pytest.raises(InvalidError):
        store.get_blob("../../etc/passwd")
    with store.engine.begin() as conn:  # a bit flipped on disk
        conn.execute(
            sa.text("UPDATE blobs SET data = :d WHERE sha256 = :s"),
            {"d": bytes([data[0] ^ 0xFF]) + data[1:], "s": sha},  # a byte that surely differs
        )
    with pytest.raises(CorruptError, match="已损坏"):
        store.get_blob(sha)
    assert any(sha in p for p in store.check().problems)


# ------------------------------------------------------------------ reviews
def test_a_review_comes_back_as_it_was_saved(store):
    review = make_review(
        seed=1, files=3, rows_per_file=25, year=2024, org="某某局", department="财政局", created_by="李四"
    )
    review_id = store.save_review(review)
    assert len(review_id) == 22  # 128 random bits, url-safe
    got = store.get_review(review_id)
    assert got["id"] == review_id and got["year"] == 2024 and got["org"] == "某某局"
    assert got["department"] == "财政局" and got["created_by"] == "李四" and got["status"] == "done"
    assert got["model_info"] == review["model_info"] and got["label_rule"] == review["label_rule"]
    assert got["created_at"].tzinfo is not None
    assert abs(got["created_at"] - datetime.now(UTC)) < timedelta(minutes=1)
    assert got["title"] == f"{review['files'][0]['name']} 等 3 个文件"
    assert got["counts"] == {"files": 3, "rows": 75, "projects": 3, "findings": len(review["findings"])}
    for given, stored in zip(review["files"], got["files"], strict=True):
        assert {k: stored[k] for k in ("n", "name", "kind", "table")} == {
            k: given[k] for k in ("n", "name", "kind", "table")
        }
        assert stored["size"] == len(given["data"]) and store.get_blob(stored["blob_sha256"]) == given["data"]
    for given, stored in zip(review["rows"], got["rows"], strict=True):
        assert {k: stored[k] for k in given} == given and stored["decision"] is None
    assert [
        {k: p[k] for k in given} for p, given in zip(got["projects"], review["projects"], strict=True)
    ] == review["projects"]
    names = {f["n"]: f["name"] for f in review["files"]}
    assert len(got["findings"]) == len(review["findings"]) > 0
    for given, stored in zip(review["findings"], got["findings"], strict=True):  # the order given
        assert {k: stored[k] for k in given} == given
        assert stored["file"] == names[given["file_n"]] and stored["decision"] is None
    ids = [f["id"] for f in got["findings"]]
    assert len(set(ids)) == len(ids) and all(isinstance(i, int) for i in ids)
    assert store.get_review(review_id)["findings"] == got["findings"]  # stable ids and order


def test_files_may_refer_to_blobs_stored_before(store):
    review = make_review(seed=2, files=2, with_data=False)
    shas = [store.put_blob(f"文件 {n}".encode()) for n in (1, 2)]
    for f, sha in zip(review["files"], shas, strict=True):
        f["blob_sha256"] = sha
    got = store.get_review(store.save_review(review))
    assert [f["blob_sha256"] for f in got["files"]] == shas
    review = make_review(seed=3, files=1, with_data=False)
    review["files"][0]["blob_sha256"] = "1" * 64
    with pytest.raises(InvalidError, match="put_blob"):
        store.save_review(review)


@pytest.mark.parametrize(
    "spoil, message",
    [
        (lambda r: r["rows"][5].update(levl2_code="11"), "不认识的键：levl2_code"),
        (lambda r: r["rows"][5].pop("indicator"), "缺少 indicator"),
        (lambda r: r["rows"][5].update(row=True), "row 应为整数"),
        (lambda r: r["rows"][5].update(row=r["rows"][4]["row"]), "重复"),
        (lambda r: r["findings"][0].update(file_n=9), "没有这个文件"),
        (lambda r: r["files"].clear(), "至少要有一个文件"),
        (lambda r: r.update(created_at=datetime(2024, 1, 1)), "不带时区"),
        (lambda r: r.update(id="../etc"), "字母、数字"),
        (lambda r: r.update(parent_id="no-such-review"), "没有作为来源的审核"),
        (lambda r: r["rows"][-1]["suggestion"].update(confidence=math.nan), "suggestion 不是合法的 JSON"),
        (lambda r: r["rows"][-1]["record"].update(extra=b"bytes"), "record 不是合法的 JSON"),
        (lambda r: r["rows"][-1].update(record=None), "record 应为对象"),
        (lambda r: r["rows"][-1].update(level2_code="1" * 21), "level2_code 超过 20 个字符"),
        (lambda r: r["rows"][-1].update(indicator="培训\x00人数"), "NUL"),
        (lambda r: r.update(department="局" * 201), "department 超过 200 个字符"),
        (lambda r: r["rows"][-1].update(row=2**31), "超出整数范围"),
        (lambda r: r.update(year=24), "四位公历年份"),
    ],
)
def test_a_bad_review_is_refused_whole_and_nothing_is_written(store, spoil, message):
    review = make_review(seed=4, files=2)
    spoil(review)
    with pytest.raises(InvalidError, match=message):
        store.save_review(review)
    for table in ("reviews", "review_files", "review_rows", "findings", "blobs"):
        assert count(store, table) == 0, table


def test_a_save_failing_half_way_leaves_nothing(store, monkeypatch):
    import indicatorml.store.reviews as reviews_module

    real = reviews_module._insert_many

    def failing(conn, table, items):  # the blobs, the review, its files and rows are written by now
        if table.name == "findings":
            raise RuntimeError("simulated failure before the findings")
        real(conn, table, items)

    monkeypatch.setattr(reviews_module, "_insert_many", failing)
    with pytest.raises(RuntimeError, match="simulated"):
        store.save_review(make_review(seed=8, files=2))
    for table in ("reviews", "review_files", "review_rows", "review_projects", "findings", "blobs"):
        assert count(store, table) == 0, table
    monkeypatch.setattr(reviews_module, "_insert_many", real)
    assert store.get_review(store.save_review(make_review(seed=8, files=2)))["counts"]["files"] == 2


def test_a_review_id_is_not_reused(store):
    review_id = store.save_review(make_review(seed=5, files=1))
    with pytest.raises(InvalidError, match="已经存在"):
        store.save_review(make_review(seed=6, files=1, id=review_id))
    assert store.save_review(make_review(seed=6, files=1, id="my-own_id")) == "my-own_id"
    child = store.save_review(make_review(seed=7, files=1, parent_id=review_id, title="重新检查"))
    got = store.get_review(child)
    assert got["parent_id"] == review_id and got["title"] == "重新检查"
    with pytest.raises(NotFoundError, match="没有这份审核"):
        store.get_review("nope")


def test_list_reviews_filters_and_pages_newest_first(store):
    t0 = datetime(2024, 5, 1, tzinfo=UTC)
    made = []
    for i in range(7):
        review = make_review(
            seed=10 + i,
            files=1,
            rows_per_file=3,
            created_at=t0 + timedelta(hours=i),
            year=2023 + i % 2,
            org="甲局" if i < 4 else "乙局",
            department="财政局" if i % 3 else "教育局",
        )
        made.append(store.save_review(review))
    assert [r["id"] for r in store.list_reviews()] == made[::-1]
    assert [r["id"] for r in store.list_reviews(year=2024, org="甲局")] == [made[3], made[1]]
    assert [r["id"] for r in store.list_reviews(department="教育局")] == [made[6], made[3], made[0]]
    assert [r["id"] for r in store.list_reviews(limit=3, offset=3)] == made[3::-1][:3]
    first = store.list_reviews(limit=1)[0]
    assert first["counts"] == {"files": 1, "rows": 3, "projects": 1, "findings": first["counts"]["findings"]}
    assert "rows" not in first and first["created_at"] == t0 + timedelta(hours=6)
    with pytest.raises(InvalidError):
        store.list_reviews(limit=0)


# ------------------------------------------------------------------ decisions
def test_decisions_on_findings_and_rows_latest_wins_history_kept(store):
    review_id = store.save_review(make_review(seed=20, files=2, rows_per_file=30))
    review = store.get_review(review_id)
    f = next(x for x in review["findings"] if x["row"] is not None)
    key = (f["file_n"], f["row"])
    first = store.add_decision(review_id, f["id"], "accept", user="王五")
    assert first["finding_id"] == f["id"] and (first["file_n"], first["row"]) == key
    second = store.add_decision(review_id, f["id"], "set", level2_code="13", comment="按时效算", user="王五")
    assert second["id"] > first["id"] and second["created_at"] >= first["created_at"]
    other_row = next(r for r in review["rows"] if (r["file_n"], r["row"]) != key)
    plain = store.add_decision(review_id, [other_row["file_n"], other_row["row"]], "keep", comment="原类别对")
    assert plain["finding_id"] is None

    got = store.get_review(review_id)
    finding = next(x for x in got["findings"] if x["id"] == f["id"])
    assert finding["decision"] == second
    rows = {(r["file_n"], r["row"]): r for r in got["rows"]}
    assert rows[key]["decision"] == second  # a decision on a finding of the row decides the row
    assert rows[(other_row["file_n"], other_row["row"])]["decision"] == plain
    assert sum(r["decision"] is not None for r in got["rows"]) == 2
    assert got["decisions"] == [first, second, plain] == store.decisions(review_id)
    assert store.decisions(review_id, finding_id=f["id"]) == [first, second]
    assert store.decisions(review_id, row=key) == [first, second]
    # a later decision made on the row itself replaces the finding's one for the row only
    later = store.add_decision(review_id, key, "keep")
    got = store.get_review(review_id)
    assert next(r for r in got["rows"] if (r["file_n"], r["row"]) == key)["decision"] == later
    assert next(x for x in got["findings"] if x["id"] == f["id"])["decision"] == second


def test_bad_decisions_are_refused(store):
    review_id = store.save_review(make_review(seed=21, files=1))
    other_id = store.save_review(make_review(seed=22, files=1))
    finding_id = store.get_review(review_id)["findings"][0]["id"]
    other_finding = store.get_review(other_id)["findings"][0]["id"]
    with pytest.raises(InvalidError, match="accept"):
        store.add_decision(review_id, finding_id, "maybe")
    with pytest.raises(InvalidError, match="level2_code"):
        store.add_decision(review_id, finding_id, "set")
    with pytest.raises(InvalidError, match="只有 set"):
        store.add_decision(review_id, finding_id, "keep", level2_code="11")
    with pytest.raises(NotFoundError, match="没有编号为"):
        store.add_decision(review_id, other_finding, "keep")  # another review's finding
    with pytest.raises(NotFoundError, match="没有第 999 行"):
        store.add_decision(review_id, (1, 999), "keep")
    with pytest.raises(NotFoundError, match="没有这份审核"):
        store.add_decision("nope", finding_id, "keep")
    with pytest.raises(InvalidError):
        store.add_decision(review_id, True, "keep")
    with pytest.raises(InvalidError, match="审核意见"):
        store.add_decision(review_id, finding_id, "keep", comment="长" * 10_001)
    assert store.decisions(review_id) == [] and count(store, "decisions") == 0


# ------------------------------------------------------------------ jobs
def test_a_job_goes_from_queued_to_done_or_failed(store):
    job = store.create_job("train", {"files": ["a.xlsx"]}, department="财政局", created_by="赵六")
    assert job["state"] == "queued" and job["input"] == {"files": ["a.xlsx"]} and len(job["id"]) == 22
    assert store.claim_next_job("other-kind", "w1") is None
    claimed = store.claim_next_job("train", "w1")
    assert claimed is not None and claimed["id"] == job["id"] and claimed["state"] == "running"
    assert claimed["worker"] == "w1" and claimed["started_at"] is not None
    assert store.claim_next_job("train", "w2") is None
    assert store.heartbeat(job["id"], "w1", stage="训练第 2 折")
    assert not store.heartbeat(job["id"], "w2")
    assert store.get_job(job["id"])["stage"] == "训练第 2 折"
    with pytest.raises(InvalidError, match="不是 w2 正在运行的任务"):
        store.finish_job(job["id"], {"accuracy": 0.9}, worker="w2")
    done = store.finish_job(job["id"], {"accuracy": 0.9}, worker="w1")
    assert done["state"] == "done" and done["result"] == {"accuracy": 0.9} and done["finished_at"] is not None
    with pytest.raises(InvalidError):
        store.fail_job(job["id"], "太晚了")
    queued = store.create_job("train")
    failed = store.fail_job(queued["id"], "取消")  # a queued job can be failed (cancelled) too
    assert failed["state"] == "failed" and failed["error"] == "取消"
    assert [j["id"] for j in store.list_jobs(kind="train")] == [queued["id"], job["id"]]
    assert [j["id"] for j in store.list_jobs(state="done")] == [job["id"]]
    with pytest.raises(NotFoundError):
        store.get_job("nope")


def test_jobs_are_claimed_oldest_first(store):
    ids = [store.create_job("train", {"i": i})["id"] for i in range(3)]
    assert [store.claim_next_job("train", "w")["id"] for _ in range(3)] == ids


def test_two_workers_never_claim_the_same_job(store):
    jobs = [store.create_job("train", {"i": i})["id"] for i in range(60)]
    claims: list[tuple[str, str]] = []
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def work(worker: str) -> None:
        try:
            start.wait()
            while (job := store.claim_next_job("train", worker)) is not None:
                claims.append((job["id"], worker))
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert Counter(j for j, _ in claims) == Counter(jobs)  # each job exactly once
    assert {store.get_job(j)["worker"] for j, _ in claims} <= {"w0", "w1", "w2", "w3"}
    assert all(store.get_job(j)["worker"] == w for j, w in claims)


def test_interrupted_jobs_are_marked_failed_in_chinese_or_requeued(store):
    stale = store.create_job("train")["id"]
    fresh = store.create_job("train")["id"]
    again = store.create_job("train")["id"]
    for _ in range(3):
        store.claim_next_job("train", "dead-worker")
    old = datetime.now(UTC) - timedelta(minutes=10)
    with store.engine.begin() as conn:  # two workers stopped sending heartbeats ten minutes ago
        for job_id in (stale, again):
            conn.execute(
                sa.text("UPDATE jobs SET heartbeat_at = :t WHERE id = :id"),
                {"t": old if store.dialect == "postgresql" else old.replace(tzinfo=None), "id": job_id},
            )
    marked = store.mark_stale_jobs(timedelta(minutes=5))
    assert {j["id"] for j in marked} == {stale, again}
    assert all(j["state"] == "failed" and "任务中断" in j["error"] for j in marked)
    assert store.get_job(fresh)["state"] == "running"
    assert not store.heartbeat(stale, "dead-worker")  # a worker coming back learns it lost the job
    assert store.mark_stale_jobs(timedelta(minutes=5)) == []
    # requeue: the job goes back to the queue for the next worker
    with store.engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE jobs SET heartbeat_at = :t WHERE id = :id"),
            {"t": old if store.dialect == "postgresql" else old.replace(tzinfo=None), "id": fresh},
        )
    (requeued,) = store.mark_stale_jobs(timedelta(minutes=5), requeue=True)
    assert requeued["id"] == fresh and requeued["state"] == "queued" and requeued["worker"] is None
    assert store.claim_next_job("train", "new-worker")["id"] == fresh


# ------------------------------------------------------------------ settings
def test_settings_are_json_values_under_keys(store):
    assert store.get_setting("model:财政局") is None and store.get_setting("x", 5) == 5
    store.set_setting("model:财政局", {"name": "local", "hash": "abc"})
    store.set_setting("model:财政局", {"name": "default"})  # replaced
    store.set_setting("threshold", 0.9)
    assert store.get_setting("model:财政局") == {"name": "default"}
    assert store.settings() == {"model:财政局": {"name": "default"}, "threshold": 0.9}
    assert store.delete_setting("threshold") and not store.delete_setting("threshold")
    with pytest.raises(InvalidError):
        store.set_setting("", 1)
    with pytest.raises(InvalidError, match="JSON"):
        store.set_setting("threshold", math.inf)
    with pytest.raises(InvalidError, match="JSON"):
        store.create_job("train", {"when": datetime.now(UTC)})


def test_a_setting_default_is_stored_once_and_every_caller_gets_it(store):
    assert store.setting_default("secret", "first") == "first"
    assert store.setting_default("secret", "second") == "first"  # the one already there
    store.set_setting("secret", "third")
    assert store.setting_default("secret", "fourth") == "third"
    with pytest.raises(InvalidError, match="JSON"):
        store.setting_default("other", math.nan)


def test_racing_setting_defaults_agree(db_url):
    """Server processes starting together each propose a secret: all get the same one."""
    stores = [open_store(db_url, None) for _ in range(4)]
    got: list[str] = []
    try:
        with ThreadPoolExecutor(4) as ex:
            got = list(ex.map(lambda k: stores[k].setting_default("race", f"v{k}"), range(4)))
    finally:
        for s in stores:
            s.close()
    assert len(set(got)) == 1 and got[0] in {"v0", "v1", "v2", "v3"}


# ------------------------------------------------------------------ check
def test_check_finds_a_review_missing_rows(store):
    review_id = store.save_review(make_review(seed=30, files=2))
    report = store.check()
    assert report.ok and report.reviews == 1 and report.blobs == 2 and report.revision == "0004"
    with store.engine.begin() as conn:  # what a torn write would leave
        conn.execute(sa.text("DELETE FROM review_rows WHERE review_id = :r AND row = 0"), {"r": review_id})
    report = store.check()
    assert not report.ok
    assert report.problems == [f"审核 {review_id}：保存时有 40 个指标行，现在有 38 个"]


def test_threads_share_one_store(store):
    errors: list[BaseException] = []
    ids: list[str] = []

    def work(seed: int) -> None:
        try:
            for i in range(3):
                review_id = store.save_review(make_review(seed=seed * 10 + i, files=1, rows_per_file=10))
                finding = store.get_review(review_id)["findings"]
                if finding:
                    store.add_decision(review_id, finding[0]["id"], "keep")
                ids.append(review_id)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(s,)) for s in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == [] and len(ids) == 18
    assert store.check().ok and len(store.list_reviews(limit=100)) == 18
