"""reviews.seq and decisions.seq: commit-ordered numbers, so a server's library can read what is new.

Issue 17's library (``Store.library_rows``) lets every server process keep its search index
up to date by asking for the reviews and decisions stored after the last ones it has seen. Review
ids are random strings and ``created_at`` is taken before a save commits, so neither can serve
as that watermark; ``decisions.id`` is a sequence on PostgreSQL, whose values are handed out
before commit, so two concurrent writers can commit out of order. ``seq`` is given at the end of
the writing transaction, under the lock every such writer takes (``store.sequence``), so a
larger ``seq`` is always committed after a smaller one. Rows already stored are numbered here:
reviews by (created_at, id), decisions by id.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_CHUNK = 1000


def upgrade() -> None:
    op.add_column("reviews", sa.Column("seq", sa.BigInteger()))
    op.add_column("decisions", sa.Column("seq", sa.BigInteger()))
    conn = op.get_bind()
    for name, key, order in (
        ("reviews", sa.column("id", sa.String), ("created_at", "id")),
        ("decisions", sa.column("id", sa.BigInteger), ("id",)),
    ):
        table = sa.table(
            name, key, sa.column("seq", sa.BigInteger), *(sa.column(c) for c in order if c != key.name)
        )
        ids = conn.execute(sa.select(table.c.id).order_by(*(table.c[c] for c in order))).scalars().all()
        update = sa.update(table).where(table.c.id == sa.bindparam("_id")).values(seq=sa.bindparam("_seq"))
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            conn.execute(update, [{"_id": i, "_seq": start + k + 1} for k, i in enumerate(chunk)])
    op.create_index("ix_reviews_seq", "reviews", ["seq"], unique=True)
    op.create_index("ix_decisions_seq", "decisions", ["seq"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_decisions_seq", table_name="decisions")
    op.drop_index("ix_reviews_seq", table_name="reviews")
    op.drop_column("decisions", "seq")
    op.drop_column("reviews", "seq")
