"""The victim of the crash runs: one kind of write, again and again, until it is SIGKILLed.

``python tests/write_victim.py URL DATA_DIR KIND SEED`` opens the store, prints ``ready``, then
loops over one kind of write, printing ``saving`` before each and a ``saved …`` line after it
returned (flushed at once), so whoever kills it knows what must have survived and whether the
kill landed inside a write:

* ``review``: ``Store.save_review`` (its "reviewed" audit line in the same transaction) —
  ``saved <review id>``;
* ``decision``: ``Store.add_decision`` on the review the parent stored first —
  ``saved <decision id>``;
* ``train``: a training job as the server runs one — a job created and claimed, then the
  model written (``coding.save_model`` with its folds, into ``DATA_DIR/models/local``), then
  the job finished with its "trained" audit line — ``saved <job id> <model>``; the two models
  taking turns are ``DATA_DIR/models/A`` and ``B`` (the parent puts them there);
* ``switch``: a model switch — ``Store.set_setting("model:预算处", {"name": A|B})`` with its
  "model_switched" audit line — ``saved <model>``.

Used by tests/test_crash_writes.py (a few kills per kind) and scripts/crash_writes.py (20).
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from store_samples import make_review  # noqa: E402

from indicatorml.accounts import event  # noqa: E402
from indicatorml.store import open_store  # noqa: E402

SWITCH_KEY = "model:预算处"
MODELS = ("A", "B")


def main(url: str, data_dir: Path, kind: str, seed: int) -> None:
    store = open_store(url, None)
    rng = random.Random(seed)
    models = data_dir / "models"
    if kind == "train":
        from indicatorml.coding import load_model, save_model

        loaded = {name: load_model(models / name) for name in MODELS}
    print("ready", flush=True)
    for i in range(1_000_000):
        if kind == "review":
            review = make_review(
                seed * 1_000_000 + i, files=rng.randint(1, 3), rows_per_file=rng.randint(5, 40)
            )
            print("saving", flush=True)
            review_id = store.save_review(review, audit={"action": "reviewed", "ip": "10.0.0.1"})
            print(f"saved {review_id}", flush=True)
        elif kind == "decision":
            review_id = store.list_reviews(limit=1)[0]["id"]
            print("saving", flush=True)
            decision = store.add_decision(
                review_id, (1, 0), rng.choice(["accept", "keep"]), comment=f"第 {i} 次"
            )
            print(f"saved {decision['id']}", flush=True)
        elif kind == "train":
            name = MODELS[i % 2]
            store.create_job("train", {"i": i}, department="预算处")
            worker = f"victim-{seed}"
            job = store.claim_next_job("train", worker)  # the oldest queued: perhaps a killed victim's
            assert job is not None
            print("saving", flush=True)
            save_model(loaded[name], models / "local", folds=True)
            line = event(None, "trained", department="预算处", details={"model": name})
            store.finish_job(job["id"], {"model": name}, worker=worker, audit=line)
            print(f"saved {job['id']} {name}", flush=True)
        elif kind == "switch":
            name = MODELS[i % 2]
            print("saving", flush=True)
            line = event(None, "model_switched", department="预算处", details={"model": name})
            store.set_setting(SWITCH_KEY, {"name": name}, audit=line)
            print(f"saved {name}", flush=True)
        else:
            raise SystemExit(f"unknown kind {kind}")


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]), sys.argv[3], int(sys.argv[4]))
