"""A department's own model (本单位模型): trained from its reviewed rows in one action, used only
for its own reviews.

Why per department: one server-wide model trained from one user's upload changed every other
user's review (issue 17). Here a model belongs to the department that trained it:

* :func:`train_department_model` — the department's rows with decisions applied
  (:mod:`.department_rows`; no separate upload) train on top of the shipped data (own rows
  weigh ``own_weight``, cross-fitted as ``indicatorml train`` does, so its label check never
  grades a row it learned); the held-out year is measured (:mod:`.heldout_year`) and said in one
  sentence. The model is written as plain arrays + JSON under
  ``<data_dir>/models/departments/<key>/<model id>/`` — to a temporary name first, fsynced, then
  renamed (``coding.save_model``), so a crash leaves no half model in place; ``<key>`` is a hash of the department's name (a
  name typed by a user never becomes a path).
* the store records it — settings key ``department-model:<key>``: the department, every model
  trained (id, when, by whom, rows, figures, the sentence) and which one is ``active``.
* :func:`model_for_department` — the registry: the model a review of this department is
  scored with (its active model, else the default). No other department's reviews see it.
* :func:`queue_training` / :func:`run_next_training` — the store job (kind
  :data:`JOB_KIND`) the page starts and a worker runs: one conditional claim, so two server
  processes never train the same job.
"""

from __future__ import annotations

import hashlib
import secrets
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..errors import IndicatormlError
from ..store import Job, Store
from .department_rows import department_rows
from .heldout_year import heldout_year, verdict

__all__ = [
    "JOB_KIND",
    "KEEP_MODELS",
    "DepartmentModel",
    "department_key",
    "train_department_model",
    "department_models",
    "active_model",
    "model_for_department",
    "queue_training",
    "run_next_training",
]

JOB_KIND = "department-model"
KEEP_MODELS = 5  # models kept per department (the older ones' folders are removed)
_SETTING = "department-model:"


@dataclass(frozen=True)
class DepartmentModel:
    """One trained model of a department, as the store records it."""

    department: str
    id: str
    path: Path
    trained_at: str
    record: dict[str, Any]

    @property
    def name(self) -> str:
        """What a review calls the model."""
        return f"本单位模型({self.department})"

    @property
    def verdict(self) -> str:
        return str(self.record.get("verdict", ""))


def department_key(department: str) -> str:
    """The folder and setting name of a department: a hash of its name, never the name."""
    if not isinstance(department, str) or not department.strip():
        raise IndicatormlError("需要给出单位(部门)名称")
    return hashlib.sha256(department.strip().encode("utf-8")).hexdigest()[:32]


def _folder(data_dir: Path, department: str) -> Path:
    return Path(data_dir) / "models" / "departments" / department_key(department)


def train_department_model(
    store: Store,
    department: str,
    data_dir: Path,
    *,
    user: str | None = None,
    own_weight: float | None = None,
    default_model: Any = None,
    stage: Any = None,
) -> DepartmentModel:
    """Train, measure, save and record the department's model, and make it its active one.

    ``default_model`` is the model it is compared with (None: the default model); ``stage``
    is called with a Chinese word on each step (a job's heartbeat). :class:`IndicatormlError`
    when the department has no labeled row to learn from.
    """
    from ..coding import DEFAULT_OWN_WEIGHT, load_model, train

    say = stage if callable(stage) else (lambda _: None)
    department = department.strip() if isinstance(department, str) else department
    folder = _folder(data_dir, department)  # checks the name first
    say("读取本单位已审核的表")
    rows = department_rows(store, department)
    if not rows:
        raise IndicatormlError(f"「{department}」还没有已审核、带二级指标的指标行，无法训练本单位模型")
    default = default_model if default_model is not None else load_model()
    say("按年份留出检验")
    figures = heldout_year(rows, default)
    model_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + secrets.token_hex(3)
    folder.mkdir(parents=True, exist_ok=True)
    say("训练并做分组交叉验证")
    model = train(
        own_records=[r.record for r in rows],
        out=folder / model_id,  # saved whole or not at all (coding.save_model), fsynced
        own_weight=DEFAULT_OWN_WEIGHT if own_weight is None else own_weight,
        progress=False,
    )
    model_json = (folder / model_id / "model.json").read_bytes()
    record: dict[str, Any] = {
        "id": model_id,
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "trained_by": user,
        "rows": len(rows),
        "reviews": len({r.review_id for r in rows}),
        "years": sorted({r.year for r in rows if r.year is not None}),
        "hash": hashlib.sha256(model_json).hexdigest(),
        "heldout_year": figures.to_dict(),
        "crossval_own": (model.evaluation_ or {}).get("own"),
        "verdict": verdict(figures),
    }
    _record(store, department, folder, record)
    return DepartmentModel(department, model_id, folder / model_id, record["trained_at"], record)


def _record(store: Store, department: str, folder: Path, record: dict[str, Any]) -> None:
    key = _SETTING + department_key(department)
    old = store.get_setting(key, None) or {}
    models = [record, *[m for m in old.get("models", []) if m.get("id") != record["id"]]]
    kept, dropped = models[:KEEP_MODELS], models[KEEP_MODELS:]
    store.set_setting(key, {"department": department, "active": record["id"], "models": kept})
    for m in dropped:  # after the store no longer names them
        shutil.rmtree(folder / str(m.get("id")), ignore_errors=True)


def department_models(store: Store, department: str) -> dict[str, Any]:
    """What the store records of the department's models: ``department``, ``active`` (an id or
    None) and ``models`` (newest first: id, trained_at, trained_by, rows, years, hash, figures,
    ``verdict``) — what the 本单位模型 page lists."""
    value = store.get_setting(_SETTING + department_key(department), None)
    return value or {"department": department, "active": None, "models": []}


def active_model(store: Store, data_dir: Path, department: str | None) -> DepartmentModel | None:
    """The department's active model, None if it has none (or its folder is gone)."""
    if department is None or not str(department).strip():
        return None
    info = department_models(store, department)
    active = info.get("active")
    record = next((m for m in info.get("models", []) if m.get("id") == active), None)
    if record is None:
        return None
    path = _folder(data_dir, department) / str(active)
    if not (path / "model.json").is_file():
        return None
    return DepartmentModel(info["department"], str(active), path, str(record.get("trained_at")), record)


def model_for_department(
    store: Store, data_dir: Path, department: str | None
) -> tuple[Path | None, str | None]:
    """The model a review of ``department`` is scored with, as ``create_review(model=…,
    model_name=…)`` takes it: its active model's folder and name, else ``(None, None)`` (the
    default model). Never another department's model."""
    found = active_model(store, data_dir, department)
    return (found.path, found.name) if found is not None else (None, None)


def queue_training(store: Store, department: str, user: str | None = None, ip: str | None = None) -> Job:
    """A queued training job for the department (the page's one button); ``ip`` (the
    requester's address) is kept in its input for the "trained" audit line written when it ends."""
    department_key(department)  # refuse an empty name before queueing
    given: dict[str, Any] = {"department": department}
    if ip:
        given["ip"] = ip
    return store.create_job(JOB_KIND, given, department=department, created_by=user)


def run_next_training(store: Store, data_dir: Path, worker: str) -> Job | None:
    """Claim the oldest queued training job and run it (None if there is none); the finished
    job (``result`` = the model's record) or the failed one (``error`` in Chinese)."""
    job = store.claim_next_job(JOB_KIND, worker)
    if job is None:
        return None
    department = str((job["input"] or {}).get("department") or job["department"] or "")

    def stage(words: str) -> None:
        if not store.heartbeat(job["id"], worker, words):
            raise IndicatormlError("这个训练任务已不归本进程处理")

    try:
        done = train_department_model(store, department, data_dir, user=job["created_by"], stage=stage)
    except IndicatormlError as e:
        return store.fail_job(job["id"], str(e), worker)
    except Exception as e:  # noqa: BLE001 - a job reports its failure, it does not vanish
        return store.fail_job(job["id"], f"内部错误：{type(e).__name__}", worker)
    return store.finish_job(job["id"], done.record, worker)
