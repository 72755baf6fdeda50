"""Precedent search: past indicators and project goals found by BM25, summarised for a writer.

``bm25`` is the ranking (a sparse word-by-document score matrix saved as plain arrays);
``index`` keeps one BM25 for indicators and one for goals over any readable tables and
answers ``search``; ``summary`` is ``precedents``: the hits plus how they were filed and which
targets they set.
"""

from .bm25 import BM25
from .index import KINDS, PrecedentIndex, build_index, default_data_paths, load_index, search, search_columns
from .summary import Precedents, precedents, summarize_categories, summarize_targets

__all__ = [
    "BM25",
    "KINDS",
    "PrecedentIndex",
    "Precedents",
    "build_index",
    "default_data_paths",
    "load_index",
    "precedents",
    "search",
    "search_columns",
    "summarize_categories",
    "summarize_targets",
]
