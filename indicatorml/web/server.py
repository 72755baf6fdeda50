"""Running the app under uvicorn: ``indicatorml serve``, one process or ``--workers N``.

Why a factory read from the environment: uvicorn starts each worker process by importing the
app by name (``indicatorml.web.server:app_from_env``); the options the command was given reach
the workers as ``$INDICATORML_WEB_SETTINGS`` (JSON, :meth:`Settings.to_json`). Every worker
opens the same store, so they behave as one server: reviews, decisions, training jobs, the
chosen model and the CSRF secret are all there.

Why a larger request-line limit (:data:`UVICORN_OPTIONS`): h11 refuses request heads over
16 KB by dropping the connection, and a 200,000-character query in a URL (1.8 MB encoded) then
ended in a reset (issue 18); with room up to 4 MB the request reaches the app, which answers
with its own message (a query is at most 2,000 characters).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from .settings import ENV, Settings

if TYPE_CHECKING:
    from starlette.applications import Starlette

__all__ = ["UVICORN_OPTIONS", "serve", "app_from_env"]

UVICORN_OPTIONS: dict[str, Any] = {"h11_max_incomplete_event_size": 4 * 1024 * 1024, "access_log": False}


def app_from_env() -> Starlette:
    """The app of one worker process, for the settings in ``$INDICATORML_WEB_SETTINGS``."""
    from .app import create_app

    text = os.environ.get(ENV)
    return create_app(Settings.from_json(text) if text else Settings())


def serve(settings: Settings, log_level: str = "info") -> None:
    """Run the server until interrupted; :class:`indicatorml.accounts.ServeRefused` (nothing
    started) when it is bound beyond this computer and the store has no account."""
    import uvicorn

    from ..accounts import serve_policy
    from ..store import open_store

    with open_store(settings.db, settings.data_dir) as store:  # migrate once; fail here with its message
        where = store.url  # without the password
        # Refused here (ServeRefused: the CLI prints its message, exit 2) before anything listens.
        policy = serve_policy(settings.host, store).require_start()
    os.environ[ENV] = settings.to_json()
    names = "、".join(sorted(settings.host_names()))
    print(
        f"indicatorml: 服务地址 http://{settings.host}:{settings.port}/ ,数据库 {where},"
        f"{settings.workers} 个进程;接受的主机名:{names}(以及任何 IP 地址);{policy.message};Ctrl-C 停止",
        flush=True,
    )
    uvicorn.run(
        "indicatorml.web.server:app_from_env",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        log_level=log_level,
        **UVICORN_OPTIONS,
    )
