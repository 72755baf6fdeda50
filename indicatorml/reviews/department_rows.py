"""A department's own labeled rows: every indicator of its stored reviews, decisions applied.

Why these rows train a department's model (issue 17, item 5): they are the department's tables
as its reviewers left them — a row's category is the one the table gives unless a reviewer
decided otherwise (``set`` replaces it, ``accept`` takes the suggestion, ``keep`` keeps it:
:func:`.decisions.decided_level2`, the same rule as the library's ``decided_code``). No separate
upload: reviewing is labeling.

Which reviews are a department's: those stored under its name as ``department`` (the
reviewer's department, issue 18), and those with no department whose ``org`` (the 主管部门 the
table says) is that name — today's single-user server stores none with a department.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from ..records import Indicator, Origin
from ..store import Store
from ..taxonomy import by_code, canonical_level2
from .decisions import decided_level2
from .persist import load_review
from .review import Review

__all__ = ["DepartmentRow", "department_rows", "department_reviews", "PAGE"]

PAGE = 200  # reviews listed per store call


@dataclass(frozen=True)
class DepartmentRow:
    """One labeled row: the record (``level2_code`` = its decided category; ``origin.file`` =
    ``review:<id>/<n>``, one stored file, what a grouped evaluation keeps together;
    ``origin.file_sha256`` = the file's table hash, so a model trained on it scores that file's
    rows with the fold model that left them out), its budget year, and where it is stored."""

    record: Indicator
    year: int | None
    review_id: str
    file_n: int
    row: int


def department_reviews(store: Store, department: str) -> Iterator[Review]:
    """The department's stored reviews (see the module docstring), newest first."""
    seen: set[str] = set()
    for by in ("department", "org"):
        offset = 0
        while True:
            page = (
                store.list_reviews(department=department, limit=PAGE, offset=offset)
                if by == "department"
                else store.list_reviews(org=department, limit=PAGE, offset=offset)
            )
            for s in page:
                if s["id"] in seen or (by == "org" and s["department"] is not None):
                    continue
                seen.add(s["id"])
                yield load_review(store, s["id"])
            if len(page) < PAGE:
                break
            offset += PAGE


def department_rows(store: Store, department: str) -> list[DepartmentRow]:
    """Every row of the department's stored reviews with a level-2 category after the
    reviewer's decisions (rows with none, or an unknown code, are left out)."""
    out: list[DepartmentRow] = []
    for review in department_reviews(store, department):
        for f in review.files:
            for i, rec in enumerate(f.table.records):
                decided = decided_level2(f, i) if i in f.decisions else rec.level2_code
                code = _level2(decided)
                if code is None or not rec.indicator.strip():
                    continue
                group = f"review:{review.id}/{f.n}"
                labeled = Indicator(
                    rec.indicator,
                    target=rec.target,
                    level2_code=code,
                    project=rec.project,
                    source=f"{f.name}:{i + 1}",
                    origin=Origin(file=group, file_sha256=f.table.sha256),
                )
                out.append(DepartmentRow(labeled, review.year or f.year, review.id or "", f.n, i))
    return out


def _level2(code: str | None) -> str | None:
    if not code or not str(code).strip().isdigit():
        return None
    try:
        cat = by_code(canonical_level2(str(code).strip()))
    except (KeyError, ValueError):
        return None
    return cat.code if cat.level == 2 else None
