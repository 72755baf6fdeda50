"""One transaction per call, and the engines' errors turned into the store's own.

Shared by :class:`~indicatorml.store.Store` and :class:`~indicatorml.store.AccountStore`: a
method that reads runs :func:`run` on the engine, one that writes on the writer engine (SQLite:
``BEGIN IMMEDIATE``); it commits before returning and rolls back on any error, so a caller
never sees half a write and a killed process leaves none. A value an engine cannot store, a
broken constraint and a database that fails become :class:`InvalidError` or
:class:`StoreError` with a Chinese message (never the SQL and its parameters).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, StatementError

from .engine import show_url
from .errors import InvalidError, StoreError

__all__ = ["run", "reason"]

T = TypeVar("T")


def run(engine: Engine, fn: Callable[[Connection], T]) -> T:
    """``fn(conn)`` in one transaction of ``engine``: committed if it returns, rolled back if not."""
    try:
        with engine.begin() as conn:
            return fn(conn)
    except StatementError as e:
        if isinstance(
            e.orig, (TypeError, ValueError)
        ):  # a value the engine cannot store (NaN, bytes in JSON)
            raise InvalidError(f"无法保存的值：{e.orig}") from e
        if isinstance(e, sa.exc.IntegrityError):
            raise InvalidError(f"数据违反了数据库的约束：{reason(e)}") from e
        if isinstance(e, DBAPIError):
            raise StoreError(f"数据库 {show_url(engine.url)} 出错：{reason(e)}") from e
        raise


def reason(e: BaseException) -> str:
    """The first line of the driver's message, without the SQL and parameters SQLAlchemy appends."""
    orig = getattr(e, "orig", None) or e
    return str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
