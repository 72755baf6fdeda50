"""Nothing lost on a crash: SIGKILL during a review, a decision, a training job writing its model, a model switch.

tests/write_victim.py does one kind of write in a loop; it is killed (SIGKILL: no cleanup, no
rollback by Python) after a random delay, again and again on the same store and data folder.
After every kill, as a restarted server would see it:

* the active model (``models/local``) loads *before* any cleanup — a reader never finds a
  half-written or missing model — and is one of the two whole models the victim writes, its
  fold models its own;
* the leftovers of the killed writer (``models/.new-*``) are removed by the startup cleanup
  (``durable.clean_stale``, as ``durable.clean_leftovers`` does), nothing else is;
* ``Store.check()`` passes; a job the victim left running is marked failed
  (``mark_stale_jobs``);
* every write whose call had returned is there, and the audit log agrees with the data
  exactly: one "reviewed" line per stored review, one "decided" line per decision, one
  "trained" line per finished job, and the latest "model_switched" line names the model the
  setting holds — each line was written in its write's transaction, so neither outlives the
  other.

scripts/crash_writes.py runs 20 kills per kind and prints the figures.
"""

from __future__ import annotations

import csv
import hashlib
import random
import signal
import subprocess
import sys
import tempfile
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from store_samples import make_review  # noqa: E402

from indicatorml.coding import load_model, save_model, train  # noqa: E402
from indicatorml.durable import LEGACY_PREFIXES, clean_stale  # noqa: E402
from indicatorml.store import open_store  # noqa: E402

from helpers import CORPUS, SHIPPED_MODEL  # noqa: E402

VICTIM = Path(__file__).resolve().parent / "write_victim.py"
KINDS = ("review", "decision", "train", "switch")
SWITCH_KEY = "model:预算处"


def identity(model_dir: Path) -> str:
    return hashlib.sha256((model_dir / "model.json").read_bytes()).hexdigest()


def prepare(data_dir: Path) -> dict[str, str]:
    """Two whole models the victims take turns writing — A: the shipped model with its 5 folds
    (6.4 MB, as a server's is), B: a small one trained here on 12 corpus pages with 3 folds —
    and the active model ``local`` (A). Their identities (sha256 of model.json) by name."""
    models = data_dir / "models"
    save_model(load_model(SHIPPED_MODEL), models / "A", folds=True)
    prepare_small(models / "B")
    save_model(load_model(models / "A"), models / "local", folds=True)
    return {name: identity(models / name) for name in ("A", "B")}


def prepare_small(out: Path) -> None:
    """A small model with 3 folds, trained in a few seconds on 12 corpus pages, saved at ``out``."""
    with CORPUS.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    pages = list(dict.fromkeys(r[0] for r in rows[1:]))[:12]
    own = out.parent / f"{out.name}.tsv"
    own.parent.mkdir(parents=True, exist_ok=True)
    own.write_text(
        "\n".join("\t".join(r) for r in [rows[0], *(r for r in rows[1:] if r[0] in pages)]) + "\n",
        encoding="utf-8",
    )
    train([str(own)], default_data=False, out=out, folds=3, progress=False, handwritten=False)
    own.unlink()


def kill_and_check(url: str, data_dir: Path, kind: str, kills: int, seed: int) -> dict[str, Any]:
    """Kill a victim of ``kind`` ``kills`` times at random moments, checking after each (an
    assertion fails at the first inconsistency). Totals: kills, inside (kills that landed
    between ``saving`` and ``saved``), consistent, writes that returned."""
    rng = random.Random(seed)
    models = data_dir / "models"
    known = {name: identity(models / name) for name in ("A", "B")}
    with open_store(url, None) as store:
        if kind == "decision" and not store.list_reviews(limit=1):
            store.save_review(make_review(seed, files=1, rows_per_file=5))
        if kind == "switch":
            store.set_setting(SWITCH_KEY, {"name": "A"})
    returned: list[list[str]] = []
    totals = {"kind": kind, "kills": 0, "inside": 0, "consistent": 0, "returned": 0}
    for k in range(kills):
        lines = _run_and_kill(url, data_dir, kind, seed * 1000 + k, rng.uniform(0.05, 0.7))
        totals["kills"] += 1
        totals["inside"] += bool(lines) and lines[-1] == ["saving"]
        returned += [line[1:] for line in lines if line[0] == "saved"]
        if kind == "train":
            # Before any cleanup: what a server (re)starting now would load is a whole model.
            assert identity(models / "local") in known.values()
            _check_model(models / "local")
            leftovers = clean_stale(models, LEGACY_PREFIXES, grace=0)
            assert all(p.name.startswith(".new-local.") for p in leftovers), leftovers
            assert sorted(p.name for p in models.iterdir()) == ["A", "B", "local"]
        with open_store(url, None) as store:
            report = store.check()
            assert report.ok, (k, report.problems)
            for job in store.mark_stale_jobs(timedelta(0)):
                assert job["state"] == "failed" and "任务中断" in (job["error"] or "")
            assert store.list_jobs(state="running") == []
            _check_kind(store, kind, returned, known, models, k)
        totals["consistent"] += 1
    totals["returned"] = len(returned)
    return totals


def _run_and_kill(url: str, data_dir: Path, kind: str, seed: int, delay: float) -> list[list[str]]:
    with tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(
            [sys.executable, str(VICTIM), url, str(data_dir), kind, str(seed)],
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
        )
        assert proc.stdout is not None
        ready = proc.stdout.readline()
        try:
            proc.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
        out = proc.stdout.read()
        proc.wait(timeout=30)
        err.seek(0)
        assert ready == "ready\n" and proc.returncode == -signal.SIGKILL, err.read()[-2000:]
    # Only whole lines: the victim may be killed half-way through printing the last one.
    return [line.split() for line in out.split("\n")[:-1]]


def _check_model(model_dir: Path) -> None:
    """The model loads and each of its folds is its own (a fold read after a replacement by
    another model would be refused by load_model's identity check)."""
    model = load_model(model_dir)
    assert model.crossfit_ is not None
    for k in range(model.crossfit_.folds):
        fold = model.crossfit_.fold(k)
        assert set(fold.classes_) <= set(model.classes_)


def _check_kind(
    store: Any, kind: str, returned: list[list[str]], known: dict[str, str], models: Path, k: int
) -> None:
    log = store.audit_log(limit=100_000)
    if kind == "review":
        stored = {r["id"] for r in store.list_reviews(limit=10_000)}
        assert {line[0] for line in returned} <= stored, f"kill {k}: a saved review was lost"
        reviewed = Counter(e["object_id"] for e in log if e["action"] == "reviewed")
        assert set(reviewed) == stored and set(reviewed.values()) == {1}, (
            f"kill {k}: audit and reviews differ"
        )
        assert all(e["ip"] == "10.0.0.1" for e in log if e["action"] == "reviewed")
    elif kind == "decision":
        review_id = store.list_reviews(limit=1)[0]["id"]
        stored = {str(d["id"]) for d in store.decisions(review_id)}
        assert {line[0] for line in returned} <= stored, f"kill {k}: a decision was lost"
        decided = Counter(e["object_id"] for e in log if e["action"] == "decided")
        assert set(decided) == stored and set(decided.values()) <= {1}, (
            f"kill {k}: audit and decisions differ"
        )
    elif kind == "train":
        done = {j["id"] for j in store.list_jobs(state="done", limit=100_000)}
        assert {line[0] for line in returned} <= done, f"kill {k}: a finished job was lost"
        trained = Counter(e["object_id"] for e in log if e["action"] == "trained")
        assert set(trained) == done and set(trained.values()) <= {1}, f"kill {k}: audit and jobs differ"
    elif kind == "switch":
        value = store.get_setting(SWITCH_KEY)
        assert value["name"] in known, value
        load_model(models / value["name"])  # the model the setting names loads
        switched = [e for e in log if e["action"] == "model_switched"]
        if switched:
            assert switched[-1]["details"]["model"] == value["name"], f"kill {k}: audit and setting differ"
        assert len(switched) >= len(returned)


@pytest.fixture(scope="module")
def prepared(tmp_path_factory) -> Path:
    data_dir = tmp_path_factory.mktemp("crash")
    prepare(data_dir)
    return data_dir


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
def test_sigkills_during_writes_leave_store_and_model_consistent(prepared, kind, tmp_path):
    url = f"sqlite:///{tmp_path / 'indicatorml.sqlite3'}"
    totals = kill_and_check(url, prepared, kind, kills=3, seed=KINDS.index(kind) + 1)
    assert totals["kills"] == totals["consistent"] == 3
    assert totals["returned"] > 0  # the victim did write between kills
