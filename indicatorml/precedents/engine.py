"""The indicator search engine: one ``FieldIndex`` per field of ``ranking``, summed with its weights.

Why a layer of its own: the shipped index (``index.PrecedentIndex``) and the bureau's library
(``library.Library``) rank the same way and differ only in where their rows come from and what
is shown with a hit. Documents are numbered 0, 1, … in the order added; the caller keeps what
belongs to each number. Scores are dense arrays over all documents (one ``np.bincount`` over
the query's postings), so a filter is a boolean mask and the best ``k`` are a partial sort of
the documents that share at least one token with the query.

Saved as plain arrays (``.npy``, compacted to one block per field) + JSON, never pickle.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..errors import IndicatormlError
from .bm25 import read_index_array, read_index_json, top_k
from .fields import FieldIndex
from .postings import Block
from .ranking import DEFAULT, FIELDS, Ranking

__all__ = ["FieldedIndex", "top_k", "FORMAT"]

FORMAT = "indicatorml-fielded-index"
_VERSION = 1
_ARRAYS = ("terms", "indptr", "docs", "tf", "df", "doc_len")


class FieldedIndex:
    """Indicator rows as fields (:mod:`.ranking`), each a BM25 over the whole collection."""

    def __init__(self, ranking: Ranking = DEFAULT) -> None:
        self.ranking = ranking
        self.fields = {f: FieldIndex(*_params(ranking)) for f in FIELDS}
        self.n_docs = 0

    def add(self, rows: Sequence[dict[str, list[str]]]) -> range:
        """Append rows given as token lists by field (``Ranking.doc_fields``); their document ids."""
        for name, field in self.fields.items():
            field.add([r[name] for r in rows])
        first = self.n_docs
        self.n_docs += len(rows)
        return range(first, self.n_docs)

    def add_texts(self, rows: Sequence[tuple[str, str | None, str | None]]) -> range:
        """Append rows given as (indicator, project, goal) texts; their document ids."""
        return self.add([self.ranking.doc_fields(*r) for r in rows])

    def scores(self, query: str) -> tuple[np.ndarray, np.ndarray]:
        """(score of every document, whether it shares a token with ``query``)."""
        ids: list[np.ndarray] = []
        values: list[np.ndarray] = []
        weights = self.ranking.weights()
        for name, tokens in self.ranking.query_fields(query).items():
            if weights[name] == 0:
                continue
            i, v = self.fields[name].postings(tokens, weights[name])
            ids += i
            values += v
        matched = np.zeros(self.n_docs, dtype=bool)
        if not ids:
            return np.zeros(self.n_docs, dtype=np.float64), matched
        all_ids = np.concatenate(ids)
        matched[all_ids] = True
        return np.bincount(all_ids, weights=np.concatenate(values), minlength=self.n_docs), matched

    def search(self, query: str, k: int, mask: np.ndarray | None = None) -> list[tuple[int, float]]:
        """The ``k`` best documents sharing a token with ``query`` (and in ``mask``), best first."""
        scores, matched = self.scores(query)
        if mask is not None:
            matched &= mask
        top = top_k(scores, np.flatnonzero(matched), k)
        return [(int(i), float(scores[i])) for i in top]

    def compact(self) -> None:
        for f in self.fields.values():
            f.compact()

    def nbytes(self) -> int:
        return sum(f.nbytes() for f in self.fields.values())

    # ------------------------------------------------------------------ persistence
    def save(self, d: Path) -> None:
        """``engine.json`` + per field its vocabulary and arrays (compacted first)."""
        self.compact()
        d.mkdir(parents=True, exist_ok=True)
        for name, f in self.fields.items():
            block = f.blocks[0] if f.blocks else None
            arrays = {
                "terms": block.terms if block else np.zeros(0, np.int32),
                "indptr": block.indptr if block else np.zeros(1, np.int64),
                "docs": block.docs if block else np.zeros(0, np.int32),
                "tf": block.tf if block else np.zeros(0, np.uint16),
                "df": f.df,
                "doc_len": f.doc_len,
            }
            for a, v in arrays.items():
                np.save(d / f"{name}.{a}.npy", v, allow_pickle=False)
            vocab = [""] * len(f.vocabulary)
            for w, j in f.vocabulary.items():
                vocab[j] = w
            (d / f"{name}.vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
        meta = {
            "format": FORMAT,
            "version": _VERSION,
            "n_docs": self.n_docs,
            "ranking": self.ranking.to_dict(),
        }
        (d / "engine.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, d: Path) -> FieldedIndex:
        """A saved index; a missing or damaged file is an IndicatormlError naming it."""
        meta = read_index_json(d / "engine.json", d)
        if not isinstance(meta, dict) or meta.get("format") != FORMAT:
            raise IndicatormlError(f"{d / 'engine.json'} 不是 indicatorml 的检索索引")
        if meta.get("version") != _VERSION:
            raise IndicatormlError(
                f"{d}: 不支持索引版本 {meta.get('version')};请用 indicatorml index build 重新建立索引"
            )
        try:
            self = cls(Ranking.from_dict(meta["ranking"]))
            n_docs = int(meta["n_docs"])
        except (KeyError, TypeError, ValueError) as e:
            raise IndicatormlError(
                f"索引文件 {d / 'engine.json'} 已损坏(技术细节: {e});请用 indicatorml index build 重新建立索引"
            ) from None
        for name in FIELDS:
            vocab = read_index_json(d / f"{name}.vocab.json", d)
            if not isinstance(vocab, list) or not all(isinstance(w, str) for w in vocab):
                raise IndicatormlError(
                    f"索引文件 {d / (name + '.vocab.json')} 已损坏;请用 indicatorml index build 重新建立索引"
                )
            a = {x: read_index_array(d / f"{name}.{x}.npy", d) for x in _ARRAYS}
            _validate(d, name, n_docs, len(vocab), a)
            block = Block(0, n_docs, a["terms"], a["indptr"], a["docs"], a["tf"])
            self.fields[name] = FieldIndex.from_arrays(
                {w: j for j, w in enumerate(vocab)}, block, a["df"], a["doc_len"], *_params(self.ranking)
            )
        self.n_docs = n_docs
        return self


def _params(ranking: Ranking) -> tuple[float, float, float]:
    return ranking.k1, ranking.b, 0.25  # epsilon: rank-bm25's default (never reached on real data)


def _validate(d: Path, name: str, n_docs: int, n_terms: int, a: dict[str, np.ndarray]) -> None:
    """Shapes and ranges must agree, or a query would read out of bounds."""
    t, ip, docs, tf = a["terms"], a["indptr"], a["docs"], a["tf"]
    ok = (
        t.ndim == 1
        and ip.ndim == 1
        and len(ip) == len(t) + 1
        and t.dtype.kind == "i"
        and ip.dtype.kind == "i"
        and docs.dtype.kind == "i"
        and tf.dtype.kind in "iu"
        and len(docs) == len(tf)
        and ip[0] == 0
        and ip[-1] == len(docs)
        and (len(ip) < 2 or bool((np.diff(ip) >= 0).all()))
        and (len(t) < 2 or bool((np.diff(t) > 0).all()))
        and (len(t) == 0 or (int(t[0]) >= 0 and int(t[-1]) < n_terms))
        and (len(docs) == 0 or (int(docs.min()) >= 0 and int(docs.max()) < n_docs))
        and a["df"].shape == (n_terms,)
        and a["doc_len"].shape == (n_docs,)
    )
    if not ok:
        raise IndicatormlError(
            f"索引目录 {d} 已损坏: {name} 字段的各数组对不上;请用 indicatorml index build 重新建立索引"
        )
