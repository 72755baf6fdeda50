"""BM25 over a growing collection: postings in blocks, collection statistics applied per query.

Why not ``bm25.BM25``: that engine scores every (term, document) pair once, with the IDF and
the average document length of the whole collection inside each stored value — the fastest
way to answer queries over a fixed collection, and the reference that is checked against
rank-bm25. A library that gains one reviewed table at a time would have to re-score all of it
for each table. A ``FieldIndex`` keeps raw term frequencies in :class:`~.postings.Block`\\ s and
the collection's counts (document frequency per term, each document's length, their total)
beside them; a query reads the postings of its few terms and applies *today's* statistics to
them. Adding a table appends one small block and bumps the counts; blocks are merged
geometrically (a block is merged into the one before it once it has at least half as many
documents), so there are O(log n) blocks and each posting is rewritten O(log n) times.

Exactness: the formulas are rank-bm25 0.2.2's (as in ``bm25``): IDF ``log(N - n + 0.5) -
log(n + 0.5)``, negative IDFs floored at ``epsilon`` × the mean IDF over the vocabulary (mean
taken before flooring, summed in first-occurrence order), ``tf (k1 + 1) / (tf + k1 (1 - b + b
dl / avgdl))``. The arithmetic is the same float64 expression as ``bm25.BM25.index``, and the
statistics are those of the whole collection whatever its blocks, so an index grown table by
table scores every document exactly (bit for bit) as one built from all tables at once with
the documents in the same order; tests/test_library_index.py checks both claims.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

from .postings import Block, build_block, merge_blocks

__all__ = ["FieldIndex", "MERGE_FACTOR"]

MERGE_FACTOR = 2.0  # merge the newest block into the previous one once previous <= factor x newest


class FieldIndex:
    """One token stream ("field") of a collection whose documents are numbered 0, 1, … as added."""

    def __init__(self, k1: float = 1.5, b: float = 0.75, epsilon: float = 0.25) -> None:
        self.k1 = float(k1)
        self.b = float(b)
        self.epsilon = float(epsilon)
        self.vocabulary: dict[str, int] = {}
        self.blocks: list[Block] = []
        self.n_docs = 0
        self.total_len = 0
        self._df = np.zeros(1024, dtype=np.int64)
        self._doc_len = np.zeros(1024, dtype=np.int32)
        self._idf_sum: float | None = None  # cache of the vocabulary's IDF sum for the current counts
        self._norm: np.ndarray | None = None  # cache of k1 (1 - b + b dl / avgdl) per document
        self._unit: np.ndarray | None = None  # cache of (k1 + 1) / (1 + norm): a posting with tf 1

    # ------------------------------------------------------------------ growing
    def add(self, docs: Sequence[Sequence[str]]) -> None:
        """Append ``docs`` (token lists) as documents ``n_docs, n_docs + 1, …``; nothing stored changes."""
        if not docs:
            return
        setdefault, vocab = self.vocabulary.setdefault, self.vocabulary
        ids = [[setdefault(t, len(vocab)) for t in d] for d in docs]
        block = build_block(self.n_docs, ids)
        self._grow(len(vocab), self.n_docs + len(docs))
        self._df[block.terms] += np.diff(block.indptr)
        lens = np.fromiter((len(d) for d in docs), dtype=np.int64, count=len(docs))
        self._doc_len[self.n_docs : self.n_docs + len(docs)] = lens
        self.n_docs += len(docs)
        self.total_len += int(lens.sum())
        self._idf_sum = None
        self._norm = self._unit = None
        self.blocks.append(block)
        while len(self.blocks) >= 2 and self.blocks[-2].n_docs <= MERGE_FACTOR * self.blocks[-1].n_docs:
            b = self.blocks.pop()
            self.blocks[-1] = merge_blocks(self.blocks[-1], b)

    @classmethod
    def from_arrays(
        cls,
        vocabulary: dict[str, int],
        block: Block | None,
        df: np.ndarray,
        doc_len: np.ndarray,
        k1: float = 1.5,
        b: float = 0.75,
        epsilon: float = 0.25,
    ) -> FieldIndex:
        """An index from saved parts (one block of every document, counts as saved)."""
        self = cls(k1, b, epsilon)
        self.vocabulary = vocabulary
        self.blocks = [block] if block is not None and block.n_docs else []
        self.n_docs = len(doc_len)
        self._grow(len(vocabulary), self.n_docs)
        self._df[: len(df)] = df
        self._doc_len[: len(doc_len)] = doc_len
        self.total_len = int(np.asarray(doc_len, dtype=np.int64).sum())
        self._norm = self._unit = None
        return self

    def compact(self) -> None:
        """Merge every block into one (what a saved index holds)."""
        while len(self.blocks) >= 2:
            b = self.blocks.pop()
            self.blocks[-1] = merge_blocks(self.blocks[-1], b)

    def _grow(self, n_terms: int, n_docs: int) -> None:
        if n_terms > len(self._df):
            self._df = np.concatenate(
                [self._df, np.zeros(max(n_terms, 2 * len(self._df)) - len(self._df), np.int64)]
            )
        if n_docs > len(self._doc_len):
            extra = max(n_docs, 2 * len(self._doc_len)) - len(self._doc_len)
            self._doc_len = np.concatenate([self._doc_len, np.zeros(extra, np.int32)])

    # ------------------------------------------------------------------ statistics
    @property
    def df(self) -> np.ndarray:
        """Documents containing each term (by term id)."""
        return self._df[: len(self.vocabulary)]

    @property
    def doc_len(self) -> np.ndarray:
        """Tokens per document (by document id)."""
        return self._doc_len[: self.n_docs]

    @property
    def avgdl(self) -> float:
        return self.total_len / self.n_docs if self.n_docs else 0.0

    def average_idf(self) -> float:
        """rank-bm25's mean IDF over the vocabulary, before the negative-IDF floor (cached per count)."""
        if self._idf_sum is None:
            df, n = self.df, self.n_docs
            self._idf_sum = sum((np.log(n - df + 0.5) - np.log(df + 0.5)).tolist())
        return self._idf_sum / len(self.vocabulary) if self.vocabulary else 0.0

    def norm(self) -> np.ndarray:
        """``k1 (1 - b + b dl / avgdl)`` of every document, as ``bm25.BM25.index`` computes it
        (the same float64 expression, so the same bits); recomputed once after each add."""
        if self._norm is None:
            lens = self._doc_len[: self.n_docs].astype(np.int64)
            avgdl = self.avgdl or 1.0  # 0 only when no document has a token: then no posting reads norm
            self._norm = self.k1 * (1 - self.b + self.b * lens / avgdl)
        return self._norm

    def unit(self) -> np.ndarray:
        """``tf (k1 + 1) / (tf + norm)`` at tf = 1 for every document: most postings of short
        texts have tf 1, and ``1.0 * (k1 + 1)`` and ``1.0 + norm`` are exact, so this is the same
        float64 value the general expression gives — one gather instead of five passes."""
        if self._unit is None:
            self._unit = 1.0 * (self.k1 + 1) / (1.0 + self.norm())
        return self._unit

    def idf(self, term: int) -> float:
        """The IDF of one term id with the collection's current counts, floored as rank-bm25 does."""
        n, df = self.n_docs, self._df[term]
        value = float(np.log(n - df + 0.5) - np.log(df + 0.5))
        return value if value >= 0 else self.epsilon * self.average_idf()

    # ------------------------------------------------------------------ scoring
    def postings(
        self, query: Sequence[str], weight: float = 1.0
    ) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Document ids and BM25 contributions (× ``weight``) of the query's known terms.

        A term repeated in the query counts that many times (rank-bm25 adds it again); an unknown
        term adds nothing. Lists of arrays, one per (term, block), for the caller to concatenate.
        """
        ids: list[np.ndarray] = []
        values: list[np.ndarray] = []
        if not self.n_docs:
            return ids, values
        k1 = self.k1
        norm, unit = self.norm(), self.unit()
        for word, count in Counter(query).items():
            j = self.vocabulary.get(word)
            if j is None:
                continue
            idf = self.idf(j)
            for block in self.blocks:
                hit = block.postings(j)
                if hit is None:
                    continue
                docs, tf_raw = hit
                if int(tf_raw.max()) == 1:
                    v = idf * unit[docs]
                else:
                    tf = tf_raw.astype(np.float64)
                    v = idf * (tf * (k1 + 1) / (tf + norm[docs]))
                if count != 1:
                    v = v * count
                if weight != 1.0:
                    v = v * weight
                ids.append(docs)
                values.append(v)
        return ids, values

    def scores(self, query: Sequence[str]) -> np.ndarray:
        """The BM25 score of every document (float64), rank-bm25's ``get_scores``."""
        ids, values = self.postings(query)
        if not ids:
            return np.zeros(self.n_docs, dtype=np.float64)
        return np.bincount(np.concatenate(ids), weights=np.concatenate(values), minlength=self.n_docs)

    def nbytes(self) -> int:
        """Bytes held in arrays (postings and counts; the vocabulary dict is not counted)."""
        return sum(b.nbytes() for b in self.blocks) + int(self._df.nbytes + self._doc_len.nbytes)
