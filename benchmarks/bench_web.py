"""Web server speed, beside the CLI/API doing the same work in-process.

1. A typed-draft suggestion with precedents (what the 填报 page asks on each pause in typing):
   ``GET /write/panel`` (classify + precedents + the rendered panel) and the JSON pair
   ``POST /api/classify`` + ``GET /api/precedents``; 300 requests each over a live uvicorn on
   127.0.0.1; server-side time (request in → response out, measured in the app) p50/p95.
2. The seed checked through ``POST /api/check`` vs ``check_tables(read_tables(...))`` in-process.
3. 20 concurrent clients (threads), 15 mixed requests each, loopback only: errors and wall time.
4. What the server holds: RSS before the app is made, after warm-up, and after the load.

Run: ``.venv/bin/python benchmarks/bench_web.py``
"""

from __future__ import annotations

import resource
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from web_server import live_server  # noqa: E402

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


def timing_middleware(app):
    async def wrapped(scope, receive, send):
        if scope["type"] != "http":
            return await app(scope, receive, send)
        t = time.perf_counter()
        try:
            await app(scope, receive, send)
        finally:
            SERVER_TIMES.append((scope["path"], (time.perf_counter() - t) * 1000))

    return wrapped


def main() -> None:
    import indicatorml.web.app as web_app

    before = rss_mb()
    orig = web_app.create_app

    def timed(*a, **k):
        app = orig(*a, **k)
        app.add_middleware(_Timing)
        return app

    web_app.create_app = timed
    with tempfile.TemporaryDirectory() as tmp, live_server(Path(tmp)) as url:
        warm = rss_mb()
        c = httpx.Client(base_url=url, timeout=60)
        for d in DRAFTS:  # warm caches
            c.get("/write/panel", params={"indicator": d})
        SERVER_TIMES.clear()
        t0 = time.perf_counter()
        for i in range(300):
            c.get("/write/panel", params={"indicator": DRAFTS[i % len(DRAFTS)][: 2 + i % 6]})
        client_panel = (time.perf_counter() - t0) / 300 * 1000
        panel = [ms for p, ms in SERVER_TIMES if p == "/write/panel"]
        SERVER_TIMES.clear()
        pair = []
        for i in range(300):
            d = DRAFTS[i % len(DRAFTS)][: 2 + i % 6]
            n = len(SERVER_TIMES)
            c.post("/api/classify", json={"items": [{"indicator": d}]})
            c.get("/api/precedents", params={"text": d, "top": 8})
            pair.append(sum(ms for _, ms in SERVER_TIMES[n:]))
        print("typed-draft suggestion + precedents, server side, 300 requests:")
        print(
            f"  GET /write/panel (classify + precedents + HTML): p50 {pct(panel, 0.5):.1f} ms, "
            f"p95 {pct(panel, 0.95):.1f} ms (client round trip mean {client_panel:.1f} ms)"
        )
        print(
            f"  POST /api/classify + GET /api/precedents:       p50 {pct(pair, 0.5):.1f} ms, "
            f"p95 {pct(pair, 0.95):.1f} ms"
        )

        from indicatorml.checks import check_tables
        from indicatorml.coding import classify, load_model
        from indicatorml.precedents import load_index, precedents
        from indicatorml.tables import read_tables

        model, index = load_model(), load_index()
        cli = []
        for i in range(300):
            d = DRAFTS[i % len(DRAFTS)][: 2 + i % 6]
            t = time.perf_counter()
            classify([(d, None)], model)
            precedents(d, top=8, index=index)
            cli.append((time.perf_counter() - t) * 1000)
        print(
            f"  the same two API calls in-process:              p50 {pct(cli, 0.5):.1f} ms, p95 {pct(cli, 0.95):.1f} ms"
        )

        seed = SEED.read_bytes()
        api, inproc = [], []
        for _ in range(10):
            t = time.perf_counter()
            r = c.post("/api/check", files={"file": ("seed.txt", seed)})
            api.append(time.perf_counter() - t)
            assert r.status_code == 200
            t = time.perf_counter()
            check_tables(read_tables([SEED]), model)
            inproc.append(time.perf_counter() - t)
        print(
            f"seed checked (75 indicators): POST /api/check median {statistics.median(api) * 1000:.0f} ms, "
            f"max {max(api) * 1000:.0f} ms; in-process read_tables + check_tables median "
            f"{statistics.median(inproc) * 1000:.0f} ms"
        )

        errors, lock = [], threading.Lock()

        def client(k: int) -> None:
            with httpx.Client(base_url=url, timeout=60) as cc:
                for i in range(15):
                    try:
                        j = (k + i) % 3
                        if j == 0:
                            r = cc.get("/write/panel", params={"indicator": DRAFTS[(k + i) % len(DRAFTS)]})
                        elif j == 1:
                            r = cc.post(
                                "/api/classify", json={"items": [{"indicator": DRAFTS[i % len(DRAFTS)]}]}
                            )
                        else:
                            r = cc.post("/api/check", files={"file": ("seed.txt", seed)})
                        if r.status_code != 200:
                            raise RuntimeError(r.status_code)
                    except Exception as e:  # noqa: BLE001
                        with lock:
                            errors.append(repr(e))

        t = time.perf_counter()
        threads = [threading.Thread(target=client, args=(k,)) for k in range(20)]
        for th in threads:
            th.start()
        for th in threads:
            th.join(timeout=300)
        print(
            f"20 concurrent clients x 15 mixed requests (panel, classify, check of the seed): "
            f"{len(errors)} errors, {time.perf_counter() - t:.1f} s wall"
        )
        after = rss_mb()
    print(
        f"memory (RSS of this process, which runs the server): {before:.0f} MB before the app, "
        f"{warm:.0f} MB with the model and the index loaded, {after:.0f} MB after the load"
    )


class _Timing:
    def __init__(self, app):
        self.app = timing_middleware(app)

    async def __call__(self, scope, receive, send):
        await self.app(scope, receive, send)


if __name__ == "__main__":
    main()
