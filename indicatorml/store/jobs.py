"""Background jobs in the database, so any server process can run one and a restart forgets none.

A job is ``queued`` when created; a worker takes it with :func:`claim_next_job`, whose one
conditional ``UPDATE … WHERE id = :id AND state = 'queued'`` succeeds for one worker only (on
PostgreSQL the second worker's update finds the row no longer queued and matches nothing; on
SQLite write transactions are serial anyway). A running job sends :func:`heartbeat`; when its
process dies, the heartbeats stop and :func:`mark_stale_jobs` (called by a starting or
periodically checking server) marks it failed with a Chinese reason, or puts it back in the queue.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .errors import InvalidError, NotFoundError
from .schema import JOB_STATES, jobs, utcnow
from .shapes import Job
from .validate import check_id, check_json, check_lengths

__all__ = [
    "create_job",
    "get_job",
    "list_jobs",
    "claim_next_job",
    "heartbeat",
    "finish_job",
    "fail_job",
    "mark_stale_jobs",
    "stale_reason",
]

_CLAIM_TRIES = 20  # candidates tried before giving up for now (other workers took the others)


def create_job(
    conn: Connection,
    kind: str,
    input: Any = None,
    *,
    job_id: str,
    department: str | None = None,
    created_by: str | None = None,
) -> Job:
    """A new queued job of ``kind`` with JSON ``input``."""
    if not isinstance(kind, str) or not 0 < len(kind) <= 50:
        raise InvalidError("任务类型 kind 应为 1 到 50 个字符的文本")
    check_id(job_id, "任务编号")
    check_lengths({"department": department, "created_by": created_by}, jobs, "任务")
    check_json(input, "任务的 input")
    values = {
        "id": job_id,
        "kind": kind,
        "state": "queued",
        "department": department,
        "created_by": created_by,
        "created_at": utcnow(),
        "input": input,
    }
    conn.execute(sa.insert(jobs).values(values))
    return get_job(conn, job_id)


def get_job(conn: Connection, job_id: str) -> Job:
    m = conn.execute(sa.select(jobs).where(jobs.c.id == job_id)).mappings().first()
    if m is None:
        raise NotFoundError(f"没有这个任务：{job_id}")
    return cast(Job, dict(m))


def list_jobs(
    conn: Connection, *, kind: str | None = None, state: str | None = None, limit: int = 50
) -> list[Job]:
    """Jobs, newest first, of a kind and/or in a state if given."""
    if state is not None and state not in JOB_STATES:
        raise InvalidError(f"任务状态只能是 {'、'.join(JOB_STATES)}，收到 {state!r:.40}")
    q = sa.select(jobs).order_by(jobs.c.created_at.desc(), jobs.c.id).limit(limit)
    if kind is not None:
        q = q.where(jobs.c.kind == kind)
    if state is not None:
        q = q.where(jobs.c.state == state)
    return [cast(Job, dict(m)) for m in conn.execute(q).mappings()]


def claim_next_job(conn: Connection, kind: str, worker: str) -> Job | None:
    """The oldest queued job of ``kind``, now running under ``worker``; None if none is queued."""
    check_lengths({"worker": worker}, jobs, "任务")
    tried: list[str] = []
    for _ in range(_CLAIM_TRIES):
        q = (
            sa.select(jobs.c.id)
            .where(jobs.c.state == "queued", jobs.c.kind == kind, jobs.c.id.not_in(tried))
            .order_by(jobs.c.created_at, jobs.c.id)
            .limit(1)
        )
        candidate = conn.execute(q).scalar()
        if candidate is None:
            return None
        now = utcnow()
        claimed = conn.execute(
            sa.update(jobs)
            .where(jobs.c.id == candidate, jobs.c.state == "queued")
            .values(state="running", worker=worker, started_at=now, heartbeat_at=now, stage=None)
        ).rowcount
        if claimed == 1:
            return get_job(conn, candidate)
        tried.append(candidate)
    return None


def heartbeat(conn: Connection, job_id: str, worker: str, stage: str | None = None) -> bool:
    """Record that ``worker`` is still running the job (and what it does now, if ``stage``).

    False when the job is no longer this worker's running job — marked stale after a long pause,
    or taken back — and the worker should stop and throw its work away.
    """
    values: dict[str, Any] = {"heartbeat_at": utcnow()}
    if stage is not None:
        values["stage"] = stage
    return (
        conn.execute(
            sa.update(jobs)
            .where(jobs.c.id == job_id, jobs.c.state == "running", jobs.c.worker == worker)
            .values(values)
        ).rowcount
        == 1
    )


def finish_job(conn: Connection, job_id: str, result: Any = None, worker: str | None = None) -> Job:
    """Mark a running job done with JSON ``result`` (only if it is still ``worker``'s, when given)."""
    check_json(result, "任务的 result")
    return _end(conn, job_id, worker, {"state": "done", "result": result, "stage": None})


def fail_job(conn: Connection, job_id: str, error: str, worker: str | None = None) -> Job:
    """Mark a queued or running job failed (only if it is ``worker``'s running job, when given);
    ``error`` is shown to the user: Chinese, and no server path in it."""
    if not isinstance(error, str) or not error.strip():
        raise InvalidError("任务失败要写明原因 error")
    return _end(conn, job_id, worker, {"state": "failed", "error": error})


def stale_reason(last: datetime | None) -> str:
    """The Chinese reason a job interrupted by a dead process is marked failed with."""
    when = last.strftime("%Y-%m-%d %H:%M:%S UTC") if last else "开始后"
    return f"任务中断：运行它的服务进程自 {when} 起没有再报告进度（可能已重启或崩溃），请重新提交"


def mark_stale_jobs(conn: Connection, older_than: timedelta, requeue: bool = False) -> list[Job]:
    """Running jobs whose last heartbeat is older than ``older_than``: failed with
    :func:`stale_reason` (or, with ``requeue``, queued again for another worker). The jobs changed."""
    cutoff = utcnow() - older_than
    last = sa.func.coalesce(jobs.c.heartbeat_at, jobs.c.started_at, jobs.c.created_at)
    stale = (jobs.c.state == "running") & (last < cutoff)
    changed = []
    for job_id, heartbeat_at in conn.execute(sa.select(jobs.c.id, jobs.c.heartbeat_at).where(stale)).all():
        if requeue:
            values: dict[str, Any] = {
                "state": "queued",
                "worker": None,
                "started_at": None,
                "heartbeat_at": None,
            }
        else:
            values = {"state": "failed", "error": stale_reason(heartbeat_at), "finished_at": utcnow()}
        # The same condition again: a heartbeat that arrived meanwhile keeps the job running.
        if conn.execute(sa.update(jobs).where(jobs.c.id == job_id, stale).values(values)).rowcount == 1:
            changed.append(get_job(conn, job_id))
    return changed


def _end(conn: Connection, job_id: str, worker: str | None, values: dict[str, Any]) -> Job:
    mine: sa.ColumnElement[bool]
    if worker is not None:
        mine = (jobs.c.state == "running") & (jobs.c.worker == worker)
    elif values["state"] == "failed":
        mine = jobs.c.state.in_(("queued", "running"))
    else:
        mine = jobs.c.state == "running"
    q = sa.update(jobs).where(jobs.c.id == job_id, mine).values(finished_at=utcnow(), **values)
    if conn.execute(q).rowcount != 1:
        job = get_job(conn, job_id)  # NotFoundError if there is none
        who = f" {worker} " if worker is not None else ""
        raise InvalidError(f"任务 {job_id} 不是{who}正在运行的任务（状态：{job['state']}），不能再结束它")
    return get_job(conn, job_id)
