"""BM25 speed and memory: indicatorml.precedents.bm25.BM25 vs rank-bm25 (the reference) vs bm25s, one run.

    .venv/bin/python benchmarks/bench_search.py                 # 100k docs + scaling 10k/100k/1M
    .venv/bin/python benchmarks/bench_search.py --docs 20000 --scale 10000,20000 --ref-queries 10

Documents: "indicator-like" documents made from the shipped indicators (data/corpus + data/seed,
read with tables.read_table). Each real indicator text is cut into words once by the tool's
segmenter (segment.words); a synthetic document is the first 1..len words of one real
indicator followed by the words from a random position of another (both picked with
random.Random(--seed)), and its tokens are those words plus the character bigrams of the joined
text: exactly what segment.search_tokens gives, except where jieba would cut the seam of the
two halves differently (the share of documents where tokens differ is printed). The vocabulary is
therefore the real one of ~480 indicators (a few thousand words/bigrams); documents average ~20
tokens. Queries: real shipped indicator texts (sampled with the same seed), tokenized by
segment.search_tokens.

Engines, all fed the same token lists:
- rank-bm25 BM25Okapi(k1=1.5, b=0.75, epsilon=0.25): the reference; get_scores + top-10.
  It needs ~0.5 s per query at 100k documents, so it runs --ref-queries queries (default 20).
- bm25s.BM25(k1=1.5, b=0.75, method="atire", idf_method="robertson"): the variant closest to
  Okapi. Its tf part is rank-bm25's exactly; its IDF is rank-bm25's log((N-n+0.5)/(n+0.5)) except
  that words in more than half of the documents get 0 instead of epsilon x mean IDF. Timed
  through its public retrieve() one query per call (show_progress=False), and batched.
- ours: indicatorml.precedents.bm25.BM25(); search(q, 10).
Build time: wall clock without tracing. Memory: a second build under tracemalloc (numpy
registers its buffers there), "peak" = highest traced allocation during the build, "index" = what
stays allocated afterwards. Latency: per-query wall clock, median and mean over the queries.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np

from indicatorml.precedents import default_data_paths
from indicatorml.precedents.bm25 import BM25
from indicatorml.segment import char_ngrams, search_tokens, words
from indicatorml.tables import read_tables

K = 10


def shipped_texts() -> list[str]:
    """Distinct real indicator texts of the shipped tables, in reading order."""
    seen: dict[str, None] = {}
    for t in read_tables([str(p) for p in default_data_paths()]):
        for r in t.records:
            if r.indicator and r.indicator.strip():
                seen.setdefault(r.indicator, None)
    return list(seen)


def gen_with_text(texts: list[str], n: int, seed: int) -> tuple[list[list[str]], list[str]]:
    """``n`` synthetic documents (tokens, joined text): a word prefix of one real indicator + a
    word suffix of another."""
    rng = random.Random(seed)
    seqs = [w for w in (words(t) for t in texts) if w]
    out, joined = [], []
    for _ in range(n):
        a, b = rng.choice(seqs), rng.choice(seqs)
        ws = a[: rng.randint(1, len(a))] + b[rng.randint(0, len(b) - 1) :]
        out.append(ws + char_ngrams("".join(ws), 2, 2))
        joined.append("".join(ws))
    return out, joined


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    gc.collect()
    t = time.perf_counter()
    r = fn()
    return r, time.perf_counter() - t


def traced(fn: Callable[[], Any]) -> tuple[float, float]:
    """(peak, retained) MiB allocated while ``fn`` builds an index."""
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    obj = fn()
    cur, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del obj
    return (peak - base) / 2**20, (cur - base) / 2**20


def latencies(fn: Callable[[list[str]], Any], queries: list[list[str]]) -> list[float]:
    out = []
    for q in queries:
        t = time.perf_counter()
        fn(q)
        out.append(time.perf_counter() - t)
    return out


def ref_top(scores: np.ndarray, k: int = K) -> list[int]:
    """rank-bm25's ranking with ties broken by lower document index (our documented order)."""
    order = np.lexsort((np.arange(len(scores)), -scores))
    return order[:k].tolist()


class Engines:
    """Build / query closures for the three engines on one corpus."""

    def __init__(self, corpus: list[list[str]]):
        self.corpus = corpus

    def build_ours(self) -> BM25:
        return BM25(k1=1.5, b=0.75, epsilon=0.25).index(self.corpus)

    def build_bm25s(self) -> Any:
        import bm25s

        r = bm25s.BM25(k1=1.5, b=0.75, method="atire", idf_method="robertson")
        r.index(self.corpus, show_progress=False)
        return r

    def build_rank(self) -> Any:
        from rank_bm25 import BM25Okapi

        return BM25Okapi(self.corpus, k1=1.5, b=0.75, epsilon=0.25)


def ms(xs: list[float]) -> str:
    return f"{statistics.median(xs) * 1e3:9.3f} / {statistics.mean(xs) * 1e3:9.3f}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--docs", type=int, default=100_000, help="documents in the three-way comparison")
    ap.add_argument("--queries", type=int, default=200, help="queries timed for ours and bm25s")
    ap.add_argument("--ref-queries", type=int, default=20, help="queries timed for rank-bm25 (slow)")
    ap.add_argument(
        "--scale",
        default="10000,100000,1000000",
        help="comma-separated corpus sizes for the scaling run of ours and bm25s ('' = skip)",
    )
    ap.add_argument(
        "--bm25s-max",
        type=int,
        default=100_000,
        help="largest scaling size that bm25s runs at (its 1M build takes minutes; default 100000)",
    )
    ap.add_argument("--no-memory", action="store_true", help="skip the tracemalloc builds")
    ap.add_argument("--seed", type=int, default=20240601)
    args = ap.parse_args(argv)

    texts = shipped_texts()
    sizes = sorted({int(s) for s in args.scale.split(",") if s.strip()})
    n_max = max([args.docs, *sizes])
    t0 = time.perf_counter()
    corpus_all, joined = gen_with_text(texts, n_max, args.seed)
    # share token strings between documents, as a tokenizer cache would (keeps 1M docs in ~2 GB)
    intern: dict[str, str] = {}
    corpus_all = [[intern.setdefault(t, t) for t in d] for d in corpus_all]
    gen_s = time.perf_counter() - t0
    sample = min(2000, n_max)
    same = sum(corpus_all[i] == search_tokens(joined[i]) for i in range(sample))
    del joined
    rng = random.Random(args.seed)
    qtexts = rng.sample(texts, min(args.queries, len(texts)))
    queries = [search_tokens(t) for t in qtexts]
    ref_queries = queries[: args.ref_queries]
    print(
        f"shipped indicator texts: {len(texts)}; generated {n_max:,} documents in {gen_s:.1f} s; "
        f"tokens identical to search_tokens(text) for {same}/{sample} sampled documents; "
        f"mean {statistics.mean(len(d) for d in corpus_all[: args.docs]):.1f} tokens/doc, "
        f"{len(intern):,} distinct tokens"
    )
    print(
        f"queries: {len(queries)} real indicator texts, mean {statistics.mean(map(len, queries)):.1f} tokens; "
        f"k = {K}; python {sys.version.split()[0]}, numpy {np.__version__}"
    )

    # ------------------------------------------------------------------ three-way comparison
    n = args.docs
    eng = Engines(corpus_all[:n])
    ours, b_ours = timed(eng.build_ours)
    bs, b_bs = timed(eng.build_bm25s)
    rank, b_rank = timed(eng.build_rank)
    mem = {}
    if not args.no_memory:
        for name, fn in (("ours", eng.build_ours), ("bm25s", eng.build_bm25s), ("rank-bm25", eng.build_rank)):
            mem[name] = traced(fn)

    def q_rank(q: list[str], rank: Any = rank) -> list[int]:
        return ref_top(rank.get_scores(q))

    def q_bs(q: list[str], bs: Any = bs) -> Any:
        return bs.retrieve([q], k=K, show_progress=False)

    def q_ours(q: list[str], ours: BM25 = ours) -> Any:
        return ours.search(q, K)

    for fn in (q_ours, q_bs):  # warm-up
        fn(queries[0])
    lat_rank = latencies(q_rank, ref_queries)
    lat_bs = latencies(q_bs, queries)
    lat_ours = latencies(q_ours, queries)
    t = time.perf_counter()
    bs.retrieve(queries, k=K, show_progress=False)
    bs_batch = (time.perf_counter() - t) / len(queries)

    # agreement with the reference on the rank-bm25 queries
    exact, worst, overlap_bs, same_scores_bs = 0, 0.0, [], 0
    for q in ref_queries:
        ref = rank.get_scores(q)
        top = ours.search(q, K)
        exact += [i for i, _ in top] == ref_top(ref)
        mine = ours.get_scores(q)
        nz = ref != 0
        if nz.any():
            worst = max(worst, float(np.max(np.abs(mine[nz] - ref[nz]) / np.abs(ref[nz]))))
        res = bs.retrieve([q], k=K, show_progress=False)
        overlap_bs.append(len(set(res.documents[0].tolist()) & set(ref_top(ref))) / K)
        # with tied scores any member of the tie is a right answer: compare the score lists too
        same_scores_bs += bool(np.allclose(np.sort(res.scores[0])[::-1], np.sort(ref)[::-1][:K], rtol=1e-5))

    print(f"\n== {n:,} documents: build, memory, per-query latency (top-{K}) ==")
    hdr = f"{'engine':<34}{'build s':>9}{'peak MiB':>10}{'index MiB':>10}  {'latency ms median / mean':>26}{'queries':>8}"
    print(hdr)
    print("-" * len(hdr))
    for name, b, lat, nq in (
        ("rank-bm25 BM25Okapi", b_rank, lat_rank, len(ref_queries)),
        ("bm25s atire/robertson retrieve()", b_bs, lat_bs, len(queries)),
        ("indicatorml.precedents.bm25.BM25", b_ours, lat_ours, len(queries)),
    ):
        key = {"rank-bm25 BM25Okapi": "rank-bm25", "indicatorml.precedents.bm25.BM25": "ours"}.get(
            name, "bm25s"
        )
        pk, ix = mem.get(key, (float("nan"), float("nan")))
        print(f"{name:<34}{b:9.2f}{pk:10.1f}{ix:10.1f}  {ms(lat):>26}{nq:8d}")
    print(
        f"{'bm25s retrieve(all queries) / n':<34}{'':9}{'':10}{'':10}  {bs_batch * 1e3:>26.3f}{len(queries):8d}"
    )
    m_rank, m_bs, m_ours = statistics.mean(lat_rank), statistics.mean(lat_bs), statistics.mean(lat_ours)
    d_rank, d_bs, d_ours = statistics.median(lat_rank), statistics.median(lat_bs), statistics.median(lat_ours)
    print(
        f"\nlatency ratios (mean; median): rank-bm25 / ours = {m_rank / m_ours:,.0f}x; {d_rank / d_ours:,.0f}x "
        f"(target >= 50x); bm25s / ours = {m_bs / m_ours:.1f}x; {d_bs / d_ours:.1f}x (single queries), "
        f"{bs_batch / m_ours:.1f}x (bm25s batched vs our mean) (target >= 1x)"
    )
    print(
        f"agreement with rank-bm25 on {len(ref_queries)} queries: ours top-{K} identical (ties by index) "
        f"{exact}/{len(ref_queries)}, max relative score difference {worst:.2e}; "
        f"bm25s: mean top-{K} document overlap {statistics.mean(overlap_bs):.3f} (ties broken its own way), "
        f"top-{K} score lists equal to 1e-5 in {same_scores_bs}/{len(ref_queries)}"
    )
    nan = (float("nan"), float("nan"))
    done = {
        (n, "ours"): (b_ours, mem.get("ours", nan), lat_ours),
        (n, "bm25s"): (b_bs, mem.get("bm25s", nan), lat_bs),
    }
    del rank, bs, ours
    gc.collect()

    # ------------------------------------------------------------------ scaling
    if sizes:
        print(
            f"\n== scaling: build, memory, per-query latency over {len(queries)} queries "
            f"(bm25s up to {args.bm25s_max:,} documents) =="
        )
        hdr = (
            f"{'docs':>10}  {'engine':<8}{'build s':>9}{'peak MiB':>10}{'index MiB':>10}"
            f"  {'latency ms median / mean':>26}"
        )
        print(hdr)
        print("-" * len(hdr))
        for size in sizes:
            e = Engines(corpus_all[:size])
            for name, build, query in (
                ("ours", e.build_ours, lambda idx, q: idx.search(q, K)),
                ("bm25s", e.build_bm25s, lambda idx, q: idx.retrieve([q], k=K, show_progress=False)),
            ):
                if name == "bm25s" and size > args.bm25s_max:
                    continue
                if (size, name) in done:  # measured above on the same documents
                    bt, (pk, ix), lat = done[(size, name)]
                else:
                    idx, bt = timed(build)
                    query(idx, queries[0])
                    lat = latencies(lambda q, idx=idx, query=query: query(idx, q), queries)
                    del idx
                    gc.collect()
                    pk, ix = traced(build) if not args.no_memory else nan
                print(f"{size:>10,}  {name:<8}{bt:9.2f}{pk:10.1f}{ix:10.1f}  {ms(lat):>26}", flush=True)
                gc.collect()
    return 0


if __name__ == "__main__":
    sys.exit(main())
