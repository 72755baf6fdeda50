"""Web server speed over live uvicorn on 127.0.0.1, beside the Python API doing the same work in-process.

1. A typed-draft suggestion with precedents (what the 填报 page asks on each pause in typing):
   ``GET /write/panel`` (classify + why + draft rules + library precedents + the rendered panel)
   and the JSON pair ``POST /api/classify`` + ``GET /api/precedents``; 300 requests each;
   server-side time (request in → response out, measured in the app) p50/p95.
2. The seed through ``POST /api/check`` (a stateless review) vs ``run_review`` in-process.
3. A batch of 100 form workbooks (2,000 indicators; bench_reviews.py builds them) through
   ``POST /api/reviews`` in one request: seconds end to end and per file, then
   ``GET /api/reviews/{id}`` p50/p95 (``--gets`` requests); reference in the same run:
   ``run_review`` + ``save_review`` in-process. On SQLite and on PostgreSQL (a throwaway cluster
   with fsync on, or ``$INDICATORML_TEST_PG``).
4. Two server processes (``indicatorml serve``) on one database under 20 concurrent clients, each
   mixing review (a one-form upload), decide, get, classify and precedents, spread over both
   servers: errors (must be 0), p50/p95 per kind and overall, wall time. SQLite and PostgreSQL.
5. What the in-thread server holds: RSS before the app, after warm-up, after the load.

Run: ``.venv/bin/python benchmarks/bench_web.py [--files 100] [--gets 40] [--clients 20] [--rounds 10]``.
Do not run it beside other heavy work: the figures are wall-clock on a shared machine.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import resource
import statistics
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))
import postgres  # noqa: E402
from bench_reviews import build  # noqa: E402

from web_server import live_server, serve_process  # noqa: E402

SEED = ROOT / "data" / "seed" / "000_fc0049aa6689bdbf.txt"
DRAFTS = [
    "资金支付及时率",
    "群众满意度",
    "引进首店数量",
    "培训企业数量",
    "带动就业人数",
    "展会举办场次",
    "项目完成及时率",
    "服务对象满意度",
    "商贸企业销售额增速",
    "宣传活动次数",
]
SERVER_TIMES: list[tuple[str, float]] = []


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def client(url: str, timeout: float = 300) -> httpx.Client:
    """A script's client: the CSRF token from GET /api/csrf in every request's header."""
    c = httpx.Client(base_url=url, timeout=timeout)
    c.headers["X-CSRF-Token"] = c.get("/api/csrf").json()["token"]
    return c


class _Timing:
    """ASGI middleware recording each request's server-side time."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        t = time.perf_counter()
        try:
            await self.app(scope, receive, send)
        finally:
            SERVER_TIMES.append((scope["path"], (time.perf_counter() - t) * 1000))


@contextlib.contextmanager
def timed_server(data_dir: Path) -> Iterator[str]:
    """live_server with the timing middleware around the app."""
    import indicatorml.web.app as web_app

    orig = web_app.create_app

    def timed(*a: Any, **k: Any) -> Any:
        app = orig(*a, **k)
        app.add_middleware(_Timing)
        return app

    web_app.create_app = timed
    try:
        with live_server(data_dir) as url:
            yield url
    finally:
        web_app.create_app = orig


# ------------------------------------------------------------------ 1 and 2: drafts and /api/check
def drafts_and_check(url: str) -> None:
    from indicatorml.coding import classify, load_model
    from indicatorml.precedents import Library
    from indicatorml.reviews import run_review

    c = client(url)
    for d in DRAFTS:  # warm caches
        c.get("/write/panel", params={"indicator": d})
    SERVER_TIMES.clear()
    for i in range(300):
        c.get("/write/panel", params={"indicator": DRAFTS[i % len(DRAFTS)][: 2 + i % 6], "target": "≥90%"})
    panel = [ms for p, ms in SERVER_TIMES if p == "/write/panel"]
    SERVER_TIMES.clear()
    pair = []
    for i in range(300):
        d = DRAFTS[i % len(DRAFTS)][: 2 + i % 6]
        n = len(SERVER_TIMES)
        c.post("/api/classify", json={"items": [{"indicator": d}]})
        c.get("/api/precedents", params={"text": d, "top": 8})
        pair.append(sum(ms for _, ms in SERVER_TIMES[n:]))
    model, lib = load_model(), Library(None)
    inproc = []
    for i in range(300):
        d = DRAFTS[i % len(DRAFTS)][: 2 + i % 6]
        t = time.perf_counter()
        classify([(d, None)], model)
        lib.precedents(d, top=8)
        inproc.append((time.perf_counter() - t) * 1000)
    print("1. typed-draft suggestion + precedents, server side, 300 requests each:")
    print(
        f"   GET /write/panel (suggestion, why, draft rules, library precedents, HTML): p50 {pct(panel, 0.5):.1f} ms, p95 {pct(panel, 0.95):.1f} ms"
    )
    print(
        f"   POST /api/classify + GET /api/precedents: p50 {pct(pair, 0.5):.1f} ms, p95 {pct(pair, 0.95):.1f} ms"
    )
    print(
        f"   the same two calls in-process:           p50 {pct(inproc, 0.5):.1f} ms, p95 {pct(inproc, 0.95):.1f} ms"
    )
    seed = SEED.read_bytes()
    api, here = [], []
    for _ in range(10):
        t = time.perf_counter()
        r = c.post("/api/check", files={"file": ("seed.txt", seed)})
        api.append(time.perf_counter() - t)
        assert r.status_code == 200, r.text
        t = time.perf_counter()
        run_review([SEED])
        here.append(time.perf_counter() - t)
    print(
        f"2. seed (75 indicators) through POST /api/check: median {statistics.median(api) * 1000:.0f} ms; "
        f"run_review in-process median {statistics.median(here) * 1000:.0f} ms"
    )


# ------------------------------------------------------------------ 3: a batch of 100 workbooks
def batch(url: str, files: list[Path], gets: int) -> dict[str, float]:
    c = client(url)
    payload = [("file", (f.name, f.read_bytes())) for f in files]
    t = time.perf_counter()
    r = c.post("/api/reviews", files=payload)
    took = time.perf_counter() - t
    assert r.status_code == 201, r.text[:300]
    review = r.json()
    rows = len(review["rows"])
    times = []
    for _ in range(gets):
        t = time.perf_counter()
        g = c.get(f"/api/reviews/{review['id']}")
        times.append((time.perf_counter() - t) * 1000)
        assert g.status_code == 200
    return {
        "seconds": took,
        "per_file_ms": took / len(files) * 1000,
        "rows": rows,
        "p50": pct(times, 0.5),
        "p95": pct(times, 0.95),
    }


def in_process(db: str, files: list[Path]) -> float:
    from indicatorml.reviews import run_review, save_review
    from indicatorml.store import open_store

    with open_store(db, None) as store:
        t = time.perf_counter()
        save_review(store, run_review(files))
        return time.perf_counter() - t


def batches(tmp: Path, files: list[Path], gets: int) -> None:
    from indicatorml.web.settings import Settings

    print(
        f"3. {len(files)} form workbooks through POST /api/reviews (one request), then GET /api/reviews/{{id}} x{gets}:"
    )
    for engine in ("sqlite", "postgresql"):
        with ExitStack() as stack:
            if engine == "sqlite":
                db = f"sqlite:///{tmp / engine / 'indicatorml.sqlite3'}"
            else:
                db = stack.enter_context(postgres.pg_database(durable=True))
            (tmp / engine).mkdir(exist_ok=True)
            url = stack.enter_context(live_server(tmp / engine, Settings(db=db, data_dir=tmp / engine)))
            client(url).post("/api/reviews", files=[("file", (files[0].name, files[0].read_bytes()))])  # warm
            got = batch(url, files, gets)
            ref = in_process(db, files)
        print(
            f"   {engine:10}: {got['seconds']:.2f} s end to end ({got['per_file_ms']:.0f} ms per file, {got['rows']} indicators); "
            f"GET p50 {got['p50']:.0f} ms, p95 {got['p95']:.0f} ms; in-process run_review + save_review {ref:.2f} s"
        )


# ------------------------------------------------------------------ 4: two processes, 20 clients
class Recorder:
    """Timed requests from many client threads: milliseconds per kind, and the errors."""

    def __init__(self) -> None:
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: list[str] = []
        self._lock = threading.Lock()

    def step(self, kind: str, want: int, c: httpx.Client, method: str, path: str, **kw: Any) -> Any:
        """One timed request; an answer other than ``want`` (or none) is an error (and None)."""
        t = time.perf_counter()
        try:
            r = c.request(method, path, **kw)
            if r.status_code != want:
                raise RuntimeError(f"{kind}: {r.status_code} {r.text[:120]}")
            return r
        except Exception as e:  # noqa: BLE001 - counted and printed
            with self._lock:
                self.errors.append(repr(e)[:300])
            return None
        finally:
            with self._lock:
                self.times[kind].append((time.perf_counter() - t) * 1000)

    def run(self, clients: int, one: Any) -> float:
        """``one(k)`` in ``clients`` threads at once; the wall seconds until all are done."""
        t = time.perf_counter()
        threads = [threading.Thread(target=one, args=(k,)) for k in range(clients)]
        for th in threads:
            th.start()
        for th in threads:
            th.join(timeout=1800)
        return time.perf_counter() - t

    def summary(self) -> str:
        """Errors of requests, p50/p95 over all, and count p50/p95 per kind (ms)."""
        every = [ms for xs in self.times.values() for ms in xs]
        kinds = ", ".join(
            f"{k} {len(v)} req {pct(v, 0.5):.0f}/{pct(v, 0.95):.0f}" for k, v in self.times.items()
        )
        return (
            f"{len(self.errors)} errors of {len(every)} requests; p50 {pct(every, 0.5):.0f} ms, "
            f"p95 {pct(every, 0.95):.0f} ms; per kind (count, p50/p95 ms): {kinds}"
        )


def mixed_load(urls: list[str], form: Path, clients: int, rounds: int) -> tuple[Recorder, float]:
    """``clients`` threads, each ``rounds`` × (review, get, decide, classify, precedents), each
    client talking to one of ``urls`` (alternating) and its decisions to the other."""
    seed_review = (
        client(urls[0]).post("/api/reviews", files=[("file", (form.name, form.read_bytes()))]).json()
    )
    target_rows = [r["row"] for r in seed_review["rows"]]
    rec = Recorder()
    step = rec.step
    data = form.read_bytes()

    def one(k: int) -> None:
        mine, other = client(urls[k % len(urls)]), client(urls[(k + 1) % len(urls)])
        review_id = seed_review["id"]
        for i in range(rounds):
            r = step("review", 201, mine, "POST", "/api/reviews", files=[("file", (f"表{k}-{i}.xlsx", data))])
            if r is not None:
                review_id = r.json()["id"]
            step("get", 200, other, "GET", f"/api/reviews/{review_id}")
            decision = {
                "file": 1,
                "row": target_rows[(k + i) % len(target_rows)],
                "decision": "set",
                "level2_code": "11",
            }
            step(
                "decide",
                201,
                other,
                "POST",
                f"/api/reviews/{review_id}/decisions",
                json={**decision, "comment": f"客户{k}"},
            )
            step("classify", 200, mine, "POST", "/api/classify", json={"items": DRAFTS[: 1 + (i % 5)]})
            params = {"text": DRAFTS[(k + i) % len(DRAFTS)], "top": 8}
            step("precedents", 200, other, "GET", "/api/precedents", params=params)

    return rec, rec.run(clients, one)


def two_processes(tmp: Path, form: Path, clients: int, rounds: int) -> None:
    print(
        f"4. two server processes on one database, {clients} concurrent clients x {rounds} rounds of review/get/decide/classify/precedents:"
    )
    for engine in ("sqlite", "postgresql"):
        with ExitStack() as stack:
            if engine == "sqlite":
                db = f"sqlite:///{tmp / ('two-' + engine) / 'indicatorml.sqlite3'}"
            else:
                db = stack.enter_context(postgres.pg_database(durable=True))
            urls = []
            for name in ("a", "b"):
                d = tmp / f"two-{engine}-{name}"
                d.mkdir(parents=True)
                urls.append(stack.enter_context(serve_process(db, d)))
            rec, wall = mixed_load(urls, form, clients, rounds)
        print(f"   {engine:10}: {wall:.1f} s wall; {rec.summary()}")
        for e in rec.errors[:5]:
            print("     ", e)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--files", type=int, default=100)
    ap.add_argument("--gets", type=int, default=40)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--only", choices=("drafts", "batch", "load"), help="run one part only")
    args = ap.parse_args()
    before = rss_mb()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        files, _ = build(tmp, args.files, 20)
        if args.only in (None, "drafts"):
            with timed_server(tmp / "drafts") as url:
                warm = rss_mb()
                drafts_and_check(url)
                after = rss_mb()
            print(
                f"5. memory (RSS of this process, which ran that server): {before:.0f} MB before the app, {warm:.0f} MB warm, {after:.0f} MB after the load"
            )
        if args.only in (None, "batch"):
            batches(tmp, files, args.gets)
        if args.only in (None, "load"):
            two_processes(tmp, files[0], args.clients, args.rounds)
    print(json.dumps({"files": args.files, "clients": args.clients, "rounds": args.rounds}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
