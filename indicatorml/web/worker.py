"""Training jobs as store jobs, run by a worker thread in whichever server process claims them.

Why in the store (issue 15/18): a job kept in one process's memory is lost on a restart, is
invisible to the other ``--workers`` processes (the page polling it lands on another worker
and finds nothing), and its upload sat in memory with no bound on the queue. Now:

* :func:`submit` stores the uploaded files as blobs and queues a ``train`` job naming them —
  refused with a message (503) when :attr:`Settings.train_queue` jobs already wait;
* every process runs one :class:`Trainer` thread; it takes a queued job with the store's one
  conditional UPDATE (:meth:`~indicatorml.store.Store.claim_next_job`: two processes never run
  the same job), while no other training runs (each takes both cores for a while), sends
  heartbeats while it trains, and finishes or fails the job with a Chinese message;
* a process that starts marks jobs whose process died (no heartbeat for :data:`STALE`) as
  failed, with the reason, and the worker does so again now and then.

A finished model is published through :class:`~.registry.ModelRegistry` (a blob + a setting),
so every process can use it.

The same thread runs a department's model job (``reviews.department_model.JOB_KIND``, queued
by the 本单位模型 page's 用本部门已审核的表训练): the department's reviewed rows train its own
model (:func:`~indicatorml.reviews.department_model.train_department_model`, with heartbeats),
recorded in the store for that department only.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.exceptions import HTTPException

from ..accounts import event
from ..durable import STAGING_PREFIX, owned_dir
from ..errors import IndicatormlError
from ..reviews.department_model import JOB_KIND as DEPARTMENT_KIND
from ..reviews.department_model import train_department_model
from ..store import AuditIn, Job, Store
from .registry import ModelRegistry
from .settings import Settings
from .training import train_local
from .uploads import Upload

if TYPE_CHECKING:
    from ..tables.pool import ReaderPool

__all__ = ["KIND", "DEPARTMENT_KIND", "STALE", "Trainer", "submit", "job_json"]

KIND = "train"
STALE = timedelta(minutes=2)  # no heartbeat for this long: the process running the job is gone
HEARTBEAT_SECONDS = 5.0
POLL_SECONDS = 2.0  # how often an idle worker looks for jobs queued by other processes
STALE_CHECK_SECONDS = 60.0
STATE_ZH = {"queued": "排队中", "running": "训练中", "done": "完成", "failed": "失败"}
log = logging.getLogger("indicatorml.web")


def submit(
    store: Store,
    settings: Settings,
    uploads: list[Upload],
    user: str | None,
    department: str | None,
    ip: str | None = None,
) -> Job:
    """Queue a training job on ``uploads`` (stored as blobs first); 503 when the queue is full.
    ``ip`` (who asked, from where) goes with the job for the "trained" audit line its end writes."""
    waiting = store.list_jobs(kind=KIND, state="queued", limit=settings.train_queue + 1)
    if len(waiting) >= settings.train_queue:
        raise HTTPException(
            503,
            f"已有 {len(waiting)} 个训练任务在排队(上限 {settings.train_queue} 个),请等前面的完成后再提交",
        )
    files = [{"name": u.name, "sha256": store.put_blob(u.data)} for u in uploads]
    return store.create_job(KIND, {"files": files, "ip": ip}, created_by=user, department=department)


def job_json(job: Job, expected: float | None = None) -> dict[str, Any]:
    """A job as the page and ``GET /api/models/jobs/{id}`` show it."""
    start = job["started_at"] or job["created_at"]
    end = job["finished_at"] or datetime.now(start.tzinfo)
    files = (job["input"] or {}).get("files") or []
    stage = job["stage"] if job["state"] == "running" and job["stage"] else STATE_ZH.get(job["state"], "")
    return {
        "id": job["id"],
        "files": [f.get("name") for f in files if isinstance(f, dict)],
        "state": job["state"],
        "stage": stage,
        "elapsed": round(max(0.0, (end - start).total_seconds()), 1),
        "expected_seconds": expected,
        "error": job["error"],
    }


def expected_seconds(store: Store, kind: str = KIND) -> float | None:
    """How long the last finished training of ``kind`` took (the page's progress bar: a
    department's model trains on its reviewed rows, an upload's on the shipped data too — their
    times differ), None before any."""
    done = store.list_jobs(kind=kind, state="done", limit=1)
    if not done or done[0]["started_at"] is None or done[0]["finished_at"] is None:
        return None
    return round((done[0]["finished_at"] - done[0]["started_at"]).total_seconds(), 1)


class Trainer:
    """One process's worker thread (module docstring)."""

    def __init__(
        self, settings: Settings, store: Store, models: ModelRegistry, readers: ReaderPool | None
    ) -> None:
        self.settings = settings
        self.store = store
        self.models = models
        self.readers = readers
        self.worker = f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(3)}"
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._checked = 0.0

    def start(self) -> None:
        """Mark the jobs of dead processes, then start looking for jobs."""
        self._mark_stale()
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="indicatorml-trainer", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """A job was queued by this process: look now rather than at the next poll."""
        self._wake.set()

    def stop(self) -> None:
        """Stop looking for jobs (a training under way ends by itself; its thread is a daemon)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=1)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                if time.monotonic() - self._checked > STALE_CHECK_SECONDS:
                    self._mark_stale()
                job = self._claim()
                if job is not None:
                    self._run(job)
                    continue
                job = self._claim(DEPARTMENT_KIND)
                if job is not None:
                    self._run_department(job)
                    continue
            except Exception:  # noqa: BLE001 - the worker must outlive a database hiccup
                log.exception("训练任务线程出错")
            self._wake.wait(POLL_SECONDS)
            self._wake.clear()

    def _mark_stale(self) -> None:
        self._checked = time.monotonic()
        for job in self.store.mark_stale_jobs(STALE):
            log.warning("训练任务 %s 的进程已停止,标记为失败", job["id"])

    def _claim(self, kind: str = KIND) -> Job | None:
        if any(self.store.list_jobs(kind=k, state="running", limit=1) for k in (KIND, DEPARTMENT_KIND)):
            return None  # one training at a time across the processes (best effort)
        return self.store.claim_next_job(kind, self.worker)

    def _run_department(self, job: Job) -> None:
        """Train the job's department's own model on its reviewed rows, with heartbeats; the
        job's result is the model's record (figures and the page's sentence), or its error."""
        from ..coding import load_model

        beat = _Heartbeat(self.store, job["id"], self.worker)
        department = str((job["input"] or {}).get("department") or job["department"] or "")
        try:
            with beat:
                done = train_department_model(
                    self.store,
                    department,
                    self.settings.data_dir,
                    user=job["created_by"],
                    default_model=load_model(self.settings.model),
                    stage=beat.stage,
                )
            if not beat.ours:
                return  # marked stale meanwhile: the job was failed
            self.store.finish_job(job["id"], done.record, worker=self.worker, audit=_trained(job))
        except IndicatormlError as e:
            self._fail(job, str(e))
        except Exception as e:  # noqa: BLE001 - a job reports its failure, it does not vanish
            log.exception("训练任务 %s 出错", job["id"])
            self._fail(job, f"内部错误({type(e).__name__}):训练没有完成,详情已记在服务器日志里")

    def _run(self, job: Job) -> None:
        """Train for ``job`` with heartbeats; publish the model and finish, or fail the job."""
        beat = _Heartbeat(self.store, job["id"], self.worker)
        self.settings.models_dir.mkdir(parents=True, exist_ok=True)
        # Owned scratch folder (durable.owned_dir): removed on exit, and by the next server's
        # clean_leftovers if this process is killed mid-training.
        with owned_dir(self.settings.models_dir, STAGING_PREFIX) as scratch:
            self._train(job, beat, scratch / "model")

    def _train(self, job: Job, beat: _Heartbeat, out: Path) -> None:
        try:
            uploads = [
                Upload(str(f["name"]), self.store.get_blob(str(f["sha256"])))
                for f in (job["input"] or {}).get("files", [])
            ]
            with beat:
                figures = train_local(self.settings, uploads, out, self.readers, beat.stage)
                if not beat.ours:
                    return  # marked stale meanwhile: the job was failed; throw the work away
                beat.stage("保存模型")
                self.models.publish(out, {"job": job["id"], "figures": figures})
            self.store.finish_job(job["id"], {"figures": figures}, worker=self.worker, audit=_trained(job))
        except IndicatormlError as e:
            self._fail(job, str(e))
        except Exception as e:  # noqa: BLE001 - a job reports its failure, it does not vanish
            log.exception("训练任务 %s 出错", job["id"])
            self._fail(job, f"内部错误({type(e).__name__}):训练没有完成,详情已记在服务器日志里")

    def _fail(self, job: Job, error: str) -> None:
        try:
            self.store.fail_job(job["id"], error, worker=self.worker)
        except IndicatormlError:
            pass  # no longer ours (marked stale): it already says why


def _trained(job: Job) -> AuditIn:
    """The "trained" line of a finished job: who queued it, from where, on which files (none
    for a department's model: its reviewed rows)."""
    given = job["input"] if isinstance(job["input"], dict) else {}
    ip = given.get("ip")
    files = [f.get("name") for f in given.get("files") or [] if isinstance(f, dict)]
    return event(
        job["created_by"],
        "trained",
        ip=ip if isinstance(ip, str) else None,
        department=job["department"],
        object_kind="job",
        object_id=job["id"],
        details={"files": files},
    )


class _Heartbeat:
    """Report "still working, now on <stage>" every few seconds while a job runs."""

    def __init__(self, store: Store, job_id: str, worker: str) -> None:
        self.store = store
        self.job_id = job_id
        self.worker = worker
        self.ours = True
        self._stage: str | None = None
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="indicatorml-heartbeat", daemon=True)

    def stage(self, text: str) -> None:
        self._stage = text
        self._send()

    def _send(self) -> None:
        try:
            self.ours = self.store.heartbeat(self.job_id, self.worker, self._stage) and self.ours
        except IndicatormlError:
            pass  # the database is away for a moment: the next beat tries again

    def _beat(self) -> None:
        while not self._done.wait(HEARTBEAT_SECONDS):
            self._send()

    def __enter__(self) -> _Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join(timeout=HEARTBEAT_SECONDS + 1)
