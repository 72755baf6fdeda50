"""Bringing a database to the schema this indicatorml expects, safely when several processes start at once.

:func:`ensure_head` is what :func:`indicatorml.store.open_store` calls: a database already at
``HEAD`` costs one SELECT (Alembic is not even imported); an empty one is created and an older
one upgraded, all in one transaction that holds a lock for its whole length — SQLite's write lock
(``BEGIN IMMEDIATE``), PostgreSQL's transaction-level advisory lock — and that reads the
database's revision only once the lock is held. Two servers starting together on a fresh
database therefore run the migrations once: the second waits, then finds the work done. A
migration interrupted half-way (killed process, lost connection) rolls back with its
transaction: DDL is transactional on both engines.

A database whose revision this indicatorml does not know (written by a newer version) is
refused with a message rather than touched.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from .engine import show_url, writer
from .errors import StoreError

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = ["HEAD", "SCRIPT_LOCATION", "current_revision", "ensure_head", "migrate_to", "known_revisions"]

HEAD = "0004"  # the newest revision in migrations/versions (tests check it against Alembic's head)
SCRIPT_LOCATION = "indicatorml.store:migrations"  # the installed package, never the working directory
VERSION_TABLE = "alembic_version"
_PG_LOCK_KEY = 0x1D1CA70  # pg_advisory_xact_lock key of indicatorml's migrations (any constant)


def current_revision(conn: Connection) -> str | None:
    """The database's revision, or None for a database without indicatorml's tables."""
    if not sa.inspect(conn).has_table(VERSION_TABLE):
        return None
    return conn.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()


def known_revisions() -> list[str]:
    """The revisions this indicatorml ships, oldest first."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(_config())
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


def ensure_head(engine: Engine) -> str:
    """Create or upgrade the database to ``HEAD`` unless it is there already; returns HEAD."""
    with engine.connect() as conn:
        if current_revision(conn) == HEAD:
            return HEAD
    migrate_to(engine, HEAD)
    return HEAD


def migrate_to(engine: Engine, target: str) -> None:
    """Upgrade or downgrade to ``target`` (a revision id, or "base" for no tables) under the lock.

    Downgrades exist for :func:`indicatorml.store.restore`, which brings an *empty* database to
    the revision of the backup before loading it; they drop what later revisions added.
    """
    from alembic import command

    with writer(engine).begin() as conn:
        _lock(conn)
        current = current_revision(conn)
        known = known_revisions()
        if current is not None and current not in known:
            raise StoreError(
                f"数据库 {show_url(engine.url)} 的结构版本是 {current}，比这个 indicatorml 认识的最新版本 "
                f"{known[-1]} 还新：它是由更新的 indicatorml 建的，请升级 indicatorml 后再打开"
            )
        if target != "base" and target not in known:
            raise StoreError(f"这个 indicatorml 没有结构版本 {target}（已知：{'、'.join(known)}）")
        if current == target or (current is None and target == "base"):
            return
        cfg = _config(conn)
        if target != "base" and (current is None or known.index(target) > known.index(current)):
            command.upgrade(cfg, target)
        else:
            command.downgrade(cfg, target)


def _lock(conn: Connection) -> None:
    # SQLite: the transaction began with BEGIN IMMEDIATE, which already holds the write lock.
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})


def _config(conn: Connection | None = None) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", SCRIPT_LOCATION)
    cfg.set_main_option("path_separator", "os")
    if conn is not None:
        cfg.attributes["connection"] = conn
    return cfg
