"""Training a model for this server (本单位模型), off the request, one job at a time.

The job calls ``coding.train`` on the shipped data plus the uploaded labeled tables (as
``indicatorml train --data …`` does), writes the model under ``--data-dir`` as plain arrays +
JSON — whole or not at all (``coding.save_model``: a temporary folder renamed into place, so a
server killed mid-save keeps the previous model) — and records the figures for the page: the
new model's grouped cross-validation (what ``train`` measures), the same out-of-fold answers
on the uploaded rows only, and the default model's on those same rows — which it never
learned from (unless it says so: trained-on) — so the two middle columns compare the two
models on the same rows, each unseen.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from typing import TYPE_CHECKING, Any

from .state import Job, ServerState
from .uploads import Upload, staged

if TYPE_CHECKING:
    from ..coding import Prediction
    from ..records import Indicator


def start(state: ServerState, uploads: list[Upload]) -> Job:
    job = Job(
        id=secrets.token_urlsafe(8),
        files=[u.name for u in uploads],
        expected_seconds=state.last_train_seconds,
    )
    state.jobs[job.id] = job
    threading.Thread(target=_run, args=(state, job, uploads), name=f"train-{job.id}", daemon=True).start()
    return job


def _run(state: ServerState, job: Job, uploads: list[Upload]) -> None:
    from ..errors import IndicatormlError

    with state.train_lock:  # one training at a time: each takes both cores for a while
        job.state, job.stage, job.started = "running", "读取表格", time.time()
        try:
            _train(state, job, uploads)
            job.state, job.stage = "done", "完成"
            state.last_train_seconds = round(time.time() - job.started, 1)
        except IndicatormlError as e:
            job.state, job.stage, job.error = "failed", "失败", str(e)
        except Exception as e:  # noqa: BLE001 - a job reports its failure, it does not vanish
            job.state, job.stage, job.error = "failed", "失败", f"内部错误: {type(e).__name__}: {e}"
        finally:
            job.finished = time.time()


def _train(state: ServerState, job: Job, uploads: list[Upload]) -> None:
    from ..coding import classify, load_model, save_model, train
    from ..tables import read_tables

    settings = state.settings
    models = settings.data_dir / "models"
    models.mkdir(parents=True, exist_ok=True)
    with staged(uploads) as st, state.reading_uploads():
        tables = read_tables(st.paths)
        problems = [st.shown(str(p)) for t in tables for p in t.problems]
        job.stage = "训练并做分组交叉验证(5 折)"
        model = train(st.paths, default_data=True, progress=False)
        job.stage = "用默认模型检验同一批表"
        default = load_model(settings.model)
        labeled = [r for t in tables for r in t.records if r.level2_code]
        preds = classify(labeled, default)
        recorded: dict[str, Any] = default.training_ or {}  # model.json's "training" object
        seen = set(recorded.get("file_sha256") or [])
        figures: dict[str, Any] = {
            "files": job.files,
            "trained_at": time.strftime("%Y-%m-%d %H:%M"),
            "rows": model.training_.get("rows"),
            "own_rows": model.training_.get("own_rows"),
            "local": model.evaluation_,
            "local_on_tables": (model.evaluation_ or {}).get("own"),
            "default_on_tables": _accuracy(labeled, preds),
            "default_trained_on_tables": any(t.sha256 in seen for t in tables),
            "default_recorded": default.evaluation_,
            "problems": problems[:50],
        }
    save_model(model, settings.local_model_dir, folds=True)
    settings.local_figures_path.write_text(
        json.dumps(figures, ensure_ascii=False, indent=1), encoding="utf-8"
    )


def _accuracy(records: list[Indicator], preds: list[Prediction]) -> dict[str, Any]:
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
