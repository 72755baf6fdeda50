"""How classifier results look to a user: prediction rows and the evaluation report.

Kept out of the CLI so the CLI stays a thin layer and the same rows serve every ``--format``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from ..output import render_table
from ..taxonomy import by_code, code_label
from .predict import Prediction

__all__ = ["PREDICTION_COLUMNS", "PREDICTION_HEADERS", "prediction_rows", "render_evaluation", "short_name"]

PREDICTION_COLUMNS = (
    "indicator",
    "target",
    "level1_code",
    "level1",
    "level2_code",
    "level2",
    "confidence",
    "alternatives",
    "level1_confidence",
    "message",
    "given_level2_code",
    "source",
)
TABLE_COLUMNS = ("indicator", "target", "level1", "level2", "confidence", "top", "message")
PREDICTION_HEADERS = {
    "indicator": "指标",
    "target": "年度指标值",
    "level1": "一级指标",
    "level2": "二级指标",
    "confidence": "置信度",
    "top": "前几位候选 (概率)",
    "message": "说明",
    "given_level2_code": "原二级指标",
}


_SHORTER = {"31": "满意度", "24": "可持续"}


def short_name(code: str) -> str:
    """``11`` → ``11数量``: the code and the distinctive word, for narrow tables."""
    return f"{code}{_SHORTER.get(code, by_code(code).short)}"


def _top(p: Prediction) -> str:
    return " ".join(f"{short_name(a['level2_code'])} {a['probability']:.2f}" for a in p.alternatives)


def prediction_rows(
    preds: Sequence[Prediction], fmt: str
) -> tuple[list[dict[str, Any]], list[str], dict[str, str]]:
    """(rows, columns, headers) for ``write_rows``: full objects for JSONL, flat cells otherwise."""
    if fmt == "jsonl":
        return [p.to_dict() for p in preds], list(PREDICTION_COLUMNS), {}
    if fmt == "table":
        rows = []
        for p in preds:
            rows.append(
                {
                    "indicator": p.indicator,
                    "target": p.target or "",
                    "level1": code_label(p.level1_code, p.level1),
                    "level2": code_label(p.level2_code, p.level2),
                    "confidence": "" if p.confidence is None else f"{p.confidence:.2f}",
                    "top": _top(p),
                    "message": p.message or "",
                }
            )
        cols = list(TABLE_COLUMNS)
        if not any(r["target"] for r in rows):
            cols.remove("target")
        if not any(r["message"] for r in rows):
            cols.remove("message")
        return rows, cols, PREDICTION_HEADERS
    rows = []
    for p in preds:
        d = p.to_dict()
        d["alternatives"] = json.dumps(p.alternatives, ensure_ascii=False)
        rows.append(d)
    return rows, list(PREDICTION_COLUMNS), {}


# The evaluation's ``grouped_by`` (kept in English in the JSON, for scripts) as the report says it.
_GROUPED_BY = {
    "source page or file": "来源页或文件",
    "project (too few pages or files for the folds)": "项目(页或文件太少,不够分折)",
}


def render_evaluation(res: dict[str, Any]) -> str:
    """The ``evaluate`` report as text: headline figures, per-class table, confusion matrix."""
    lines = [
        f"按 {_GROUPED_BY.get(res['grouped_by'], res['grouped_by'])}分组的 {res['folds']} 折交叉验证"
        f"({res['groups']} 组,{res['n']} 条指标,随机种子 {res['seed']})",
        "",
        f"二级指标准确率            {res['level2_accuracy']:.3f}",
        f"宏平均 F1                 {res['macro_f1']:.3f}",
        f"一级指标准确率            {res['level1_accuracy']:.3f}",
        f"校准误差(ECE)             {res['ece']:.3f}",
        f"精确率 95% 时的覆盖率     {res['coverage_at_95_precision']:.3f}"
        + (
            f"  (置信度 ≥ {res['coverage_threshold']:.2f})"
            if res.get("coverage_threshold") is not None
            else ""
        ),
        f"置信度 ≥ 0.9 的占比        {res['share_confidence_ge_0_9']:.3f},"
        + (
            "其中准确率无从计算"
            if res["accuracy_confidence_ge_0_9"] is None
            else f"其中准确率 {res['accuracy_confidence_ge_0_9']:.3f}"
        ),
        "",
    ]
    rows = [
        {
            "cls": code_label(c["level2_code"], c["level2"]),
            "n": c["support"],
            "p": f"{c['precision']:.2f}",
            "r": f"{c['recall']:.2f}",
            "f1": f"{c['f1']:.2f}",
        }
        for c in res["per_class"]
    ]
    lines.append(
        render_table(
            rows,
            ["cls", "n", "p", "r", "f1"],
            headers={"cls": "二级指标", "n": "数量", "p": "精确率", "r": "召回率", "f1": "F1"},
        )
    )
    labels = res["labels"]
    cm_rows = []
    for code, counts in zip(labels, res["confusion"], strict=True):
        row = {"true": short_name(code)}
        row.update({c: n for c, n in zip(labels, counts, strict=True)})
        cm_rows.append(row)
    lines.append("混淆矩阵(行: 原有类别,列: 预测类别)")
    lines.append(render_table(cm_rows, ["true", *labels], headers={"true": ""}))
    return "\n".join(lines)
