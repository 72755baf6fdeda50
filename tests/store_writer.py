"""The victim of the crash tests: writes reviews, decisions and jobs into a store until it is killed.

``python tests/store_writer.py URL SEED`` prints ``ready`` once the store is open, then one line
per write *after* the write returned (flushed at once), so whoever kills it knows what must
have survived:

* ``saving`` before a save_review call, ``saved <review id> <files> <rows> <findings>`` after it
  returned (so a kill after ``saving`` and before ``saved`` hit a save);
* ``decided <review id> <decision id>`` after add_decision returned;
* ``job <job id> <state>`` after a job was created (queued), claimed (running) or finished (done).

Used by tests/test_store_crash.py (20 SIGKILLs) and scripts/crash_store.py (a longer run).
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from store_samples import make_review  # noqa: E402

from indicatorml.store import open_store  # noqa: E402


def main(url: str, seed: int) -> None:
    store = open_store(url, None)
    rng = random.Random(seed)
    print("ready", flush=True)
    for i in range(1_000_000):
        files, rows = rng.randint(1, 4), rng.randint(5, 60)
        review = make_review(seed * 1_000_000 + i, files=files, rows_per_file=rows)
        print("saving", flush=True)
        review_id = store.save_review(review)
        print(f"saved {review_id} {files} {files * rows} {len(review['findings'])}", flush=True)
        decision = store.add_decision(review_id, (1, 0), rng.choice(["accept", "keep"]), comment=f"第 {i} 次")
        print(f"decided {review_id} {decision['id']}", flush=True)
        job = store.create_job("train", {"i": i})
        print(f"job {job['id']} queued", flush=True)
        claimed = store.claim_next_job("train", f"writer-{seed}")
        if claimed is not None:
            print(f"job {claimed['id']} running", flush=True)
            store.finish_job(claimed["id"], {"i": i}, worker=f"writer-{seed}")
            print(f"job {claimed['id']} done", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
