"""What a training job of the 本单位模型 page computes: a model on the shipped data plus the
uploaded labeled tables, and the figures the page compares it by.

The job calls ``coding.train`` as ``indicatorml train --data …`` does and writes the model as
plain arrays + JSON; the figures are the new model's grouped cross-validation (what ``train``
measures), the same out-of-fold answers on the uploaded rows only, and the default model's on
those same rows — which it never learned from (unless it says so: trained-on) — so the two
middle columns of the page compare the two models on the same rows, each unseen.

Nothing here knows about jobs, threads or the store: :mod:`.worker` runs this for a job it
claimed and publishes the result through :mod:`.registry`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import IndicatormlError
from ..tables.reading import reading
from .settings import Settings
from .uploads import Upload, staged

if TYPE_CHECKING:
    from ..coding import Prediction
    from ..records import Indicator
    from ..tables.pool import ReaderPool

__all__ = ["train_local", "accuracy"]


def train_local(
    settings: Settings,
    uploads: list[Upload],
    out: Path,
    readers: ReaderPool | None,
    stage: Callable[[str], None],
) -> dict[str, Any]:
    """Train into ``out`` (a new folder) on the shipped data plus ``uploads``; the figures.

    ``stage`` is told what is being done (shown on the page while the job runs). Uploads are
    read through ``readers`` under the server's limits, like every upload.
    """
    from ..coding import classify, load_model, train
    from ..tables import read_tables

    stage("读取表格")
    with (
        staged(uploads) as st,
        reading(limits=settings.limits, pool=readers, batch_seconds=settings.batch_seconds),
    ):
        tables = read_tables(st.paths)
        problems = [st.shown(str(p)) for t in tables for p in t.problems]
        if not any(r.level2_code for t in tables for r in t.records):
            read = sum(len(t.records) for t in tables)
            raise IndicatormlError(
                f"上传的表读到 {read} 条指标,没有一条填了二级指标,无法训练;"
                "请先填好一级、二级指标(可以用「审核」页下载编码后的文件,核对后再上传)"
            )
        stage("训练并做分组交叉验证(5 折)")
        try:
            model = train(st.paths, default_data=True, out=out, progress=False)
        except IndicatormlError as e:  # name the user's files, never the temporary ones
            raise IndicatormlError(st.shown(str(e)).replace(str(st.folder), "…")) from None
    stage("用默认模型检验同一批表")
    default = load_model(settings.model)
    labeled = [r for t in tables for r in t.records if r.level2_code]
    preds = classify(labeled, default)
    recorded: dict[str, Any] = default.training_ or {}  # model.json's "training" object
    seen = set(recorded.get("file_sha256") or [])
    return {
        "files": [u.name for u in uploads],
        "trained_at": time.strftime("%Y-%m-%d %H:%M"),
        "rows": model.training_.get("rows"),
        "own_rows": model.training_.get("own_rows"),
        "local": model.evaluation_,
        "local_on_tables": (model.evaluation_ or {}).get("own"),
        "default_on_tables": accuracy(labeled, preds),
        "default_trained_on_tables": any(t.sha256 in seen for t in tables),
        "default_recorded": default.evaluation_,
        "problems": problems[:50],
    }


def accuracy(records: list[Indicator], preds: list[Prediction]) -> dict[str, Any]:
    """Share of the uploaded labels the default model gives too (level 2, and level 1)."""
    from ..taxonomy import canonical_level2, parent

    n = ok2 = ok1 = 0
    for r, p in zip(records, preds, strict=True):
        if not r.level2_code:
            continue
        try:
            given = canonical_level2(r.level2_code)
            given1 = parent(given).code
        except (KeyError, ValueError):
            continue
        n += 1
        if p.level2_code is not None:
            mine = canonical_level2(p.level2_code)
            ok2 += mine == given
            ok1 += parent(mine).code == given1
    return {
        "n": n,
        "level2_accuracy": round(ok2 / n, 3) if n else None,
        "level1_accuracy": round(ok1 / n, 3) if n else None,
    }
