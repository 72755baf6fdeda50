"""The store's schema: created from nothing, upgraded with data in it, matching schema.py, raced safely.

Every test runs on SQLite and on PostgreSQL (tests/postgres.py: skipped locally without
PostgreSQL, failed on CI).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))
import postgres  # noqa: E402
from store_samples import ABC, T0, write_revision_1_review  # noqa: E402

from indicatorml.store import StoreError, open_store  # noqa: E402
from indicatorml.store.engine import database_url, make_engine  # noqa: E402
from indicatorml.store.migrate import HEAD, current_revision, known_revisions, migrate_to  # noqa: E402
from indicatorml.store.schema import metadata  # noqa: E402

db_url = postgres.db_url  # the fixture: every test here runs on SQLite and on PostgreSQL


def engine_for(url: str) -> sa.Engine:
    return make_engine(database_url(url, None))


def test_head_is_the_newest_shipped_revision():
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", "indicatorml.store:migrations")
    assert ScriptDirectory.from_config(cfg).get_current_head() == HEAD
    assert known_revisions() == ["0001", "0002", "0003", "0004"]


def test_an_empty_database_is_created_at_head_and_matches_schema_py(db_url):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    store = open_store(db_url, None)
    try:
        assert store.revision() == HEAD
        with store.engine.connect() as conn:
            names = set(sa.inspect(conn).get_table_names())
            assert names == set(metadata.tables) | {"alembic_version"}
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(ctx, metadata) == []
            # The comparison does see a difference (control): a column schema.py would have in excess.
            other = sa.MetaData()
            for table in metadata.tables.values():
                table.to_metadata(other)
            other.tables["reviews"].append_column(sa.Column("extra", sa.Integer))
            assert [d[0] for d in compare_metadata(ctx, other)] == ["add_column"]
    finally:
        store.close()


def test_the_schema_does_not_depend_on_the_working_directory(db_url, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # nothing named alembic.ini or migrations/ here
    store = open_store(db_url, None)
    assert store.revision() == HEAD
    store.close()


def test_upgrade_from_revision_1_keeps_the_data_and_fills_the_new_title(db_url):
    engine = engine_for(db_url)
    migrate_to(engine, "0001")
    with engine.begin() as conn:
        assert current_revision(conn) == "0001"
        assert "title" not in {c["name"] for c in sa.inspect(conn).get_columns("reviews")}
        write_revision_1_review(conn)
    engine.dispose()

    store = open_store(db_url, None)  # upgrades to head
    try:
        assert store.revision() == HEAD
        review = store.get_review("old-review")
        assert review["title"] == "甲.xlsx 等 2 个文件"
        assert review["created_at"] == T0 and review["year"] == 2023 and review["created_by"] == "张三"
        assert [f["name"] for f in review["files"]] == ["甲.xlsx", "乙.csv"]
        assert [r["indicator"] for r in review["rows"]] == ["培训人数", "群众满意度"]
        assert review["projects"][0]["goal"] == "提高技能"
        (finding,) = review["findings"]
        assert finding["file"] == "甲.xlsx" and finding["data"] == {"p": 0.2}
        assert finding["decision"]["level2_code"] == "12" and finding["decision"]["created_at"] == T0
        assert review["rows"][0]["decision"] == finding["decision"]
        assert store.get_blob(ABC) == b"abc"
        assert store.get_setting("model:财政局") == {"name": "local"}
        assert store.check().ok
        # the upgraded database takes new writes beside the old ones
        d = store.add_decision("old-review", (2, 0), "keep", comment="保持")
        assert d["id"] > finding["decision"]["id"]
    finally:
        store.close()


def test_downgrade_of_an_empty_database_and_back(db_url):
    engine = engine_for(db_url)
    try:
        migrate_to(engine, HEAD)
        migrate_to(engine, "0001")
        with engine.connect() as conn:
            assert current_revision(conn) == "0001"
            assert "title" not in {c["name"] for c in sa.inspect(conn).get_columns("reviews")}
        migrate_to(engine, "base")
        with engine.connect() as conn:
            assert current_revision(conn) is None
            assert set(sa.inspect(conn).get_table_names()) <= {"alembic_version"}
        migrate_to(engine, HEAD)
        with engine.connect() as conn:
            assert current_revision(conn) == HEAD
    finally:
        engine.dispose()


def test_a_database_from_a_newer_indicatorml_is_refused_untouched(db_url):
    open_store(db_url, None).close()
    engine = engine_for(db_url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '0099'"))
    engine.dispose()
    with pytest.raises(StoreError, match="0099.*请升级 indicatorml"):
        open_store(db_url, None)
    engine = engine_for(db_url)
    with engine.connect() as conn:
        assert current_revision(conn) == "0099"
    engine.dispose()


OPENER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from indicatorml.store import open_store
    go = Path(sys.argv[2])
    print("ready", flush=True)
    while not go.exists():
        time.sleep(0.001)
    store = open_store(sys.argv[1], None)
    print(store.revision())
    store.close()
    """
)


@pytest.mark.slow
def test_processes_opening_one_fresh_database_at_once_migrate_it_once(db_url, tmp_path):
    for attempt in range(3):
        url = db_url if attempt == 0 else _fresh(db_url, tmp_path, attempt)
        go = tmp_path / f"go{attempt}"
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", OPENER, url, str(go)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(4)
        ]
        assert [p.stdout.readline().strip() for p in procs] == ["ready"] * 4  # imported, waiting
        go.touch()
        results = [p.communicate(timeout=120) for p in procs]
        assert [p.returncode for p in procs] == [0, 0, 0, 0], [err[-1500:] for _, err in results]
        assert [out.strip() for out, _ in results] == [HEAD] * 4
        engine = engine_for(url)
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars().all() == [HEAD]
        engine.dispose()
        if not url.startswith("sqlite"):
            break  # one PostgreSQL database per test is enough: the advisory lock is the same each time


def _fresh(url: str, tmp_path: Path, attempt: int) -> str:
    return url.replace("indicatorml.sqlite3", f"again{attempt}.sqlite3")
