"""Is the store whole? The engine's own check, the counts each review was saved with, the blobs' hashes.

Run after a crash (tests/test_store_crash.py does, after every SIGKILL) or by an administrator.
A review is complete when it has exactly the files, rows, projects and findings counted when it
was saved; a torn write would show as a difference. Every review and decision has its audit
line (written in its transaction, or backfilled by revision 0004). Each problem is one Chinese
line.
"""

from __future__ import annotations

from collections.abc import Iterator

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .blobs import sha256_hex
from .migrate import HEAD, current_revision
from .schema import audit, blobs, decisions, findings, review_files, review_projects, review_rows, reviews
from .shapes import CheckReport

__all__ = ["check_store"]

_PARTS = (
    ("files_count", review_files, "文件"),
    ("rows_count", review_rows, "指标行"),
    ("projects_count", review_projects, "项目"),
    ("findings_count", findings, "问题"),
)


def check_store(conn: Connection, verify_blobs: bool = True) -> CheckReport:
    """Check everything; ``verify_blobs=False`` skips re-hashing every stored upload (the slow part)."""
    revision = current_revision(conn)
    report = CheckReport(engine=conn.dialect.name, revision=revision, reviews=0, blobs=0)
    if revision != HEAD:
        report.problems.append(f"数据库结构版本是 {revision}，应为 {HEAD}")
        return report
    report.problems.extend(_engine_check(conn))
    report.reviews = conn.execute(sa.select(sa.func.count()).select_from(reviews)).scalar_one()
    for column, table, what in _PARTS:
        actual = (
            sa.select(table.c.review_id, sa.func.count().label("n")).group_by(table.c.review_id).subquery()
        )
        q = (
            sa.select(reviews.c.id, reviews.c[column], sa.func.coalesce(actual.c.n, 0))
            .select_from(reviews.outerjoin(actual, actual.c.review_id == reviews.c.id))
            .where(reviews.c[column] != sa.func.coalesce(actual.c.n, 0))
        )
        for review_id, saved, found in conn.execute(q):
            report.problems.append(f"审核 {review_id}：保存时有 {saved} 个{what}，现在有 {found} 个")
        orphans = conn.execute(
            sa.select(sa.func.count())
            .select_from(actual)
            .where(actual.c.review_id.not_in(sa.select(reviews.c.id)))
        ).scalar_one()
        if orphans:
            report.problems.append(f"有 {orphans} 份不存在的审核留下了{what}")
    for table, what in ((reviews, "份审核"), (decisions, "条审核决定")):
        unnumbered = conn.execute(
            sa.select(sa.func.count()).select_from(table).where(table.c.seq.is_(None))
        ).scalar_one()
        if unnumbered:  # the library (Store.library_rows) would never deliver them
            report.problems.append(f"有 {unnumbered} {what}没有先例库编号 seq（不是由 indicatorml 写入的）")
    report.problems.extend(_unaudited(conn))
    report.blobs = conn.execute(sa.select(sa.func.count()).select_from(blobs)).scalar_one()
    if verify_blobs:
        for sha, size, data in _blobs(conn):
            if sha256_hex(data) != sha or len(data) != size:
                report.problems.append(f"上传文件 {sha} 的内容与其 sha256 或大小不符")
    return report


def _unaudited(conn: Connection) -> list[str]:
    """Reviews without a "reviewed" line and decisions without a "decided" line in the audit log."""
    problems = []
    for table, action, kind, key, what in (
        (reviews, "reviewed", "review", reviews.c.id, "份审核"),
        (decisions, "decided", "decision", sa.cast(decisions.c.id, sa.String), "条审核决定"),
    ):
        logged = sa.select(audit.c.object_id).where(audit.c.action == action, audit.c.object_kind == kind)
        missing = conn.execute(
            sa.select(sa.func.count()).select_from(table).where(key.not_in(logged))
        ).scalar_one()
        if missing:
            problems.append(f"有 {missing} {what}在审计日志里没有记录")
    return problems


def _engine_check(conn: Connection) -> list[str]:
    if conn.dialect.name != "sqlite":
        # PostgreSQL replays its WAL after a crash; a page-level check would need the amcheck
        # extension, which a bureau's server may not have. The counts below are checked on both.
        return []
    result = [r[0] for r in conn.exec_driver_sql("PRAGMA integrity_check").all()]
    problems = [] if result == ["ok"] else [f"SQLite 完整性检查：{line}" for line in result]
    for table, rowid, parent, _ in conn.exec_driver_sql("PRAGMA foreign_key_check").all():
        problems.append(f"SQLite 外键检查：{table} 第 {rowid} 行指向 {parent} 中不存在的记录")
    return problems


def _blobs(conn: Connection) -> Iterator[tuple[str, int, bytes]]:
    # One blob in memory at a time: the list of hashes first, then each blob by itself.
    for sha in conn.execute(sa.select(blobs.c.sha256).order_by(blobs.c.sha256)).scalars().all():
        row = conn.execute(sa.select(blobs.c.size, blobs.c.data).where(blobs.c.sha256 == sha)).one()
        yield sha, row.size, bytes(row.data)
