"""Store.library_rows: every review's rows with decisions applied, read by a commit-ordered watermark.

Every test runs on SQLite and on PostgreSQL (tests/postgres.py), the upgrade from revision 0002
included.
"""

from __future__ import annotations

import random
import subprocess
import sys
import textwrap
import threading
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))
import postgres  # noqa: E402
from store_samples import T0, make_review, write_revision_1_review  # noqa: E402

from indicatorml.store import InvalidError, Store, open_store  # noqa: E402
from indicatorml.store.engine import database_url, make_engine  # noqa: E402
from indicatorml.store.library import decided_code  # noqa: E402
from indicatorml.store.migrate import current_revision, migrate_to  # noqa: E402

db_url = postgres.db_url


@pytest.fixture
def store(db_url):
    s = open_store(db_url, None)
    yield s
    s.close()


def drain(store: Store, mark: Any = None, limit: int = 200) -> tuple[list[dict], list[dict], Any]:
    """Every batch until ``more`` is False: (rows, changes, last mark)."""
    rows: list[dict] = []
    changes: list[dict] = []
    while True:
        batch = store.library_rows(mark, limit=limit)
        rows += batch["rows"]
        changes += batch["changes"]
        mark = batch["mark"]
        if not batch["more"]:
            return rows, changes, mark


def expected_rows(store: Store, review_id: str) -> list[tuple[Any, ...]]:
    """What library_rows must say of a review, computed from get_review (the store's own view)."""
    review = store.get_review(review_id)
    names = {f["n"]: f["name"] for f in review["files"]}
    findings = {f["id"]: f for f in review["findings"]}
    out = []
    for r in review["rows"]:
        d = r["decision"]
        data = findings[d["finding_id"]]["data"] if d and d["finding_id"] else None
        out.append(
            (
                review_id,
                r["file_n"],
                r["row"],
                names[r["file_n"]],
                r["indicator"],
                d["decision"] if d else None,
                decided_code(r["level2_code"], r["suggestion"], d, data),
            )
        )
    return out


def key(row: dict) -> tuple[Any, ...]:
    return (
        row["review_id"],
        row["file_n"],
        row["row"],
        row["file"],
        row["indicator"],
        row["decision"],
        row["decided_code"],
    )


# ------------------------------------------------------------------ the rule
def test_the_decided_category_rule():
    sugg = {"level2_code": "12", "confidence": 0.8}
    d = {"decision": "keep", "level2_code": None, "finding_id": None}
    assert decided_code("11", sugg, None) == "11"  # no decision: the table's own category
    assert decided_code("11", sugg, d) == "11"  # keep
    assert decided_code("11", sugg, {**d, "decision": "set", "level2_code": "13"}) == "13"
    accept = {**d, "decision": "accept"}
    assert decided_code("11", sugg, accept) == "12"  # the row's suggestion
    assert decided_code("11", sugg, accept, {"suggested_level2_code": "21"}) == "21"  # the finding's
    assert decided_code("11", sugg, accept, {"p": 0.3}) == "12"  # a finding naming no category
    assert decided_code("11", None, accept) == "11"  # nothing to accept


# ------------------------------------------------------------------ reading
def test_an_empty_store_has_an_empty_library(store):
    assert store.library_rows() == {
        "rows": [],
        "changes": [],
        "mark": {"reviews": 0, "decisions": 0},
        "more": False,
    }


def test_rows_come_with_their_review_metadata_in_saving_order(store):
    first = store.save_review(
        make_review(seed=1, files=2, rows_per_file=5, department="财政局", org="某某区教育局", year=2024)
    )
    second = store.save_review(make_review(seed=2, files=1, rows_per_file=4, year=2025))
    batch = store.library_rows()
    assert not batch["more"] and batch["changes"] == []
    assert [key(r) for r in batch["rows"]] == expected_rows(store, first) + expected_rows(store, second)
    r = batch["rows"][0]
    review = store.get_review(first)
    assert (r["department"], r["org"], r["year"], r["title"]) == (
        "财政局",
        "某某区教育局",
        2024,
        review["title"],
    )
    assert r["created_at"] == review["created_at"]
    src = review["rows"][0]
    for k in ("project", "target", "level1_code", "level2_code", "level2_raw"):
        assert r[k] == src[k], k
    assert r["suggested_code"] == src["suggestion"]["level2_code"]
    assert r["goal"] == review["projects"][0]["goal"]
    assert all(x["decision"] is None and x["decided_code"] == x["level2_code"] for x in batch["rows"])
    assert batch["mark"]["reviews"] == 2 and batch["mark"]["decisions"] == 0
    assert store.library_rows(batch["mark"]) == {
        "rows": [],
        "changes": [],
        "mark": batch["mark"],
        "more": False,
    }


def test_decisions_decide_the_category_and_later_ones_arrive_as_changes(store):
    review = make_review(seed=3, files=1, rows_per_file=6)
    review["findings"] = [
        {"file_n": 1, "row": 0, "rule": "label.improbable", "severity": "warning", "message": "更像质量指标",
         "data": {"suggested_level2_code": "12", "probability": 0.7}},
        {"file_n": 1, "row": 1, "rule": "target.vague", "severity": "warning", "message": "指标值含糊"},
    ]  # fmt: skip
    for i, r in enumerate(review["rows"]):
        r["level2_code"], r["suggestion"] = "11", {"level2_code": "13" if i == 2 else "11"}
    review_id = store.save_review(review)
    got = store.get_review(review_id)
    label, vague = (f["id"] for f in got["findings"])
    store.add_decision(review_id, label, "accept")  # the finding's suggestion: 12
    store.add_decision(review_id, vague, "set", level2_code="21")  # any finding of a row decides its category
    store.add_decision(review_id, (1, 2), "accept")  # a row without a finding: its suggestion, 13
    store.add_decision(review_id, (1, 3), "keep")
    rows, changes, mark = drain(store)
    assert changes == []
    assert [(r["row"], r["decision"], r["decided_code"]) for r in rows] == [
        (0, "accept", "12"),
        (1, "set", "21"),
        (2, "accept", "13"),
        (3, "keep", "11"),
        (4, None, "11"),
        (5, None, "11"),
    ]
    assert mark == {"reviews": 1, "decisions": 4}
    # later decisions on rows already delivered come as changes, the latest winning
    store.add_decision(review_id, (1, 4), "set", level2_code="31")
    store.add_decision(review_id, label, "set", level2_code="22")
    store.add_decision(review_id, (1, 0), "keep")  # on the row itself, after the finding's
    batch = store.library_rows(mark)
    assert batch["rows"] == []
    assert sorted((c["row"], c["decision"], c["decided_code"]) for c in batch["changes"]) == [
        (0, "keep", "11"),
        (4, "set", "31"),
    ]
    assert batch["mark"] == {"reviews": 1, "decisions": 7}
    assert store.library_rows(batch["mark"])["changes"] == []


def test_batches_are_bounded_and_resume_from_the_mark(store):
    ids = [store.save_review(make_review(seed=10 + i, files=1, rows_per_file=3)) for i in range(5)]
    seen = []
    mark = None
    for expect_more in (True, True, False):
        batch = store.library_rows(mark, limit=2)
        assert batch["more"] is expect_more
        seen += list(dict.fromkeys(r["review_id"] for r in batch["rows"]))
        mark = batch["mark"]
    assert seen == ids
    # a decision on a review not yet delivered is not a change: the review brings it along
    rows, _, mark = drain(store, None, limit=2)
    sixth = store.save_review(make_review(seed=20, files=1, rows_per_file=3))
    store.add_decision(sixth, (1, 0), "set", level2_code="23")
    store.add_decision(ids[0], (1, 1), "set", level2_code="24")
    batch = store.library_rows(mark, limit=10)
    assert [(r["review_id"], r["row"], r["decided_code"]) for r in batch["rows"]][0] == (sixth, 0, "23")
    assert [(c["review_id"], c["row"], c["decided_code"]) for c in batch["changes"]] == [(ids[0], 1, "24")]


@pytest.mark.parametrize(
    "bad",
    [{"reviews": 1}, {"reviews": "1", "decisions": 0}, {"reviews": 0, "decisions": 0, "x": 1}, [0, 0]],
)
def test_a_bad_mark_or_limit_is_refused(store, bad):
    with pytest.raises(InvalidError):
        store.library_rows(bad)
    with pytest.raises(InvalidError):
        store.library_rows(None, limit=0)


# ------------------------------------------------------------------ several writers, one reader
def test_concurrent_writers_never_hide_a_review_or_a_decision_from_a_polling_reader(store):
    """Reviews and decisions saved by several threads while a reader polls with its mark: the
    reader ends up with every review once and every row's current category."""
    saved: list[str] = []
    errors: list[BaseException] = []
    done = threading.Event()
    lock = threading.Lock()

    def writer(w: int) -> None:
        rng = random.Random(w)
        try:
            for i in range(6):
                review_id = store.save_review(make_review(seed=100 * w + i, files=1, rows_per_file=4))
                with lock:
                    saved.append(review_id)
                    target = rng.choice(saved)
                store.add_decision(
                    target, (1, rng.randrange(4)), "set", level2_code=rng.choice(["12", "13", "21"])
                )
        except BaseException as e:  # noqa: BLE001 — reported below
            errors.append(e)

    seen: dict[tuple[str, int, int], str | None] = {}
    delivered: list[str] = []

    def reader() -> None:
        mark = None
        try:
            while True:
                finished = done.is_set()
                batch = store.library_rows(mark, limit=3)
                for r in batch["rows"]:
                    k = (r["review_id"], r["file_n"], r["row"])
                    assert k not in seen, f"row {k} delivered twice"
                    seen[k] = r["decided_code"]
                    if r["row"] == 0:
                        delivered.append(r["review_id"])
                for c in batch["changes"]:
                    seen[(c["review_id"], c["file_n"], c["row"])] = c["decided_code"]
                mark = batch["mark"]
                if finished and not batch["more"]:
                    return
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(4)]
    r = threading.Thread(target=reader)
    r.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    done.set()
    r.join()
    assert not errors, errors
    assert sorted(delivered) == sorted(saved) and len(delivered) == 24
    want = {x[:3]: x[6] for review_id in saved for x in expected_rows(store, review_id)}
    assert seen == want


READER = textwrap.dedent(
    """
    import json, sys
    from indicatorml.store import open_store
    store = open_store(sys.argv[1], None)
    batch = store.library_rows(json.loads(sys.argv[2]))
    print(json.dumps([[r["review_id"], r["indicator"], r["decided_code"]] for r in batch["rows"]], ensure_ascii=False))
    print(json.dumps(batch["mark"]))
    store.close()
    """
)


def test_another_process_sees_what_this_one_saved(store, db_url):
    import json

    run = [sys.executable, "-c", READER, db_url]
    out = subprocess.run([*run, "null"], capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.splitlines()[0] == "[]"
    mark = out.stdout.splitlines()[1]
    review_id = store.save_review(make_review(seed=40, files=1, rows_per_file=2))
    store.add_decision(review_id, (1, 1), "set", level2_code="24")
    out = subprocess.run([*run, mark], capture_output=True, text=True, timeout=120, check=True)
    rows = json.loads(out.stdout.splitlines()[0])
    assert [(r[0], r[2]) for r in rows][1] == (review_id, "24")
    assert [r[1] for r in rows] == [r["indicator"] for r in store.get_review(review_id)["rows"]]


def test_check_reports_rows_the_library_would_never_see(store):
    review_id = store.save_review(make_review(seed=60, files=1, rows_per_file=2))
    store.add_decision(review_id, (1, 0), "keep")
    assert store.check().ok
    with store.engine.begin() as conn:  # what a write bypassing indicatorml would leave
        conn.execute(sa.text("UPDATE reviews SET seq = NULL"))
        conn.execute(sa.text("UPDATE decisions SET seq = NULL"))
    assert store.check().problems == [
        "有 1 份审核没有先例库编号 seq（不是由 indicatorml 写入的）",
        "有 1 条审核决定没有先例库编号 seq（不是由 indicatorml 写入的）",
    ]


# ------------------------------------------------------------------ the migration
def test_upgrade_from_revision_2_numbers_what_is_stored_and_keeps_counting(db_url):
    engine = make_engine(database_url(db_url, None))
    migrate_to(engine, "0002")
    with engine.begin() as conn:
        assert current_revision(conn) == "0002"
        assert "seq" not in {c["name"] for c in sa.inspect(conn).get_columns("reviews")}
        write_revision_1_review(conn)  # a 0001-shaped review: 0002 only added a nullable title
        conn.execute(
            sa.text(
                "INSERT INTO reviews (id, created_at, model_name, model_hash, model_info, label_rule, status, "
                "files_count, rows_count, projects_count, findings_count, title) VALUES ('earlier', :t, 'm', "
                "'h', '{}', '{}', 'done', 0, 0, 0, 0, 'x')"
            ),
            {"t": T0.replace(year=2020)},
        )
    engine.dispose()
    with open_store(db_url, None) as store:
        with store.engine.connect() as conn:
            seqs = dict(conn.execute(sa.text("SELECT id, seq FROM reviews")).all())
            assert seqs == {"earlier": 1, "old-review": 2}  # by created_at
            assert conn.execute(sa.text("SELECT seq FROM decisions")).scalars().all() == [1]
        rows, _, mark = drain(store)
        assert [(r["review_id"], r["indicator"], r["decided_code"], r["year"]) for r in rows] == [
            ("old-review", "培训人数", "12", 2023),  # set on the finding before the upgrade
            ("old-review", "群众满意度", "31", 2023),
        ]
        assert mark == {"reviews": 2, "decisions": 1}
        new = store.save_review(make_review(seed=50, files=1, rows_per_file=2))
        store.add_decision(new, (1, 0), "keep")
        with store.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT seq FROM reviews WHERE id = :i"), {"i": new}).scalar() == 3
            assert sorted(conn.execute(sa.text("SELECT seq FROM decisions")).scalars().all()) == [1, 2]
        assert [r["review_id"] for r in store.library_rows(mark)["rows"]] == [new, new]
    engine = make_engine(database_url(db_url, None))
    migrate_to(engine, "0002")  # and back down, for restore
    with engine.connect() as conn:
        assert "seq" not in {c["name"] for c in sa.inspect(conn).get_columns("decisions")}
    engine.dispose()
