"""A longer crash run of the store than the test: SIGKILL a writer N times, check the store after each.

The same procedure as tests/test_store_crash.py (see there), for more kills and on both engines:

    .venv/bin/python scripts/crash_store.py --kills 200            # SQLite and PostgreSQL
    .venv/bin/python scripts/crash_store.py --kills 500 --engine sqlite

PostgreSQL is the server of ``$INDICATORML_TEST_PG`` or a throwaway cluster (tests/postgres.py).
Prints, per engine: kills, kills that landed inside save_review, reviews stored, interrupted
jobs marked failed, seconds; any lost or torn write stops the run with the failed assertion.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
import postgres  # noqa: E402
from test_store_crash import kill_and_check  # noqa: E402


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--kills", type=int, default=200)
    p.add_argument("--engine", choices=("sqlite", "postgresql", "both"), default="both")
    p.add_argument("--seed", type=int, default=7)
    args = p.parse_args()
    engines = ("sqlite", "postgresql") if args.engine == "both" else (args.engine,)
    for engine in engines:
        t0 = time.perf_counter()
        if engine == "sqlite":
            with tempfile.TemporaryDirectory() as tmp:
                totals = kill_and_check(f"sqlite:///{tmp}/indicatorml.sqlite3", args.kills, args.seed)
        else:
            with postgres.pg_database() as url:
                totals = kill_and_check(url, args.kills, args.seed)
        print(
            f"{engine:10s}: {totals['kills']} kills ({totals['during_save']} inside save_review), "
            f"{totals['reviews']} reviews stored and whole after every kill, "
            f"{totals['interrupted_jobs']} interrupted jobs marked failed, {time.perf_counter() - t0:.0f} s"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
