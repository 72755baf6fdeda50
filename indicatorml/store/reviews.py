"""A computed review in and out of the database: all of it in one transaction, or nothing.

``save_review`` runs inside the caller's write transaction (:class:`Store` opens it): the
uploaded bytes, the review, its files, rows, projects and findings are committed together, so
a process killed mid-save leaves no half review — the counts written with the review are what
``Store.check()`` verifies. ``get_review`` puts the decisions on their findings and rows.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .blobs import blob_size, check_sha256, put_blob
from .decisions import current_decisions, load_decisions
from .errors import InvalidError, NotFoundError
from .schema import blobs, findings, review_files, review_projects, review_rows, reviews, utcnow
from .sequence import next_seq
from .shapes import (
    Counts,
    Finding,
    Review,
    ReviewFile,
    ReviewIn,
    ReviewProject,
    ReviewRow,
    ReviewSummary,
)
from .validate import Json, Spec, check_id, check_int, check_item, check_lengths

__all__ = ["save_review", "get_review", "list_reviews", "review_title", "new_id"]

_JSON = (Json,)
_OBJECT = (Json, dict)
_S = (str,)
_S0 = (str, None)
_I = (int,)
_I0 = (int, None)

REVIEW_SPEC: Spec = {
    "id": (_S, False),
    "created_at": ((datetime,), False),
    "created_by": (_S0, False),
    "department": (_S0, False),
    "year": (_I0, False),
    "org": (_S0, False),
    "title": (_S0, False),
    "model_name": (_S, True),
    "model_hash": (_S, True),
    "model_info": (_OBJECT, True),
    "label_rule": (_OBJECT, True),
    "status": (_S, False),
    "parent_id": (_S0, False),
    "files": ((list,), True),
    "rows": ((list,), True),
    "projects": ((list,), True),
    "findings": ((list,), True),
}
FILE_SPEC: Spec = {
    "n": (_I, True),
    "name": (_S, True),
    "kind": (_S, True),
    "table": (_OBJECT, True),
    "data": ((bytes,), False),
    "blob_sha256": (_S, False),
}
ROW_SPEC: Spec = {
    "file_n": (_I, True),
    "row": (_I, True),
    "indicator": (_S, True),
    "record": (_OBJECT, True),
    "project": (_S0, False),
    "target": (_S0, False),
    "level1_code": (_S0, False),
    "level2_code": (_S0, False),
    "level2_raw": (_S0, False),
    "origin": (_JSON, False),
    "suggestion": (_JSON, False),
}
PROJECT_SPEC: Spec = {
    "file_n": (_I, True),
    "k": (_I, True),
    "name": (_S, True),
    "goal": (_S0, False),
    "grade": (_S0, False),
    "info": (_JSON, False),
}
FINDING_SPEC: Spec = {
    "file_n": (_I, True),
    "rule": (_S, True),
    "severity": (_S, True),
    "message": (_S, True),
    "row": (_I0, False),
    "project": (_S0, False),
    "field": (_S0, False),
    "data": (_JSON, False),
}
_CHUNK = 1000  # rows per executemany: bounded memory per statement on both engines


def new_id() -> str:
    """A review or job id: 128 random bits, url-safe (22 characters)."""
    return secrets.token_urlsafe(16)


def review_title(first_name: str, files: int) -> str:
    """What a review list shows: the first file's own name, and how many files came with it."""
    return first_name if files == 1 else f"{first_name} 等 {files} 个文件"


def save_review(conn: Connection, review: ReviewIn) -> str:
    """Write ``review`` (see :class:`ReviewIn`); its id. Call inside a write transaction."""
    r = check_item(review, REVIEW_SPEC, "审核")
    review_id = check_id(r["id"], "审核编号") if "id" in r else new_id()
    check_lengths(r, reviews, "审核")
    files = _checked(r["files"], FILE_SPEC, review_files, "个文件")
    rows = _checked(r["rows"], ROW_SPEC, review_rows, "条指标行")
    projects = _checked(r["projects"], PROJECT_SPEC, review_projects, "个项目")
    found = _checked(r["findings"], FINDING_SPEC, findings, "个问题")
    _check_numbering(r, files, rows, projects, found)
    if conn.execute(sa.select(reviews.c.id).where(reviews.c.id == review_id)).first():
        raise InvalidError(f"审核编号 {review_id} 已经存在")
    parent = r.get("parent_id")
    if parent is not None and not conn.execute(sa.select(reviews.c.id).where(reviews.c.id == parent)).first():
        raise InvalidError(f"没有作为来源的审核 {parent}")
    file_rows = [{"review_id": review_id, **_stored_file(conn, f)} for f in files]
    first = min(files, key=lambda f: f["n"])
    conn.execute(
        sa.insert(reviews).values(
            id=review_id,
            created_at=r.get("created_at") or utcnow(),
            created_by=r.get("created_by"),
            department=r.get("department"),
            year=r.get("year"),
            org=r.get("org"),
            title=r["title"] if r.get("title") is not None else review_title(first["name"], len(files)),
            model_name=r["model_name"],
            model_hash=r["model_hash"],
            model_info=r["model_info"],
            label_rule=r["label_rule"],
            status=r.get("status", "done"),
            parent_id=parent,
            files_count=len(files),
            rows_count=len(rows),
            projects_count=len(projects),
            findings_count=len(found),
        )
    )
    _insert_many(conn, review_files, file_rows)
    _insert_many(conn, review_rows, ({**_ROW_DEFAULTS, **x, "review_id": review_id} for x in rows))
    _insert_many(
        conn, review_projects, ({**_PROJECT_DEFAULTS, **p, "review_id": review_id} for p in projects)
    )
    _insert_many(
        conn,
        findings,
        ({**_FINDING_DEFAULTS, **f, "review_id": review_id, "k": k} for k, f in enumerate(found)),
    )
    # Last, so the lock it takes on PostgreSQL is held only until the commit (see store.sequence).
    conn.execute(sa.update(reviews).where(reviews.c.id == review_id).values(seq=next_seq(conn, reviews)))
    return review_id


_ROW_DEFAULTS = dict.fromkeys(
    ("project", "target", "level1_code", "level2_code", "level2_raw", "origin", "suggestion")
)
_PROJECT_DEFAULTS = dict.fromkeys(("goal", "grade", "info"))
_FINDING_DEFAULTS = dict.fromkeys(("row", "project", "field", "data"))


def get_review(conn: Connection, review_id: str) -> Review:
    """The stored review with its decisions applied (see :class:`Review`)."""
    head = conn.execute(sa.select(reviews).where(reviews.c.id == review_id)).mappings().first()
    if head is None:
        raise NotFoundError(f"没有这份审核：{review_id}")
    files_q = (
        sa.select(review_files, blobs.c.size)
        .join(blobs, blobs.c.sha256 == review_files.c.blob_sha256)
        .where(review_files.c.review_id == review_id)
        .order_by(review_files.c.n)
    )
    files = [cast(ReviewFile, _without(m, "review_id")) for m in conn.execute(files_q).mappings()]
    names = {f["n"]: f["name"] for f in files}
    history = load_decisions(conn, review_id)
    by_finding, by_row = current_decisions(history)
    rows_q = (
        sa.select(review_rows)
        .where(review_rows.c.review_id == review_id)
        .order_by(review_rows.c.file_n, review_rows.c.row)
    )
    rows = []
    for m in conn.execute(rows_q).mappings():
        row = _without(m, "review_id")
        row["decision"] = by_row.get((row["file_n"], row["row"]))
        rows.append(cast(ReviewRow, row))
    projects_q = (
        sa.select(review_projects)
        .where(review_projects.c.review_id == review_id)
        .order_by(review_projects.c.file_n, review_projects.c.k)
    )
    projects = [cast(ReviewProject, _without(m, "review_id")) for m in conn.execute(projects_q).mappings()]
    found = []
    for m in conn.execute(
        sa.select(findings).where(findings.c.review_id == review_id).order_by(findings.c.k)
    ).mappings():
        f = _without(m, "review_id", "k")
        f["file"] = names[f["file_n"]]
        f["decision"] = by_finding.get(f["id"])
        found.append(cast(Finding, f))
    out: dict[str, Any] = dict(_summary(head))
    out.update(
        model_info=head["model_info"],
        label_rule=head["label_rule"],
        files=files,
        rows=rows,
        projects=projects,
        findings=found,
        decisions=history,
    )
    return cast(Review, out)


def list_reviews(
    conn: Connection,
    *,
    department: str | None = None,
    year: int | None = None,
    org: str | None = None,
    created_by: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[ReviewSummary]:
    """Reviews matching every filter given, newest first (ties by id, so pages do not overlap)."""
    limit, offset = check_int(limit, "limit"), check_int(offset, "offset")
    if not 1 <= limit <= 10_000 or offset < 0:
        raise InvalidError("limit 应在 1 到 10000 之间，offset 不能为负")
    q = sa.select(reviews).order_by(reviews.c.created_at.desc(), reviews.c.id).limit(limit).offset(offset)
    for column, value in (
        (reviews.c.department, department),
        (reviews.c.year, year),
        (reviews.c.org, org),
        (reviews.c.created_by, created_by),
    ):
        if value is not None:
            q = q.where(column == value)
    return [_summary(m) for m in conn.execute(q).mappings()]


def _summary(m: sa.RowMapping) -> ReviewSummary:
    counts: Counts = {
        "files": m["files_count"],
        "rows": m["rows_count"],
        "projects": m["projects_count"],
        "findings": m["findings_count"],
    }
    keys = (
        "id",
        "created_at",
        "created_by",
        "department",
        "year",
        "org",
        "title",
        "model_name",
        "model_hash",
    )
    out: dict[str, Any] = {k: m[k] for k in keys}
    out.update(status=m["status"], parent_id=m["parent_id"], counts=counts)
    return cast(ReviewSummary, out)


def _check_numbering(
    r: dict[str, Any],
    files: list[dict[str, Any]],
    rows: list[dict[str, Any]],
    projects: list[dict[str, Any]],
    found: list[dict[str, Any]],
) -> None:
    """Files numbered from 1 without repeats; rows and projects unique in their file; every part
    in a file of the review."""
    if not files:
        raise InvalidError("审核至少要有一个文件")
    if r.get("year") is not None and not 1900 <= r["year"] <= 2999:
        raise InvalidError(f"年度 year 应为四位公历年份，收到 {r['year']}")
    numbers = _unique([f["n"] for f in files], "文件编号 n")
    if any(n < 1 for n in numbers):
        raise InvalidError("文件编号 n 从 1 开始")
    _unique([(x["file_n"], x["row"]) for x in rows], "指标行（file_n, row）")
    _unique([(p["file_n"], p["k"]) for p in projects], "项目（file_n, k）")
    for what, items in (("指标行", rows), ("项目", projects), ("问题", found)):
        for i, item in enumerate(items):
            if item["file_n"] not in numbers:
                raise InvalidError(f"第 {i + 1} 个{what}的 file_n = {item['file_n']}，审核里没有这个文件")


def _stored_file(conn: Connection, f: dict[str, Any]) -> dict[str, Any]:
    """The review_files row of ``f``, its bytes stored first if given (same transaction)."""
    sha = f.get("blob_sha256")
    if sha is not None:
        check_sha256(sha)
    if "data" in f:
        given = sha
        sha = put_blob(conn, f["data"])
        if given is not None and given != sha:
            raise InvalidError(f"文件 {f['name']} 的 blob_sha256 与其内容不符")
    elif sha is None:
        raise InvalidError(f"文件 {f['name']} 既没有内容 data 也没有 blob_sha256")
    elif blob_size(conn, sha) is None:
        raise InvalidError(f"文件 {f['name']} 的内容 {sha} 没有存过（先 put_blob）")
    return {"n": f["n"], "name": f["name"], "blob_sha256": sha, "kind": f["kind"], "table": f["table"]}


def _checked(items: list[Any], spec: Spec, table: sa.Table, what: str) -> list[dict[str, Any]]:
    out = []
    for i, item in enumerate(items):
        where = f"第 {i + 1} {what}"
        out.append(check_item(item, spec, where))
        check_lengths(out[-1], table, where)
    return out


def _without(m: sa.RowMapping, *keys: str) -> dict[str, Any]:
    return {k: v for k, v in m.items() if k not in keys}


def _unique(values: Sequence[Any], what: str) -> set[Any]:
    seen: set[Any] = set()
    for v in values:
        if v in seen:
            raise InvalidError(f"{what} 重复：{v}")
        seen.add(v)
    return seen


def _insert_many(conn: Connection, table: sa.Table, items: Iterable[dict[str, Any]]) -> None:
    for chunk in _chunks(items, _CHUNK):
        conn.execute(sa.insert(table), chunk)


def _chunks(items: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
