"""The decision rule: which level-2 category an answer names, given its probabilities.

Why a rule of its own: the model predicts level 2 and level 1 follows from it, so the two never
disagree. With ``"sum"`` the level 1 is chosen first, by summing its level-2 probabilities,
then the best level 2 inside it: a 产出 indicator torn between 数量 and 质量 stays 产出. The
estimator's ``predict``, ``classify`` and the grouped evaluation (which decides on
out-of-fold probabilities, with no fitted model at hand) all decide here.
"""

from __future__ import annotations

import numpy as np

from ..taxonomy import parent

__all__ = ["LEVEL1_RULES", "decide"]

LEVEL1_RULES = ("sum", "argmax")


def decide(proba: np.ndarray, classes: np.ndarray, level1_rule: str = "sum") -> np.ndarray:
    """Column of the chosen level 2 per row of ``proba`` (columns = the level-2 ``classes``).

    ``"argmax"``: the most probable level 2. ``"sum"``: the level 1 whose level-2
    probabilities sum highest, then the most probable level 2 inside it.
    """
    columns: np.ndarray  # numpy's stubs type argmax as Any
    if level1_rule == "argmax":
        columns = proba.argmax(axis=1)
        return columns
    parents = np.array([parent(str(c)).code for c in classes])
    l1 = sorted(set(parents.tolist()))
    sums = np.stack([proba[:, parents == p].sum(axis=1) for p in l1], axis=1)
    chosen = np.array(l1)[sums.argmax(axis=1)]
    masked = np.where(parents[None, :] == chosen[:, None], proba, -1.0)
    columns = masked.argmax(axis=1)
    return columns
