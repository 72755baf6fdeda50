"""Auto-coding: give an indicator draft its level-1 and level-2 codes, with an honest confidence.

The flow: ``items`` says what counts as an indicator, ``features`` turns text and target into
sparse rows; ``model`` holds the scikit-learn style :class:`IndicatorClassifier` (its parameter
``constraints``, the ``fitting`` helpers that import scikit-learn, the ``heldout`` scores it
calibrates on with ``calibration``, the ``noise`` rule, the ``decision`` rule, the
``invariants`` a fitted model keeps); ``saved`` writes and loads it; ``predict`` is
``classify``; ``training`` fits it on ``labeled_data`` and ``evaluation``/``metrics`` score it
on held-out sources, keeping the ``crossfit`` fold models; ``write_back`` is the ``code`` verb
that writes a draft table back with its codes; ``report`` renders predictions and figures; ``explain`` says which words pushed the model
toward a category (the *why* of a label finding and of a draft's suggestion).
Nothing here imports scikit-learn until a model is fitted, so classifying with a saved model
needs numpy and jieba only.
"""

from importlib import import_module
from typing import Any

from .model import IndicatorClassifier
from .predict import Prediction, classify
from .saved import default_model_dir, load_model, save_model

# Training, evaluation and the write-back verb read tables (openpyxl, python-docx, pdfplumber):
# imported on first use, so `indicatorml classify TEXT` starts without them.
_LAZY = {
    "cross_val_predict_proba": "evaluation",
    "evaluate": "evaluation",
    "DEFAULT_OWN_WEIGHT": "labeled_data",
    "is_handwritten": "labeled_data",
    "load_labeled": "labeled_data",
    "train": "training",
    "REVIEW_MARK": "write_back",
    "CodeResult": "write_back",
    "code_table": "write_back",
    "write_coded": "write_back",
    "CodedFile": "write_back",
    "RowScores": "scoring",
    "score_rows": "scoring",
    "Explanation": "explain",
    "explain_suggestion": "explain",
    "explain_rows": "explain",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "IndicatorClassifier",
    "Prediction",
    "classify",
    "load_model",
    "save_model",
    "default_model_dir",
    "train",
    "evaluate",
    "cross_val_predict_proba",
    "load_labeled",
    "is_handwritten",
    "DEFAULT_OWN_WEIGHT",
    "code_table",
    "write_coded",
    "CodedFile",
    "CodeResult",
    "REVIEW_MARK",
    "RowScores",
    "score_rows",
    "Explanation",
    "explain_suggestion",
    "explain_rows",
]
