"""What the library knows of each document number: the texts a hit shows and the columns filters test.

Why columns: a bureau's library may hold a million rows; a dict per row would cost about a
kilobyte each. Here every field is one column — compact ``array`` columns for numbers and codes
(year, department, organisation, category, where the row came from), Python lists of
interned strings for the texts (a project's name, a target like ``≥90%`` or a file name is
stored once however often it repeats) — and a hit is made into a dict only when it is shown.
The numeric columns are handed to numpy as views, so a filter over a million rows is a few
vectorised comparisons.

A document is either a shipped row (``library`` False: the public corpus and seed tables) or a
row of a stored review (``library`` True), whose category is the reviewer-decided one
(:class:`indicatorml.store.LibraryRow`) and may change when a later decision arrives.
"""

from __future__ import annotations

import sys
from array import array
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from ..records import Indicator
from ..taxonomy import by_code, parent

__all__ = ["Catalog", "DECISIONS"]

DECISIONS = (None, "accept", "keep", "set")  # decision column: index into this


def _s(text: Any) -> str | None:
    """A text column value: interned (repeats share one object), None for empty."""
    if text is None:
        return None
    s = str(text)
    return sys.intern(s) if s else None


class _Codes:
    """Strings numbered in first-seen order (organisations, departments, categories, reviews)."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.index: dict[str, int] = {}

    def code(self, name: str | None) -> int:
        if not name:
            return -1
        i = self.index.get(name)
        if i is None:
            i = self.index[name] = len(self.names)
            self.names.append(name)
        return i

    def name(self, code: int) -> str | None:
        return self.names[code] if code >= 0 else None


class Catalog:
    """The columns of every document, numbered as the search engine numbers them."""

    def __init__(self) -> None:
        self.indicator: list[str] = []
        self.target: list[str | None] = []
        self.period_target: list[str | None] = []
        self.project: list[str | None] = []
        self.source: list[str | None] = []
        self.url: list[str | None] = []
        self.given_level2: list[str | None] = []  # the category the table gives
        self.file: list[str | None] = []
        self.category = array("h")  # decided level-2 code (into self.codes), -1 none
        self.decision = array("b")  # index into DECISIONS
        self.year = array("h")  # 0: unknown
        self.org = array("i")
        self.department = array("i")
        self.review = array("i")  # into self.reviews, -1 for a shipped row
        self.file_n = array("i")
        self.row = array("i")
        self.codes = _Codes()
        self.orgs = _Codes()
        self.departments = _Codes()
        self.reviews = _Codes()
        self.review_docs: dict[int, tuple[int, int]] = {}  # review code -> (first document, count)

    def __len__(self) -> int:
        return len(self.indicator)

    # ------------------------------------------------------------------ adding
    def add_shipped(self, records: Iterable[Indicator]) -> None:
        """Shipped rows, in the order the engine indexes them."""
        for r in records:
            self._common(r.indicator, r.target, r.period_target, r.project, r.source, r.url, r.level2_code)
            self.file.append(None)
            self.category.append(self.codes.code(r.level2_code))
            self.decision.append(0)
            self.year.append(_year(r.extra.get("year")))
            self.org.append(self.orgs.code(_s(r.extra.get("org"))))
            self.department.append(-1)
            self.review.append(-1)
            self.file_n.append(-1)
            self.row.append(-1)

    def add_library(self, rows: Sequence[Any]) -> None:
        """Rows of stored reviews (``store.LibraryRow`` dicts), in the order the engine indexes them."""
        for r in rows:
            first = len(self)
            review = self.reviews.code(r["review_id"])
            self._common(
                r["indicator"],
                r["target"],
                None,
                r["project"],
                f"{r['file']}:{r['row']}",
                None,
                r["level2_code"],
            )
            self.file.append(_s(r["file"]))
            self.category.append(self.codes.code(r["decided_code"]))
            self.decision.append(DECISIONS.index(r["decision"]))
            self.year.append(_year(r["year"]))
            self.org.append(self.orgs.code(_s(r["org"])))
            self.department.append(self.departments.code(_s(r["department"])))
            self.review.append(review)
            self.file_n.append(int(r["file_n"]))
            self.row.append(int(r["row"]))
            start, count = self.review_docs.get(review, (first, 0))
            self.review_docs[review] = (start, count + 1)

    def _common(
        self, indicator: str, target: Any, period: Any, project: Any, source: Any, url: Any, given: Any
    ) -> None:
        self.indicator.append(indicator)
        self.target.append(_s(target))
        self.period_target.append(_s(period))
        self.project.append(_s(project))
        self.source.append(_s(source))
        self.url.append(_s(url))
        self.given_level2.append(_s(given))

    def apply(self, change: Any) -> bool:
        """A later decision on a library row (``store.LibraryChange``); False if the row is unknown."""
        review = self.reviews.index.get(change["review_id"])
        if review is None or review not in self.review_docs:
            return False
        start, count = self.review_docs[review]
        file_n = np.frombuffer(self.file_n, dtype=np.int32)[start : start + count]
        row = np.frombuffer(self.row, dtype=np.int32)[start : start + count]
        at = np.flatnonzero((file_n == change["file_n"]) & (row == change["row"]))
        if not len(at):
            return False
        doc = start + int(at[0])
        self.category[doc] = self.codes.code(change["decided_code"])
        self.decision[doc] = DECISIONS.index(change["decision"])
        return True

    # ------------------------------------------------------------------ reading
    def column(self, name: str) -> np.ndarray:
        """A numeric column as a numpy view (valid until the next add)."""
        a = getattr(self, name)
        return np.frombuffer(a, dtype={"h": np.int16, "b": np.int8, "i": np.int32}[a.typecode])

    def hit(self, doc: int, score: float) -> dict[str, Any]:
        """Document ``doc`` as a search hit (the same keys for shipped and library rows)."""
        code = self.codes.name(self.category[doc])
        name, level1 = _names(code)
        review = self.reviews.name(self.review[doc])
        return {
            "score": round(score, 6),
            "indicator": self.indicator[doc],
            "level1_code": level1.code if level1 else None,
            "level1": level1.name if level1 else None,
            "level2_code": code,
            "level2": name,
            "target": self.target[doc],
            "period_target": self.period_target[doc],
            "project": self.project[doc],
            "source": self.source[doc],
            "url": self.url[doc],
            "library": review is not None,
            "year": self.year[doc] or None,
            "org": self.orgs.name(self.org[doc]),
            "department": self.departments.name(self.department[doc]),
            "review_id": review,
            "file_n": self.file_n[doc] if review else None,
            "file": self.file[doc],
            "row": self.row[doc] if review else None,
            "given_level2_code": self.given_level2[doc],
            "decision": DECISIONS[self.decision[doc]],
        }

    def nbytes(self) -> int:
        """Bytes of the numeric columns (the texts are Python strings, not counted)."""
        return sum(getattr(self, c).itemsize * len(self) for c in _NUMERIC)


_NUMERIC = ("category", "decision", "year", "org", "department", "review", "file_n", "row")


def _names(code: str | None) -> tuple[str | None, Any]:
    """(level-2 name, level-1 category) of a code; (None, None) for none or an unknown code."""
    if not code:
        return None, None
    try:
        return by_code(code).name, parent(code)
    except KeyError:
        return None, None


def _year(value: Any) -> int:
    try:
        y = int(str(value).strip()[:4])
    except (TypeError, ValueError):
        return 0
    return y if 1900 <= y <= 2999 else 0
