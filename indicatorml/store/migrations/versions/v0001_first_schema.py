"""First schema: blobs, reviews with their files, rows, projects and findings, decisions, jobs, settings.

Revision ID: 0001
Revises: (none)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

SequenceId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "blobs",
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("sha256", name="pk_blobs"),
    )
    op.create_table(
        "reviews",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("created_by", sa.String(200)),
        sa.Column("department", sa.String(200)),
        sa.Column("year", sa.Integer()),
        sa.Column("org", sa.Text()),
        sa.Column("model_name", sa.Text(), nullable=False),
        sa.Column("model_hash", sa.String(128), nullable=False),
        sa.Column("model_info", sa.JSON(), nullable=False),
        sa.Column("label_rule", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("parent_id", sa.String(64)),
        sa.Column("files_count", sa.Integer(), nullable=False),
        sa.Column("rows_count", sa.Integer(), nullable=False),
        sa.Column("projects_count", sa.Integer(), nullable=False),
        sa.Column("findings_count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_reviews"),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["reviews.id"], name="fk_reviews_parent_id_reviews", ondelete="SET NULL"
        ),
    )
    op.create_index("ix_reviews_created_at", "reviews", ["created_at"])
    op.create_index("ix_reviews_department_year", "reviews", ["department", "year"])
    op.create_index("ix_reviews_org_year", "reviews", ["org", "year"])
    op.create_index("ix_reviews_parent_id", "reviews", ["parent_id"])

    op.create_table(
        "review_files",
        sa.Column("review_id", sa.String(64), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("blob_sha256", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("table", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("review_id", "n", name="pk_review_files"),
        sa.ForeignKeyConstraint(
            ["review_id"], ["reviews.id"], name="fk_review_files_review_id_reviews", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["blob_sha256"], ["blobs.sha256"], name="fk_review_files_blob_sha256_blobs"),
    )
    op.create_index("ix_review_files_blob_sha256", "review_files", ["blob_sha256"])

    file_fk = (["review_id", "file_n"], ["review_files.review_id", "review_files.n"])
    op.create_table(
        "review_rows",
        sa.Column("review_id", sa.String(64), nullable=False),
        sa.Column("file_n", sa.Integer(), nullable=False),
        sa.Column("row", sa.Integer(), nullable=False),
        sa.Column("project", sa.Text()),
        sa.Column("indicator", sa.Text(), nullable=False),
        sa.Column("target", sa.Text()),
        sa.Column("level1_code", sa.String(20)),
        sa.Column("level2_code", sa.String(20)),
        sa.Column("level2_raw", sa.Text()),
        sa.Column("origin", sa.JSON()),
        sa.Column("record", sa.JSON(), nullable=False),
        sa.Column("suggestion", sa.JSON()),
        sa.PrimaryKeyConstraint("review_id", "file_n", "row", name="pk_review_rows"),
        sa.ForeignKeyConstraint(
            *file_fk, name="fk_review_rows_review_id_file_n_review_files", ondelete="CASCADE"
        ),
    )
    op.create_table(
        "review_projects",
        sa.Column("review_id", sa.String(64), nullable=False),
        sa.Column("file_n", sa.Integer(), nullable=False),
        sa.Column("k", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("goal", sa.Text()),
        sa.Column("grade", sa.String(20)),
        sa.Column("info", sa.JSON()),
        sa.PrimaryKeyConstraint("review_id", "file_n", "k", name="pk_review_projects"),
        sa.ForeignKeyConstraint(
            *file_fk, name="fk_review_projects_review_id_file_n_review_files", ondelete="CASCADE"
        ),
    )
    op.create_table(
        "findings",
        sa.Column("id", SequenceId, nullable=False, autoincrement=True),
        sa.Column("review_id", sa.String(64), nullable=False),
        sa.Column("k", sa.Integer(), nullable=False),
        sa.Column("file_n", sa.Integer(), nullable=False),
        sa.Column("row", sa.Integer()),
        sa.Column("project", sa.Text()),
        sa.Column("rule", sa.String(100), nullable=False),
        sa.Column("severity", sa.String(20), nullable=False),
        sa.Column("field", sa.String(50)),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("data", sa.JSON()),
        sa.PrimaryKeyConstraint("id", name="pk_findings"),
        sa.ForeignKeyConstraint(
            *file_fk, name="fk_findings_review_id_file_n_review_files", ondelete="CASCADE"
        ),
        sa.UniqueConstraint("review_id", "k", name="uq_findings_review_id_k"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_findings_review_id_file_n_row", "findings", ["review_id", "file_n", "row"])

    op.create_table(
        "decisions",
        sa.Column("id", SequenceId, nullable=False, autoincrement=True),
        sa.Column("review_id", sa.String(64), nullable=False),
        sa.Column("finding_id", SequenceId),
        sa.Column("file_n", sa.Integer(), nullable=False),
        sa.Column("row", sa.Integer()),
        sa.Column("decision", sa.String(10), nullable=False),
        sa.Column("level2_code", sa.String(20)),
        sa.Column("comment", sa.Text()),
        sa.Column("user", sa.String(200)),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_decisions"),
        sa.ForeignKeyConstraint(
            ["review_id"], ["reviews.id"], name="fk_decisions_review_id_reviews", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["finding_id"], ["findings.id"], name="fk_decisions_finding_id_findings", ondelete="CASCADE"
        ),
        sa.CheckConstraint("decision IN ('accept', 'keep', 'set')", name="ck_decisions_decision"),
        sa.CheckConstraint("decision <> 'set' OR level2_code IS NOT NULL", name="ck_decisions_set_has_code"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_decisions_review_id_file_n_row", "decisions", ["review_id", "file_n", "row"])
    op.create_index("ix_decisions_finding_id", "decisions", ["finding_id"])

    op.create_table(
        "jobs",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(50), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("stage", sa.Text()),
        sa.Column("department", sa.String(200)),
        sa.Column("created_by", sa.String(200)),
        sa.Column("worker", sa.String(200)),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("started_at", Timestamp),
        sa.Column("finished_at", Timestamp),
        sa.Column("heartbeat_at", Timestamp),
        sa.Column("error", sa.Text()),
        sa.Column("input", sa.JSON()),
        sa.Column("result", sa.JSON()),
        sa.PrimaryKeyConstraint("id", name="pk_jobs"),
        sa.CheckConstraint("state IN ('queued', 'running', 'done', 'failed')", name="ck_jobs_state"),
    )
    op.create_index("ix_jobs_state_kind_created_at", "jobs", ["state", "kind", "created_at"])

    op.create_table(
        "settings",
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_settings"),
    )


def downgrade() -> None:
    for table in ("settings", "jobs", "decisions", "findings", "review_projects", "review_rows"):
        op.drop_table(table)
    op.drop_table("review_files")
    op.drop_table("reviews")
    op.drop_table("blobs")
