"""A crash mid-write loses nothing: a writer SIGKILLed at random moments, the store checked after each kill.

tests/store_writer.py writes reviews, decisions and jobs into one store in a loop and says what
returned; it is killed (SIGKILL: no cleanup, no rollback by Python) after a random delay, again
and again on the same database. After every kill the store must open, pass ``Store.check()``
(SQLite's integrity and foreign-key checks; every review with exactly the files, rows, projects
and findings counted when it was saved; every blob matching its hash), and hold every review and
decision whose call had returned before the kill. A job left running by the dead writer is
marked failed with a Chinese reason by ``mark_stale_jobs``, as a restarted server does.
scripts/crash_store.py runs the same for longer.
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import postgres  # noqa: E402

from indicatorml.store import open_store  # noqa: E402

WRITER = Path(__file__).resolve().parent / "store_writer.py"
pg_url = postgres.pg_url  # the fixture: a fresh PostgreSQL database


def kill_and_check(url: str, kills: int, seed: int) -> dict[str, int]:
    """Kill a writer ``kills`` times at random moments; check the store after each. Totals."""
    rng = random.Random(seed)
    saved: dict[str, tuple[int, int, int]] = {}
    decided: dict[str, set[int]] = {}
    totals = {"kills": 0, "during_save": 0, "reviews": 0, "interrupted_jobs": 0}
    for k in range(kills):
        with tempfile.TemporaryFile("w+") as err:
            proc = subprocess.Popen(
                [sys.executable, str(WRITER), url, str(seed * 1000 + k)],
                stdout=subprocess.PIPE,
                stderr=err,
                text=True,
            )
            assert proc.stdout is not None
            ready = proc.stdout.readline()
            try:
                proc.wait(timeout=rng.uniform(0.02, 0.5))
            except subprocess.TimeoutExpired:
                proc.send_signal(signal.SIGKILL)
            # All of stdout through the same reader: readline may have buffered lines beyond "ready".
            out = proc.stdout.read()
            proc.wait(timeout=30)
            err.seek(0)
            assert ready == "ready\n" and proc.returncode == -signal.SIGKILL, err.read()[-2000:]
        totals["kills"] += 1
        # Only whole lines: the writer may be killed half-way through printing the last one.
        lines = out.split("\n")[:-1]
        totals["during_save"] += bool(lines) and lines[-1] == "saving"
        for line in lines:
            word, *rest = line.split()
            if word == "saving":
                continue
            if word == "saved":
                saved[rest[0]] = (int(rest[1]), int(rest[2]), int(rest[3]))
            elif word == "decided":
                decided.setdefault(rest[0], set()).add(int(rest[1]))

        with open_store(url, None) as store:
            report = store.check()
            assert report.ok, report.problems
            stored = {r["id"]: r["counts"] for r in store.list_reviews(limit=10_000)}
            for review_id, (files, rows, found) in saved.items():
                assert review_id in stored, f"kill {k}: review {review_id} was saved, then lost"
                assert (
                    stored[review_id]["files"],
                    stored[review_id]["rows"],
                    stored[review_id]["findings"],
                ) == (
                    files,
                    rows,
                    found,
                )
            for review_id, ids in decided.items():
                assert ids <= {d["id"] for d in store.decisions(review_id)}, f"kill {k}: a decision was lost"
            # the dead writer's running job: marked failed, as a restarted server would
            for job in store.mark_stale_jobs(timedelta(0)):
                assert job["state"] == "failed" and "任务中断" in (job["error"] or "")
                totals["interrupted_jobs"] += 1
            assert store.list_jobs(state="running") == []
            totals["reviews"] = len(stored)
    return totals


@pytest.mark.slow
def test_twenty_sigkills_during_writes_leave_a_whole_sqlite_store(tmp_path):
    totals = kill_and_check(f"sqlite:///{tmp_path / 'indicatorml.sqlite3'}", kills=20, seed=1)
    assert totals["kills"] == 20 and totals["reviews"] > 20  # the writer did get work done between kills
    assert totals["during_save"] >= 3, totals  # and was killed in the middle of save_review, not only between


@pytest.mark.slow
def test_sigkills_during_writes_leave_a_whole_postgresql_store(pg_url):
    totals = kill_and_check(pg_url, kills=8, seed=2)
    assert totals["kills"] == 8 and totals["reviews"] > 8 and totals["during_save"] >= 1, totals
