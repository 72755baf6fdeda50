"""Fixtures for every test file. The shared paths and data counts are plain names in helpers.py
(test modules import them from there: a conftest is not meant to be imported)."""

from __future__ import annotations

import pytest

from helpers import SEEDS, corpus_pages, corpus_rows


@pytest.fixture(autouse=True)
def _shipped_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test sees the shipped model unless it sets INDICATORML_MODEL itself: a model a
    developer has in the environment must not change what the tests find."""
    monkeypatch.delenv("INDICATORML_MODEL", raising=False)


@pytest.fixture(scope="session")
def shipped_counts() -> tuple[int, int]:
    """(indicators, source pages/files) of the shipped labeled data: every corpus row and page,
    plus each seed table's indicators with the seed file as one source. The corpus is counted
    from the TSV; a seed table can only be read by the seed reader (pinned in test_tables.py)."""
    from indicatorml.tables import read_table

    seed_rows = sum(len(read_table(p).records) for p in SEEDS)
    return len(corpus_rows()) + seed_rows, len(corpus_pages()) + len(SEEDS)
