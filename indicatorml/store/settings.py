"""Server-wide settings as JSON values under a key (e.g. which model a department uses).

In the database rather than in a file under --data-dir (the old active-model.json) so that every
server process on the store sees a change at once. Setting a key twice is an upsert, safe when
two processes set it at the same moment.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from .errors import InvalidError
from .schema import settings
from .validate import check_json

__all__ = ["get_setting", "set_setting", "setting_default", "delete_setting", "all_settings"]


def get_setting(conn: Connection, key: str, default: Any = None) -> Any:
    """The value under ``key``, or ``default`` when there is none."""
    row = conn.execute(sa.select(settings.c.value).where(settings.c.key == key)).first()
    return default if row is None else row.value


def set_setting(conn: Connection, key: str, value: Any) -> None:
    """Store the JSON ``value`` under ``key`` (replacing the old one)."""
    if not isinstance(key, str) or not 0 < len(key) <= 200:
        raise InvalidError("设置的键应为 1 到 200 个字符的文本")
    check_json(value, f"设置 {key}")
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    stmt = insert(settings).values(key=key, value=value)
    conn.execute(stmt.on_conflict_do_update(index_elements=["key"], set_={"value": stmt.excluded.value}))


def setting_default(conn: Connection, key: str, value: Any) -> Any:
    """The value under ``key``; ``value`` is stored first when there is none.

    Why not get-then-set: two server processes starting together on an empty store would each
    set their own value (a secret, say) and the last write would win while the first process
    kept using its own. ``INSERT … ON CONFLICT DO NOTHING`` followed by a read gives every
    process the one value that got in first.
    """
    if not isinstance(key, str) or not 0 < len(key) <= 200:
        raise InvalidError("设置的键应为 1 到 200 个字符的文本")
    check_json(value, f"设置 {key}")
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    conn.execute(insert(settings).values(key=key, value=value).on_conflict_do_nothing(index_elements=["key"]))
    return get_setting(conn, key)


def delete_setting(conn: Connection, key: str) -> bool:
    """Remove ``key``; False if it was not set."""
    return conn.execute(sa.delete(settings).where(settings.c.key == key)).rowcount == 1


def all_settings(conn: Connection) -> dict[str, Any]:
    return {
        k: v for k, v in conn.execute(sa.select(settings.c.key, settings.c.value).order_by(settings.c.key))
    }
