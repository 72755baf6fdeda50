"""Hostile uploads against a live server on loopback: time to answer and the peak memory of the
server's whole process tree (the server and its reader workers), per hostile file of issue 18.

    .venv/bin/python benchmarks/bench_hostile.py                    # this tree, as shipped
    .venv/bin/python benchmarks/bench_hostile.py --open             # content limits off: only the workers' limits hold
    .venv/bin/python benchmarks/bench_hostile.py --before efca0aa   # the same files against that commit's server
    .venv/bin/python benchmarks/bench_hostile.py --real             # what real tables use of each limit

Each hostile file (scripts/make_hostile.py, at the issue's sizes) is posted alone to
``/api/check`` on a server started for the run (``indicatorml serve`` on 127.0.0.1, a fresh data
folder); a thread sums the resident memory (RSS) of the server and its child processes every
20 ms and asks /healthz every 200 ms meanwhile. Then a 36 MB body is sent whole with urllib.
Targets (issue 18): every hostile file answered within 30 s, the process tree under 1.5 GB,
/healthz answering throughout.

``--before REV`` runs the same files against the server of commit ``REV`` (``git archive`` into
a temporary folder, run with this venv's libraries), one fresh server per file, bounded so the
machine survives: the server's address space is capped at 4 GB (RLIMIT_AS, so a file that
would take 22 GB ends in a MemoryError instead) and the client waits at most 60 s, after which
the server (still busy) is killed. Its figures are therefore floors: "> 60 s" means no answer
within the bound; memory stops at the cap. The issue's own figures are printed beside them.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("make_hostile", ROOT / "scripts" / "make_hostile.py")
mh = importlib.util.module_from_spec(_spec)
sys.modules["make_hostile"] = mh
_spec.loader.exec_module(mh)

PAIR = "inflating + flate at once"
TARGET_SECONDS = 30.0
TARGET_TREE = 1.5 * 1024**3
BEFORE_CAP = 4 * 1024**3
BEFORE_WAIT = 60.0
ISSUE = {  # what issue 18 reports for main
    "docx gridSpan": "past 22 GB, killed (-9)",
    "pdf self-reference": "never (100% CPU)",
    "xlsx inflating": "3–3.7 GB, ~2 GB kept",
    "xlsx merges to ZZZ2000": "153 s",
    "xlsx dimension XFD1048576": "20 s, 3.7 GB",
    "pdf flate stream": "2.15 GB",
    "pdf 100,000 pages": "80 s, MemoryError, /healthz dead",
    "36 MB body sent whole": "connection reset",
}

# The server, started in a child process: this tree, or a source tree of another commit given
# as argv[1] (imported before the editable install of this tree, which it would otherwise shadow).
SERVER = r"""
import json, sys
if sys.argv[1]:
    sys.meta_path[:] = [f for f in sys.meta_path if "editable" not in repr(f).lower()]
    sys.path.insert(0, sys.argv[1])
import uvicorn
from pathlib import Path
from indicatorml.web.app import create_app
from indicatorml.web.state import Settings
opts = json.loads(sys.argv[2])
settings = Settings(data_dir=Path(opts["data_dir"]))
if opts.get("open"):
    from indicatorml.tables.limits import DEFAULT_LIMITS
    settings.limits = DEFAULT_LIMITS.scaled(10**7)
uvicorn.run(create_app(settings), host="127.0.0.1", port=opts["port"], log_level="error")
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def server(source: str, open_limits: bool, cap: int | None) -> Iterator[tuple[str, psutil.Process]]:
    port = free_port()
    with tempfile.TemporaryDirectory() as data:
        opts = json.dumps({"data_dir": data, "port": port, "open": open_limits})

        def limit() -> None:  # in the child, before exec: the --before server's address space
            import resource

            if cap:
                resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

        proc = subprocess.Popen(
            [sys.executable, "-c", SERVER, source, opts],
            preexec_fn=limit if cap else None,  # this script starts it before any thread
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            for _ in range(600):
                try:
                    urllib.request.urlopen(f"{url}/healthz", timeout=1).read()
                    break
                except (urllib.error.URLError, ConnectionError, OSError):
                    if proc.poll() is not None:
                        raise RuntimeError("the server did not start") from None
                    time.sleep(0.1)
            time.sleep(1.0)  # warm: model, index, reader workers
            yield url, psutil.Process(proc.pid)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)  # the server and its workers (own session)
            proc.wait()


def tree_rss(p: psutil.Process) -> int:
    total = 0
    for q in [p, *p.children(recursive=True)]:
        with contextlib.suppress(psutil.Error):
            total += q.memory_info().rss
    return total


class Watch:
    """Peak RSS of the server's process tree, and the slowest /healthz, while a request runs."""

    def __init__(self, url: str, proc: psutil.Process) -> None:
        self.url, self.proc = url, proc
        self.peak = tree_rss(proc)
        self.health_worst = 0.0
        self.health_failed = 0
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._rss), threading.Thread(target=self._health)]

    def _rss(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(psutil.Error):
                self.peak = max(self.peak, tree_rss(self.proc))
            self._stop.wait(0.02)

    def _health(self) -> None:
        while not self._stop.is_set():
            t0 = time.monotonic()
            try:
                urllib.request.urlopen(f"{self.url}/healthz", timeout=5).read()
                self.health_worst = max(self.health_worst, time.monotonic() - t0)
            except (urllib.error.URLError, OSError):
                self.health_failed += 1
            self._stop.wait(0.2)

    def __enter__(self) -> Watch:
        for t in self._threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for t in self._threads:
            t.join()


def multipart(name: str, data: bytes) -> tuple[bytes, str]:
    b = uuid.uuid4().hex
    head = f'--{b}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n\r\n'.encode()
    return head + data + f"\r\n--{b}--\r\n".encode(), f"multipart/form-data; boundary={b}"


_TOKENS: dict[str, str] = {}


def csrf_header(url: str) -> dict[str, str]:
    """The X-CSRF-Token header a script sends (a server from before the token needs none)."""
    if url not in _TOKENS:
        try:
            with urllib.request.urlopen(f"{url}/api/csrf", timeout=10) as r:
                _TOKENS[url] = json.loads(r.read())["token"]
        except urllib.error.HTTPError:
            _TOKENS[url] = ""
    return {"X-CSRF-Token": _TOKENS[url]} if _TOKENS[url] else {}


def post(url: str, name: str, data: bytes, wait: float) -> tuple[float, str]:
    """(seconds to the answer, what it said: the file's problem, or the error)."""
    body, ctype = multipart(name, data)
    req = urllib.request.Request(
        f"{url}/api/check", data=body, headers={"Content-Type": ctype, **csrf_header(url)}
    )
    t0 = time.monotonic()
    try:
        with urllib.request.urlopen(req, timeout=wait) as r:
            f = json.loads(r.read())["files"][0]
            said = f["problems"][0]["reason"] if f["problems"] else f"read: {f['indicators']} indicators"
    except urllib.error.HTTPError as e:
        said = f"HTTP {e.code}: {e.read().decode('utf-8', 'replace')[:60]}"
    except (TimeoutError, urllib.error.URLError, OSError) as e:
        said = f"no answer ({type(getattr(e, 'reason', e)).__name__})"
        return time.monotonic() - t0, said
    return time.monotonic() - t0, said


def mb(n: float) -> str:
    return f"{n / 1024**2:,.0f} MB"


def run(files: dict[str, Path], source: str, open_limits: bool, before: bool) -> bool:
    ok = True
    wait = BEFORE_WAIT if before else 120.0
    cap = BEFORE_CAP if before else None
    print(f"{'file':<28} {'size':>9} {'answer':>9} {'tree peak':>10} {'/healthz':>9}  what the server said")
    shared = None if before else server(source, open_limits, cap)
    url, proc = shared.__enter__() if shared is not None else (None, None)
    try:
        if proc is not None:
            print(f"{'(idle, after start)':<28} {'':>9} {'':>9} {mb(tree_rss(proc)):>10}")
        pair = [files["xlsx inflating"], files["pdf flate stream"]]
        for label, path in [*files.items(), ("36 MB body sent whole", None), (PAIR, None)]:
            if before and label == PAIR:
                continue
            one = server(source, open_limits, cap) if before else contextlib.nullcontext((url, proc))
            with one as (u, p):
                data = path.read_bytes() if path is not None else b"x" * (36 << 20)
                name = path.name if path is not None else "big.xlsx"
                with Watch(u, p) as w:
                    if label == PAIR:  # both workers busy at once: the tree's worst case
                        data = pair[0].read_bytes()
                        with ThreadPoolExecutor(2) as ex:
                            both = list(ex.map(lambda f: post(u, f.name, f.read_bytes(), wait), pair))
                        took, said = max(t for t, _ in both), " | ".join(s[:34] for _, s in both)
                    else:
                        took, said = post(u, name, data, wait)
                dead = p.status() == psutil.STATUS_ZOMBIE if p.is_running() else True
            health = (
                "dead"
                if dead
                else (f"{w.health_worst:.2f} s" if not w.health_failed else f"{w.health_failed} failed")
            )
            answered = not said.startswith("no answer")
            shown = f"{took:.2f} s" if answered else (f"> {wait:.0f} s" if took >= wait - 1 else "none")
            good = answered and took <= TARGET_SECONDS and w.peak < TARGET_TREE and not w.health_failed
            ok &= good or before
            size = f"{len(data) / 1024:,.0f} KB"
            mark = "" if before else ("  ok" if good else "  MISSED")
            print(f"{label:<28} {size:>9} {shown:>9} {mb(w.peak):>10} {health:>9}  {said[:70]}{mark}")
            if before:
                print(f"{'':<28} {'':>9} issue 18: {ISSUE[label]}")
    finally:
        if shared is not None:
            shared.__exit__(None, None, None)
    return ok


def real_use() -> None:
    """What the real tables use of each limit (the defaults are set far above)."""
    import random
    import zipfile

    from indicatorml.tables.docx import docx_grids
    from indicatorml.tables.limits import DEFAULT_LIMITS
    from indicatorml.tables.pdf import pdf_grids
    from indicatorml.tables.xls import xls_grids
    from indicatorml.tables.xlsx import xlsx_grids

    spec = importlib.util.spec_from_file_location("make_fixtures", ROOT / "scripts" / "make_fixtures.py")
    mf = importlib.util.module_from_spec(spec)
    sys.modules["make_fixtures"] = mf
    spec.loader.exec_module(mf)
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        rows = mf.corpus_rows()
        rng = random.Random(7)
        forms = [mf.make_form(rng, (rows[k * 20 :] + rows)[:20], 20) for k in range(100)]
        mf.write_xlsx([mf.render_sheet("全部", forms)], d / "100 forms, 1 sheet.xlsx")
        mf.write_docx(
            [([], mf.render_sheet(f"项目{k}", [f])) for k, f in enumerate(forms)], d / "100 forms.docx"
        )
        from openpyxl import Workbook

        wb = Workbook(write_only=True)
        ws = wb.create_sheet("全部")
        cols = list(rows[0])
        ws.append(cols)
        for k in range(30000):
            ws.append([rows[k % len(rows)][c] + (str(k) if c == "indicator" else "") for c in cols])
        wb.save(d / "30,000 rows flat.xlsx")
        files = [*sorted((ROOT / "tests" / "fixtures" / "workbooks").iterdir()), *sorted(d.iterdir())]
        use = {"rows": 0, "columns": 0, "cells": 0, "merges": 0, "unzipped_bytes": 0, "zip_ratio": 0.0}
        for f in files:
            try:
                grids = {
                    ".xlsx": lambda p: xlsx_grids(p),
                    ".docx": lambda p: docx_grids(p),
                    ".pdf": lambda p: pdf_grids(p)[0],
                    ".xls": lambda p: xls_grids(p.read_bytes()),
                }[f.suffix](f)
            except Exception:  # noqa: BLE001 - the damaged fixtures
                continue
            use["rows"] = max(use["rows"], *(len(g.cells) for g in grids), 0)
            use["columns"] = max(use["columns"], *(g.width for g in grids), 0)
            use["cells"] = max(use["cells"], sum(len(g.cells) * g.width for g in grids))
            merged = sum(1 for g in grids for r in g.cont for c in r if c)
            use["merges"] = max(use["merges"], merged)  # merged cells: an upper bound on ranges
            if f.suffix in (".xlsx", ".docx"):
                with zipfile.ZipFile(f) as z:
                    infos = z.infolist()
                use["unzipped_bytes"] = max(use["unzipped_bytes"], sum(i.file_size for i in infos))
                use["zip_ratio"] = max(
                    use["zip_ratio"], *(i.file_size / max(1, i.compress_size) for i in infos)
                )
        print(
            f"{len(files)} files: the fixtures, 100 forms (one sheet; one .docx), a flat 30,000-row workbook"
        )
        print(f"{'limit':<16} {'largest real use':>18} {'default':>14}")
        for k, v in use.items():
            print(f"{k:<16} {v:>18,.0f} {getattr(DEFAULT_LIMITS, k):>14,}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--open", action="store_true", help="content limits off: only the workers' limits hold")
    ap.add_argument("--before", metavar="REV", help="also run the files against the server of commit REV")
    ap.add_argument("--real", action="store_true", help="print what real tables use of each limit, and stop")
    a = ap.parse_args()
    if a.real:
        real_use()
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        t0 = time.monotonic()
        files = {label: full(d / name) for label, (name, full, _) in mh.KINDS.items()}
        print(f"built {len(files)} hostile files at the issue's sizes in {time.monotonic() - t0:.0f} s\n")
        what = "content limits off (--open): only the reader workers' limits" if a.open else "as shipped"
        print(f"## this tree, {what}")
        ok = run(files, "", a.open, before=False)
        print(
            f"\ntargets (answer ≤ {TARGET_SECONDS:.0f} s, tree < {mb(TARGET_TREE)}, /healthz answering): "
            + ("all met" if ok else "MISSED")
        )
        if a.before:
            src = d / "before"
            src.mkdir()
            archive = subprocess.run(
                ["git", "-C", str(ROOT), "archive", a.before], check=True, capture_output=True
            )
            subprocess.run(["tar", "-x", "-C", str(src)], input=archive.stdout, check=True)
            print(
                f"\n## {a.before}, one server per file, capped at {mb(BEFORE_CAP)} of address space, "
                f"answers awaited {BEFORE_WAIT:.0f} s"
            )
            run(files, str(src), False, before=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
