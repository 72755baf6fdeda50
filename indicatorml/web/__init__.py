"""The web pages and JSON API (``indicatorml serve``): a layer over the Python API, like cli.py.

``app`` wires (``create_app``), ``routes`` lists every path, ``views/`` answers them (a few
lines each: parse, one call into the API, answer), ``calls`` runs those API calls in worker
threads, ``inputs`` reads a request under its limits, ``shaping`` arranges answers for the
pages, ``render`` renders them, ``errors`` turns every error into a message; ``state`` is what
a process holds (store, models, library, readers, trainer), ``settings`` what it was started
with, ``server`` runs it under uvicorn; ``limits``, ``hosts``, ``csrf`` and ``user`` are the
middleware (body size, Host header, CSRF token, who is asking); ``registry`` says which model a
request uses, ``worker`` + ``training`` run training jobs from the store, ``uploads`` and
``exports`` are files in and out. Nothing in indicatorml imports this package but the CLI.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from starlette.applications import Starlette

    from .settings import Settings

__all__ = ["create_app", "serve"]


def create_app(settings: Settings | None = None, warm: bool = True) -> Starlette:
    """The web app (see :func:`indicatorml.web.app.create_app`); imported on first use, so
    ``import indicatorml.web`` does not load Starlette."""
    from .app import create_app as _create

    return _create(settings, warm)


def serve(settings: Settings, log_level: str = "info") -> None:
    """Run the server until interrupted (see :func:`indicatorml.web.server.serve`)."""
    from .server import serve as _serve

    _serve(settings, log_level)
