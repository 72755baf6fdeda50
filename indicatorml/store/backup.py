"""One file that holds a whole store and loads into an empty database of either engine.

The backup is a zip, readable without indicatorml:

* ``manifest.json`` — format and version, the schema revision, when and from which engine, and
  per table (in loading order) its columns with a portable kind (text, int, float, bool, json,
  datetime, bytes), its row count and the sha256 of its JSONL file;
* ``tables/<table>.jsonl`` — one JSON object per row, rows in primary-key order; times as ISO
  8601 in UTC; the ``blobs`` table without its bytes;
* ``blobs/<sha256>`` — each uploaded file's bytes, named by their own hash.

It is engine-independent because it is written from the columns' kinds, not from an engine's
dump format: a SQLite store restores into PostgreSQL and back. The backup reads one consistent
snapshot (one transaction; PostgreSQL REPEATABLE READ) while servers go on writing, and the file
appears under its name only once complete (written beside it, then renamed).

Restoring checks every checksum before touching the database, refuses a database that already
holds data, brings the empty database to the backup's revision, loads every table in one
transaction (all or nothing), and then upgrades to this indicatorml's newest revision — so a
backup taken by an older version restores into a newer one, whose migrations convert its data.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import secrets
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from .. import __version__
from .engine import database_url, make_engine, show_url, writer
from .errors import CorruptError, StoreError
from .migrate import current_revision, ensure_head, known_revisions, migrate_to
from .schema import metadata
from .shapes import BackupSummary

__all__ = ["FORMAT", "FORMAT_VERSION", "dump", "backup", "restore", "read_manifest"]

FORMAT = "indicatorml-store-backup"
FORMAT_VERSION = 1
BLOB_TABLE = "blobs"
BLOB_COLUMN = "data"
_CHUNK = 1000
# Every table any revision has had (a revision that drops a table keeps its name here).
STORE_TABLES = frozenset(metadata.tables)


# ------------------------------------------------------------------ writing
def backup(path: Path, url: str | None, data_dir: Path | None) -> BackupSummary:
    """Back up the database at ``url`` (or the SQLite file under ``data_dir``) to ``path``, as it
    is: an older schema is dumped at its own revision, not upgraded first."""
    target = database_url(url, data_dir)
    if target.get_backend_name() == "sqlite" and not Path(target.database or "").is_file():
        raise StoreError(
            f"没有找到数据库 {target.database}：请用 --data-dir 指向服务器的数据目录，或用 --db 给出数据库地址"
        )
    engine = make_engine(target)
    try:
        return dump(engine, path)
    finally:
        engine.dispose()


def dump(engine: Engine, path: Path) -> BackupSummary:
    """Write the backup of ``engine``'s database to ``path`` (see the module docstring)."""
    path = Path(path)
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            revision = current_revision(conn)
            if revision is None:
                raise StoreError(
                    f"数据库 {show_url(engine.url)} 里还没有 indicatorml 的数据，没有可备份的内容"
                )
            tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
            try:
                manifest = _write_zip(conn, tmp, revision)
                with open(tmp, "rb+") as f:
                    os.fsync(f.fileno())
                os.replace(tmp, path)
            finally:
                tmp.unlink(missing_ok=True)
    return _summary(path, manifest)


def _reflect(conn: Connection) -> sa.MetaData:
    """indicatorml's tables as the database has them (at whatever revision): other tables in a
    shared PostgreSQL database, and Alembic's version table, are neither dumped nor restored."""
    md = sa.MetaData()
    md.reflect(conn, only=lambda name, _: name in STORE_TABLES)
    return md


def _write_zip(conn: Connection, tmp: Path, revision: str) -> dict[str, Any]:
    md = _reflect(conn)
    tables: dict[str, Any] = {}
    blob_count = blob_bytes = 0
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
        for table in md.sorted_tables:
            kinds = {c.name: _kind(table.name, c) for c in table.columns}
            if table.name == BLOB_TABLE:
                del kinds[BLOB_COLUMN]
            cols = [table.c[name] for name in kinds]
            q = sa.select(*cols).order_by(*table.primary_key.columns).execution_options(yield_per=_CHUNK)
            digest = hashlib.sha256()
            count = 0
            with zf.open(f"tables/{table.name}.jsonl", "w", force_zip64=True) as out:
                for row in conn.execute(q):
                    line = json.dumps(
                        {
                            name: _encode(kind, value)
                            for (name, kind), value in zip(kinds.items(), row, strict=True)
                        },
                        ensure_ascii=False,
                        separators=(",", ":"),
                    )
                    data = (line + "\n").encode("utf-8")
                    digest.update(data)
                    out.write(data)
                    count += 1
            tables[table.name] = {"columns": kinds, "rows": count, "sha256": digest.hexdigest()}
        blob_table = md.tables.get(BLOB_TABLE)
        if blob_table is not None:
            shas = conn.execute(sa.select(blob_table.c.sha256).order_by(blob_table.c.sha256)).scalars().all()
            for sha in shas:
                data = conn.execute(
                    sa.select(blob_table.c[BLOB_COLUMN]).where(blob_table.c.sha256 == sha)
                ).scalar_one()
                with zf.open(f"blobs/{sha}", "w", force_zip64=True) as out:
                    out.write(bytes(data))
                blob_count += 1
                blob_bytes += len(data)
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "revision": revision,
            "created_at": datetime.now(UTC).isoformat(),
            "indicatorml": __version__,
            "engine": conn.dialect.name,
            "tables": tables,
            "blobs": {"count": blob_count, "bytes": blob_bytes},
        }
        zf.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1))
    return manifest


def _kind(table: str, column: sa.Column[Any]) -> str:
    t = column.type
    for kind, types in (
        ("json", (sa.JSON,)),
        ("bytes", (sa.LargeBinary,)),
        ("datetime", (sa.DateTime,)),
        ("bool", (sa.Boolean,)),
        ("int", (sa.Integer,)),
        ("float", (sa.Float, sa.Numeric)),
        ("text", (sa.String,)),
    ):
        if isinstance(t, types):
            return kind
    raise StoreError(f"表 {table} 的列 {column.name} 类型 {t} 无法写进可移植的备份")


def _encode(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == "datetime":
        if value.tzinfo is None:  # SQLite: the store writes UTC
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).isoformat()
    if kind == "bytes":
        return base64.b64encode(bytes(value)).decode("ascii")
    return value


# ------------------------------------------------------------------ reading
def read_manifest(zf: zipfile.ZipFile, name: str = "backup") -> dict[str, Any]:
    """The manifest of an open backup, checked to be one this indicatorml can restore."""
    try:
        manifest = json.loads(zf.read("manifest.json"))
    except (KeyError, ValueError):
        raise CorruptError(f"{name} 不是 indicatorml 的备份文件（没有可读的 manifest.json）") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise CorruptError(f"{name} 不是 indicatorml 的备份文件")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise StoreError(
            f"{name} 的备份格式版本是 {manifest.get('format_version')}，这个 indicatorml 只能读版本 {FORMAT_VERSION}"
        )
    if manifest.get("revision") not in known_revisions():
        raise StoreError(
            f"{name} 来自结构版本 {manifest.get('revision')} 的数据库，比这个 indicatorml 新：请升级 indicatorml 后再恢复"
        )
    return manifest


def restore(path: Path, url: str | None, data_dir: Path | None) -> BackupSummary:
    """Load the backup at ``path`` into the empty database at ``url`` (or the SQLite file under
    ``data_dir``, created if missing), then upgrade it to the newest revision."""
    path = Path(path)
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise CorruptError(f"{path.name} 不是 indicatorml 的备份文件（不是 zip 文件）") from None
    with zf:
        manifest = read_manifest(zf, path.name)
        _verify(zf, manifest, path.name)
        engine = make_engine(database_url(url, data_dir))
        try:
            with engine.connect() as conn:
                _refuse_non_empty(conn, engine)
            migrate_to(engine, manifest["revision"])
            with writer(engine).begin() as conn:
                _refuse_non_empty(conn, engine)  # again, now under the write lock
                _load(conn, zf, manifest)
            ensure_head(engine)
        finally:
            engine.dispose()
    return _summary(path, manifest)


def _verify(zf: zipfile.ZipFile, manifest: dict[str, Any], name: str) -> None:
    expected = {"manifest.json"} | {f"tables/{t}.jsonl" for t in manifest["tables"]}
    blob_names = [n for n in zf.namelist() if n.startswith("blobs/")]
    unknown = sorted(set(zf.namelist()) - expected - set(blob_names))
    missing = sorted(expected - set(zf.namelist()))
    if unknown or missing:
        raise CorruptError(f"{name} 与其清单不符：多出 {unknown[:5]}，缺少 {missing[:5]}")
    for table, info in manifest["tables"].items():
        if _sha256_of(zf, f"tables/{table}.jsonl") != info["sha256"]:
            raise CorruptError(f"{name} 中表 {table} 的数据与清单的 sha256 不符：备份文件已损坏")
    for member in blob_names:
        if _sha256_of(zf, member) != member.removeprefix("blobs/"):
            raise CorruptError(f"{name} 中的上传文件 {member} 与其 sha256 不符：备份文件已损坏")
    if len(blob_names) != manifest["blobs"]["count"]:
        raise CorruptError(
            f"{name} 有 {len(blob_names)} 个上传文件，清单记的是 {manifest['blobs']['count']} 个"
        )


def _sha256_of(zf: zipfile.ZipFile, member: str) -> str:
    digest = hashlib.sha256()
    with zf.open(member) as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _refuse_non_empty(conn: Connection, engine: Engine) -> None:
    filled = []
    for table in _reflect(conn).sorted_tables:
        n = conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
        if n:
            filled.append(f"{table.name} {n} 行")
    if filled:
        raise StoreError(
            f"目标数据库 {show_url(engine.url)} 不是空的（{'、'.join(filled)}）：恢复只写入空数据库，"
            "不会覆盖已有的审核。请换一个新的数据库（或新的 --data-dir）再恢复"
        )


def _load(conn: Connection, zf: zipfile.ZipFile, manifest: dict[str, Any]) -> None:
    md = _reflect(conn)
    for name, info in manifest["tables"].items():
        table = md.tables.get(name)
        columns = set(info["columns"]) | ({BLOB_COLUMN} if name == BLOB_TABLE else set())
        if table is None or {c.name for c in table.columns} != columns:
            raise StoreError(f"备份中的表 {name} 与结构版本 {manifest['revision']} 的数据库不一致：无法恢复")
        # A column referring to its own table (reviews.parent_id) is filled in after all rows exist.
        later = [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]
        pk = [c.name for c in table.primary_key.columns]
        deferred: list[dict[str, Any]] = []
        count = 0
        for chunk in _chunks(_rows(zf, name, info["columns"], table)):
            if name == BLOB_TABLE:
                for row in chunk:
                    row[BLOB_COLUMN] = zf.read(f"blobs/{row['sha256']}")
            for row in chunk:
                if any(row.get(c) is not None for c in later):
                    deferred.append({**{f"pk_{c}": row[c] for c in pk}, **{c: row[c] for c in later}})
                    row.update(dict.fromkeys(later))
            conn.execute(sa.insert(table), chunk)
            count += len(chunk)
        if count != info["rows"]:
            raise CorruptError(f"备份中表 {name} 有 {count} 行，清单记的是 {info['rows']} 行")
        if deferred:
            where = [table.c[c] == sa.bindparam(f"pk_{c}") for c in pk]
            conn.execute(sa.update(table).where(*where).values({c: sa.bindparam(c) for c in later}), deferred)
    if conn.dialect.name == "postgresql":
        _reset_sequences(conn, md)


def _rows(zf: zipfile.ZipFile, name: str, kinds: dict[str, str], table: sa.Table) -> Iterator[dict[str, Any]]:
    with zf.open(f"tables/{name}.jsonl") as raw:
        for line in io.TextIOWrapper(raw, encoding="utf-8"):
            item = json.loads(line)
            yield {col: _decode(kind, item.get(col), table.c[col]) for col, kind in kinds.items()}


def _decode(kind: str, value: Any, column: sa.Column[Any]) -> Any:
    if value is None:
        if kind == "json":  # SQL NULL where the column allows it, else the JSON value null
            return sa.null() if column.nullable else sa.JSON.NULL
        return None
    if kind == "datetime":
        return datetime.fromisoformat(value).astimezone(UTC)
    if kind == "bytes":
        return base64.b64decode(value)
    return value


def _chunks(rows: Iterator[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == _CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _reset_sequences(conn: Connection, md: sa.MetaData) -> None:
    # Rows came with their ids; the sequences behind findings.id and decisions.id must continue
    # after the largest, or the next insert would collide with a restored id.
    for table in md.sorted_tables:
        for column in table.primary_key.columns:
            seq = conn.execute(
                sa.text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": column.name}
            ).scalar()
            if seq:
                top = conn.execute(sa.select(sa.func.max(column))).scalar()
                conn.execute(
                    sa.text("SELECT setval(:s, :v, :called)"),
                    {"s": seq, "v": top or 1, "called": top is not None},
                )


def _summary(path: Path, manifest: dict[str, Any]) -> BackupSummary:
    return BackupSummary(
        path=str(path),
        revision=manifest["revision"],
        tables={name: info["rows"] for name, info in manifest["tables"].items()},
        blob_bytes=manifest["blobs"]["bytes"],
        size=path.stat().st_size,
    )
