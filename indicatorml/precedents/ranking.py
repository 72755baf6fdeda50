"""How an indicator row is cut into searchable fields, and how much each field counts.

Why fields: today's search scores one token list per row — the indicator's words *and* its
character bigrams — so a two-character word counts twice (once as a word, once as a bigram),
and the project a row belongs to is invisible: 「高标准农田 灌溉」 finds the one row that says
灌溉, then rows that share only 标准 (补助标准, 补贴标准 …), while the eleven other indicators of
a 高标准农田建设项目 never match. A row here is three fields, each its own BM25
(``fields.FieldIndex``), and a query's score is their weighted sum:

* ``words`` — the indicator's words (``segment.words``), weight 1;
* ``bigrams`` — the indicator's character bigrams, so 首店 still meets 引进广州首店 and a word
  the dictionary cuts differently still matches; weight ``bigram_weight``;
* ``context`` — words and bigrams of the project name (and goal, if ``goal_in_context``): a
  topic query finds a project's indicators, an indicator draft is nudged towards rows of
  projects on its subject; weight ``context_weight``.

Parameters were chosen on the *dev* half of the judged queries in
``benchmarks/search_judgments.json`` only (``benchmarks/bench_search_quality.py --select``
reruns the grid and prints it); the figures reported are on the *test* half, which no choice
looked at. :data:`DEFAULT` holds the chosen values: the best mean nDCG@10 on dev among 1,120
settings (k1 0.9–3, b 0.3–1, bigram weight 0–1, context weight 0–1, goal in context or not).
The context weight matters most (dev nDCG@10 0.64 without context, 0.75 at 0.75); k1 and b
hardly do (0.74–0.75 at their best across the grid), so their odd-looking values are not a
finding about BM25, only the grid's top; the weights were chosen on 702 public rows and are
worth re-checking once a bureau's own library has judged queries.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from ..segment import char_ngrams, clean_indicator, search_tokens, words

__all__ = ["Ranking", "DEFAULT", "FIELDS"]

FIELDS = ("words", "bigrams", "context")


@dataclass(frozen=True)
class Ranking:
    """Field weights and BM25 parameters of the indicator search (see the module docstring)."""

    k1: float = 3.0
    b: float = 0.5
    bigram_weight: float = 1.0
    context_weight: float = 0.75
    goal_in_context: bool = False

    def doc_fields(
        self, indicator: str, project: str | None = None, goal: str | None = None
    ) -> dict[str, list[str]]:
        """The token lists of one row, by field."""
        context = search_tokens(project)
        if self.goal_in_context:
            context += search_tokens(goal)
        return {"words": words(indicator), "bigrams": _bigrams(indicator), "context": context}

    def query_fields(self, text: str) -> dict[str, list[str]]:
        """The token lists a query is matched with, by field (the context field takes all of it)."""
        return {"words": words(text), "bigrams": _bigrams(text), "context": search_tokens(text)}

    def weights(self) -> dict[str, float]:
        return {"words": 1.0, "bigrams": self.bigram_weight, "context": self.context_weight}

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Ranking:
        return cls(**{k: d[k] for k in cls.__dataclass_fields__ if k in d})


def _bigrams(text: str | None) -> list[str]:
    s = clean_indicator(text)
    return char_ngrams(s, 2, 2) if s else []


DEFAULT = Ranking()
