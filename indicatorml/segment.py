"""One segmenter, one domain dictionary, one normalizer, shared by classifier and search.

Why a dictionary of our own: jieba's default dictionary takes over a second to load, longer
than everything else a one-line ``indicatorml classify`` does. ``resources/words.txt`` keeps
jieba's common words (built by ``scripts/build_dict.py``) plus the domain words in
``resources/domain_words.txt`` (满意度, 合格率, 四上企业, 首店 ...), and loads in ~0.1 s with
no cache file written anywhere. The algorithm is still jieba's (DAG + max-probability route).
HMM new-word discovery is off: it is slower, and character n-grams cover unknown words.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from importlib import resources

__all__ = ["normalize", "clean_indicator", "words", "char_ngrams", "search_tokens", "tokenizer"]

_TAGS = re.compile(r"<[^>]{0,40}>")
_SPACE = re.compile(r"\s+")
# Publisher noise: "指标1:" / "指标7." prefixes, "★", placeholders "(≥**%)", "(**)".
_PREFIX = re.compile(r"^\s*(?:指标\s*\d+|\d+)\s*[:.、:]\s*")
_PLACEHOLDER = re.compile(r"[(\[]?[≥≤<>=]*\s*[*＊]{1,}\s*%?[)\]]?")
_STARS = re.compile(r"[★☆▲●◆■]")
# What is not part of a word: punctuation and symbols (kept out of the token stream).
_NON_WORD = re.compile(r"^[\W_]+$")


def normalize(text: str | None) -> str:
    """Fold widths (NFKC: full-width ％（）：→ %():), drop HTML tags, squeeze spaces, lower-case."""
    if not text:
        return ""
    s = unicodedata.normalize("NFKC", str(text))
    s = _TAGS.sub("", s)
    s = _SPACE.sub(" ", s).strip()
    return s.lower()


def clean_indicator(text: str | None) -> str:
    """Normalize an indicator text and strip publisher noise (prefix numbering, ★, ** placeholders)."""
    s = normalize(text)
    s = _PREFIX.sub("", s)
    s = _STARS.sub("", s)
    s = _PLACEHOLDER.sub(lambda m: "" if "*" in m.group(0) or "＊" in m.group(0) else m.group(0), s)
    return _SPACE.sub(" ", s).strip()


@functools.lru_cache(maxsize=1)
def tokenizer():  # -> jieba.Tokenizer
    """The shared jieba tokenizer on our dictionary, built once per process without a cache file."""
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    with resources.files("indicatorml.resources").joinpath("words.txt").open("rb") as fh:
        tok.FREQ, tok.total = tok.gen_pfdict(fh)
    tok.initialized = True
    return tok


@functools.lru_cache(maxsize=65536)
def _cut(text: str) -> tuple[str, ...]:
    return tuple(w for w in tokenizer().cut(text, HMM=False) if w.strip() and not _NON_WORD.match(w))


def words(text: str | None, clean: bool = True) -> list[str]:
    """Segment into words (punctuation and spaces dropped). Cached: real tables repeat texts."""
    s = clean_indicator(text) if clean else normalize(text)
    return list(_cut(s)) if s else []


def char_ngrams(text: str, n_min: int = 1, n_max: int = 3) -> list[str]:
    """Character n-grams of each run of non-space, non-punctuation characters."""
    out: list[str] = []
    for run in re.findall(r"[^\W_]+", text):
        for n in range(n_min, n_max + 1):
            out.extend(run[i : i + n] for i in range(len(run) - n + 1))
    return out


def search_tokens(text: str | None) -> list[str]:
    """Tokens for BM25: words plus character bigrams, so "首店" finds "引进广州首店"."""
    s = clean_indicator(text)
    if not s:
        return []
    return list(_cut(s)) + char_ngrams(s, 2, 2)
