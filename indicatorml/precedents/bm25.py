"""BM25 (Okapi) with rank-bm25's exact scores, scored once at index time.

Why our own engine: rank-bm25 is the reference everybody checks against, but it rescans every
document's dict for every query word (seconds per query at 100k documents). bm25s showed the
way out: a BM25 score is a sum over query words of a value that depends only on the (word,
document) pair, so that value can be computed once for every pair present in the corpus and
stored as a sparse word-by-document matrix. A query is then the sum of a few columns plus a
partial sort. We keep rank-bm25's formulas exactly (its IDF, its negative-IDF floor, each
repeated query word counted again), so its scores are ours to 1e-6 relative.

The matrix is kept as three plain arrays (``indptr``/``indices``/``data``, one row of
``indptr`` per word) and saved as ``.npy`` + JSON, never pickle; loading may memory-map.
"""

from __future__ import annotations

import json
import math
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import IndicatormlError

__all__ = ["BM25", "FORMAT", "top_k", "read_index_json", "read_index_array"]

FORMAT = "indicatorml-bm25"
_VERSION = 1
_ARRAYS = ("indptr", "indices", "data", "doc_len", "idf")


class BM25:
    """Okapi BM25 whose scores equal ``rank_bm25.BM25Okapi(corpus, k1=k1, b=b, epsilon=epsilon)``.

    The IDF is rank-bm25 0.2.2's ``log(N - n + 0.5) - log(n + 0.5)``; words with a negative IDF
    (in more than half of the documents) get ``epsilon`` × the mean IDF of all words, the mean
    taken before flooring, so in a tiny corpus where most words are everywhere that floor is
    itself negative, exactly as in rank-bm25. A query word absent from the corpus adds nothing;
    a word repeated in the query adds its column again. Documents that share no word with the
    query score 0 (rank-bm25 gives NaN there only for the degenerate k1 = 0 or b = 1 with an
    empty document; we give 0).

    Values are stored as float32 when every IDF is non-negative (then each stored value has a
    relative error below 6e-8 and sums of non-negative values keep it), and as float64 when
    some IDF is negative (tiny corpora, where memory does not matter and terms may cancel).
    Query sums are accumulated in float64.
    """

    def __init__(self, k1: float = 1.5, b: float = 0.75, epsilon: float = 0.25) -> None:
        self.k1 = float(k1)
        self.b = float(b)
        self.epsilon = float(epsilon)
        self.n_docs = 0
        self.avgdl = 0.0
        self.average_idf = 0.0
        self.vocabulary: dict[str, int] = {}
        self.indptr: np.ndarray | None = None
        self.indices: np.ndarray | None = None
        self.data: np.ndarray | None = None
        self.doc_len: np.ndarray | None = None
        self.idf: np.ndarray | None = None

    # ------------------------------------------------------------------ building
    def index(
        self, corpus: Sequence[Sequence[str]], progress: bool = False, chunk_size: int = 20_000
    ) -> BM25:
        """Score every (word, document) pair of ``corpus`` (a list of token lists) once.

        Documents are read in chunks so peak memory stays near the size of the result; word ids
        are given in order of first occurrence (rank-bm25's order, so the mean IDF is summed in
        the same order). ``progress`` shows a tqdm bar on stderr. Raises ValueError for an empty
        corpus or one without a single token (rank-bm25 divides by zero there).
        """
        n = len(corpus)
        if n == 0:
            raise ValueError("cannot index an empty corpus")
        vocab: dict[str, int] = {}
        setdefault = vocab.setdefault
        lens = np.fromiter((len(d) for d in corpus), dtype=np.int64, count=n)
        # Phase 1, per chunk: (word id, doc, term frequency) triples, sorted by word then doc.
        parts: list[tuple[int, np.ndarray, np.ndarray, np.ndarray]] = []
        bar = None
        if progress:
            from tqdm import tqdm

            bar = tqdm(total=n, unit="条", desc="建立索引", leave=False, file=sys.stderr)
        for start in range(0, n, chunk_size):
            chunk = corpus[start : start + chunk_size]
            m = len(chunk)
            total = int(lens[start : start + m].sum())
            ids = np.fromiter(
                (setdefault(t, len(vocab)) for d in chunk for t in d), dtype=np.int64, count=total
            )
            ids *= m
            ids += np.repeat(np.arange(m, dtype=np.int64), lens[start : start + m])
            keys, tf = np.unique(ids, return_counts=True)
            del ids
            parts.append(
                (
                    start,
                    (keys // m).astype(np.int32),
                    (keys % m + start).astype(np.int32),
                    tf.astype(np.int32),
                )
            )
            del keys, tf
            if bar is not None:
                bar.update(m)
        if bar is not None:
            bar.close()
        n_terms = len(vocab)
        if n_terms == 0:
            raise ValueError("cannot index a corpus without a single token")

        # Phase 2: document frequencies, rank-bm25's IDF, then every pair's score, placed
        # word-major (a counting sort: chunks are in doc order, so docs stay ascending per word).
        df = np.zeros(n_terms, dtype=np.int64)
        for _, terms, _, _ in parts:
            df += np.bincount(terms, minlength=n_terms)
        indptr = np.zeros(n_terms + 1, dtype=np.int64)
        np.cumsum(df, out=indptr[1:])
        self.n_docs = n
        self.avgdl = int(lens.sum()) / n
        idf = np.log(n - df + 0.5) - np.log(df + 0.5)
        # rank-bm25 sums the IDFs one by one in first-occurrence order; so do we (same float).
        self.average_idf = sum(idf.tolist()) / n_terms
        idf[idf < 0] = self.epsilon * self.average_idf
        dtype = np.float32 if (idf >= 0).all() else np.float64
        k1, b = self.k1, self.b
        norm = k1 * (1 - b + b * lens / self.avgdl)  # per document, as rank-bm25 computes it
        nnz = int(indptr[-1])
        indices = np.empty(nnz, dtype=np.int32)
        data = np.empty(nnz, dtype=dtype)
        seen = indptr[:-1].copy()
        while parts:
            _, terms, docs, tf_i = parts.pop(0)
            tf = tf_i.astype(np.float64)
            values = idf[terms] * (tf * (k1 + 1) / (tf + norm[docs]))
            first = np.flatnonzero(np.r_[True, terms[1:] != terms[:-1]])
            run = np.cumsum(np.r_[True, terms[1:] != terms[:-1]]) - 1
            pos = seen[terms] + (np.arange(len(terms)) - first[run])
            indices[pos] = docs
            data[pos] = values
            seen += np.bincount(terms, minlength=n_terms)
            del terms, docs, tf_i, tf, values, first, run, pos
        self.vocabulary = vocab
        self.indptr = indptr
        self.indices = indices
        self.data = data
        self.doc_len = lens.astype(np.int32)
        self.idf = idf
        return self

    # ------------------------------------------------------------------ querying
    def _check_ready(self) -> None:
        self._matrix()

    def _matrix(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(indptr, indices, data) of the word-by-document scores; RuntimeError before index/load."""
        if self.indptr is None or self.indices is None or self.data is None:
            raise RuntimeError("BM25: call index() or load() first")
        return self.indptr, self.indices, self.data

    def get_scores(self, query: Sequence[str]) -> np.ndarray:
        """The BM25 score of every document for ``query`` (float64, like rank-bm25's get_scores)."""
        self._check_ready()
        ids, weights = self._postings(query)
        if ids is None:
            return np.zeros(self.n_docs, dtype=np.float64)
        return np.bincount(ids, weights=weights, minlength=self.n_docs)

    def _postings(self, query: Sequence[str]) -> tuple[np.ndarray | None, np.ndarray | None]:
        """Doc ids and score contributions of the query's known words (repeats weighted by count)."""
        vocab = self.vocabulary
        indptr, indices, data = self._matrix()
        id_parts, w_parts = [], []
        for word, count in Counter(query).items():
            j = vocab.get(word)
            if j is None:
                continue
            s, e = int(indptr[j]), int(indptr[j + 1])
            id_parts.append(indices[s:e])
            col = data[s:e].astype(np.float64)
            w_parts.append(col * count if count != 1 else col)
        if not id_parts:
            return None, None
        if len(id_parts) == 1:
            return np.asarray(id_parts[0]), w_parts[0]
        return np.concatenate(id_parts), np.concatenate(w_parts)

    def search(self, query: Sequence[str], k: int, matched_only: bool = False) -> list[tuple[int, float]]:
        """The ``k`` best documents as (document index, score), best first, ties by lower index.

        This is the head of rank-bm25's full ranking: when fewer than ``k`` documents score
        above zero, documents scoring 0 follow in index order, then negative ones. With
        ``matched_only`` only documents sharing at least one word with the query are returned
        (what a user wants to see; the score may still be <= 0 in a tiny corpus).
        """
        self._check_ready()
        k = min(int(k), self.n_docs)
        if k <= 0:
            return []
        ids, weights = self._postings(query)
        if ids is None:
            if matched_only:
                return []
            return [(i, 0.0) for i in range(k)]
        scores = np.bincount(ids, weights=weights, minlength=self.n_docs)
        if matched_only:
            mask = np.zeros(self.n_docs, dtype=bool)
            mask[ids] = True
            pool = np.flatnonzero(mask)
            top = top_k(scores, pool, k)
        else:
            pos = np.flatnonzero(scores > 0)
            if len(pos) >= k:
                top = top_k(scores, pos, k)
            else:
                top = top_k(scores, pos, len(pos))
                need = k - len(top)
                zeros = np.flatnonzero(scores == 0)[:need]
                need -= len(zeros)
                neg = top_k(scores, np.flatnonzero(scores < 0), need) if need > 0 else zeros[:0]
                top = np.concatenate([top, zeros, neg])
        return [(int(i), float(scores[i])) for i in top]

    # ------------------------------------------------------------------ persistence
    def save(self, path: str | Path) -> None:
        """Write the index as ``.npy`` arrays + ``params.json`` + ``vocab.json`` into ``path``."""
        _, indices, data = self._matrix()
        d = Path(path)
        d.mkdir(parents=True, exist_ok=True)
        for name in _ARRAYS:
            np.save(d / f"{name}.npy", getattr(self, name), allow_pickle=False)
        vocab = [""] * len(self.vocabulary)
        for w, j in self.vocabulary.items():
            vocab[j] = w
        (d / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
        params = {
            "format": FORMAT,
            "version": _VERSION,
            "k1": self.k1,
            "b": self.b,
            "epsilon": self.epsilon,
            "n_docs": self.n_docs,
            "n_terms": len(vocab),
            "nnz": int(len(indices)),
            "avgdl": self.avgdl,
            "average_idf": self.average_idf,
            "dtype": str(data.dtype),
        }
        (d / "params.json").write_text(json.dumps(params, indent=1) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path, mmap: bool = False) -> BM25:
        """Load a saved index without rebuilding; ``mmap`` maps the arrays instead of reading them.

        Raises IndicatormlError naming the directory and what is wrong when it is missing,
        incomplete or inconsistent, so a damaged index never turns into a wrong answer.
        """
        d = Path(path)
        if not d.is_dir():
            raise IndicatormlError(f"索引目录 {d} 不存在")
        params = read_index_json(d / "params.json", d)
        if not isinstance(params, dict) or params.get("format") != FORMAT:
            raise IndicatormlError(f"{d / 'params.json'} 不是 indicatorml 的 BM25 索引")
        if params.get("version") != _VERSION:
            raise IndicatormlError(
                f"{d}: 不支持索引版本 {params.get('version')}"
                f"(这个 indicatorml 只读版本 {_VERSION});请用 indicatorml index build 重新建立索引"
            )
        vocab = read_index_json(d / "vocab.json", d)
        try:
            self = cls(params["k1"], params["b"], params["epsilon"])
            self.n_docs = int(params["n_docs"])
            self.avgdl = float(params["avgdl"])
            self.average_idf = float(params["average_idf"])
        except (KeyError, TypeError, ValueError) as e:
            raise IndicatormlError(
                f"索引文件 {d / 'params.json'} 已损坏(技术细节: {e});请用 indicatorml index build 重新建立索引"
            ) from None
        if not isinstance(vocab, list) or not all(isinstance(w, str) for w in vocab):
            raise IndicatormlError(
                f"索引文件 {d / 'vocab.json'} 已损坏(不是词的列表);请用 indicatorml index build 重新建立索引"
            )
        arrays = {name: read_index_array(d / f"{name}.npy", d, mmap) for name in _ARRAYS}
        _validate(d, params, vocab, arrays)
        self.vocabulary = {w: j for j, w in enumerate(vocab)}
        for name, a in arrays.items():
            setattr(self, name, a)
        return self


def read_index_json(f: Path, d: Path) -> Any:
    """The JSON file ``f`` of the index folder ``d``; a missing or damaged one is an
    IndicatormlError saying to rebuild (every saved index here reads its files so: engine.py too)."""
    if not f.is_file():
        raise IndicatormlError(
            f"索引目录 {d} 不完整: 缺少 {f.name};请用 indicatorml index build 重新建立索引"
        )
    try:
        return json.loads(f.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as e:
        raise IndicatormlError(
            f"索引文件 {f} 已损坏(技术细节: {e});请用 indicatorml index build 重新建立索引"
        ) from None


def read_index_array(f: Path, d: Path, mmap: bool = False) -> np.ndarray:
    """The ``.npy`` array ``f`` of the index folder ``d`` (memory-mapped with ``mmap``), never
    unpickled; a missing or damaged one is an IndicatormlError saying to rebuild."""
    if not f.is_file():
        raise IndicatormlError(
            f"索引目录 {d} 不完整: 缺少 {f.name};请用 indicatorml index build 重新建立索引"
        )
    try:
        a: np.ndarray = np.load(f, mmap_mode="r" if mmap else None, allow_pickle=False)
    except (ValueError, OSError, EOFError):
        raise IndicatormlError(
            f"索引文件 {f} 已损坏(不是可读的 .npy 数组);请用 indicatorml index build 重新建立索引"
        ) from None
    return a


def _validate(d: Path, params: dict[str, Any], vocab: list[str], a: dict[str, np.ndarray]) -> None:
    """Shapes, dtypes and ranges must agree, or searching would index out of bounds."""
    n_docs, n_terms = int(params["n_docs"]), len(vocab)
    problems = []
    if n_terms != params.get("n_terms"):
        problems.append(f"vocab.json has {n_terms} words, params.json says {params.get('n_terms')}")
    ip, ix, data = a["indptr"], a["indices"], a["data"]
    if ip.ndim != 1 or len(ip) != n_terms + 1 or ip.dtype.kind != "i":
        problems.append("indptr.npy has the wrong shape or type")
    elif ip[0] != 0 or ip[-1] != len(ix) or (len(ip) > 1 and (np.diff(ip) < 0).any()):
        problems.append("indptr.npy is not a valid row pointer")
    if (
        ix.ndim != 1
        or ix.dtype.kind != "i"
        or len(ix) != len(data)
        or data.ndim != 1
        or data.dtype.kind != "f"
    ):
        problems.append("indices.npy / data.npy have the wrong shape or type")
    elif len(ix) and (int(ix.min()) < 0 or int(ix.max()) >= n_docs):
        problems.append("indices.npy refers to documents that do not exist")
    if a["doc_len"].shape != (n_docs,) or a["idf"].shape != (n_terms,):
        problems.append("doc_len.npy / idf.npy have the wrong length")
    if not (n_docs > 0 and math.isfinite(float(params["avgdl"]))):
        problems.append("params.json has no documents")
    if problems:
        raise IndicatormlError(
            f"索引目录 {d} 已损坏(技术细节: {'; '.join(problems)});请用 indicatorml index build 重新建立索引"
        )


def top_k(scores: np.ndarray, pool: np.ndarray, k: int) -> np.ndarray:
    """The ``k`` best of ``pool`` (ascending doc ids) by score, ties broken by lower doc id (so the
    same scores give the same order, whatever the index's block layout: engine.py ranks with it too)."""
    if k <= 0 or len(pool) == 0:
        return pool[:0]
    sub = scores[pool]
    if len(pool) > k:
        part = np.argpartition(-sub, k - 1)[:k]
        kth = sub[part].min()
        above = pool[sub > kth]
        tied = pool[sub == kth][: k - len(above)]
        pool = np.concatenate([above, tied])
        sub = scores[pool]
    return pool[np.lexsort((pool, -sub))]
