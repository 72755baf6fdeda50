"""The label rule: rows whose given category the classifier finds improbable enough to take a
reviewer's time (:class:`~..label_rule.LabelRule`, tuned on held-out pages by
``benchmarks/bench_check.py``), each with the words that pushed the model (the *why*).

Reads the table's row scores (:func:`indicatorml.coding.score_rows`, in the context): the
suggestion a page shows beside a row and the finding on it come from the same numbers.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...coding.crossfit import fold_model, row_fold
from ...coding.explain import explain, explainable
from ...coding.scoring import RowScores
from ...records import Indicator
from ...taxonomy import by_code, canonical_level2, parent
from ..context import TableContext
from ..finding import Finding, Rule, excerpt, make_finding
from ..sources import MODEL

__all__ = ["RULES", "label_findings", "trained_on"]

IMPROBABLE = Rule(
    "label.improbable",
    "label",
    "warning",
    "类别存疑(模型)",
    "分类模型认为所填二级指标不太可能,另一类别明显更像",
    MODEL,
    "在留出页面上约一半的提示指向确有问题的类别(见 README 的检查评测);其余多为可两属的指标"
    "(如「资金拨付准确率」可算质量也可算效益)",
)
TRAINED_ON = Rule(
    "label.trained-on",
    "label",
    "info",
    "模型学过这张表",
    "类别检查所用的模型是用这张表训练的,不会质疑它自己的类别",
    MODEL,
)
RULES = (IMPROBABLE, TRAINED_ON)


def _family(code: str) -> str:
    return parent(canonical_level2(code)).code


def label_findings(ctx: TableContext) -> Iterator[Finding]:
    """``label.improbable`` per labeled row the rule flags (where the context has row scores),
    then ``label.trained-on`` for a table the model learned without folds to check it by."""
    if ctx.scores is not None:
        yield from _improbable(ctx, ctx.scores)
    if ctx.table.records and trained_on(ctx.table.sha256, ctx.model):
        yield make_finding(
            TRAINED_ON,
            message="类别检查所用的模型是用这张表训练的,不会质疑它自己的类别;要检查类别,"
            "用不含这张表训练的模型(indicatorml train … --out DIR,再 check --model DIR)",
            file=ctx.file,
        )


def _improbable(ctx: TableContext, scores: RowScores) -> Iterator[Finding]:
    """``label.improbable`` per labeled row the rule flags."""
    classes = list(scores.classes)
    index = {c: k for k, c in enumerate(classes)}
    scorers: dict[int | None, Any] = {}  # fold → its model, loaded once per table
    for i, rec in ctx.rows:
        if not rec.level2_code or not (rec.indicator or "").strip():
            continue
        given = canonical_level2(rec.level2_code)
        if given not in index or not scores.usable[i]:
            continue
        p = scores.proba[i]
        k = index[given]
        p_given = float(p[k])
        order = sorted(range(len(classes)), key=lambda j: -float(p[j]))
        other = next(j for j in order if j != k)  # the rule is tuned on the most probable other class
        if not ctx.label_rule.flags(p_given, float(p[other]), _family(classes[other]) == _family(given)):
            continue
        answer = scores.predictions[i].level2_code  # what the page shows as the suggestion
        mine = canonical_level2(answer) if answer else None
        best = index[mine] if mine is not None and mine != given and mine in index else other
        p_best = float(p[best])
        suggested = classes[best]
        why = _why(ctx, rec, suggested, given, scorers)
        because = f",依据{''.join(f'「{w}」' for w in why)}" if why else ""
        yield make_finding(
            IMPROBABLE,
            message=f"「{excerpt(rec.indicator)}」不太像{by_code(given).name}(模型概率{p_given:.0%}),"
            f"更像{by_code(suggested).name}({p_best:.0%}){because};核对二级指标",
            file=ctx.file,
            row=i,
            record=rec,
            project=rec.project,
            field="level2",
            given_level2_code=rec.level2_code,
            suggested_level2_code=suggested,
            probability=p_best,
            given_probability=p_given,
            why=why,
        )


def _why(
    ctx: TableContext, rec: Indicator, suggested: str, given: str, scorers: dict[int | None, Any]
) -> list[str] | None:
    """The words that pushed the model that scored ``rec`` (the fold model that never saw its
    source, :func:`~indicatorml.coding.crossfit.row_fold`) toward ``suggested`` and away from
    ``given``; None where the model cannot be taken apart (not a linear IndicatorClassifier)."""
    if ctx.model is None:
        return None
    k = row_fold(ctx.model, rec, ctx.table.sha256)
    if k not in scorers:
        scorers[k] = ctx.model if k is None else fold_model(ctx.model, k)
    scorer = scorers[k]
    if not explainable(scorer):
        return None
    return explain(scorer, rec.indicator, rec.target, suggested, given).words()


def trained_on(file_sha: str, model: Any) -> bool:
    """Did the model learn from this file (same text, any encoding), with no cross-fitted folds to
    check it by? Models record their files' hashes; a model with folds scores its own training
    rows with the fold model that never saw them (:mod:`indicatorml.coding.crossfit`)."""
    if model is None or getattr(model, "crossfit_", None):
        return False
    seen = (getattr(model, "training_", None) or {}).get("file_sha256") or []
    return bool(file_sha) and file_sha in seen
