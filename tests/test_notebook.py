"""notebooks/evaluation.ipynb runs end to end, so its pictures and figures cannot rot.

The notebook draws with ``%matplotlib inline`` (matplotlib's Agg renderer, no display needed)
on a kernel of this venv (``python3`` = the interpreter running the tests).
``python tests/test_notebook.py`` stores the executed notebook with its pictures.
"""

from __future__ import annotations

import os

import nbformat
import pytest

from helpers import ROOT

NOTEBOOK = ROOT / "notebooks" / "evaluation.ipynb"


@pytest.mark.slow  # runs the evaluation notebook in a kernel: it trains and cross-validates models
def test_evaluation_notebook_executes_and_draws_its_four_pictures(shipped_counts):
    from nbclient import NotebookClient

    nb = nbformat.read(NOTEBOOK, as_version=4)
    env_backend = os.environ.get("MPLBACKEND")
    os.environ["MPLBACKEND"] = "Agg"
    try:
        NotebookClient(
            nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOK.parent)}}
        ).execute()
    finally:
        if env_backend is None:
            os.environ.pop("MPLBACKEND", None)
        else:
            os.environ["MPLBACKEND"] = env_backend
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    text = "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")
    rows, groups = shipped_counts
    assert f"{rows} labeled indicators from {groups} source pages/files" in text
    for key in ("level2_accuracy", "level1_accuracy", "ece", "coverage_at_95_precision"):
        assert key in text
    assert text.count("of the training pages: level-2 accuracy") == 4
    pictures = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(pictures) == 4


if __name__ == "__main__":  # pragma: no cover - `python tests/test_notebook.py` saves the executed notebook
    from nbclient import NotebookClient

    nb = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOK.parent)}}
    ).execute()
    nbformat.write(nb, NOTEBOOK)
