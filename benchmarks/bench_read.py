"""Read time for a 2,000-indicator form workbook, beside the same rows as a flat CSV, in one run.

    .venv/bin/python benchmarks/bench_read.py [--indicators 2000] [--repeat 3]

Builds (from the corpus rows, with scripts/make_fixtures.py's builders) a workbook of 100 form
sheets × 20 indicators (header block, merged 一级/二级), one sheet holding 100 forms one after
another, the same 100 forms as one .docx, and the same rows as a flat CSV; reads each with
``read_table`` and prints the median of the repeats. Every read must give all the rows.

Two columns: in this process (``read_table`` as a library user calls it), and through a
``ReaderPool`` worker (how the server and the CLI read untrusted files: the same read in a
worker process under its limits, the table sent back as JSON); the worker is started before
the clock runs, as a server's is. Then 100 small files (the seed and the fixture workbooks,
cycled) one after another both ways: a batch pays the pool's per-file cost 100 times.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
_spec = importlib.util.spec_from_file_location("make_fixtures", ROOT / "scripts" / "make_fixtures.py")
mf = importlib.util.module_from_spec(_spec)
sys.modules["make_fixtures"] = mf
_spec.loader.exec_module(mf)

from indicatorml.tables import read_table  # noqa: E402
from indicatorml.tables.limits import DEFAULT_LIMITS  # noqa: E402
from indicatorml.tables.pool import PoolSettings, ReaderPool  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--indicators", type=int, default=2000)
    ap.add_argument("--per-form", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    rng = random.Random(7)
    rows = mf.corpus_rows()
    n_forms = a.indicators // a.per_form
    forms = []
    for k in range(n_forms):
        start = rng.randrange(len(rows))
        chunk = (rows[start:] + rows[:start])[: a.per_form]
        forms.append(mf.make_form(rng, chunk, a.per_form, score_suffix=bool(k % 2)))
    n = sum(len(f.rows) for f in forms)
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        files = {}
        sheets = [mf.render_sheet(f"项目{k + 1}", [f]) for k, f in enumerate(forms)]
        mf.write_xlsx(sheets, d / "sheets.xlsx")
        files[f"xlsx, {n_forms} sheets × {a.per_form}"] = d / "sheets.xlsx"
        mf.write_xlsx([mf.render_sheet("全部", forms)], d / "one.xlsx")
        files[f"xlsx, 1 sheet, {n_forms} forms"] = d / "one.xlsx"
        mf.write_docx([([], s) for s in sheets], d / "forms.docx")
        files[f"docx, {n_forms} tables"] = d / "forms.docx"
        with open(d / "flat.csv", "w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["项目名称", "一级指标", "二级指标", "三级指标", "指标值"])
            for f in forms:
                for r in f.rows:
                    w.writerow([f.project, r["level1"], r["level2_raw"], r["indicator"], r["target"]])
        files["flat CSV (same rows)"] = d / "flat.csv"
        with ReaderPool(PoolSettings(size=1)) as pool:
            t0 = time.perf_counter()
            pool.start()
            pool.read(ROOT / "data" / "seed" / "000_fc0049aa6689bdbf.txt", DEFAULT_LIMITS)
            print(f"worker started and first file read in {time.perf_counter() - t0:.2f} s (not timed below)")
            print(f"{n} indicators; median of {a.repeat} reads: in this process / in a worker")
            for label, path in files.items():
                here = _median(a.repeat, lambda p=path: read_table(p), n, label)
                there = _median(a.repeat, lambda p=path: pool.read(p, DEFAULT_LIMITS), n, label)
                size = path.stat().st_size // 1024
                print(f"  {label:<28} {here:6.2f} s   {there:6.2f} s   ({size} KiB)")
            small = [ROOT / "data" / "seed" / "000_fc0049aa6689bdbf.txt"] + sorted(
                p
                for p in (ROOT / "tests" / "fixtures" / "workbooks").glob("*.xlsx")
                if p.stat().st_size > 5000
            )
            batch = [small[k % len(small)] for k in range(100)]
            t0 = time.perf_counter()
            for p in batch:
                read_table(p)
            here = time.perf_counter() - t0
            t0 = time.perf_counter()
            for p in batch:
                pool.read(p, DEFAULT_LIMITS)
            there = time.perf_counter() - t0
            print(f"  {'100 small files, one by one':<28} {here:6.2f} s   {there:6.2f} s")
    return 0


def _median(repeat: int, read, n: int, label: str) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        t = read()
        times.append(time.perf_counter() - t0)
        assert len(t.records) == n and not t.problems, (label, len(t.records), t.problems[:3])
    return statistics.median(times)


if __name__ == "__main__":
    sys.exit(main())
