"""The rows of every stored review, with the reviewer's decisions applied, read by a watermark.

Why: issue 17's library makes every reviewed table's rows precedents at once, in every server
process sharing the store. Each process keeps a search index and asks, now and then, "what was
stored since my mark?" — the answer is the rows of reviews saved since (with their current
decisions) and the rows of older reviews whose current decision changed since, plus the next
mark. Marks are the commit-ordered ``seq`` numbers of reviews and decisions
(:mod:`.sequence`), so nothing is missed or delivered twice, whichever process wrote it.

Consistency without a snapshot: the decisions mark is read *first*; the new reviews' decisions
are read after it (so they hold at least every decision up to the mark, maybe later ones — those
come again next time as changes, and applying a current decision twice changes nothing); the
changes are the decisions between the old and the new mark on reviews delivered before. This
holds under PostgreSQL's READ COMMITTED as well as SQLite's snapshot.

The category rule (``decided_code``) is documented on :class:`~.shapes.LibraryRow`; it follows
the store's definition of a row's current decision (:mod:`.decisions`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .decisions import current_decisions, load_decisions, load_decisions_of
from .errors import InvalidError
from .schema import decisions, findings, review_files, review_projects, review_rows, reviews
from .shapes import Decision, LibraryBatch, LibraryChange, LibraryMark, LibraryRow
from .validate import check_int

__all__ = ["library_rows", "decided_code", "MAX_BATCH"]

MAX_BATCH = 10_000  # reviews per call at most: bounded memory per answer
_IN = 500  # ids per IN (...) list


def library_rows(conn: Connection, since: LibraryMark | None = None, limit: int = 200) -> LibraryBatch:
    """Rows of up to ``limit`` reviews saved after ``since`` and decision changes since it (see module)."""
    mark = _check_mark(since)
    limit = check_int(limit, "limit")
    if not 1 <= limit <= MAX_BATCH:
        raise InvalidError(f"limit 应在 1 到 {MAX_BATCH} 之间")
    top = conn.execute(sa.select(sa.func.max(decisions.c.seq))).scalar()
    decisions_mark = max(mark["decisions"], int(top or 0))
    heads = (
        conn.execute(
            sa.select(
                reviews.c.id,
                reviews.c.seq,
                reviews.c.department,
                reviews.c.org,
                reviews.c.year,
                reviews.c.created_at,
                reviews.c.title,
            )
            .where(reviews.c.seq > mark["reviews"])
            .order_by(reviews.c.seq)
            .limit(limit + 1)
        )
        .mappings()
        .all()
    )
    more = len(heads) > limit
    heads = heads[:limit]
    rows: list[LibraryRow] = []
    for chunk in _chunks([dict(h) for h in heads], _IN):
        rows += _rows_of(conn, chunk)
    changes = _changes(conn, mark, decisions_mark)
    new_mark: LibraryMark = {
        "reviews": int(heads[-1]["seq"]) if heads else mark["reviews"],
        "decisions": decisions_mark,
    }
    return {"rows": rows, "changes": changes, "mark": new_mark, "more": more}


def decided_code(
    given: str | None, suggestion: Any, decision: Decision | None, finding_data: Any = None
) -> str | None:
    """The row's category after ``decision`` (the rule on :class:`~.shapes.LibraryRow`)."""
    if decision is None or decision["decision"] == "keep":
        return given
    if decision["decision"] == "set":
        return decision["level2_code"]
    for source, key in ((finding_data, "suggested_level2_code"), (suggestion, "level2_code")):
        code = source.get(key) if isinstance(source, dict) else None
        if isinstance(code, str) and code:
            return code
    return given


def _check_mark(since: LibraryMark | None) -> LibraryMark:
    if since is None:
        return {"reviews": 0, "decisions": 0}
    if not isinstance(since, dict) or set(since) != {"reviews", "decisions"}:
        raise InvalidError("since 应为 {'reviews': 整数, 'decisions': 整数}（上次返回的 mark）")
    return {
        "reviews": check_int(since["reviews"], "mark.reviews"),
        "decisions": check_int(since["decisions"], "mark.decisions"),
    }


def _rows_of(conn: Connection, heads: list[dict[str, Any]]) -> list[LibraryRow]:
    """The rows of these reviews (in their order), with current decisions and categories."""
    ids = [h["id"] for h in heads]
    names = {
        (r.review_id, r.n): r.name
        for r in conn.execute(
            sa.select(review_files.c.review_id, review_files.c.n, review_files.c.name).where(
                review_files.c.review_id.in_(ids)
            )
        )
    }
    goals: dict[tuple[str, int, str], str | None] = {}
    for p in conn.execute(
        sa.select(
            review_projects.c.review_id,
            review_projects.c.file_n,
            review_projects.c.name,
            review_projects.c.goal,
        )
        .where(review_projects.c.review_id.in_(ids))
        .order_by(review_projects.c.review_id, review_projects.c.file_n, review_projects.c.k)
    ):
        goals.setdefault((p.review_id, p.file_n, p.name), p.goal)
    by_row: dict[tuple[str, int, int], Decision] = {}
    for review_id, history in load_decisions_of(conn, ids).items():
        _, rows_of_review = current_decisions(history)
        for (file_n, row), dec in rows_of_review.items():
            by_row[(review_id, file_n, row)] = dec
    data = _finding_data(conn, (d["finding_id"] for d in by_row.values() if d["decision"] == "accept"))
    order = {review_id: k for k, review_id in enumerate(ids)}
    head = {h["id"]: h for h in heads}
    q = sa.select(
        review_rows.c.review_id,
        review_rows.c.file_n,
        review_rows.c.row,
        review_rows.c.project,
        review_rows.c.indicator,
        review_rows.c.target,
        review_rows.c.level1_code,
        review_rows.c.level2_code,
        review_rows.c.level2_raw,
        review_rows.c.suggestion,
    ).where(review_rows.c.review_id.in_(ids))
    out = []
    for r in conn.execute(q).mappings():
        h = head[r["review_id"]]
        d = by_row.get((r["review_id"], r["file_n"], r["row"]))
        suggestion = r["suggestion"]
        out.append(
            {
                "review_id": r["review_id"],
                "file_n": r["file_n"],
                "row": r["row"],
                "file": names[(r["review_id"], r["file_n"])],
                "project": r["project"],
                "goal": goals.get((r["review_id"], r["file_n"], r["project"] or "")),
                "indicator": r["indicator"],
                "target": r["target"],
                "level1_code": r["level1_code"],
                "level2_code": r["level2_code"],
                "level2_raw": r["level2_raw"],
                "suggested_code": _suggested(suggestion),
                "decision": d["decision"] if d else None,
                "decided_code": _decided(r["level2_code"], suggestion, d, data),
                "department": h["department"],
                "org": h["org"],
                "year": h["year"],
                "created_at": h["created_at"],
                "title": h["title"],
            }
        )
    out.sort(key=lambda x: (order[x["review_id"]], x["file_n"], x["row"]))
    return cast(list[LibraryRow], out)


def _changes(conn: Connection, mark: LibraryMark, upto: int) -> list[LibraryChange]:
    """Rows of reviews delivered before ``mark`` whose current decision may have changed by ``upto``."""
    if upto <= mark["decisions"] or mark["reviews"] == 0:
        return []
    seen = sa.select(reviews.c.id).where(reviews.c.seq <= mark["reviews"])
    touched = sorted(
        {
            (t.review_id, t.file_n, t.row)
            for t in conn.execute(
                sa.select(decisions.c.review_id, decisions.c.file_n, decisions.c.row).where(
                    decisions.c.seq > mark["decisions"],
                    decisions.c.seq <= upto,
                    decisions.c.row.is_not(None),
                    decisions.c.review_id.in_(seen),
                )
            )
        }
    )
    out: list[LibraryChange] = []
    for review_id in sorted({t[0] for t in touched}):
        keys = [(f, r) for rid, f, r in touched if rid == review_id]
        _, current = current_decisions(load_decisions(conn, review_id))
        rows = {
            (x.file_n, x.row): x
            for x in conn.execute(
                sa.select(
                    review_rows.c.file_n,
                    review_rows.c.row,
                    review_rows.c.level2_code,
                    review_rows.c.suggestion,
                ).where(
                    review_rows.c.review_id == review_id,
                    sa.tuple_(review_rows.c.file_n, review_rows.c.row).in_(keys),
                )
            )
        }
        data = _finding_data(conn, (d["finding_id"] for d in current.values() if d["decision"] == "accept"))
        for key in keys:
            if key not in rows:  # a decision on a finding's row that is not an indicator row
                continue
            d = current.get(key)
            r = rows[key]
            out.append(
                {
                    "review_id": review_id,
                    "file_n": key[0],
                    "row": key[1],
                    "decision": d["decision"] if d else None,
                    "decided_code": _decided(r.level2_code, r.suggestion, d, data),
                }
            )
    return out


def _decided(given: str | None, suggestion: Any, d: Decision | None, data: dict[int, Any]) -> str | None:
    finding = d["finding_id"] if d is not None else None
    return decided_code(given, suggestion, d, data.get(finding) if finding is not None else None)


def _finding_data(conn: Connection, ids: Iterable[int | None]) -> dict[int, Any]:
    wanted = sorted({i for i in ids if i is not None})
    out: dict[int, Any] = {}
    for chunk in _chunks(wanted, _IN):
        for f in conn.execute(sa.select(findings.c.id, findings.c.data).where(findings.c.id.in_(chunk))):
            out[f.id] = f.data
    return out


def _suggested(suggestion: Any) -> str | None:
    code = suggestion.get("level2_code") if isinstance(suggestion, dict) else None
    return code if isinstance(code, str) and code else None


def _chunks(items: Sequence[Any], size: int) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])
