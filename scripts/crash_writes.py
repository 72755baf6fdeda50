"""SIGKILL during each kind of write, N times, checking the store and the active model after every kill.

The procedure of tests/test_crash_writes.py (see there), for longer and on either engine:

    .venv/bin/python scripts/crash_writes.py                       # 20 kills per kind, SQLite
    .venv/bin/python scripts/crash_writes.py --kills 50 --engine postgresql

Kinds: a review saved, a decision, a training job writing its model (models/local, with its
folds), a model switch (a settings write). Prints, per kind: kills, kills that landed inside
the write (between ``saving`` and ``saved``), kills after which everything was consistent,
writes that had returned, seconds. Any inconsistency stops the run with the failed assertion.
Bounded: one victim process at a time, each killed within 0.7 s; PostgreSQL is a throwaway
cluster on a unix socket (tests/postgres.py) unless $INDICATORML_TEST_PG is set.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
import postgres  # noqa: E402
from test_crash_writes import KINDS, kill_and_check, prepare  # noqa: E402


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--kills", type=int, default=20, help="kills per kind (default 20)")
    p.add_argument("--engine", choices=("sqlite", "postgresql"), default="sqlite")
    p.add_argument("--kinds", nargs="+", choices=KINDS, default=list(KINDS))
    p.add_argument("--seed", type=int, default=18)
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="crash-writes-") as tmp:
        data_dir = Path(tmp)
        t0 = time.perf_counter()
        prepare(data_dir)
        print(
            f"models A (shipped, 5 folds) and B (12 pages, 3 folds) ready in {time.perf_counter() - t0:.0f} s"
        )
        for i, kind in enumerate(args.kinds):
            with ExitStack() as stack:
                if args.engine == "sqlite":
                    url = f"sqlite:///{data_dir / f'{kind}.sqlite3'}"
                else:
                    url = stack.enter_context(postgres.pg_database(durable=True))
                t0 = time.perf_counter()
                totals = kill_and_check(url, data_dir, kind, args.kills, args.seed * 10 + i)
            print(
                f"{kind:9s} ({args.engine}): {totals['kills']} kills, {totals['inside']} inside the write, "
                f"consistent after {totals['consistent']}/{totals['kills']}, "
                f"{totals['returned']} writes returned, {time.perf_counter() - t0:.0f} s",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
