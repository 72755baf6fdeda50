"""50 concurrent clients for 60 s against one ``indicatorml serve``: errors, p50/p95, memory growth.

Issue 18's load figure. One server process (``indicatorml serve``, SQLite store under a
temporary data folder, loopback only) and ``--clients`` threads, each looping for
``--seconds``: store a review of a 20-indicator form workbook (``POST /api/reviews``), read it
back (``GET /api/reviews/{id}``), code 1–5 drafts (``POST /api/classify``), search precedents
(``GET /api/precedents``). Every answer other than the expected status — or none — is an error.

Memory: the server's whole process tree (server + file readers), sampled every 0.5 s; printed
after the warm-up (the first ``--warmup`` seconds of load), at the end, and the peak. Growth =
end − after warm-up: a server that keeps something per request would show it here.

Reference in the same run: the same clients for the same time on the stateless calls only
(classify + precedents, what a server without the store answered), against the same server
before the store load, so the cost the stored review adds is visible beside it.

Run: ``.venv/bin/python benchmarks/bench_load.py [--clients 50] [--seconds 60]``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))
from bench_hostile import tree_rss  # noqa: E402
from bench_reviews import build  # noqa: E402
from bench_web import DRAFTS, Recorder, client  # noqa: E402

from web_server import serve_process  # noqa: E402


def server_process(port_url: str) -> psutil.Process:
    """The serve process listening on the URL's port."""
    port = int(port_url.rsplit(":", 1)[1])
    for conn in psutil.net_connections("tcp"):
        if conn.laddr and conn.laddr.port == port and conn.status == psutil.CONN_LISTEN and conn.pid:
            return psutil.Process(conn.pid)
    raise RuntimeError(f"no process listens on port {port}")


class Sampler:
    """Samples the tree's RSS every half second: (seconds since start, bytes)."""

    def __init__(self, proc: psutil.Process) -> None:
        self.proc = proc
        self.samples: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._t0 = time.perf_counter()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.samples.append((time.perf_counter() - self._t0, tree_rss(self.proc)))
            self._stop.wait(0.5)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def at(self, seconds: float) -> int:
        """The first sample at or after ``seconds``."""
        return next((b for t, b in self.samples if t >= seconds), self.samples[-1][1])


def load(url: str, form: bytes, clients: int, seconds: float, stored: bool) -> Recorder:
    """``clients`` threads for ``seconds``: the mix above (``stored``) or classify + precedents only."""
    rec = Recorder()
    step = rec.step
    end = time.perf_counter() + seconds

    def one(k: int) -> None:
        c = client(url)
        i = 0
        while time.perf_counter() < end:
            if stored:
                r = step(
                    "review", 201, c, "POST", "/api/reviews", files=[("file", (f"表{k}-{i}.xlsx", form))]
                )
                if r is not None:
                    step("get", 200, c, "GET", f"/api/reviews/{r.json()['id']}")
            step("classify", 200, c, "POST", "/api/classify", json={"items": DRAFTS[: 1 + (i % 5)]})
            step(
                "precedents",
                200,
                c,
                "GET",
                "/api/precedents",
                params={"text": DRAFTS[(k + i) % 10], "top": 8},
            )
            i += 1

    rec.run(clients, one)
    return rec


def report(name: str, rec: Recorder, seconds: float) -> None:
    count = sum(len(v) for v in rec.times.values())
    print(f"{name} ({count / seconds:.0f} requests/s): {rec.summary()}")
    for e in rec.errors[:5]:
        print("    ", e)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--warmup", type=float, default=10.0)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        folder = Path(tmp)
        files, _ = build(folder, 1, 20)
        form = files[0].read_bytes()
        data = folder / "server"
        data.mkdir()
        db = f"sqlite:///{data / 'indicatorml.sqlite3'}"
        with serve_process(db, data) as url:
            proc = server_process(url)
            print(f"server tree at start (idle): {tree_rss(proc) / 2**20:.0f} MB")
            with Sampler(proc) as ref:
                rec = load(url, form, args.clients, args.seconds, stored=False)
            report(
                f"reference, {args.clients} clients x {args.seconds:.0f} s, classify + precedents",
                rec,
                args.seconds,
            )
            with Sampler(proc) as s:
                rec = load(url, form, args.clients, args.seconds, stored=True)
            report(
                f"{args.clients} clients x {args.seconds:.0f} s, review + get + classify + precedents",
                rec,
                args.seconds,
            )
            warm, last = s.at(args.warmup), s.samples[-1][1]
            peak = max(b for _, b in [*ref.samples, *s.samples])
            print(
                f"server tree memory: after {args.warmup:.0f} s of load {warm / 2**20:.0f} MB, at the end "
                f"{last / 2**20:.0f} MB (growth {(last - warm) / 2**20:+.0f} MB), peak {peak / 2**20:.0f} MB "
                f"(reference run peak {max(b for _, b in ref.samples) / 2**20:.0f} MB)"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
