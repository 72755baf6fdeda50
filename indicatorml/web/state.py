"""What a server process holds while it runs, on ``app.state``: each view reads it from there.

Why nothing else: every fact that another process must see — reviews, decisions, training
jobs, the chosen model, the trained model, the CSRF secret — lives in the store; what a
process keeps is only what it can rebuild from the store and the package at any time:

* ``settings`` — the options it was started with (:class:`~.settings.Settings`);
* ``store`` — its connection pool to the database;
* ``policy`` — whether users log in (:func:`indicatorml.accounts.serve_policy`, decided once
  at start: accounts created later take effect at the next start);
* ``models`` — the model registry (:class:`~.registry.ModelRegistry`; models are loaded once
  and cached by ``coding.load_model``, a few MB each);
* ``library`` — the bureau's library (:class:`~indicatorml.precedents.Library`), refreshed from
  the store every ``library_refresh`` seconds when searched;
* ``readers`` — the pool of reader processes every upload is read in (started with the app);
* ``trainer`` — this process's training-job worker thread;
* ``csrf`` — the token signer (secret from the store);
* ``templates`` and ``static`` — the pages' templates and files, read once from the package.

:func:`shared` gives a view the typed :class:`Shared` behind these attributes.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from starlette.requests import Request
from starlette.templating import Jinja2Templates

from ..accounts import ServePolicy, serve_policy
from ..store import Store, open_store
from ..tables.pool import ReaderPool
from ..tables.reading import ReadPolicy, reading
from .csrf import Tokens
from .registry import ModelRegistry
from .render import make_templates
from .settings import Settings, default_data_dir
from .worker import Trainer

if TYPE_CHECKING:
    from starlette.applications import Starlette

    from ..precedents import Library, PrecedentIndex

__all__ = ["Shared", "shared", "default_data_dir", "Settings"]

STATIC_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
}


@dataclass
class Shared:
    """The process's shared state (module docstring)."""

    settings: Settings
    store: Store
    policy: ServePolicy
    csrf: Tokens
    models: ModelRegistry
    library: Library
    readers: ReaderPool
    trainer: Trainer
    templates: Jinja2Templates
    static: dict[str, tuple[bytes, str]]

    @classmethod
    def open(cls, settings: Settings) -> Shared:
        """Open the store (migrating it if needed) and build the rest on it; ServeRefused when
        the server must not start where it is bound (no accounts, not on this computer only)."""
        from ..precedents import Library

        store = open_store(settings.db, settings.data_dir)
        try:
            policy = serve_policy(settings.host, store).require_start()
        except Exception:
            store.close()
            raise
        models = ModelRegistry(settings, store)
        readers = ReaderPool(settings.readers)
        return cls(
            settings=settings,
            store=store,
            policy=policy,
            csrf=Tokens.from_store(store),
            models=models,
            library=Library(store, refresh_seconds=settings.library_refresh),
            readers=readers,
            trainer=Trainer(settings, store, models, readers),
            templates=make_templates(),
            static=static_files(),
        )

    def attach(self, app: Starlette) -> None:
        """Put each part on ``app.state`` under its name, and the whole as ``shared``."""
        app.state.shared = self
        for name in self.__dataclass_fields__:
            setattr(app.state, name, getattr(self, name))

    def warm(self) -> None:
        """Load the chosen model and the goal index now, not on the first request."""
        from ..errors import IndicatormlError

        try:
            self.models.model()
        except IndicatormlError:
            pass  # the pages say so when a model is needed
        self.goal_index()

    def goal_index(self) -> PrecedentIndex:
        """The project-goal index of 检索 (``--index``, else the shipped data; cached)."""
        from ..precedents import load_index

        return load_index(self.settings.index)

    @contextlib.contextmanager
    def reading_uploads(self) -> Iterator[ReadPolicy]:
        """Every file read in this block (this thread) is read in a worker of the pool, under the
        server's limits and the batch deadline."""
        s = self.settings
        with reading(limits=s.limits, pool=self.readers, batch_seconds=s.batch_seconds) as policy:
            yield policy

    @contextlib.asynccontextmanager
    async def lifespan(self, app: Any) -> AsyncIterator[None]:
        """Start the readers and the trainer with the app; stop them and close the store after.

        First the leftovers of killed processes go (``durable.clean_leftovers``): unfinished model
        folders under ``models/`` and staged uploads in the temporary folder, each only once no
        live process holds its lock, so a second server on the same folders loses nothing."""
        from ..durable import clean_leftovers

        clean_leftovers(self.settings.models_dir)
        self.readers.start()  # the first upload does not wait for its reader to start
        self.trainer.start()
        try:
            yield
        finally:
            self.trainer.stop()
            self.readers.close()
            self.store.close()


def shared(request: Request) -> Shared:
    """The process's shared state, as the views read it."""
    return cast(Shared, request.app.state.shared)


def static_files() -> dict[str, tuple[bytes, str]]:
    """The package's static files, read once: requests name a key of this dict, never a path."""
    out = {}
    for f in resources.files("indicatorml.web").joinpath("static").iterdir():
        suffix = Path(f.name).suffix
        if suffix in STATIC_TYPES:
            out[f.name] = (f.read_bytes(), STATIC_TYPES[suffix])
    return out
