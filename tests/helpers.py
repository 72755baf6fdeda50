"""What several test files share: where the repository's data lives, and counts read from the
data files themselves.

Why counts are read, not written down: the corpus grows (a page at a time), and a test that
pins "627 rows" breaks on every new row without anything being wrong. The counts here come
from the files through the csv module, never through indicatorml's own readers, so a test that
compares the reader with them still checks something.

Importable as ``helpers`` because ``[tool.pytest.ini_options] pythonpath`` puts tests/ on the
path; the fixtures built on it are in conftest.py.
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
SEED = DATA / "seed" / "000_fc0049aa6689bdbf.txt"  # the table that started the project: 75 indicators
CORPUS = DATA / "corpus" / "public_indicators.tsv"
SEEDS = tuple(sorted((DATA / "seed").glob("*.txt")))  # every seed table the shipped data holds
SHIPPED_MODEL = ROOT / "models" / "default"
WORKBOOKS = ROOT / "tests" / "fixtures" / "workbooks"  # made by scripts/make_fixtures.py


@cache
def corpus_rows() -> tuple[dict[str, str], ...]:
    """The corpus TSV's data rows, as the csv module reads them (one header line, no quoting)."""
    with CORPUS.open(encoding="utf-8", newline="") as f:
        return tuple(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


def corpus_pages() -> list[str]:
    """The corpus's source pages (``url``), in first-seen order."""
    return list(dict.fromkeys(r["url"] for r in corpus_rows()))


def corpus_goals() -> set[tuple[str, str, str]]:
    """The corpus's project goals: one per (page, project, goal) with a goal written."""
    return {(r["url"], r["project"], r["goal"]) for r in corpus_rows() if r["goal"].strip()}
