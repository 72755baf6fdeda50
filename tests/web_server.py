"""A live uvicorn server on 127.0.0.1 and a free port, in a thread (for browser tests, screenshots, benchmarks).

It runs with the options ``indicatorml serve`` gives uvicorn (``web.server.UVICORN_OPTIONS``).
Scripts that post to it need a CSRF token (:func:`csrf_token`, sent as ``X-CSRF-Token``).
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def live_server(data_dir: Path, settings: Any = None) -> Iterator[str]:
    """``settings``: a web.state.Settings (default: the shipped ones, data under ``data_dir``)."""
    import uvicorn

    from indicatorml.web.app import create_app
    from indicatorml.web.server import UVICORN_OPTIONS
    from indicatorml.web.settings import Settings

    port = free_port()
    app = create_app(settings or Settings(data_dir=Path(data_dir)))
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", **UVICORN_OPTIONS)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextlib.contextmanager
def serve_process(db: str, data_dir: Path, *args: str) -> Iterator[str]:
    """``indicatorml serve --db DB --data-dir DIR`` as its own process on a free port (as a second
    machine or ``--workers`` would run it); its URL once it answers. Its log: DIR/server.log."""
    import os
    import subprocess
    import sys
    import urllib.request

    port = free_port()
    log = (data_dir / "server.log").open("wb")
    command = [
        "-m",
        "indicatorml",
        "serve",
        "--db",
        db,
        "--data-dir",
        str(data_dir),
        "--port",
        str(port),
        *args,
    ]
    proc = subprocess.Popen(
        [sys.executable, *command],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=2):
                    break
            except OSError:
                if proc.poll() is not None:
                    raise RuntimeError((data_dir / "server.log").read_text()) from None
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def csrf_token(url: str) -> str:
    """A token for the X-CSRF-Token header of a script's POSTs (GET /api/csrf)."""
    import json
    import urllib.request

    with urllib.request.urlopen(f"{url}/api/csrf", timeout=30) as r:
        return str(json.loads(r.read())["token"])


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def require_browser() -> None:
    """Skip the calling browser-test module where chromium or Playwright is missing — except on
    CI (``CI=true``), where ``.ci/run`` installs them and a missing browser must fail, not skip."""
    import os

    import pytest

    if os.environ.get("CI", "").lower() == "true":
        return
    if not Path(CHROMIUM).exists():
        pytest.skip(
            f"{CHROMIUM} is not installed (apt-get install chromium fonts-noto-cjk)", allow_module_level=True
        )
    pytest.importorskip("playwright")
