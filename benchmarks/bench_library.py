"""A 1,000,000-indicator library: build, memory, query latency, adding one reviewed table, exactness.

    .venv/bin/python benchmarks/bench_library.py                      # 1,000,000 rows, 200 added tables
    .venv/bin/python benchmarks/bench_library.py --docs 100000 --tables 50 --store-reviews 200

Rows: the shipped indicator rows recombined with random.Random(--seed), as
benchmarks/bench_search.py does: an indicator is the first 1..n words of one real indicator
followed by the words from a random position of another (words from ``segment.words``, cut
once per real text), its project one of the real project names, its year 2019–2025, its unit
one of the real units, its department one of 12, its decided category the first half's real
one. Rows come in reviewed tables of 20–100 rows. Token lists are made from the recombined
words (what ``ranking.doc_fields`` gives, except where jieba would cut the seam of the two
halves differently), so the million rows need no segmenting; segmenting is timed apart, on
real ``doc_fields`` calls over a sample, and projected.

Figures, all in this run:
- build: the library's index of N rows in one batch (the full rebuild), and its catalog;
  index bytes (arrays), process RSS growth;
- queries: p50/p95/max of ``Library.search`` (top 10, reviewed rows first) for 200 real
  indicator texts and the 54 judged queries, without and with filters (year; unit substring;
  category); reference: today's engine (``bm25.BM25``, every pair scored once) over the same
  rows' ``search_tokens``;
- adding one reviewed table of 20–100 rows to the 1M library (``Library.add_rows``: segmenting
  included, blocks merged by the geometric rule): p50/p95/max/mean over --tables tables,
  against the full rebuild; the one big merge that the rule makes rarely, timed on its own;
- exactness: the grown index against a full rebuild of the same rows: top-10 identical for
  how many queries, max score difference;
- the store side: ``Store.library_rows`` for the one new review in a SQLite store holding
  --store-reviews reviews (50 rows each), i.e. what one server process pays to see a review
  another process saved.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from indicatorml.precedents import Library
from indicatorml.precedents.bm25 import BM25
from indicatorml.precedents.engine import FieldedIndex
from indicatorml.precedents.index import shipped_records
from indicatorml.precedents.ranking import DEFAULT
from indicatorml.segment import char_ngrams, search_tokens, words

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

K = 10
DEPARTMENTS = [f"第{i}业务科" for i in range(1, 13)]


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def synth(n: int, seed: int) -> tuple[list[dict[str, Any]], list[dict[str, list[str]]], list[int]]:
    """``n`` library rows (LibraryRow-shaped), their token fields, and table sizes (20–100)."""
    rng = random.Random(seed)
    real = [r for r in shipped_records() if (r.indicator or "").strip()]
    seqs = [(w, r) for r in real if (w := words(r.indicator))]
    projects = sorted({r.project for r in real if r.project})
    context = {p: search_tokens(p) for p in projects}
    orgs = sorted({str(r.extra["org"]) for r in real if r.extra.get("org")})
    targets = sorted({r.target for r in real if r.target})
    rows: list[dict[str, Any]] = []
    fields: list[dict[str, list[str]]] = []
    sizes: list[int] = []
    intern: dict[str, str] = {}
    while len(rows) < n:
        m = min(rng.randint(20, 100), n - len(rows))
        sizes.append(m)
        review = f"r{len(sizes):07d}"
        project, org, year = rng.choice(projects), rng.choice(orgs), rng.randint(2019, 2025)
        department = rng.choice(DEPARTMENTS)
        for k in range(m):
            (a, ra), (b, _) = rng.choice(seqs), rng.choice(seqs)
            ws = [
                intern.setdefault(t, t) for t in a[: rng.randint(1, len(a))] + b[rng.randint(0, len(b) - 1) :]
            ]
            text = "".join(ws)
            rows.append(
                {
                    "review_id": review,
                    "file_n": 1,
                    "row": k,
                    "file": f"{org}_{year}年绩效目标表.xlsx",
                    "project": project,
                    "goal": None,
                    "indicator": text,
                    "target": rng.choice(targets),
                    "level2_code": ra.level2_code,
                    "decided_code": ra.level2_code,
                    "decision": None,
                    "department": department,
                    "org": org,
                    "year": year,
                }
            )
            fields.append(
                {
                    "words": ws,
                    "bigrams": [intern.setdefault(t, t) for t in char_ngrams(text, 2, 2)],
                    "context": context[project],
                }
            )
    return rows, fields, sizes


def python_bytes(lib: Library) -> tuple[int, int]:
    """(catalog texts, vocabularies) in bytes: list slots, each distinct string once, dicts."""
    seen: set[int] = set()
    texts = 0
    c = lib.catalog
    for column in (
        c.indicator,
        c.target,
        c.period_target,
        c.project,
        c.source,
        c.url,
        c.given_level2,
        c.file,
    ):
        texts += sys.getsizeof(column)
        for x in column:
            if x is not None and id(x) not in seen:
                seen.add(id(x))
                texts += sys.getsizeof(x)
    vocab = 0
    for f in lib.index.fields.values():
        vocab += sys.getsizeof(f.vocabulary) + sum(sys.getsizeof(w) for w in f.vocabulary)
    return texts, vocab


def pct(xs: list[float], p: float) -> float:
    return float(np.percentile(np.array(xs), p))


def ms(xs: list[float]) -> str:
    return f"p50 {pct(xs, 50) * 1e3:7.2f} ms  p95 {pct(xs, 95) * 1e3:7.2f} ms  max {max(xs) * 1e3:7.2f} ms"


def timed_queries(fn: Any, queries: list[str]) -> list[float]:
    fn(queries[0])
    out = []
    for q in queries:
        t = time.perf_counter()
        fn(q)
        out.append(time.perf_counter() - t)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--docs", type=int, default=1_000_000, help="library rows (default 1,000,000)")
    ap.add_argument("--tables", type=int, default=200, help="reviewed tables added one by one")
    ap.add_argument("--queries", type=int, default=200, help="real indicator texts used as queries")
    ap.add_argument(
        "--store-reviews", type=int, default=1000, help="reviews in the SQLite store of the last part"
    )
    ap.add_argument(
        "--no-reference", action="store_true", help="skip today's engine as the latency reference"
    )
    ap.add_argument("--seed", type=int, default=20240601)
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    rows, fields, sizes = synth(args.docs + 100 * args.tables, args.seed)
    base_n = args.docs
    extra_tables: list[tuple[int, int]] = []  # (start, size) of the tables added later
    start = base_n
    rng = random.Random(args.seed + 1)
    for _ in range(args.tables):
        m = rng.randint(20, 100)
        extra_tables.append((start, m))
        start += m
    rows, fields = rows[:start], fields[:start]
    sample = rng.sample(range(base_n), 2000)
    same = sum(
        fields[i] == {k: v for k, v in DEFAULT.doc_fields(rows[i]["indicator"], rows[i]["project"]).items()}
        for i in sample
    )
    print(
        f"synthesized {start:,} rows ({len(sizes):,} tables of 20-100 rows) in {time.perf_counter() - t0:.1f} s; "
        f"token fields identical to ranking.doc_fields(text) for {same}/{len(sample)} sampled rows; "
        f"mean tokens per row: words {statistics.mean(len(fields[i]['words']) for i in sample):.1f}, bigrams "
        f"{statistics.mean(len(fields[i]['bigrams']) for i in sample):.1f}, context "
        f"{statistics.mean(len(fields[i]['context']) for i in sample):.1f}; python {sys.version.split()[0]}, "
        f"numpy {np.__version__}"
    )
    texts = [rows[i]["indicator"] for i in sample[:2000]]
    t = time.perf_counter()
    for i, text in enumerate(texts):
        DEFAULT.doc_fields(text + str(i), rows[sample[i]]["project"])  # +i: no segmenter cache hit
    seg = (time.perf_counter() - t) / len(texts)
    print(
        f"segmenting (ranking.doc_fields, uncached): {seg * 1e6:.0f} us per row -> {seg * 1e6:.0f} s per 1,000,000 rows"
    )

    # ------------------------------------------------------------------ build
    gc.collect()
    rss0 = rss_mib()
    lib = Library(None)  # the 702 shipped rows first, as a server's library has them
    shipped_n = lib.index.n_docs
    t = time.perf_counter()
    lib.index.add(fields[:base_n])
    build_index = time.perf_counter() - t
    t = time.perf_counter()
    lib.catalog.add_library(rows[:base_n])
    build_catalog = time.perf_counter() - t
    gc.collect()
    rss1 = rss_mib()
    st = lib.stats()
    print(f"\n== build: {base_n:,} library rows + {shipped_n} shipped ==")
    print(
        f"index (full build from tokens): {build_index:.1f} s; catalog: {build_catalog:.1f} s; "
        f"+ segmenting projected {seg * base_n:.0f} s = {build_index + build_catalog + seg * base_n:.0f} s from texts"
    )
    texts_b, vocab_b = python_bytes(lib)
    print(
        f"memory of the library: index arrays {st['index_bytes'] / 2**20:.0f} MiB, catalog numeric columns "
        f"{st['catalog_bytes'] / 2**20:.0f} MiB, catalog texts {texts_b / 2**20:.0f} MiB, vocabularies "
        f"{vocab_b / 2**20:.1f} MiB = {(st['index_bytes'] + st['catalog_bytes'] + texts_b + vocab_b) / 2**20:.0f} MiB; "
        f"process RSS grew {rss1 - rss0:.0f} MiB while building (the build's token lists included)"
    )

    # ------------------------------------------------------------------ queries
    real = [r.indicator for r in shipped_records() if (r.indicator or "").strip()]
    qrng = random.Random(args.seed + 2)
    queries = qrng.sample(sorted(set(real)), min(args.queries, len(set(real))))
    judged = [
        q["query"]
        for q in json.loads((Path(__file__).parent / "search_judgments.json").read_text())["queries"]
    ]
    queries += judged
    orgs = [r["org"] for r in rows[:1000]]
    print(
        f"\n== queries on {lib.index.n_docs:,} rows: {len(queries)} ({len(queries) - len(judged)} real indicator texts + {len(judged)} judged queries), top {K} =="
    )
    for name, kw in (
        ("no filter", {}),
        ("year=2024", {"year": 2024}),
        (f"org contains {orgs[0][:4]!r}", {"org": orgs[0][:4]}),
        ("level2=13", {"level2": "13"}),
    ):
        lat = timed_queries(lambda q, kw=kw, lib=lib: lib.search(q, K, **kw), queries)
        print(f"Library.search {name:<28} {ms(lat)}")
    if not args.no_reference:
        t = time.perf_counter()
        ref = BM25().index([f["words"] + f["bigrams"] for f in fields[:base_n]])  # = search_tokens(text)
        ref_build = time.perf_counter() - t
        ref_q = [search_tokens(q) for q in queries]
        lat = timed_queries(lambda q: ref.search(q, K, matched_only=True), ref_q)  # type: ignore[arg-type]
        print(
            f"reference: today's bm25.BM25 (one field, pairs pre-scored; build from tokens {ref_build:.1f} s)  {ms(lat)}"
        )
        del ref
        gc.collect()

    # ------------------------------------------------------------------ adding tables
    blocks_before = {k: len(f.blocks) for k, f in lib.index.fields.items()}
    add_times = []
    for s, m in extra_tables:
        table = rows[s : s + m]
        t = time.perf_counter()
        lib.add_rows(table)
        add_times.append(time.perf_counter() - t)
    added = sum(m for _, m in extra_tables)
    blocks_after = {k: len(f.blocks) for k, f in lib.index.fields.items()}
    print(f"\n== adding {len(extra_tables)} reviewed tables of 20-100 rows ({added:,} rows) one at a time ==")
    print(
        f"Library.add_rows (segmenting, index, catalog): {ms(add_times)}  mean {statistics.mean(add_times) * 1e3:.2f} ms; "
        f"blocks per field {blocks_before['words']} -> {blocks_after['words']}"
    )
    full = FieldedIndex(DEFAULT)
    shipped_fields = [
        DEFAULT.doc_fields(r.indicator, r.project, r.goal)
        for r in shipped_records()
        if (r.indicator or "").strip()
    ]
    t = time.perf_counter()
    added_fields = [DEFAULT.doc_fields(r["indicator"], r["project"], r["goal"]) for r in rows[base_n:start]]
    full.add(shipped_fields + fields[:base_n] + added_fields)  # the tables as add_rows segmented them
    rebuild = time.perf_counter() - t
    print(
        f"full rebuild of the same {full.n_docs:,} rows from tokens: {rebuild:.1f} s "
        f"(+ {seg * full.n_docs:.0f} s segmenting from texts); one table added = "
        f"{statistics.mean(add_times) / rebuild:.1e} of a rebuild (mean)"
    )

    # ------------------------------------------------------------------ exactness (before the big merge)
    same_top, worst = 0, 0.0
    for q in queries:
        a, ma = lib.index.scores(q)
        b, mb = full.scores(q)
        worst = max(worst, float(np.max(np.abs(a - b))))
        same_top += lib.index.search(q, K) == full.search(q, K) and bool((ma == mb).all())
    print(
        f"\n== exactness: grown index ({blocks_after['words']} blocks per field) vs full rebuild ==\n"
        f"top-{K} identical (documents and scores) for {same_top}/{len(queries)} queries; "
        f"max |score difference| over all documents and queries {worst:.1e}"
    )
    t = time.perf_counter()
    lib.index.compact()
    print(
        f"the rare big merge (every block into one, what the geometric rule does once the new blocks "
        f"hold about as many rows as the base): {time.perf_counter() - t:.1f} s"
    )
    del full, lib
    gc.collect()

    # ------------------------------------------------------------------ the store side
    from store_samples import make_review  # tests/store_samples.py: reviews of real corpus rows

    from indicatorml.store import open_store

    with tempfile.TemporaryDirectory() as d, open_store(None, Path(d)) as store:
        t = time.perf_counter()
        for i in range(args.store_reviews):
            store.save_review(make_review(seed=i, files=1, rows_per_file=50))
        fill = time.perf_counter() - t
        t = time.perf_counter()
        mark = None
        n_rows = 0
        while True:
            batch = store.library_rows(mark, limit=200)
            n_rows += len(batch["rows"])
            mark = batch["mark"]
            if not batch["more"]:
                break
        initial = time.perf_counter() - t
        polls, news = [], []
        for i in range(20):
            t = time.perf_counter()
            store.library_rows(mark)
            polls.append(time.perf_counter() - t)
            store.save_review(make_review(seed=10_000 + i, files=1, rows_per_file=50))
            t = time.perf_counter()
            batch = store.library_rows(mark)
            news.append(time.perf_counter() - t)
            mark = batch["mark"]
        print(
            f"\n== store: SQLite with {args.store_reviews:,} reviews x 50 rows (filled in {fill:.0f} s) ==\n"
            f"first read of every row: {n_rows:,} rows in {initial:.1f} s; a poll with nothing new: {ms(polls)}; "
            f"reading one new 50-row review: {ms(news)}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
