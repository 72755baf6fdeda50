"""Which database, and a connection to it that behaves the same whoever else is using it.

Two engines are supported, and only these two:

* SQLite, the default: the file ``<data_dir>/indicatorml.sqlite3`` (folder created). Several
  server processes share it, so every connection sets WAL mode (readers never wait for the
  writer), a 30 s busy timeout (a writer waits for the other instead of failing), foreign keys
  on, and ``synchronous=FULL`` (a committed review survives a power cut, not only a killed
  process; reviews and decisions are few, so the fsync per commit costs little — see
  benchmarks/bench_store.py). A write transaction starts with ``BEGIN IMMEDIATE``: it takes the
  write lock before its first read, so two writers queue on the busy timeout instead of both
  reading and one failing at its first write (SQLite's deadlock between deferred transactions).
* PostgreSQL, ``postgresql+psycopg://user:password@host:port/dbname`` (``postgresql://`` means
  the same: psycopg 3 is the driver indicatorml installs). Connections are checked before use,
  so a restarted database server does not break a running indicatorml server.
"""

from __future__ import annotations

import functools
import json
import sqlite3
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError

from .errors import StoreError

__all__ = ["SQLITE_NAME", "BUSY_TIMEOUT_S", "database_url", "make_engine", "writer", "show_url"]

SQLITE_NAME = "indicatorml.sqlite3"
BUSY_TIMEOUT_S = 30.0
_WRITE = "indicatorml_write"  # execution option: this transaction writes
# JSON as text a reader can see (Chinese kept, a third of the \uXXXX size); NaN/Infinity are not
# JSON and PostgreSQL's json type refuses them, so they are refused on both engines.
_JSON_DUMPS = functools.partial(json.dumps, ensure_ascii=False, allow_nan=False)


def database_url(url: str | None, data_dir: Path | None) -> URL:
    """The URL to open: ``url`` if given (checked to be one of the two engines), else the
    SQLite file under ``data_dir``. Raises :class:`StoreError` with the accepted forms."""
    if url is None:
        if data_dir is None:
            raise StoreError("没有指定数据库：请给出 --db 地址或 --data-dir 目录")
        return URL.create("sqlite+pysqlite", database=str(Path(data_dir) / SQLITE_NAME))
    try:
        u = make_url(url)
    except ArgumentError:
        raise StoreError(
            f"无法识别的数据库地址 {url!r}：应为 sqlite:///文件路径 或 "
            "postgresql+psycopg://用户:密码@主机:端口/数据库名"
        ) from None
    if u.drivername in ("postgresql", "postgres", "postgresql+psycopg"):
        return u.set(drivername="postgresql+psycopg")
    if u.drivername in ("sqlite", "sqlite+pysqlite"):
        if not u.database or u.database == ":memory:":
            raise StoreError(
                "SQLite 数据库必须是一个文件（sqlite:///路径），不能是内存数据库：几个进程要共用它"
            )
        return u.set(drivername="sqlite+pysqlite")
    raise StoreError(
        f"不支持的数据库 {u.drivername!r}（{show_url(u)}）：indicatorml 支持 SQLite（默认）和 "
        "PostgreSQL（postgresql+psycopg://用户:密码@主机:端口/数据库名）"
    )


def show_url(url: URL | str) -> str:
    """The URL for a message or a log line: never with its password."""
    u = make_url(url) if isinstance(url, str) else url
    return u.render_as_string(hide_password=True)


def make_engine(url: URL) -> Engine:
    """An engine for ``url`` (from :func:`database_url`); a SQLite file's folder is created."""
    if url.get_backend_name() == "sqlite":
        assert url.database is not None
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        # The driver's own transaction handling is switched off (isolation_level=None) so that the
        # "begin" hook below emits BEGIN itself: pysqlite otherwise begins lazily, before the first
        # INSERT only, which leaves DDL and SELECTs outside the transaction.
        engine = sa.create_engine(
            url,
            json_serializer=_JSON_DUMPS,
            connect_args={"timeout": BUSY_TIMEOUT_S, "check_same_thread": False, "isolation_level": None},
        )
        sa.event.listen(engine, "connect", _sqlite_connect)
        sa.event.listen(engine, "begin", _sqlite_begin)
        return engine
    return sa.create_engine(
        url,
        json_serializer=_JSON_DUMPS,
        pool_pre_ping=True,
        connect_args={"connect_timeout": 10, "application_name": "indicatorml"},
    )


def writer(engine: Engine) -> Engine:
    """The same engine (same pool) for write transactions: on SQLite they BEGIN IMMEDIATE."""
    return engine.execution_options(**{_WRITE: True})


def _sqlite_connect(dbapi_connection: Any, connection_record: Any) -> None:
    cur = dbapi_connection.cursor()
    cur.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
    if cur.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
        _set_wal(cur)
    cur.execute("PRAGMA synchronous = FULL")
    cur.execute("PRAGMA foreign_keys = ON")
    cur.close()


def _set_wal(cur: Any) -> None:
    # WAL is a property of the file, set once by its first user. Switching needs the file to
    # itself, and SQLite answers "database is locked" at once (the busy timeout does not apply)
    # while another process is, say, creating the tables of a fresh file: wait for it here.
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    while True:
        try:
            mode = cur.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            break
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)
    if mode != "wal":
        raise StoreError(
            f"SQLite 数据库无法切换到 WAL 模式（现为 {mode}）：它所在的文件系统可能不支持共享内存"
        )


def _sqlite_begin(conn: Connection) -> None:
    mode = "IMMEDIATE" if conn.get_execution_options().get(_WRITE) else "DEFERRED"
    conn.exec_driver_sql(f"BEGIN {mode}")
