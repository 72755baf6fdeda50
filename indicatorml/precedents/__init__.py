"""Precedent search: past indicators and project goals found by BM25, summarised for a writer.

``ranking`` + ``engine`` rank indicator rows (weighted BM25 fields over growing blocks:
``postings``, ``fields``); ``bm25`` is rank-bm25's exact BM25 scored once (the goal index);
``index`` keeps the indicator and goal indexes of any readable tables and answers ``search``;
``summary`` is ``precedents``: the hits plus how they were filed and which targets they set;
``library`` is the bureau's library — the shipped rows and every stored review's rows, kept
current from the store, filtered (``filters``) and shown from a ``catalog``.
"""

from .bm25 import BM25
from .engine import FieldedIndex
from .filters import Filters
from .index import KINDS, PrecedentIndex, build_index, default_data_paths, load_index, search, search_columns
from .library import LIBRARY_FLOOR, Library, Refreshed, open_library
from .ranking import Ranking
from .summary import Precedents, precedents, summarize_categories, summarize_targets

__all__ = [
    "BM25",
    "FieldedIndex",
    "Filters",
    "LIBRARY_FLOOR",
    "Library",
    "Ranking",
    "Refreshed",
    "open_library",
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
