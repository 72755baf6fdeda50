"""Alembic's entry point for indicatorml's migrations: run only through indicatorml.store.migrate.

That module opens the transaction (SQLite: BEGIN IMMEDIATE; PostgreSQL: an advisory lock), hands
the connection over in ``config.attributes["connection"]`` and reads nothing from the working
directory: ``script_location`` is the installed package's ``indicatorml.store:migrations``. The
migrations run inside that one transaction, so an interrupted upgrade leaves the previous revision.

This file imports nothing from indicatorml: the revisions are frozen copies of the schema as it
was when each was released, and they name every constraint and index themselves (after the
naming convention of indicatorml/store/schema.py), so nothing here decides a name.
"""

from __future__ import annotations

from alembic import context

connection = context.config.attributes.get("connection")
if connection is None or context.is_offline_mode():
    raise RuntimeError("indicatorml migrations run through indicatorml.store.migrate, on an open connection")
context.configure(
    connection=connection,
    target_metadata=None,
    transactional_ddl=True,
)
with context.begin_transaction():
    context.run_migrations()
