"""One immutable block of postings: for each term, the documents it occurs in and how often.

Why blocks: a library grows one reviewed table at a time, and the BM25 engine in ``bm25`` bakes
the collection's IDF and average length into every stored value, so one new table would mean
re-scoring every pair. Here a block stores only raw term frequencies (no collection
statistics), so a new table is a new small block and nothing already stored changes; the
statistics are applied when a query is scored (``fields.FieldIndex``). Blocks are merged now
and then by concatenation — documents of a later block always have larger ids, so merging
never sorts postings, it only interleaves two term-sorted lists.

A block is four plain arrays: ``terms`` (the global ids of the terms present, ascending),
``indptr`` (``terms[i]``'s postings are ``docs[indptr[i]:indptr[i + 1]]``), ``docs`` (global
document ids, ascending within a term) and ``tf`` (term frequency, uint16 unless a count
exceeds it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["Block", "build_block", "merge_blocks", "EMPTY_TERMS"]

EMPTY_TERMS = np.zeros(0, dtype=np.int32)
_CHUNK = 20_000  # documents per np.unique pass: bounded memory on a big first build


@dataclass(frozen=True)
class Block:
    """Postings of the documents ``first .. first + n_docs - 1`` (see the module docstring)."""

    first: int
    n_docs: int
    terms: np.ndarray
    indptr: np.ndarray
    docs: np.ndarray
    tf: np.ndarray

    @property
    def nnz(self) -> int:
        """Number of (term, document) pairs stored."""
        return int(len(self.docs))

    def postings(self, term: int) -> tuple[np.ndarray, np.ndarray] | None:
        """(documents, frequencies) of one global term id, or None when the block lacks it."""
        i = int(np.searchsorted(self.terms, term))
        if i == len(self.terms) or self.terms[i] != term:
            return None
        s, e = int(self.indptr[i]), int(self.indptr[i + 1])
        return self.docs[s:e], self.tf[s:e]

    def nbytes(self) -> int:
        return int(self.terms.nbytes + self.indptr.nbytes + self.docs.nbytes + self.tf.nbytes)


def build_block(first: int, term_ids: Sequence[Sequence[int]]) -> Block:
    """The block of documents ``first, first + 1, …`` whose tokens are given as global term ids.

    Each document's ids are counted (repeats are its term frequency); the result is term-major
    with documents ascending per term. Chunked so that a million documents never need one
    giant temporary array.
    """
    n = len(term_ids)
    if n == 0:
        return _empty(first)
    lens = np.fromiter((len(d) for d in term_ids), dtype=np.int64, count=n)
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    for start in range(0, n, _CHUNK):
        m = min(_CHUNK, n - start)
        total = int(lens[start : start + m].sum())
        if total == 0:
            continue
        ids = np.fromiter((t for d in term_ids[start : start + m] for t in d), dtype=np.int64, count=total)
        ids *= m
        ids += np.repeat(np.arange(m, dtype=np.int64), lens[start : start + m])
        keys, counts = np.unique(ids, return_counts=True)
        parts.append(((keys // m).astype(np.int64), (keys % m + start + first).astype(np.int32), counts))
    if not parts:
        return _empty(first, n)
    if len(parts) == 1:
        return _from_sorted(first, n, *parts[0])
    # Several chunks, each sorted by (term, doc), chunks in document order: place every posting
    # by prefix sums of the document frequencies (a counting sort, as bm25.BM25.index does), so
    # documents stay ascending within a term without sorting all postings again.
    n_terms = int(max(int(p[0][-1]) for p in parts)) + 1
    df = np.zeros(n_terms, dtype=np.int64)
    for terms, _, _ in parts:
        df += np.bincount(terms, minlength=n_terms)
    starts = np.zeros(n_terms + 1, dtype=np.int64)
    np.cumsum(df, out=starts[1:])
    nnz = int(starts[-1])
    terms_all = np.empty(nnz, dtype=np.int64)
    docs_all = np.empty(nnz, dtype=np.int32)
    tf_all = np.empty(nnz, dtype=np.int64)
    seen = starts[:-1].copy()
    for terms, docs, counts in parts:
        run_start = np.flatnonzero(np.r_[True, terms[1:] != terms[:-1]])
        run = np.cumsum(np.r_[True, terms[1:] != terms[:-1]]) - 1
        pos = seen[terms] + (np.arange(len(terms)) - run_start[run])
        terms_all[pos], docs_all[pos], tf_all[pos] = terms, docs, counts
        seen += np.bincount(terms, minlength=n_terms)
    return _from_sorted(first, n, terms_all, docs_all, tf_all)


def merge_blocks(a: Block, b: Block) -> Block:
    """One block holding ``a``'s documents then ``b``'s (``b`` must follow ``a`` directly).

    No sort: the output's term list is the union of both, each term's postings are ``a``'s
    then ``b``'s (whose documents are all larger), placed by prefix sums.
    """
    if b.first != a.first + a.n_docs:
        raise ValueError(f"blocks are not adjacent: {a.first}+{a.n_docs} then {b.first}")
    terms = np.union1d(a.terms, b.terms).astype(np.int32)
    ca = np.zeros(len(terms), dtype=np.int64)
    cb = np.zeros(len(terms), dtype=np.int64)
    ia = np.searchsorted(terms, a.terms)
    ib = np.searchsorted(terms, b.terms)
    ca[ia] = np.diff(a.indptr)
    cb[ib] = np.diff(b.indptr)
    indptr = np.zeros(len(terms) + 1, dtype=np.int64)
    np.cumsum(ca + cb, out=indptr[1:])
    nnz = int(indptr[-1])
    tf_dtype = np.promote_types(a.tf.dtype, b.tf.dtype)
    docs = np.empty(nnz, dtype=np.int32)
    tf = np.empty(nnz, dtype=tf_dtype)
    # a's postings of output term i start at indptr[i]; b's right after a's.
    pos_a = _positions(indptr[ia], a.indptr)
    pos_b = _positions(indptr[ib] + ca[ib], b.indptr)
    docs[pos_a], tf[pos_a] = a.docs, a.tf
    docs[pos_b], tf[pos_b] = b.docs, b.tf
    return Block(a.first, a.n_docs + b.n_docs, terms, indptr, docs, tf)


def _positions(starts: np.ndarray, indptr: np.ndarray) -> np.ndarray:
    """Output position of every posting of a block whose i-th term's run starts at ``starts[i]``."""
    counts = np.diff(indptr)
    return np.repeat(starts - indptr[:-1], counts) + np.arange(int(indptr[-1]), dtype=np.int64)


def _from_sorted(first: int, n: int, terms_all: np.ndarray, docs: np.ndarray, tf: np.ndarray) -> Block:
    change = np.flatnonzero(np.r_[True, terms_all[1:] != terms_all[:-1]])
    terms = terms_all[change].astype(np.int32)
    indptr = np.append(change, len(terms_all)).astype(np.int64)
    tf_small = tf.astype(np.uint16) if int(tf.max()) <= np.iinfo(np.uint16).max else tf.astype(np.int32)
    return Block(first, n, terms, indptr, docs.astype(np.int32), tf_small)


def _empty(first: int, n: int = 0) -> Block:
    return Block(
        first,
        n,
        EMPTY_TERMS,
        np.zeros(1, dtype=np.int64),
        np.zeros(0, dtype=np.int32),
        np.zeros(0, dtype=np.uint16),
    )
