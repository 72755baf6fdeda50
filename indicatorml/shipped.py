"""Where the shipped data and model live — the one place that knows.

Why one module: the reader's default corpus, the precedent index and the default model all
need the files that ship with indicatorml; naming their location once keeps a clone and an
installed wheel from disagreeing about it.
"""

from __future__ import annotations

from pathlib import Path

_REPO = Path(__file__).resolve().parent.parent

DATA_DIR = _REPO / "data"
MODEL_DIR = _REPO / "models" / "default"
