"""Figures of the review store on SQLite and PostgreSQL, in one run.

What it measures, on each engine (a fresh database each):

1. ``save_review`` of one review of 2,000 indicator rows: 100 uploaded form workbooks of 20
   indicators each (real indicator texts, projects, goals and categories of
   data/corpus/public_indicators.tsv; each upload a real 6–9 KB form workbook of tests/fixtures
   made unique; suggestions and ~10% label findings as tests/store_samples.py builds them) —
   seconds, median of ``--saves`` saves. Reference in the same run: the same review written as
   one JSON file with fsync (the least a durable write of it costs).
2. ``get_review`` of that review (decisions applied): p50 / p95 of ``--gets`` reads.
3. Store size per 1,000 reviewed indicators, without the uploaded files and with them, after
   ``--saves`` such reviews: SQLite's pages per table (dbstat), PostgreSQL's
   pg_total_relation_size per table (tables with their indexes and TOAST).
4. Two processes with ``--threads`` threads each (20 clients) on one database for ``--seconds``:
   each client loops save a 3-file review → read it → decide on a finding → list reviews.
   Errors (must be 0), operations, and p50 / p95 per operation.

Both engines write durably: SQLite with ``synchronous=FULL`` (the store's setting), PostgreSQL with
fsync on (the throwaway cluster of tests/postgres.py is started so here; the tests run it without).

Run: ``.venv/bin/python benchmarks/bench_store.py`` (PostgreSQL: ``$INDICATORML_TEST_PG`` or a
throwaway cluster, see tests/postgres.py). Do not run it beside other heavy work.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
from store_samples import make_review  # noqa: E402

from indicatorml.store import Store, open_store  # noqa: E402

FILES, ROWS = 100, 20


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def reference_json_write(review: dict[str, Any], folder: Path) -> float:
    """The same review as one JSON file (bytes as hex), fsynced: the floor of a durable write."""
    data = {**review, "files": [{**f, "data": f["data"].hex()} for f in review["files"]]}
    t0 = time.perf_counter()
    path = folder / "review.json"
    with open(path, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False)
        f.flush()
        os.fsync(f.fileno())
    return time.perf_counter() - t0


def table_sizes(store: Store) -> dict[str, int]:
    """Bytes per table (with its indexes) as the engine stores them."""
    import sqlalchemy as sa

    with store.engine.connect() as conn:
        if store.dialect == "sqlite":
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            rows = conn.exec_driver_sql(
                "SELECT coalesce(m.tbl_name, s.name), sum(s.pgsize) FROM dbstat s "
                "LEFT JOIN sqlite_master m ON m.name = s.name GROUP BY 1"
            ).all()
        else:
            rows = conn.execute(
                sa.text(
                    "SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c "
                    "JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname = 'public' AND c.relkind = 'r'"
                )
            ).all()
    return {name: int(size) for name, size in rows}


def single_process(url: str, saves: int, gets: int, tmp: Path) -> dict[str, Any]:
    reviews = [make_review(seed=1000 + i, files=FILES, rows_per_file=ROWS) for i in range(saves)]
    assert sum(len(r["rows"]) for r in reviews[:1]) == FILES * ROWS
    with open_store(url, None) as store:
        empty = table_sizes(store)
        save_s = []
        ids = []
        for review in reviews:
            t0 = time.perf_counter()
            ids.append(store.save_review(review))
            save_s.append(time.perf_counter() - t0)
        reference = statistics.median(reference_json_write(r, tmp) for r in reviews)
        first = store.get_review(ids[0])
        for f in first["findings"][:20]:  # a reviewer's morning: decisions applied on reading
            store.add_decision(ids[0], f["id"], "keep", comment="保持")
        get_s = []
        for _ in range(gets):
            t0 = time.perf_counter()
            got = store.get_review(ids[0])
            get_s.append(time.perf_counter() - t0)
        assert (
            len(got["rows"]) == FILES * ROWS and sum(f["decision"] is not None for f in got["findings"]) == 20
        )
        full = table_sizes(store)
        assert store.check(verify_blobs=False).ok
    grown = {t: full.get(t, 0) - empty.get(t, 0) for t in full}
    indicators = saves * FILES * ROWS
    blob_bytes = grown.get("blobs", 0)
    total = sum(grown.values())
    return {
        "save_s": statistics.median(save_s),
        "save_max_s": max(save_s),
        "reference_s": reference,
        "get_p50": pct(get_s, 0.5),
        "get_p95": pct(get_s, 0.95),
        "per_1000_without_blobs": (total - blob_bytes) / indicators * 1000,
        "per_1000_with_blobs": total / indicators * 1000,
        "biggest": sorted(grown.items(), key=lambda kv: -kv[1])[:3],
        "findings": len(first["findings"]),
    }


# ------------------------------------------------------------------ the concurrent part
def client_loop(
    store: Store, seed: int, until: float, out: dict[str, list[float]], errors: list[str]
) -> None:
    i = 0
    while time.perf_counter() < until:
        try:
            review = make_review(seed=seed * 100_000 + i, files=3, rows_per_file=20)
            t0 = time.perf_counter()
            review_id = store.save_review(review)
            t1 = time.perf_counter()
            got = store.get_review(review_id)
            t2 = time.perf_counter()
            target = got["findings"][0]["id"] if got["findings"] else (1, 0)
            store.add_decision(review_id, target, "accept", user=f"client{seed}")
            t3 = time.perf_counter()
            store.list_reviews(limit=20)
            t4 = time.perf_counter()
            for op, dt in (("save", t1 - t0), ("get", t2 - t1), ("decide", t3 - t2), ("list", t4 - t3)):
                out.setdefault(op, []).append(dt)
        except Exception as e:  # noqa: BLE001 - counted and shown: the figure is "0 errors"
            errors.append(f"{type(e).__name__}: {e}"[:300])
        i += 1


def worker(url: str, threads: int, seconds: float, go: Path, proc: int) -> None:
    """One of the two processes: ``threads`` clients on one Store; prints its figures as JSON."""
    with open_store(url, None) as store:
        print("ready", flush=True)
        while not go.exists():
            time.sleep(0.005)
        until = time.perf_counter() + seconds
        out: dict[str, list[float]] = {}
        errors: list[str] = []
        clients = [
            threading.Thread(target=client_loop, args=(store, proc * 100 + t, until, out, errors))
            for t in range(threads)
        ]
        for c in clients:
            c.start()
        for c in clients:
            c.join()
        print(json.dumps({"ops": out, "errors": errors}), flush=True)
        assert store.check(verify_blobs=False).ok


def concurrent(url: str, threads: int, seconds: float, tmp: Path) -> dict[str, Any]:
    open_store(url, None).close()  # migrated before the clients start
    go = tmp / f"go-{time.monotonic_ns()}"
    procs = [
        subprocess.Popen(
            [sys.executable, __file__, "--worker", url, str(threads), str(seconds), str(go), str(p)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for p in range(2)
    ]
    for p in procs:
        assert p.stdout is not None and p.stdout.readline().strip() == "ready"
    go.touch()
    ops: dict[str, list[float]] = {}
    errors: list[str] = []
    for p in procs:
        out, _ = p.communicate(timeout=seconds + 300)
        result = json.loads(out.strip().splitlines()[-1])
        for op, values in result["ops"].items():
            ops.setdefault(op, []).extend(values)
        errors.extend(result["errors"])
        if p.returncode != 0:
            errors.append(f"process exited {p.returncode}")
    with open_store(url, None) as store:
        ok = store.check(verify_blobs=True).ok
    return {"ops": ops, "errors": errors, "check_ok": ok}


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        url, threads, seconds, go, proc = sys.argv[2:7]
        worker(url, int(threads), float(seconds), Path(go), int(proc))
        return 0
    ap = argparse.ArgumentParser(description="figures of the review store on SQLite and PostgreSQL")
    ap.add_argument("--saves", type=int, default=5, help="2,000-row reviews saved (default 5)")
    ap.add_argument("--gets", type=int, default=40)
    ap.add_argument("--threads", type=int, default=10, help="clients per process, 2 processes (default 10)")
    ap.add_argument("--seconds", type=float, default=15)
    ap.add_argument("--engine", choices=("sqlite", "postgresql", "both"), default="both")
    args = ap.parse_args()
    engines = ("sqlite", "postgresql") if args.engine == "both" else (args.engine,)
    print(f"review: {FILES} files x {ROWS} indicators = {FILES * ROWS} rows; {os.cpu_count()} cores")
    failed = False
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        for engine in engines:
            if engine == "sqlite":
                url_a = f"sqlite:///{tmp / 'a' / 'indicatorml.sqlite3'}"
                url_b = f"sqlite:///{tmp / 'b' / 'indicatorml.sqlite3'}"
            else:
                import postgres

                url_a = stack.enter_context(postgres.pg_database(durable=True))
                url_b = stack.enter_context(postgres.pg_database(durable=True))
            r = single_process(url_a, args.saves, args.gets, tmp)
            print(f"\n== {engine}")
            print(
                f"save_review, 2,000 rows: {r['save_s']:.2f} s median of {args.saves} (max {r['save_max_s']:.2f} s); "
                f"reference: the same review as one fsynced JSON file {r['reference_s']:.2f} s"
            )
            print(
                f"get_review, 2,000 rows + {r['findings']} findings, 20 decisions: "
                f"p50 {r['get_p50'] * 1000:.0f} ms, p95 {r['get_p95'] * 1000:.0f} ms"
            )
            print(
                f"size per 1,000 reviewed indicators: {r['per_1000_without_blobs'] / 1e6:.2f} MB without uploads, "
                f"{r['per_1000_with_blobs'] / 1e6:.2f} MB with them (largest: "
                + ", ".join(f"{t} {b / 1e6:.1f} MB" for t, b in r["biggest"])
                + f", for {args.saves * FILES * ROWS:,} indicators)"
            )
            c = concurrent(url_b, args.threads, args.seconds, tmp)
            total = sum(len(v) for v in c["ops"].values())
            print(
                f"2 processes x {args.threads} clients, {args.seconds:g} s: {len(c['errors'])} errors, "
                f"{total} operations ({total / args.seconds:.0f}/s), store check {'ok' if c['check_ok'] else 'FAILED'}"
            )
            for op, values in sorted(c["ops"].items()):
                print(
                    f"  {op:7s} n={len(values):5d}  p50 {pct(values, 0.5) * 1000:6.1f} ms  p95 {pct(values, 0.95) * 1000:6.1f} ms"
                )
            for e in c["errors"][:5]:
                print(f"  error: {e}")
            failed = failed or bool(c["errors"]) or not c["check_ok"]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
