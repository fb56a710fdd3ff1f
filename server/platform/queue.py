"""Putting work on the RQ queue. Redis only carries work: the database row was committed first,
so when Redis is unreachable we log and go on, and the sweep finds the row later."""

from __future__ import annotations

import logging
import os
import secrets
from datetime import timedelta

import redis
from flask import current_app
from rq import Queue
from sqlalchemy import event
from sqlalchemy.orm import Session

from server.platform.logs import request_id
from server.platform.redis import get_redis

log = logging.getLogger(__name__)

# No job result kept: every outcome is in the database (the message, its notices, the export),
# and a kept result is one more hash written and expired in Redis per job, at 100 jobs a second.
# With 0, RQ deletes a job as soon as it succeeds; failed jobs stay (FAILURE_TTL).
RESULT_TTL = 0
FAILURE_TTL = 14 * 24 * 3600  # failed jobs stay visible for two weeks (queue health page)


def get_queue() -> Queue:
    """The app's queue, one per process: a Queue remembers the Redis server's version, which it
    would otherwise ask for (INFO) on every enqueue."""
    key = ("rq_queue", os.getpid())
    queue = current_app.extensions.get(key)
    if queue is None or queue.connection is not get_redis():
        queue = current_app.extensions[key] = Queue(
            current_app.config["RQ_QUEUE"],
            connection=get_redis(),
            default_timeout=current_app.config["ROUTE_JOB_TIMEOUT"],
        )
    return queue


def _options(job_id: str) -> dict:
    options = {"job_id": job_id, "result_ttl": RESULT_TTL, "failure_ttl": FAILURE_TTL}
    current = request_id.get()
    if current:
        # The worker logs it while running the job (server/platform/logs.py).
        options["meta"] = {"request_id": current}
    return options


def job_id(kind: str, row_id: int) -> str:
    """`route-42-k3f9`: readable, and unique per enqueue. Reusing an id would let a finishing
    job overwrite the record of its own re-enqueued successor (a job id is not idempotency:
    the database is, see server/tasks/)."""
    return f"{kind}-{row_id}-{secrets.token_hex(3)}"


def enqueue(func: str, *args, job_id: str, delay: float = 0, timeout: int | None = None) -> bool:
    """Enqueue the job at dotted path `func` with `args`; False (logged, not raised) when Redis
    is unreachable. `timeout`: seconds a long job (an export, the analysis) may run."""
    options = _options(job_id)
    if timeout is not None:
        options["job_timeout"] = timeout
    try:
        queue = get_queue()
        if delay > 0:
            queue.enqueue_in(timedelta(seconds=delay), func, *args, **options)
            return True
        with queue.connection.pipeline() as pipe:  # one round trip for the whole enqueue
            queue.enqueue(func, *args, pipeline=pipe, **options)
            pipe.execute()
        return True
    except redis.RedisError as exc:
        # Routes and notices are picked up again by the sweep (server/tasks/sweeper.py).
        log.warning("could not enqueue %s (%s)", job_id, exc)
        return False


def after_commit(session: Session, func, *args) -> None:
    """Run `func(*args)` once the session's transaction has committed, and never if it rolls
    back: a job must never look for a row that is not there yet, nor for one that never was."""
    session.info.setdefault("after_commit", []).append((func, args))


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    for func, args in session.info.pop("after_commit", ()):
        func(*args)


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop("after_commit", None)


# Jobs are named by their dotted path: the worker imports server.tasks, nothing else does.
TASKS = "server.tasks"


def enqueue_route(message_id: int) -> bool:
    return enqueue(f"{TASKS}.route_message", message_id, job_id=job_id("route", message_id))


def enqueue_notice(notification_id: int, delay: float = 0) -> bool:
    return enqueue(
        f"{TASKS}.send_notification",
        notification_id,
        job_id=job_id("notice", notification_id),
        delay=delay,
    )


def enqueue_analysis(run_id: int, timeout: int) -> bool:
    """The quarterly analysis (topics and clusters of a quarter): one long job."""
    return enqueue(
        f"{TASKS}.analyse_quarter", run_id, job_id=job_id("analysis", run_id), timeout=timeout
    )


def enqueue_export(export_id: int, timeout: int) -> bool:
    """A register export: one long job (a province's quarter takes a minute), its own timeout."""
    return enqueue(
        f"{TASKS}.exports.build_register",
        export_id,
        job_id=job_id("export", export_id),
        timeout=timeout,
    )


def enqueue_archive(export_id: int, timeout: int) -> bool:
    """A station's 履职档案 zip (server/tasks/exports.py: build_archive)."""
    return enqueue(
        f"{TASKS}.exports.build_archive",
        export_id,
        job_id=job_id("archive", export_id),
        timeout=timeout,
    )
