"""Figures of the review pipeline: 100 form workbooks (2,000 indicators) reviewed and stored, in one run.

    .venv/bin/python benchmarks/bench_reviews.py [--files 100] [--per-form 20] [--repeat 3] [--loads 40]

Builds 100 single-form workbooks of 20 indicators each from the corpus rows with
scripts/make_fixtures.py's builders (header block, merged 一级/二级 cells — the layout
bench_read.py reads), then on SQLite and on PostgreSQL (a fresh database each; PostgreSQL from
``$INDICATORML_TEST_PG`` or a throwaway cluster with fsync on, see tests/postgres.py):

1. ``run_review(files)`` + ``save_review``: seconds end to end and per file (median of
   ``--repeat``), split into reading (the pipeline's calls into the reader), scoring and checking,
   and saving.
2. ``load_review`` of one such review: p50 / p95 of ``--loads`` loads; and with the API's JSON
   (``review_json`` + ``json.dumps``: ``GET /api/reviews/{id}`` without the HTTP).
3. The store's size per 1,000 reviewed indicators (with and without the uploaded files).
4. ``workbooks_zip`` of the stored review: the 100 annotated workbooks, from the store.

Reference in the same run: reading the same 100 files with ``read_table`` alone (what the pipeline
adds is everything but that), and bench_read.py's own figure — the same 100 forms as one
workbook of 100 sheets. The engines' runs read in this process (the library's default); one more
line reads the same files through a ``ReaderPool`` worker, as the CLI and the server do, both
with ``read_table`` alone and within ``run_review``. Do not run it beside other heavy work.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import random
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))
_spec = importlib.util.spec_from_file_location("make_fixtures", ROOT / "scripts" / "make_fixtures.py")
mf = importlib.util.module_from_spec(_spec)
sys.modules["make_fixtures"] = mf
_spec.loader.exec_module(mf)

from bench_store import pct, table_sizes  # noqa: E402

import indicatorml.reviews.reading as review_reading  # noqa: E402
from indicatorml.reviews import load_review, review_json, run_review, save_review, workbooks_zip  # noqa: E402
from indicatorml.store import open_store  # noqa: E402
from indicatorml.tables import read_table  # noqa: E402
from indicatorml.tables.limits import DEFAULT_LIMITS  # noqa: E402
from indicatorml.tables.pool import PoolSettings, ReaderPool  # noqa: E402
from indicatorml.tables.reading import reading as read_policy  # noqa: E402


def build(folder: Path, n_files: int, per_form: int) -> tuple[list[Path], Path]:
    """``n_files`` form workbooks of ``per_form`` indicators, and the same forms as one
    workbook of ``n_files`` sheets (bench_read.py's file)."""
    rng = random.Random(7)
    rows = mf.corpus_rows()
    forms = []
    for k in range(n_files):
        start = rng.randrange(len(rows))
        chunk = (rows[start:] + rows[:start])[:per_form]
        forms.append(mf.make_form(rng, chunk, per_form, score_suffix=bool(k % 2)))
    files = []
    for k, f in enumerate(forms):
        path = folder / f"2025年度项目支出绩效目标表_{k + 1:03d}.xlsx"
        mf.write_xlsx([mf.render_sheet("申报表", [f])], path)
        files.append(path)
    sheets = folder / "sheets.xlsx"
    mf.write_xlsx([mf.render_sheet(f"项目{k + 1}", [f]) for k, f in enumerate(forms)], sheets)
    return files, sheets


class ReadClock:
    """Time spent in the pipeline's calls into the reader (reading.read_upload)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._real = review_reading.read_upload

    def __enter__(self) -> ReadClock:
        def timed(path: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return self._real(path)
            finally:
                self.seconds += time.perf_counter() - t0

        review_reading.read_upload = timed  # type: ignore[assignment]
        return self

    def __exit__(self, *exc: object) -> None:
        review_reading.read_upload = self._real  # type: ignore[assignment]


def one_engine(url: str, files: list[Path], repeat: int, loads: int) -> dict[str, Any]:
    n_rows = 0
    with open_store(url, None) as store:
        empty = table_sizes(store)
        totals, reads, saves, ids = [], [], [], []
        for _ in range(repeat):
            with ReadClock() as clock:
                t0 = time.perf_counter()
                review = run_review(files)
                t1 = time.perf_counter()
            ids.append(save_review(store, review))
            t2 = time.perf_counter()
            totals.append(t2 - t0)
            reads.append(clock.seconds)
            saves.append(t2 - t1)
            n_rows = sum(len(f.table.records) for f in review.files)
            assert n_rows == len(files) * 20 and not any(f.table.problems for f in review.files)
        load_s, get_s = [], []
        for _ in range(loads):
            t0 = time.perf_counter()
            loaded = load_review(store, ids[0])
            t1 = time.perf_counter()
            json.dumps(review_json(loaded), ensure_ascii=False)
            get_s.append(time.perf_counter() - t0)
            load_s.append(t1 - t0)
        assert loaded == review
        t0 = time.perf_counter()
        z = workbooks_zip(load_review(store, ids[0]), store)
        zip_s = time.perf_counter() - t0
        full = table_sizes(store)
    grown = {t: full.get(t, 0) - empty.get(t, 0) for t in full}
    indicators = repeat * n_rows
    total = sum(grown.values())
    blobs = grown.get("blobs", 0)
    findings = sum(len(f.findings) for f in review.files)
    return {
        "total": statistics.median(totals),
        "read": statistics.median(reads),
        "save": statistics.median(saves),
        "load_p50": pct(load_s, 0.5),
        "load_p95": pct(load_s, 0.95),
        "get_p50": pct(get_s, 0.5),
        "get_p95": pct(get_s, 0.95),
        "per_1000_without_blobs": (total - blobs) / indicators * 1000,
        "per_1000_with_blobs": total / indicators * 1000,
        "zip_s": zip_s,
        "zip_bytes": len(z.data),
        "rows": n_rows,
        "findings": findings,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--files", type=int, default=100)
    ap.add_argument("--per-form", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--loads", type=int, default=40)
    ap.add_argument("--engine", choices=("sqlite", "postgresql", "both"), default="both")
    a = ap.parse_args()
    engines = ("sqlite", "postgresql") if a.engine == "both" else (a.engine,)
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        files, sheets = build(tmp, a.files, a.per_form)
        size = sum(p.stat().st_size for p in files)
        print(
            f"{a.files} form workbooks x {a.per_form} indicators = {a.files * a.per_form} indicators "
            f"({size // 1024} KiB); {os.cpu_count()} cores; median of {a.repeat}"
        )
        run_review(files[:1])  # the model loaded once, as a server has it
        ref_files, ref_sheets = [], []
        for _ in range(a.repeat):
            t0 = time.perf_counter()
            for p in files:
                read_table(p)
            ref_files.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            assert len(read_table(sheets).records) == a.files * a.per_form
            ref_sheets.append(time.perf_counter() - t0)
        print(
            f"reference, read_table alone: the {a.files} files {statistics.median(ref_files):.2f} s; "
            f"bench_read.py's file (the same forms as 1 workbook of {a.files} sheets) {statistics.median(ref_sheets):.2f} s"
        )
        with ReaderPool(PoolSettings(size=1)) as pool:
            pool.start()
            pool.read(files[0], DEFAULT_LIMITS)  # the worker started (not timed)
            worker_read, worker_review = [], []
            for _ in range(a.repeat):
                t0 = time.perf_counter()
                for p in files:
                    pool.read(p, DEFAULT_LIMITS)
                worker_read.append(time.perf_counter() - t0)
                with read_policy(pool=pool), ReadClock() as clock:
                    t0 = time.perf_counter()
                    review = run_review(files)
                    worker_review.append((time.perf_counter() - t0, clock.seconds))
                assert sum(len(f.table.records) for f in review.files) == a.files * a.per_form
            total, read_s = (statistics.median(x) for x in zip(*worker_review, strict=True))
            print(
                f"through a reader worker (how the CLI and the server read): read_table of the {a.files} files "
                f"{statistics.median(worker_read):.2f} s; run_review {total:.2f} s, of which reading {read_s:.2f} s"
            )
        for engine in engines:
            if engine == "sqlite":
                url = f"sqlite:///{tmp / engine / 'indicatorml.sqlite3'}"
            else:
                import postgres

                url = stack.enter_context(postgres.pg_database(durable=True))
            r = one_engine(url, files, a.repeat, a.loads)
            print(f"\n== {engine}")
            print(
                f"run_review + save_review, {r['rows']} indicators ({r['findings']} findings): {r['total']:.2f} s end to end, "
                f"{r['total'] / a.files * 1000:.0f} ms per file — reading {r['read']:.2f} s, "
                f"scoring and checking {r['total'] - r['read'] - r['save']:.2f} s, saving {r['save']:.2f} s"
            )
            print(
                f"load_review: p50 {r['load_p50'] * 1000:.0f} ms, p95 {r['load_p95'] * 1000:.0f} ms; with review_json "
                f"and json.dumps (GET /api/reviews/{{id}} without HTTP): p50 {r['get_p50'] * 1000:.0f} ms, "
                f"p95 {r['get_p95'] * 1000:.0f} ms ({a.loads} loads)"
            )
            print(
                f"store size per 1,000 reviewed indicators: {r['per_1000_without_blobs'] / 1e6:.2f} MB without the "
                f"uploaded files, {r['per_1000_with_blobs'] / 1e6:.2f} MB with them"
            )
            print(
                f"workbooks_zip of the stored review ({a.files} annotated workbooks): {r['zip_s']:.2f} s, "
                f"{r['zip_bytes'] // 1024} KiB"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
