"""reviews.title: the name a list of reviews shows, filled in for the reviews already stored.

A review list (issue 17's library, the 审核 history) needs one line per review without reading
its files; the title is the first file's own name, plus "等 N 个文件" for a batch. Reviews saved
before this revision get the same title from their stored files.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("reviews", sa.Column("title", sa.Text()))
    conn = op.get_bind()
    reviews = sa.table("reviews", sa.column("id", sa.String), sa.column("title", sa.Text))
    files = sa.table(
        "review_files",
        sa.column("review_id", sa.String),
        sa.column("n", sa.Integer),
        sa.column("name", sa.Text),
    )
    first = sa.select(
        files.c.review_id, files.c.name, sa.func.count().over(partition_by=files.c.review_id).label("count")
    ).order_by(files.c.review_id, files.c.n)
    seen: set[str] = set()
    for review_id, name, count in conn.execute(first):
        if review_id in seen:
            continue
        seen.add(review_id)
        title = name if count == 1 else f"{name} 等 {count} 个文件"
        conn.execute(sa.update(reviews).where(reviews.c.id == review_id).values(title=title))


def downgrade() -> None:
    op.drop_column("reviews", "title")
