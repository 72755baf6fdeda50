"""Search relevance on hand-judged queries: today's ranking vs the fielded ranking, one run.

    .venv/bin/python benchmarks/bench_search_quality.py               # dev + test figures
    .venv/bin/python benchmarks/bench_search_quality.py --per-query   # and every test query
    .venv/bin/python benchmarks/bench_search_quality.py --select      # rerun the parameter grid on dev

Documents: every indicator row of the shipped data (data/corpus + data/seed), read with
tables.read_tables, keyed ``source|indicator`` as in the judgements. Queries and judgements:
benchmarks/search_judgments.json (54 queries a writer or reviewer would type, judged by hand;
how they were judged is written in the file). The split into ``dev`` (26) and ``test`` (28)
was fixed before any ranking change was tried; every choice (fields, weights, k1, b) was made
on dev only (``--select`` prints that grid); the figures that matter are the test ones.

Systems, both over the same rows:
- today: ``bm25.BM25`` (k1 1.5, b 0.75) over ``segment.search_tokens(indicator)`` — words and
  character bigrams in one list — top 10 of the rows sharing a token: the ranking indicatorml
  shipped before this change;
- fielded: ``engine.FieldedIndex`` with ``ranking.DEFAULT`` (words, bigrams and project
  context as separate BM25 fields, weighted).

Metrics over the top 10 (a row not judged counts as not relevant, which can only lower a
system's figure; "judged@10" says how much of the top 10 was judged): P@10 (grade >= 1),
nDCG@10 (gain 2^grade - 1, ideal from all judged rows of the query), MRR (first relevant),
and relevant@10 (how many relevant rows among the first 10, summed). A paired sign count says
on how many test queries nDCG@10 went up / down.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from indicatorml.precedents import default_data_paths
from indicatorml.precedents.bm25 import BM25
from indicatorml.precedents.engine import FieldedIndex
from indicatorml.precedents.ranking import DEFAULT, Ranking
from indicatorml.segment import search_tokens
from indicatorml.shipped import DATA_DIR
from indicatorml.tables import read_tables

JUDGMENTS = Path(__file__).resolve().parent / "search_judgments.json"
K = 10
System = Callable[[str], list[int]]


def shipped_rows() -> list[dict[str, Any]]:
    """Every shipped indicator row: key (as judged), indicator, project, goal."""
    root = str(DATA_DIR.parent) + "/"
    rows = []
    for t in read_tables([str(p) for p in default_data_paths()]):
        for r in t.records:
            if not (r.indicator or "").strip():
                continue
            source = r.source[len(root) :] if r.source.startswith(root) else r.source
            rows.append(
                {
                    "key": f"{source}|{r.indicator}",
                    "indicator": r.indicator,
                    "project": r.project,
                    "goal": r.goal,
                }
            )
    return rows


def today(rows: list[dict[str, Any]]) -> System:
    bm = BM25().index([search_tokens(r["indicator"]) for r in rows])
    return lambda q: [i for i, _ in bm.search(search_tokens(q), K, matched_only=True)]


def fielded(rows: list[dict[str, Any]], ranking: Ranking) -> System:
    ix = FieldedIndex(ranking)
    ix.add_texts([(r["indicator"], r["project"], r["goal"]) for r in rows])
    return lambda q: [i for i, _ in ix.search(q, K)]


def measure(system: System, queries: list[dict[str, Any]], keys: list[str]) -> dict[str, Any]:
    per = []
    for q in queries:
        grades: dict[str, int] = q["grades"]
        got = [keys[i] for i in system(q["query"])]
        g = [grades.get(k, 0) for k in got]
        ideal = sorted(grades.values(), reverse=True)[:K]
        dcg = sum((2**x - 1) / math.log2(i + 2) for i, x in enumerate(g))
        idcg = sum((2**x - 1) / math.log2(i + 2) for i, x in enumerate(ideal))
        first = next((i for i, x in enumerate(g) if x > 0), None)
        per.append(
            {
                "query": q["query"],
                "p10": sum(x > 0 for x in g) / K,
                "ndcg": dcg / idcg if idcg else 0.0,
                "mrr": 1 / (first + 1) if first is not None else 0.0,
                "rel": sum(x > 0 for x in g),
                "judged": sum(k in grades for k in got),
                "shown": len(got),
            }
        )
    n = len(per)
    return {
        "per": per,
        "p10": sum(p["p10"] for p in per) / n,
        "ndcg": sum(p["ndcg"] for p in per) / n,
        "mrr": sum(p["mrr"] for p in per) / n,
        "rel": sum(p["rel"] for p in per),
        "judged": sum(p["judged"] for p in per) / max(1, sum(p["shown"] for p in per)),
    }


def line(name: str, m: dict[str, Any]) -> str:
    return f"{name:<34}{m['p10']:8.3f}{m['ndcg']:9.3f}{m['mrr']:8.3f}{m['rel']:8d}{m['judged']:10.2f}"


GRID = {
    "k1": (0.9, 1.2, 1.5, 2.0, 3.0),
    "b": (0.3, 0.5, 0.75, 1.0),
    "bigram_weight": (0.0, 0.25, 0.5, 1.0),
    "context_weight": (0.0, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0),
    "goal_in_context": (False, True),
}


def select(rows: list[dict[str, Any]], dev: list[dict[str, Any]], keys: list[str]) -> None:
    """Every combination of GRID on the dev queries, best mean nDCG@10 first (ties: P@10)."""
    results = []
    names = list(GRID)
    t = time.perf_counter()
    for values in itertools.product(*GRID.values()):
        r = Ranking(**dict(zip(names, values, strict=True)))
        m = measure(fielded(rows, r), dev, keys)
        results.append((m["ndcg"], m["p10"], r))
    results.sort(key=lambda x: (-x[0], -x[1]))
    print(
        f"\n== parameter grid on the {len(dev)} dev queries ({len(results)} settings, {time.perf_counter() - t:.0f} s) =="
    )
    print(f"{'nDCG@10':>8}{'P@10':>8}  setting")
    for ndcg, p10, r in results[:15]:
        print(f"{ndcg:8.3f}{p10:8.3f}  {r}")
    print(f"best: {results[0][2]}; shipped DEFAULT: {DEFAULT}")
    for field in names:
        best: dict[Any, float] = {}
        for ndcg, _, r in results:
            v = getattr(r, field)
            best[v] = max(best.get(v, 0.0), ndcg)
        print(f"  best dev nDCG@10 by {field}: " + ", ".join(f"{v}={s:.3f}" for v, s in best.items()))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--select", action="store_true", help="rerun the parameter grid on the dev queries")
    ap.add_argument("--per-query", action="store_true", help="print every test query's figures")
    args = ap.parse_args(argv)

    data = json.loads(JUDGMENTS.read_text(encoding="utf-8"))
    rows = shipped_rows()
    keys = [r["key"] for r in rows]
    known = set(keys)
    missing = sum(k not in known for q in data["queries"] for k in q["grades"])
    queries = {s: [q for q in data["queries"] if q["split"] == s] for s in ("dev", "test")}
    print(
        f"documents: {len(rows)} shipped indicator rows; queries: {len(queries['dev'])} dev, "
        f"{len(queries['test'])} test; judged rows per query: median "
        f"{statistics.median(len(q['grades']) for q in data['queries'])}, relevant median "
        f"{statistics.median(sum(g > 0 for g in q['grades'].values()) for q in data['queries'])}; "
        f"judged keys not found in the data: {missing}"
    )
    if args.select:
        select(rows, queries["dev"], keys)
    systems = {
        "today (search_tokens, one BM25)": today(rows),
        f"fielded {DEFAULT.to_dict()}": fielded(rows, DEFAULT),
    }
    results: dict[tuple[str, str], dict[str, Any]] = {}
    for split in ("dev", "test"):
        print(
            f"\n== {split} queries ({len(queries[split])}){' — used for every choice' if split == 'dev' else ' — held out'} =="
        )
        print(f"{'system':<34}{'P@10':>8}{'nDCG@10':>9}{'MRR':>8}{'rel@10':>8}{'judged@10':>10}")
        for name, system in systems.items():
            results[(name, split)] = m = measure(system, queries[split], keys)
            print(line(name[:33], m))
    before, after = (results[(n, "test")] for n in systems)
    up = sum(a["ndcg"] > b["ndcg"] + 1e-12 for a, b in zip(after["per"], before["per"], strict=True))
    down = sum(a["ndcg"] < b["ndcg"] - 1e-12 for a, b in zip(after["per"], before["per"], strict=True))
    print(
        f"\ntest: P@10 {before['p10']:.3f} -> {after['p10']:.3f}, nDCG@10 {before['ndcg']:.3f} -> "
        f"{after['ndcg']:.3f}; nDCG@10 up on {up}, down on {down}, equal on {len(before['per']) - up - down} "
        f"of {len(before['per'])} queries"
    )
    for kind, label in (("draft", "indicator drafts"), ("topic", "project topics / sector words")):
        qs = [q for q in queries["test"] if q["kind"] == kind]
        b, a = (measure(system, qs, keys) for system in systems.values())
        print(
            f"test, {label} ({len(qs)}): P@10 {b['p10']:.3f} -> {a['p10']:.3f}, "
            f"nDCG@10 {b['ndcg']:.3f} -> {a['ndcg']:.3f}"
        )
    if args.per_query:
        print(f"\n{'test query':<20}{'P@10 today':>11}{'fielded':>9}{'nDCG today':>11}{'fielded':>9}")
        for a, b in zip(before["per"], after["per"], strict=True):
            print(f"{a['query']:<20}{a['p10']:11.1f}{b['p10']:9.1f}{a['ndcg']:11.3f}{b['ndcg']:9.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
