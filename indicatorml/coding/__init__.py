"""Auto-coding: give an indicator draft its level-1 and level-2 codes, with an honest confidence.

The flow: ``features`` turns text and target into sparse rows; ``model`` holds the
scikit-learn style :class:`IndicatorClassifier` and ``classify``; ``training`` fits it on
labeled tables and ``metrics`` scores it on held-out sources; ``write_back`` is the ``code``
verb that writes a draft table back with its codes; ``report`` renders predictions and figures.
Nothing here imports scikit-learn until a model is fitted, so classifying with a saved model
needs numpy and jieba only.
"""

from .evaluation import cross_val_predict_proba, evaluate
from .labeled_data import DEFAULT_OWN_WEIGHT, is_handwritten, load_labeled
from .model import IndicatorClassifier
from .predict import Prediction, classify
from .saved import default_model_dir, load_model
from .training import train
from .write_back import REVIEW_MARK, CodeResult, code_table

__all__ = [
    "IndicatorClassifier",
    "Prediction",
    "classify",
    "load_model",
    "default_model_dir",
    "train",
    "evaluate",
    "cross_val_predict_proba",
    "load_labeled",
    "is_handwritten",
    "DEFAULT_OWN_WEIGHT",
    "code_table",
    "CodeResult",
    "REVIEW_MARK",
]
