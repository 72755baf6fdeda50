"""``create_app``: wiring only — the shared state, the routes, the middleware, the error handlers.

How a request flows (outermost first):

1. ``BodyLimit`` (:mod:`.limits`) — a body over 20 MB is a 413 the client can read; an early
   answer by anything inside drains the body first, so no client sees a reset;
2. ``HostCheck`` (:mod:`.hosts`) — a Host that is not this server's is a 400 (DNS rebinding);
3. ``CsrfCheck`` (:mod:`.csrf`) — a state-changing request needs a valid token (403);
4. ``SessionCheck`` (:mod:`.session`) — ``request.state.user``: the session cookie's user (None
   on the single-user server, or without a session);
5. the route (:mod:`.routes`, an :class:`~.access.ActionRoute`) checks its action against the
   permission table (:mod:`.access`: login, 401/403) → its view (:mod:`.views`): parse the input under its limits
   (:mod:`.inputs`), one call into the Python API in a worker thread (:mod:`.calls`), render
   (:mod:`.render`) or return JSON; errors become messages (:mod:`.errors`).
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware import Middleware

from .csrf import CsrfCheck
from .errors import HANDLERS
from .hosts import HostCheck
from .limits import MAX_UPLOAD_BYTES, BodyLimit
from .routes import ROUTES
from .session import SessionCheck
from .settings import Settings
from .state import Shared

__all__ = ["create_app"]


def create_app(settings: Settings | None = None, warm: bool = True) -> Starlette:
    """The web app for ``settings`` (default: the shipped model, data under the user's data
    folder). ``warm`` loads the model and the goal index before the first request."""
    shared = Shared.open(settings or Settings())
    app = Starlette(
        routes=ROUTES,
        lifespan=shared.lifespan,
        middleware=[
            Middleware(BodyLimit, limit=MAX_UPLOAD_BYTES),
            Middleware(HostCheck, names=shared.settings.host_names()),
            Middleware(CsrfCheck, tokens=shared.csrf),
            Middleware(
                SessionCheck, store=shared.store, policy=shared.policy, accounts=shared.settings.accounts
            ),
        ],
        exception_handlers=dict(HANDLERS),
    )
    shared.attach(app)
    if warm:
        shared.warm()
    return app
