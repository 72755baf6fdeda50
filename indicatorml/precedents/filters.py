"""Which library rows a search may return: year, organisation, department, category, origin.

Why a type of its own: the CLI options, the future web filters and the Python API take the same
five filters, checked once (an unknown category or origin is a clear error, not an empty
result) and applied as one boolean mask over the catalog's columns.

Matching: ``year`` exactly; ``org`` and ``department`` as a part of the name after width and
case folding (``天河`` finds 广州市天河区商务和金融工作局); ``level2`` is a level-2 category
(``11``, ``数量指标``, ``11-数量指标``) or a level-1 one (``1``, ``产出指标``: all its level-2
categories), matched against the reviewer-decided category of a library row and the given one
of a shipped row; ``source`` is ``library`` (the bureau's reviewed rows) or ``shipped``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import IndicatormlError
from ..segment import normalize
from ..taxonomy import CATEGORIES, UnknownLabel, by_code, normalize_label, normalize_level1
from .catalog import Catalog

__all__ = ["Filters", "SOURCES", "level2_codes"]

SOURCES = ("library", "shipped")


@dataclass(frozen=True)
class Filters:
    """The filters of one search; None means "any"."""

    year: int | None = None
    org: str | None = None
    department: str | None = None
    level2: str | None = None
    source: str | None = None

    def __post_init__(self) -> None:
        if self.year is not None and not (isinstance(self.year, int) and 1900 <= self.year <= 2999):
            raise IndicatormlError(f"年度应为四位公历年份,收到 {self.year!r}")
        if self.source is not None and self.source not in SOURCES:
            raise IndicatormlError(
                f"来源只能是 library(本单位审核过的表)或 shipped(随附数据),收到 {self.source!r}"
            )
        if self.level2 is not None:
            level2_codes(self.level2)  # refuses an unknown category now, not at search time

    @property
    def empty(self) -> bool:
        return all(
            v is None or v == "" for v in (self.year, self.org, self.department, self.level2, self.source)
        )

    def mask(self, catalog: Catalog) -> np.ndarray | None:
        """True for the documents that pass every filter; None when nothing is filtered."""
        if self.empty:
            return None
        keep = np.ones(len(catalog), dtype=bool)
        if self.year is not None:
            keep &= catalog.column("year") == self.year
        for text, column, codes in (
            (self.org, "org", catalog.orgs),
            (self.department, "department", catalog.departments),
        ):
            if text:
                wanted = normalize(text)
                hits = [i for i, name in enumerate(codes.names) if wanted in normalize(name)]
                keep &= np.isin(catalog.column(column), np.array(hits, dtype=np.int32))
        if self.level2:
            ids = [catalog.codes.index[c] for c in level2_codes(self.level2) if c in catalog.codes.index]
            keep &= np.isin(catalog.column("category"), np.array(ids, dtype=np.int16))
        if self.source is not None:
            library = catalog.column("review") >= 0
            keep &= library if self.source == "library" else ~library
        return keep


def level2_codes(value: str) -> list[str]:
    """The level-2 codes a category filter stands for (see the module docstring)."""
    s = str(value).strip()
    try:
        cat = by_code(s)
    except KeyError:
        try:
            cat = normalize_label(s)
        except UnknownLabel:
            try:
                cat = normalize_level1(s)
            except UnknownLabel:
                raise IndicatormlError(
                    f"不认识的类别「{value}」:请给二级指标的代码或名称(11、数量指标)或一级指标的(1、产出指标)"
                ) from None
    if cat.level == 2:
        return [cat.code]
    return [c.code for c in CATEGORIES if c.parent == cat.code]
