"""Where the shipped data and model live — the one place that knows.

Why one module: the reader's default corpus, the precedent index and the default model all
need the files that ship with indicatorml; naming their location once keeps a clone and an
installed wheel from disagreeing about it.

Two layouts, one answer:

* a clone (or an editable install of it): ``data/`` and ``models/`` at the top of the
  repository, beside ``pyproject.toml``;
* an installed wheel: the build maps those folders into the package as
  ``indicatorml/_shipped/data`` and ``indicatorml/_shipped/models`` (see ``[tool.setuptools]``
  in pyproject.toml), so the wheel carries them and nobody keeps a copy in sync by hand.

Both keep ``data`` and ``models`` side by side under one parent, so paths shown relative to
that parent (``data/seed/…txt:14``, the training sources a model records) are the same
whichever layout is in use.
"""

from __future__ import annotations

from pathlib import Path

from .errors import IndicatormlError

__all__ = ["ROOT", "DATA_DIR", "MODEL_DIR", "default_data_paths"]

_PACKAGE = Path(__file__).resolve().parent
_REPO = _PACKAGE.parent


def _root() -> Path:
    if (_REPO / "pyproject.toml").is_file() and (_REPO / "data").is_dir():
        return _REPO  # a clone: the owner's layout
    return _PACKAGE / "_shipped"  # an installed wheel


ROOT = _root()
DATA_DIR = ROOT / "data"
MODEL_DIR = ROOT / "models" / "default"


def default_data_paths() -> list[Path]:
    """The shipped labeled tables, in a fixed order: the public corpus, then every seed table.

    What the default model is trained on and the default precedent index holds (auto-coding
    and precedent search may not import each other, so they share the list from here).
    """
    corpus = DATA_DIR / "corpus" / "public_indicators.tsv"
    if not corpus.is_file():
        raise IndicatormlError(
            f"这次安装里没有随附数据({corpus});请用自己的表:训练时用 --no-default-data --data 你的表,"
            "或者用 `indicatorml index build 文件... --out DIR` 建立索引后加上 --index DIR"
        )
    return [corpus, *sorted((DATA_DIR / "seed").glob("*.txt"))]
