"""The web page and JSON API (``indicatorml serve``): a layer over the Python API, like cli.py.

``app`` holds the routes, ``limits`` the 20 MB upload limit, ``uploads`` how uploaded files
reach the reader (generated names in a temporary folder), ``state`` what one server keeps,
``jobs`` the training of a model for this server, ``views`` the shaping of results for pages.
Nothing in indicatorml imports this package.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from starlette.applications import Starlette

    from .state import Settings

__all__ = ["create_app", "serve"]


def create_app(settings: Settings | None = None, warm: bool = True) -> Starlette:
    """The web app (see :func:`indicatorml.web.app.create_app`); imported on first use, so
    ``import indicatorml.web`` does not load Starlette."""
    from .app import create_app as _create

    return _create(settings, warm)


def serve(
    host: str = "127.0.0.1",
    port: int = 8765,
    model: str | None = None,
    index: str | None = None,
    data_dir: str | None = None,
    log_level: str = "info",
) -> None:
    """Run the server until interrupted (``indicatorml serve``)."""
    import uvicorn

    from .state import Settings, default_data_dir

    settings = Settings(model=model, index=index, data_dir=Path(data_dir) if data_dir else default_data_dir())
    app = create_app(settings)
    print(
        f"indicatorml: serving on http://{host}:{port}/ (data under {settings.data_dir}; Ctrl-C stops)",
        flush=True,
    )
    uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=False)
