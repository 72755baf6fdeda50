"""The bureau's library: the shipped rows and every stored review's rows in one search, kept current.

Why: issue 17 — every reviewed table's rows, with the reviewer's decisions applied, are
precedents at once, found before the public ones, marked with their department, year and the
review they come from, filtered by year, department and category. A :class:`Library` holds one
growing search index (``engine.FieldedIndex``; adding a table appends a block, nothing is
rebuilt) over the shipped rows first, then the store's rows in the order they were saved, and
a :class:`~.catalog.Catalog` of what to show and filter on.

Kept current across processes: the library remembers the store's mark
(``Store.library_rows``) and asks for what is newer — reviews saved and decisions made by any
process on the same database — at most every ``refresh_seconds`` when searched (and whenever
:meth:`Library.refresh` is called). A decision changes a row's category in place; the text
index does not change.

How library and shipped hits are merged (:data:`LIBRARY_FLOOR`): both are scored in the one
index (same statistics, comparable scores). Library rows scoring at least ``library_floor``
× the best score of the search come first, best first; then every other hit (shipped rows,
and library rows below that floor) by score. So the bureau's own precedents lead whenever they
are about as relevant as the best public one, and a library row that shares only a generic
word never pushes a close public match down. ``library_floor=1`` ranks by score alone,
``library_floor=0`` puts every matching library row first.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import IndicatormlError
from .catalog import Catalog
from .engine import FieldedIndex, top_k
from .filters import Filters
from .index import query_tokens, shipped_records
from .ranking import DEFAULT, Ranking
from .summary import Precedents, summarize_categories, summarize_targets

if TYPE_CHECKING:
    from ..store import LibraryMark, Store

__all__ = ["Library", "Refreshed", "open_library", "LIBRARY_FLOOR", "REFRESH_SECONDS"]

LIBRARY_FLOOR = 0.5
REFRESH_SECONDS = 2.0
BATCH_REVIEWS = 200  # reviews per Store.library_rows call


@dataclass
class Refreshed:
    """What one :meth:`Library.refresh` brought in."""

    rows: int
    changes: int
    seconds: float


class Library:
    """Shipped rows + the store's reviewed rows; ``search``, ``precedents`` and ``facets`` (see module)."""

    def __init__(
        self,
        store: Store | None = None,
        *,
        shipped: bool = True,
        ranking: Ranking = DEFAULT,
        refresh_seconds: float = REFRESH_SECONDS,
    ) -> None:
        self.store = store
        self.refresh_seconds = float(refresh_seconds)
        self.index = FieldedIndex(ranking)
        self.catalog = Catalog()
        self.mark: LibraryMark | None = None
        self.error: str | None = None  # why the last automatic refresh failed (searches go on)
        self._lock = threading.RLock()  # the index and catalog: held while adding or searching
        self._refreshing = threading.RLock()  # one refresh at a time (reading the store is outside _lock)
        self._refreshed_at = float("-inf")
        if shipped:
            records = [r for r in shipped_records() if (r.indicator or "").strip()]
            self.index.add_texts([(r.indicator, r.project, r.goal) for r in records])
            self.catalog.add_shipped(records)
        if store is not None:
            self.refresh()

    # ------------------------------------------------------------------ keeping current
    def refresh(self) -> Refreshed:
        """Add the rows of reviews stored since the last refresh and apply changed decisions.

        The store is read outside the index lock, so searches go on meanwhile; refreshes run
        one at a time. A StoreError (database unreachable) is raised to the caller.
        """
        t = time.perf_counter()
        rows = changes = 0
        if self.store is None:
            return Refreshed(0, 0, 0.0)
        with self._refreshing:
            while True:
                batch = self.store.library_rows(self.mark, limit=BATCH_REVIEWS)
                with self._lock:
                    if batch["rows"]:
                        self.add_rows(batch["rows"])
                    for change in batch["changes"]:
                        changes += self.catalog.apply(change)
                    self.mark = batch["mark"]
                rows += len(batch["rows"])
                if not batch["more"]:
                    break
            self._refreshed_at = time.monotonic()
            self.error = None
        return Refreshed(rows, changes, time.perf_counter() - t)

    def add_rows(self, rows: list[Any]) -> range:
        """Index rows shaped like ``store.LibraryRow`` (what refresh does with each batch); their ids."""
        with self._lock:
            ids = self.index.add_texts([(r["indicator"], r["project"], r["goal"]) for r in rows])
            self.catalog.add_library(rows)
            return ids

    def _maybe_refresh(self) -> None:
        """Refresh if ``refresh_seconds`` have passed, unless another thread is refreshing now."""
        if self.store is None or time.monotonic() - self._refreshed_at < self.refresh_seconds:
            return
        if not self._refreshing.acquire(blocking=False):
            return  # another thread is bringing the index up to date: answer with what is there
        from ..store import StoreError

        try:
            self.refresh()
        except StoreError as e:  # the store is unreachable: answer from what is indexed, say why
            self.error = str(e)
            self._refreshed_at = time.monotonic()
        finally:
            self._refreshing.release()

    # ------------------------------------------------------------------ searching
    def search(
        self,
        query: str,
        top: int = 10,
        *,
        year: int | None = None,
        org: str | None = None,
        department: str | None = None,
        level2: str | None = None,
        source: str | None = None,
        library_floor: float = LIBRARY_FLOOR,
    ) -> list[dict[str, Any]]:
        """The ``top`` hits for an indicator text: library rows first (module docstring), filtered.

        Each hit has the shipped search's keys (``score``, ``indicator``, ``level2_code`` — the
        decided category of a library row —, ``target``, ``project``, ``source`` …) plus
        ``library`` (True for the bureau's rows), ``year``, ``org``, ``department`` and, for
        a library row, where it is in its review: ``review_id``, ``file_n``, ``file``, ``row``,
        with ``given_level2_code`` and the ``decision`` behind the category.
        """
        query_tokens(query)  # a clear error for an empty, punctuation-only or huge query
        if top < 1:
            raise IndicatormlError(f"--top 至少为 1,收到 {top}")
        if not 0 <= library_floor <= 1:
            raise IndicatormlError(f"library_floor 应在 0 到 1 之间,收到 {library_floor}")
        filters = Filters(year, org, department, level2, source)
        self._maybe_refresh()
        with self._lock:
            scores, matched = self.index.scores(query)
            mask = filters.mask(self.catalog)
            if mask is not None:
                matched &= mask
            order = _library_first(scores, matched, self.catalog.column("review"), top, library_floor)
            return [self.catalog.hit(int(i), float(scores[i])) for i in order]

    def precedents(self, text: str, top: int = 10, min_ratio: float = 0.25, **filters: Any) -> Precedents:
        """Like :func:`indicatorml.precedents.precedents` over the library: the hits (library first,
        those below ``min_ratio`` × the best left out), the categories they were filed under
        (decided ones for library rows) and their targets. ``filters`` as in :meth:`search`."""
        if not 0 <= min_ratio <= 1:
            raise IndicatormlError(f"--min-ratio 应在 0 到 1 之间,收到 {min_ratio}")
        hits = self.search(text, top, **filters)
        if hits and min_ratio > 0:
            floor = max(h["score"] for h in hits) * min_ratio
            hits = [h for h in hits if h["score"] >= floor]
        return Precedents(text, hits, summarize_categories(hits), summarize_targets(hits))

    def facets(self, source: str | None = "library") -> dict[str, list[dict[str, Any]]]:
        """The values the filters can take, with how many rows have each (most first): for the
        filter controls of a page. ``source`` as in :meth:`search` (None: all rows)."""
        self._maybe_refresh()
        with self._lock:
            keep = Filters(source=source).mask(self.catalog)
            c = self.catalog
            out = {}
            for key, column, names in (
                ("years", "year", None),
                ("orgs", "org", c.orgs),
                ("departments", "department", c.departments),
                ("categories", "category", c.codes),
            ):
                values = c.column(column) if keep is None else c.column(column)[keep]
                counts = Counter(values.tolist())
                items = []
                for v, n in sorted(counts.items(), key=lambda x: (-x[1], x[0])):
                    if (names is None and v == 0) or (names is not None and v < 0):
                        continue
                    items.append({"value": v if names is None else names.name(v), "count": n})
                out[key] = items
            return out

    def stats(self) -> dict[str, Any]:
        """Sizes: documents, library rows, reviews, index blocks and bytes, the store mark."""
        with self._lock:
            library = int((self.catalog.column("review") >= 0).sum())
            return {
                "documents": self.index.n_docs,
                "library_rows": library,
                "shipped_rows": self.index.n_docs - library,
                "reviews": len(self.catalog.review_docs),
                "blocks": {name: len(f.blocks) for name, f in self.index.fields.items()},
                "index_bytes": self.index.nbytes(),
                "catalog_bytes": self.catalog.nbytes(),
                "mark": self.mark,
                "error": self.error,
            }


def _library_first(
    scores: np.ndarray, matched: np.ndarray, review: np.ndarray, top: int, floor: float
) -> np.ndarray:
    """Document ids in the order of the merge rule (module docstring), at most ``top``;
    ``review`` is the catalog's review column (>= 0: a library row)."""
    pool = np.flatnonzero(matched)
    if not len(pool):
        return pool
    sub = scores[pool]
    best = float(sub.max())
    # The floor is relative to the best score: with a negative best (tiny corpora) it is below it.
    lead = pool[(review[pool] >= 0) & (sub >= best * floor if best > 0 else sub >= best)]
    first = top_k(scores, lead, top)
    if len(first) >= top:
        return first
    rest_mask = matched.copy()
    rest_mask[first] = False
    rest = top_k(scores, np.flatnonzero(rest_mask), top - len(first))
    return np.concatenate([first, rest])


def open_library(db: str | None, data_dir: str | Path | None, **options: Any) -> Library:
    """A Library over the store at ``db`` (a URL) or ``<data_dir>/indicatorml.sqlite3``; with
    neither, the shipped rows alone (filters still apply to them). ``options`` go to Library."""
    if db is None and data_dir is None:
        return Library(None, **options)
    from ..store import StoreError, open_store
    from ..store.engine import SQLITE_NAME

    if db is None and not (Path(data_dir or "") / SQLITE_NAME).is_file():
        # a search must not create an empty store where a typo pointed
        raise IndicatormlError(
            f"{data_dir} 里没有审核数据库({SQLITE_NAME}):请给服务器的 --data-dir,或用 --db 给数据库地址"
        )

    try:
        store = open_store(db, Path(data_dir) if data_dir is not None else None)
    except StoreError as e:
        raise IndicatormlError(str(e)) from None
    return Library(store, **options)
