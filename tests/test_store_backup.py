"""Backup and restore: every engine into every engine, byte-equal blobs and equal rows; refusals.

``indicatorml backup`` / ``restore`` are tested through cli.main as a user runs them.
"""

from __future__ import annotations

import sys
import threading
import zipfile
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))
import postgres  # noqa: E402
from store_samples import make_review, write_revision_1_review  # noqa: E402

from indicatorml.cli import main  # noqa: E402
from indicatorml.store import CorruptError, Store, StoreError, backup, open_store, restore  # noqa: E402
from indicatorml.store.engine import database_url, make_engine  # noqa: E402
from indicatorml.store.migrate import HEAD, current_revision, migrate_to  # noqa: E402

db_url = postgres.db_url  # the fixture: SQLite and PostgreSQL


def fresh_url(kind: str, tmp_path: Path, stack: ExitStack, name: str) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / name / 'indicatorml.sqlite3'}"
    return stack.enter_context(postgres.pg_database())


def fill(store: Store) -> None:
    """Reviews with decisions on findings and rows, a re-check whose parent sorts after it, jobs
    in every state, settings, and an upload no review uses."""
    parent = store.save_review(
        make_review(seed=1, files=3, rows_per_file=15, id="zz-parent", year=2024, org="甲局")
    )
    store.save_review(make_review(seed=2, files=1, rows_per_file=40, id="aa-child", parent_id=parent))
    other = store.save_review(make_review(seed=3, files=2, rows_per_file=10, department="财政局"))
    for review_id in (parent, other):
        review = store.get_review(review_id)
        store.add_decision(
            review_id, review["findings"][0]["id"], "set", level2_code="12", comment="改为质量", user="甲"
        )
        store.add_decision(review_id, review["findings"][0]["id"], "accept", user="乙")
        store.add_decision(
            review_id, (review["rows"][-1]["file_n"], review["rows"][-1]["row"]), "keep", comment=None
        )
    queued = store.create_job("train", {"files": 2})
    store.create_job("train", {"files": 1})
    store.claim_next_job("train", "w1")
    store.finish_job(queued["id"], {"accuracy": 0.91})
    store.fail_job(store.create_job("train")["id"], "训练数据不足")
    store.set_setting("model:财政局", {"name": "local"})
    store.set_setting("empty", None)
    store.put_blob("无人引用的上传".encode() * 1000)


def snapshot(store: Store) -> dict[str, Any]:
    """Everything the API gives back, plus every blob's bytes."""
    reviews = {r["id"]: store.get_review(r["id"]) for r in store.list_reviews(limit=10_000)}
    with store.engine.connect() as conn:
        shas = conn.execute(sa.text("SELECT sha256 FROM blobs ORDER BY sha256")).scalars().all()
    return {
        "reviews": reviews,
        "blobs": {sha: store.get_blob(sha) for sha in shas},
        "jobs": sorted(store.list_jobs(limit=1000), key=lambda j: j["id"]),
        "settings": store.settings(),
    }


@pytest.mark.parametrize(
    "source, target",
    [("sqlite", "postgresql"), ("postgresql", "sqlite"), ("sqlite", "sqlite"), ("postgresql", "postgresql")],
)
def test_a_backup_restores_into_any_engine_equal(source, target, tmp_path):
    with ExitStack() as stack:
        src_url = fresh_url(source, tmp_path, stack, "src")
        dst_url = fresh_url(target, tmp_path, stack, "dst")
        with open_store(src_url, None) as src:
            fill(src)
            before = snapshot(src)
            summary = src.backup(tmp_path / "store.zip")
        assert summary.revision == HEAD and summary.tables["reviews"] == 3 and summary.tables["blobs"] == 7
        assert summary.tables["decisions"] == 6 and summary.size == (tmp_path / "store.zip").stat().st_size
        restored = restore(tmp_path / "store.zip", dst_url, None)
        assert restored.tables == summary.tables
        with open_store(dst_url, None) as dst:
            after = snapshot(dst)
            assert after["blobs"] == before["blobs"]  # byte-equal
            assert after == before
            assert dst.get_review("aa-child")["parent_id"] == "zz-parent"
            assert dst.check().ok
            # the restored store goes on: new ids continue after the restored ones
            old_max = max(d["id"] for r in before["reviews"].values() for d in r["decisions"])
            review_id = dst.save_review(make_review(seed=9, files=1))
            new = dst.get_review(review_id)
            old_findings = max(f["id"] for r in before["reviews"].values() for f in r["findings"])
            assert min(f["id"] for f in new["findings"]) > old_findings
            assert dst.add_decision(review_id, new["findings"][0]["id"], "keep")["id"] > old_max


def test_the_backup_file_is_readable_without_indicatorml(db_url, tmp_path):
    import hashlib
    import json

    with open_store(db_url, None) as store:
        fill(store)
        store.backup(tmp_path / "b.zip")
    with zipfile.ZipFile(tmp_path / "b.zip") as zf:
        manifest = json.loads(zf.read("manifest.json"))
        assert manifest["format"] == "indicatorml-store-backup" and manifest["revision"] == HEAD
        order = list(manifest["tables"])  # loading order: a table after those it refers to
        assert set(order) == {
            "blobs",
            "reviews",
            "review_files",
            "review_rows",
            "review_projects",
            "findings",
            "decisions",
            "jobs",
            "settings",
            "departments",  # revision 0004: accounts
            "users",
            "sessions",
            "login_failures",
            "audit",
        }
        assert order.index("departments") < order.index("users") < order.index("sessions")
        assert order.index("blobs") < order.index("review_files") and order.index("reviews") < order.index(
            "review_files"
        )
        assert order.index("review_files") < order.index("findings") < order.index("decisions")
        reviews = [json.loads(line) for line in zf.read("tables/reviews.jsonl").decode().splitlines()]
        assert len(reviews) == 3 and {"zz-parent", "aa-child"} < {r["id"] for r in reviews}
        assert [r["id"] for r in reviews] == sorted(r["id"] for r in reviews)  # primary-key order
        assert all(r["created_at"].endswith("+00:00") for r in reviews)
        assert manifest["tables"]["reviews"]["columns"]["model_info"] == "json"
        for name in zf.namelist():
            if name.startswith("blobs/"):
                assert hashlib.sha256(zf.read(name)).hexdigest() == name.removeprefix("blobs/")
        rows = zf.read("tables/review_rows.jsonl").decode()
        first = json.loads(rows.splitlines()[0])
        assert f'"indicator":"{first["indicator"]}"' in rows and "\\u" not in rows  # Chinese as itself


def test_restoring_into_a_store_that_has_data_is_refused_and_changes_nothing(db_url, tmp_path):
    with ExitStack() as stack:
        src = fresh_url("sqlite", tmp_path, stack, "src")
        with open_store(src, None) as store:
            fill(store)
            store.backup(tmp_path / "b.zip")
        with open_store(db_url, None) as target:
            target.save_review(make_review(seed=50, files=1))
            before = snapshot(target)
        with pytest.raises(StoreError, match="不是空的.*reviews 1 行.*恢复只写入空数据库"):
            restore(tmp_path / "b.zip", db_url, None)
        with open_store(db_url, None) as target:
            assert snapshot(target) == before


def test_an_empty_store_opened_before_takes_a_restore(db_url, tmp_path):
    """A server started once on the new database (tables created, nothing stored) is still empty."""
    with ExitStack() as stack:
        src = fresh_url("sqlite", tmp_path, stack, "src")
        with open_store(src, None) as store:
            fill(store)
            store.backup(tmp_path / "b.zip")
            before = snapshot(store)
        open_store(db_url, None).close()
        restore(tmp_path / "b.zip", db_url, None)
        with open_store(db_url, None) as target:
            assert snapshot(target) == before


def rewrite(path: Path, member: str, change) -> None:
    with zipfile.ZipFile(path) as zf:
        items = {n: zf.read(n) for n in zf.namelist()}
    items[member] = change(items[member])
    with zipfile.ZipFile(path, "w") as zf:
        for n, data in items.items():
            zf.writestr(n, data)


def test_a_damaged_backup_is_refused_before_the_database_is_touched(tmp_path):
    with open_store(None, tmp_path / "src") as store:
        fill(store)
        store.backup(tmp_path / "b.zip")
        blob = next(n for n in zipfile.ZipFile(tmp_path / "b.zip").namelist() if n.startswith("blobs/"))
    target = tmp_path / "dst"
    for member, change, message in (
        (
            "tables/decisions.jsonl",
            lambda b: b.replace("改为质量".encode(), "改为数量".encode()),
            "decisions.*sha256",
        ),
        (blob, lambda b: b[:-1], "已损坏"),
        (
            "manifest.json",
            lambda b: b.replace(f'"revision": "{HEAD}"'.encode(), b'"revision": "0777"'),
            "0777.*请升级",
        ),
        ("manifest.json", lambda b: b"{}", "不是 indicatorml 的备份"),
    ):
        broken = tmp_path / "broken.zip"
        broken.write_bytes((tmp_path / "b.zip").read_bytes())
        rewrite(broken, member, change)
        with pytest.raises(StoreError, match=message):
            restore(broken, None, target)
        assert not (target / "indicatorml.sqlite3").exists()
    (tmp_path / "half.zip").write_bytes((tmp_path / "b.zip").read_bytes()[:5000])
    with pytest.raises(CorruptError, match="不是 zip"):
        restore(tmp_path / "half.zip", None, target)


def test_a_backup_of_an_older_schema_restores_into_the_newest(db_url, tmp_path):
    """An administrator backs up before upgrading: the dump keeps revision 0001 (the source is not
    upgraded by the backup), and the restore converts it as the migrations do."""
    engine = make_engine(database_url(db_url, None))
    migrate_to(engine, "0001")
    with engine.begin() as conn:
        write_revision_1_review(conn)
    engine.dispose()
    summary = backup(tmp_path / "old.zip", db_url, None)
    assert summary.revision == "0001"
    engine = make_engine(database_url(db_url, None))
    with engine.connect() as conn:
        assert current_revision(conn) == "0001"
    engine.dispose()
    open_store(None, tmp_path / "new").close()  # an empty store at head: brought down to 0001 first
    restore(tmp_path / "old.zip", None, tmp_path / "new")
    with open_store(None, tmp_path / "new") as store:
        review = store.get_review("old-review")
        assert (
            review["title"] == "甲.xlsx 等 2 个文件"
            and review["findings"][0]["decision"]["level2_code"] == "12"
        )
        assert store.check().ok


@pytest.mark.slow
def test_a_backup_taken_while_reviews_are_written_is_one_consistent_moment(db_url, tmp_path):
    with open_store(db_url, None) as store:
        store.save_review(make_review(seed=60, files=2))
        stop = threading.Event()
        errors: list[BaseException] = []

        def write() -> None:
            i = 0
            try:
                while not stop.is_set():
                    review_id = store.save_review(make_review(seed=100 + i, files=3, rows_per_file=30))
                    store.add_decision(review_id, (1, 0), "keep")
                    i += 1
            except BaseException as e:  # noqa: BLE001 - reported below
                errors.append(e)

        writer = threading.Thread(target=write)
        writer.start()
        try:
            summaries = [store.backup(tmp_path / f"live{i}.zip") for i in range(3)]
        finally:
            stop.set()
            writer.join(timeout=60)
        assert errors == []
        total = len(store.list_reviews(limit=10_000))
        assert total > 1  # the writer did write during the backups
    for i, summary in enumerate(summaries):
        restore(tmp_path / f"live{i}.zip", None, tmp_path / f"r{i}")
        with open_store(None, tmp_path / f"r{i}") as restored:
            assert restored.check().ok  # every review with all its parts
            assert summary.tables["reviews"] == len(restored.list_reviews(limit=10_000)) <= total


def test_cli_backup_and_restore(tmp_path, capsys):
    with open_store(None, tmp_path / "server") as store:
        fill(store)
        before = snapshot(store)
    assert main(["backup", str(tmp_path / "备份.zip"), "--data-dir", str(tmp_path / "server")]) == 0
    err = capsys.readouterr().err
    assert "已备份到" in err and "3 份审核" in err and "7 个上传文件" in err
    assert main(["restore", str(tmp_path / "备份.zip"), "--data-dir", str(tmp_path / "copy")]) == 0
    assert "已从" in capsys.readouterr().err
    with open_store(None, tmp_path / "copy") as store:
        assert snapshot(store) == before
    assert main(["restore", str(tmp_path / "备份.zip"), "--data-dir", str(tmp_path / "copy")]) == 2
    err = capsys.readouterr().err
    assert "不是空的" in err and "Traceback" not in err
    assert main(["backup", str(tmp_path / "x.zip"), "--data-dir", str(tmp_path / "nothing")]) == 2
    assert "没有找到数据库" in capsys.readouterr().err and not (tmp_path / "nothing").exists()
    assert main(["restore", str(tmp_path / "none.zip"), "--data-dir", str(tmp_path / "d")]) == 2
    assert "none.zip" in capsys.readouterr().err
