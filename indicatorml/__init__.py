"""indicatorml: auto-code, search and check Chinese budget performance indicators (绩效目标表).

Keep this module light: importing it must not import jieba, scikit-learn or scipy, so that a
one-line ``indicatorml classify`` starts fast.
"""

__version__ = "0.1.0"
