"""Commit-ordered numbers (``seq``) for reviews and decisions: what a reader's watermark needs.

A server process keeps its library index current by asking for reviews and decisions with a
``seq`` above the largest it has seen (``store.library``). That only works if a number, once
visible, can never be followed by a smaller one becoming visible later — which a plain sequence
does not promise on PostgreSQL (values are handed out at insert, transactions commit in any
order). So ``seq`` is taken as ``max(seq) + 1`` at the end of the writing transaction, under a
lock held until it commits: SQLite writers already hold the database's write lock (``BEGIN
IMMEDIATE``); on PostgreSQL a transaction-level advisory lock serialises the last moments of
``save_review`` and ``add_decision`` (not the rest of a save). With the unique index on ``seq``
the max is one index lookup.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

__all__ = ["next_seq", "LOCK_KEY"]

LOCK_KEY = 0x11B7A57  # pg_advisory_xact_lock key of the seq counters (any constant but the migration's)


def next_seq(conn: Connection, table: sa.Table) -> int:
    """The next ``seq`` of ``table`` (reviews or decisions); call last in a write transaction."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
    return int(conn.execute(sa.select(sa.func.coalesce(sa.func.max(table.c.seq), 0) + 1)).scalar_one())
