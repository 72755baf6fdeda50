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
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources

import numpy as np

from .. import segment
from ..targets import parse_target

__all__ = [
    "clean_text",
    "text_tokens",
    "tokens_of_clean",
    "target_tokens",
    "TfidfBlock",
    "CharNgramIndex",
    "SparseRows",
    "sparse_dot",
    "to_simplified",
    "MAX_TEXT",
]

# Units in brackets after an indicator name: "(万元)", "（个）", "[%]" carry no category of
# their own beyond what the target says, and vary by publisher.
_BRACKET_UNIT = re.compile(
    r"[(\[](?:万元|元|亿元|个|家|人|人次|次|%|％|天|日|月|年|户|项|件|场|期|份|平方米|公里|吨|亩)[)\]]"
)
_LEAD_MARKS = re.compile(r"^[\s★☆▲●◆■*＊]+")
# An indicator is a phrase; beyond this many characters its text is a pasted paragraph, and only
# the first MAX_TEXT are used (``classify`` says so in the row's message).
MAX_TEXT = 200


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
    if not text:
        return ""
    s = _LEAD_MARKS.sub("", to_simplified(str(text)))  # "★指标7." → its prefix is seen
    s = segment.clean_indicator(s)
    s = _BRACKET_UNIT.sub("", s).strip()
    return s[:MAX_TEXT]


def text_tokens(text: str | None, word_ngrams: int = 2, char_min: int = 1, char_max: int = 3) -> list[str]:
    """Prefixed tokens of an indicator text: ``w:`` words and word n-grams, ``c:`` char n-grams,
    ``e:`` the last word (where Chinese puts the head of a noun phrase)."""
    return tokens_of_clean(clean_text(text), word_ngrams, char_min, char_max)


_RUNS = re.compile(r"[^\W_]+")


def tokens_of_clean(s: str, word_ngrams: int = 2, char_min: int = 1, char_max: int = 3) -> list[str]:
    """:func:`text_tokens` of a text that already went through :func:`clean_text` (done once
    per indicator by ``classify``, which also needs it for its per-row messages)."""
    if not s:
        return []
    ws = segment.words(s, clean=False)
    out = ["w:" + w for w in ws]
    if word_ngrams >= 2:
        out += ["w:" + a + " " + b for a, b in zip(ws, ws[1:])]  # noqa: B905 - shorter by design
    for n in range(3, word_ngrams + 1):
        out += ["w:" + " ".join(ws[i : i + n]) for i in range(len(ws) - n + 1)]
    if char_max >= char_min > 0:
        for run in _RUNS.findall(s):
            for n in range(char_min, char_max + 1):
                out += ["c:" + run[i : i + n] for i in range(len(run) - n + 1)]
    if ws:
        out.append("e:" + ws[-1])
    return out


@functools.lru_cache(maxsize=8192)
def _target_tokens(target: str) -> tuple[str, ...]:
    t = parse_target(target)
    out = ["k:" + t.kind]
    if t.comparison:
        out.append("k:" + t.comparison)
        out.append(f"k:{t.kind}{t.comparison}")
    if t.unit:
        out.append("u:" + t.unit)
    if t.kind == "percent" and t.value is not None:
        out.append("k:100%" if t.value >= 100 else ("k:>=80%" if t.value >= 80 else "k:<80%"))
    return tuple(out)


def target_tokens(target: str | None) -> list[str]:
    """Tokens of a target: its kind, comparison and unit (``k:percent``, ``k:≥``, ``u:家``).
    Cached: tables repeat a handful of targets (100%, ≥90%, ≥95%) thousands of times."""
    return list(_target_tokens("" if target is None else str(target)))


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
    """``x @ w`` for CSR rows ``x`` and a dense (n_cols, k) ``w``; empty rows give zeros.

    One weighted ``bincount`` per column of ``w``: no (nnz × k) temporary, which matters
    for a 30,000-row batch.
    """
    out = np.zeros((x.n_rows, w.shape[1]))
    if len(x.indices) == 0:
        return out
    row_of = np.repeat(np.arange(x.n_rows), np.diff(x.indptr))
    for k in range(w.shape[1]):
        out[:, k] = np.bincount(row_of, weights=x.data * w[x.indices, k], minlength=x.n_rows)
    return out


@dataclass(frozen=True, eq=False)
class TfidfBlock:
    """TF-IDF of token lists on a fixed vocabulary: ``TfidfVectorizer.transform`` in numpy.

    Same formula as scikit-learn with ``smooth_idf`` (the idf comes from training):
    term count (``1 + log`` of it when ``sublinear_tf``) times idf, each row scaled to unit
    length, then multiplied by ``weight`` (how much this block counts beside the others).
    Frozen, so the copies of a loaded model (:func:`~indicatorml.coding.saved.load_model`)
    share one block and its character n-gram finder.
    """

    vocabulary: dict[str, int]
    idf: np.ndarray
    sublinear_tf: bool = True
    weight: float = 1.0
    _char_indexes: dict[tuple[int, int], CharNgramIndex | None] = field(
        default_factory=dict, init=False, repr=False
    )

    @classmethod
    def from_tokens(
        cls, tokens: Sequence[str], idf: np.ndarray, sublinear_tf: bool, weight: float
    ) -> TfidfBlock:
        return cls(
            {t: i for i, t in enumerate(tokens)}, np.asarray(idf, dtype=np.float64), sublinear_tf, weight
        )

    def char_index(self, n_min: int, n_max: int) -> CharNgramIndex | None:
        """The numpy finder of this vocabulary's ``c:`` n-grams of ``n_min``..``n_max`` characters,
        built on first use; None where character n-grams are off (``n_min`` < 1) or their
        integer keys could overflow (then tokens are looked up one by one)."""
        key = (n_min, n_max)
        if key not in self._char_indexes:
            built = CharNgramIndex(self.vocabulary, n_min, n_max)
            usable = n_min >= 1 and float(built.base) ** n_max < 2.0**62
            self._char_indexes[key] = built if usable else None
        return self._char_indexes[key]

    @property
    def tokens(self) -> list[str]:
        out = [""] * len(self.vocabulary)
        for t, i in self.vocabulary.items():
            out[i] = t
        return out

    def transform(
        self, docs: Sequence[Sequence[str]], extra: tuple[np.ndarray, np.ndarray] | None = None
    ) -> SparseRows:
        """TF-IDF rows of token lists; unknown tokens are ignored, an empty row stays empty.

        ``extra`` = (row, column) pairs of tokens found another way (:class:`CharNgramIndex`),
        counted exactly as if they were in ``docs``. Vectorized: one dict lookup per token in
        Python, the counting, weighting and normalizing in numpy.
        """
        get = self.vocabulary.get
        flat: list[int] = []
        lens: list[int] = []
        for doc in docs:
            ids = [i for i in map(get, doc) if i is not None]
            flat += ids
            lens.append(len(ids))
        n = len(lens)
        rows = np.repeat(np.arange(n, dtype=np.int64), lens)
        cols = np.asarray(flat, dtype=np.int64)
        if extra is not None:
            rows, cols = np.concatenate([rows, extra[0]]), np.concatenate([cols, extra[1]])
        return self._rows(rows, cols, n)

    def _rows(self, rows: np.ndarray, cols: np.ndarray, n: int) -> SparseRows:
        n_cols = len(self.vocabulary)
        if len(cols) == 0:
            return SparseRows(
                np.zeros(n + 1, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0), n_cols
            )
        keys, counts = np.unique(rows * n_cols + cols, return_counts=True)
        r, c = keys // n_cols, keys % n_cols
        tf = counts.astype(np.float64)
        if self.sublinear_tf:
            tf = np.log(tf) + 1.0
        vals = tf * self.idf[c]
        norms = np.sqrt(np.bincount(r, weights=vals * vals, minlength=n))
        nz = norms > 0
        scale = np.zeros(n)
        scale[nz] = self.weight / norms[nz]
        vals = vals * scale[r]
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(r, minlength=n), out=indptr[1:])
        return SparseRows(indptr, c, vals, n_cols)


class CharNgramIndex:
    """Finds the vocabulary's ``c:`` character n-grams in many texts at once, in numpy.

    Why: character n-grams are most of an indicator's tokens; making each one a Python
    string and looking it up one by one was the slowest part of classifying a large table.
    Here the texts become one array of character ids (-1 for a character no vocabulary
    n-gram contains, which also covers punctuation and spaces, so n-grams never cross a
    break), every n-gram becomes an integer key, and keys are matched by binary search.
    The result equals looking up :func:`tokens_of_clean`'s ``c:`` tokens (tested).
    """

    def __init__(self, vocabulary: dict[str, int], n_min: int, n_max: int) -> None:
        grams = [
            (t[2:], i) for t, i in vocabulary.items() if t.startswith("c:") and n_min <= len(t) - 2 <= n_max
        ]
        chars = sorted({ch for g, _ in grams for ch in g})
        self.n_min, self.n_max = n_min, n_max
        self.codepoints = np.array([ord(ch) for ch in chars], dtype=np.int64)
        self.base = len(chars) + 1
        cid = {ch: k for k, ch in enumerate(chars)}
        self.keys: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        for n in range(n_min, n_max + 1):
            ks = [(self._key_of([cid[ch] for ch in g]), i) for g, i in grams if len(g) == n]
            ks.sort()
            self.keys[n] = (
                np.array([k for k, _ in ks], dtype=np.int64),
                np.array([i for _, i in ks], dtype=np.int64),
            )

    def _key_of(self, ids: Sequence[int]) -> int:
        key = 0
        for k in ids:
            key = key * self.base + (k + 1)
        return key

    def lookup(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(row, column) of every vocabulary n-gram occurrence in ``texts`` (row = text index)."""
        if not texts or len(self.codepoints) == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        big = "\x00".join(texts) + "\x00"
        cps = np.frombuffer(big.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.int64)
        row_of = np.repeat(np.arange(len(texts), dtype=np.int64), [len(t) + 1 for t in texts])
        pos = np.searchsorted(self.codepoints, cps)
        pos[pos == len(self.codepoints)] = 0
        ids = np.where(self.codepoints[pos] == cps, pos, -1)
        rows_out, cols_out = [], []
        for n in range(self.n_min, self.n_max + 1):
            keys, cols = self.keys[n]
            if len(keys) == 0 or len(ids) < n:
                continue
            m = len(ids) - n + 1
            key = np.zeros(m, dtype=np.int64)
            ok = np.ones(m, dtype=bool)
            for k in range(n):
                part = ids[k : k + m]
                ok &= part >= 0
                key = key * self.base + (part + 1)
            where = np.flatnonzero(ok)
            key = key[where]
            at = np.searchsorted(keys, key)
            at[at == len(keys)] = 0
            hit = keys[at] == key
            rows_out.append(row_of[where[hit]])
            cols_out.append(cols[at[hit]])
        if not rows_out:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        return np.concatenate(rows_out), np.concatenate(cols_out)
