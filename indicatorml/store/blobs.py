"""Content-addressed bytes: an uploaded file is stored once under its sha256, in the database itself.

In the database rather than in files beside it, so that a backup is one dump, two servers on one
PostgreSQL share them, and a review and its uploads are written in one transaction. Storing the
same bytes twice is a no-op (``INSERT … ON CONFLICT DO NOTHING``, so two processes storing the
same upload at once do not collide). The hash is checked again on every read: bytes that no
longer match raise :class:`CorruptError` instead of being handed out as the user's file.
"""

from __future__ import annotations

import hashlib
import re

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from .errors import CorruptError, InvalidError, NotFoundError
from .schema import blobs, utcnow

__all__ = ["sha256_hex", "check_sha256", "put_blob", "get_blob", "blob_size"]

_SHA = re.compile(r"[0-9a-f]{64}")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_sha256(sha: object) -> str:
    """``sha`` if it is a lowercase hex sha256, else :class:`InvalidError`."""
    if not isinstance(sha, str) or not _SHA.fullmatch(sha):
        raise InvalidError(f"不是有效的 sha256 摘要：{sha!r}（应为 64 位小写十六进制）")
    return sha


def put_blob(conn: Connection, data: bytes) -> str:
    """Store ``data`` unless it is there already; its sha256 (hex)."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise InvalidError(f"文件内容应为 bytes，收到 {type(data).__name__}")
    data = bytes(data)
    sha = sha256_hex(data)
    values = {"sha256": sha, "size": len(data), "data": data, "created_at": utcnow()}
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    conn.execute(insert(blobs).values(values).on_conflict_do_nothing(index_elements=["sha256"]))
    return sha


def get_blob(conn: Connection, sha: str) -> bytes:
    """The bytes stored under ``sha``, checked against it."""
    check_sha256(sha)
    data = conn.execute(sa.select(blobs.c.data).where(blobs.c.sha256 == sha)).scalar()
    if data is None:
        raise NotFoundError(f"没有这份上传文件（sha256 {sha}）")
    data = bytes(data)
    if sha256_hex(data) != sha:
        raise CorruptError(f"上传文件 {sha} 的内容与其 sha256 不符：数据库中的这份文件已损坏，请从备份恢复")
    return data


def blob_size(conn: Connection, sha: str) -> int | None:
    """The size in bytes of a stored blob, or None if it is not stored (without reading it)."""
    return conn.execute(sa.select(blobs.c.size).where(blobs.c.sha256 == sha)).scalar()
