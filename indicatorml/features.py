"""Features of an indicator: word and character n-grams of its text, the kind of its target.

Why these: an indicator is a short phrase whose last words carry most of its category
(…数量, …合格率, …及时率, …满意度), so jieba words and word bigrams go first; character
n-grams catch words the dictionary misses and OCR-damaged text; the target says what is being
counted (a % is rarely 数量, a number of 家 rarely 质量, a date is 时效). Publisher noise
(``指标1:`` prefixes, ``(≥**%)`` placeholders, units in brackets) is cleaned first so it
cannot become a feature. Traditional characters are folded to simplified ones, because the
dictionary and every training text are simplified.

Why TF-IDF in numpy: a saved model must classify without importing scikit-learn or scipy
(they take longer to import than everything else ``indicatorml classify`` does). Training fits
scikit-learn's ``TfidfVectorizer``; :class:`TfidfBlock` repeats its ``transform`` exactly
(``tests/test_features.py`` compares the two on the same vocabulary).
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources

import numpy as np

from . import segment
from .targets import parse_target

__all__ = [
    "clean_text",
    "text_tokens",
    "target_tokens",
    "TfidfBlock",
    "SparseRows",
    "sparse_dot",
    "to_simplified",
]

# Units in brackets after an indicator name: "(万元)", "（个）", "[%]" carry no category of
# their own beyond what the target says, and vary by publisher.
_BRACKET_UNIT = re.compile(r"[(\[](?:万元|元|亿元|个|家|人|人次|次|%|％|天|日|月|年|户|项|件|场|期|份|平方米|公里|吨|亩)[)\]]")
_LEAD_MARKS = re.compile(r"^[\s★☆▲●◆■*]+")
_MAX_CHARS = 200  # an indicator is a phrase; beyond this, text is a pasted paragraph


@functools.lru_cache(maxsize=1)
def _t2s_table() -> dict[int, str]:
    table: dict[int, str] = {}
    with resources.files("indicatorml.resources").joinpath("t2s.txt").open("r", encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            trad, simp = line.split()
            table[ord(trad)] = simp
    return table


def to_simplified(text: str) -> str:
    """Fold common traditional characters to simplified ones (a hand-made table of ~400)."""
    return text.translate(_t2s_table())


def clean_text(text: str | None) -> str:
    """The text the features are made from: normalized, simplified, noise stripped, capped."""
    s = _LEAD_MARKS.sub("", to_simplified(segment.normalize(text)))  # "★指标7." → prefix seen
    s = segment.clean_indicator(s)
    s = _BRACKET_UNIT.sub("", s).strip()
    return s[:_MAX_CHARS]


def text_tokens(text: str | None, word_ngrams: int = 2, char_min: int = 1, char_max: int = 3) -> list[str]:
    """Prefixed tokens of an indicator text: ``w:`` words and word n-grams, ``c:`` char n-grams,
    ``e:`` the last word (where Chinese puts the head of a noun phrase)."""
    s = clean_text(text)
    if not s:
        return []
    ws = segment.words(s)
    out = ["w:" + w for w in ws]
    for n in range(2, word_ngrams + 1):
        out.extend("w:" + " ".join(ws[i : i + n]) for i in range(len(ws) - n + 1))
    if char_max >= char_min > 0:
        out.extend("c:" + g for g in segment.char_ngrams(s, char_min, char_max))
    if ws:
        out.append("e:" + ws[-1])
    return out


def target_tokens(target: str | None) -> list[str]:
    """Tokens of a target: its kind, comparison and unit (``k:percent``, ``k:≥``, ``u:家``)."""
    t = parse_target(target)
    out = ["k:" + t.kind]
    if t.comparison:
        out.append("k:" + t.comparison)
        out.append(f"k:{t.kind}{t.comparison}")
    if t.unit:
        out.append("u:" + t.unit)
    if t.kind == "percent" and t.value is not None:
        out.append("k:100%" if t.value >= 100 else ("k:>=80%" if t.value >= 80 else "k:<80%"))
    return out


@dataclass
class SparseRows:
    """Rows of a sparse matrix in CSR form (plain arrays, no scipy)."""

    indptr: np.ndarray  # int64, n_rows + 1
    indices: np.ndarray  # int64
    data: np.ndarray  # float64
    n_cols: int

    @property
    def n_rows(self) -> int:
        return len(self.indptr) - 1

    def toarray(self) -> np.ndarray:
        out = np.zeros((self.n_rows, self.n_cols))
        rows = np.repeat(np.arange(self.n_rows), np.diff(self.indptr))
        out[rows, self.indices] = self.data
        return out

    @staticmethod
    def hstack(blocks: Sequence[SparseRows]) -> SparseRows:
        """Side by side, like ``scipy.sparse.hstack`` (same rows, column offsets added)."""
        n = blocks[0].n_rows
        indptr = np.zeros(n + 1, dtype=np.int64)
        for b in blocks:
            indptr += b.indptr
        indices = np.empty(indptr[-1], dtype=np.int64)
        data = np.empty(indptr[-1], dtype=np.float64)
        offset, pos = 0, indptr[:-1].copy()
        for b in blocks:
            counts = np.diff(b.indptr)
            dest = np.repeat(pos - b.indptr[:-1], counts) + np.arange(len(b.indices))
            indices[dest] = b.indices + offset
            data[dest] = b.data
            pos += counts
            offset += b.n_cols
        return SparseRows(indptr, indices, data, offset)


def sparse_dot(x: SparseRows, w: np.ndarray) -> np.ndarray:
    """``x @ w`` for CSR rows ``x`` and a dense (n_cols, k) ``w``; empty rows give zeros."""
    out = np.zeros((x.n_rows, w.shape[1]))
    if len(x.indices) == 0:
        return out
    contrib = w[x.indices] * x.data[:, None]
    nonempty = np.flatnonzero(np.diff(x.indptr))
    out[nonempty] = np.add.reduceat(contrib, x.indptr[nonempty], axis=0)
    return out


@dataclass
class TfidfBlock:
    """TF-IDF of token lists on a fixed vocabulary: ``TfidfVectorizer.transform`` in numpy.

    Same formula as scikit-learn with ``smooth_idf`` (the idf comes from training):
    term count (``1 + log`` of it when ``sublinear_tf``) times idf, each row scaled to unit
    length, then multiplied by ``weight`` (how much this block counts beside the others).
    """

    vocabulary: dict[str, int]
    idf: np.ndarray
    sublinear_tf: bool = True
    weight: float = 1.0

    @classmethod
    def from_tokens(cls, tokens: Sequence[str], idf: np.ndarray, sublinear_tf: bool, weight: float) -> TfidfBlock:
        return cls({t: i for i, t in enumerate(tokens)}, np.asarray(idf, dtype=np.float64), sublinear_tf, weight)

    @property
    def tokens(self) -> list[str]:
        out = [""] * len(self.vocabulary)
        for t, i in self.vocabulary.items():
            out[i] = t
        return out

    def transform(self, docs: Sequence[Sequence[str]]) -> SparseRows:
        vocab, idf = self.vocabulary, self.idf
        indptr = [0]
        indices: list[int] = []
        data: list[float] = []
        for doc in docs:
            counts = Counter(vocab[t] for t in doc if t in vocab)
            cols = sorted(counts)
            if cols:
                tf = [counts[c] for c in cols]
                if self.sublinear_tf:
                    tf = [1.0 + math.log(v) for v in tf]
                vals = [v * idf[c] for v, c in zip(tf, cols, strict=True)]
                norm = math.sqrt(sum(v * v for v in vals))
                scale = self.weight / norm if norm > 0 else 0.0
                indices.extend(cols)
                data.extend(v * scale for v in vals)
            indptr.append(len(indices))
        return SparseRows(
            np.asarray(indptr, dtype=np.int64),
            np.asarray(indices, dtype=np.int64),
            np.asarray(data, dtype=np.float64),
            len(vocab),
        )
