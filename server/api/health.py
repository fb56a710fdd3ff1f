"""Health: is this process up (`/healthz`), and can it serve with the loop behind it moving
(`/readyz`)?

`GET /healthz` answers as soon as the process serves requests; `instance` tells which start of
the app answers (./scripts/run waits for its own INSTANCE_ID, not whatever holds the port).

`GET /readyz` answers JSON for a load balancer or a monitor: the database and Redis answer, how
many jobs wait in the queue, and how long the oldest accepted message has waited to be routed.
Routing is the worker's job, re-driven by the sweep every SWEEP_INTERVAL: a message still
`received` several sweeps later means workers or the scheduler are not running (or cannot reach
Redis), and nobody would notice until a citizen complains. The sweep records when it last ran
(`last_sweep_seconds`): older than the same alarm limit, the scheduler or the workers have
stopped. 503 when any of it is wrong, so a monitor pages someone; the queue page shows the
same alarm to administrators.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime

import redis
from flask import Blueprint, Response, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from server.models import Message
from server.platform.clock import utcnow
from server.platform.db import db

log = logging.getLogger(__name__)
bp = Blueprint("health", __name__)

# How many sweeps may pass before a message still waiting to be routed is an alarm.
ALARM_AFTER_SWEEPS = 3


@dataclass(frozen=True)
class Backlog:
    count: int  # messages accepted and not routed yet
    oldest_seconds: float | None  # how long the oldest of them has waited
    alarm_after: float  # seconds

    @property
    def alarm(self) -> bool:
        return self.oldest_seconds is not None and self.oldest_seconds > self.alarm_after

    def describe(self) -> str:
        minutes = int((self.oldest_seconds or 0) // 60)
        return (
            f"有 {self.count} 条已受理的留言尚未交办代表，最早一条已等待 {minutes} 分钟"
            f"（超过 {int(self.alarm_after // 60) or 1} 分钟即报警）。"
            "请检查后台任务（flask worker、flask scheduler）与 Redis 是否在运行。"
        )


def alarm_after_seconds() -> float:
    """UNROUTED_ALARM_SECONDS, else a few sweeps past the sweep's own grace period."""
    config = current_app.config
    configured = config.get("UNROUTED_ALARM_SECONDS")
    if configured:
        return float(configured)
    return ALARM_AFTER_SWEEPS * config["SWEEP_INTERVAL"] + config["SWEEP_GRACE_SECONDS"]


def _aware(value: datetime) -> datetime:
    # SQLite's aggregate hands back the stored text, not our UTCDateTime's aware value.
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=utcnow().tzinfo)


def unrouted_backlog(now: datetime | None = None) -> Backlog:
    count, oldest = db.session.execute(
        db.select(db.func.count(Message.id), db.func.min(Message.created_at)).where(
            Message.status == "received"
        )
    ).one()
    age = None
    if oldest is not None:
        age = max(0.0, ((now or utcnow()) - _aware(oldest)).total_seconds())
    return Backlog(count=count, oldest_seconds=age, alarm_after=alarm_after_seconds())


@bp.get("/healthz")
def healthz() -> Response:
    """The process serves requests; `instance` tells which start of the app is answering."""
    response = jsonify({"status": "ok", "instance": current_app.config["INSTANCE_ID"]})
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/readyz")
def readyz():
    problems: list[str] = []
    out: dict = {"database": "ok", "redis": "ok", "queue_depth": None}
    backlog = None
    try:
        db.session.execute(text("SELECT 1"))
        backlog = unrouted_backlog()
    except SQLAlchemyError as exc:
        db.session.rollback()
        log.warning("readyz: database unavailable (%s)", exc.__class__.__name__)
        out["database"] = "unavailable"
        problems.append("数据库无法连接")
    out["last_sweep_seconds"] = None
    try:
        from server.platform.queue import get_queue
        from server.tasks.sweeper import last_run

        queue = get_queue()
        queue.connection.ping()
        out["queue_depth"] = queue.count
        swept = last_run()
        if swept is not None:
            out["last_sweep_seconds"] = round(max(0.0, time.time() - swept), 1)
            if out["last_sweep_seconds"] > alarm_after_seconds():
                problems.append(
                    f"定期巡检（sweep）已 {int(out['last_sweep_seconds'] // 60)} 分钟没有运行："
                    "请检查 flask scheduler 与 flask worker 是否在运行"
                )
    except redis.RedisError as exc:
        log.warning("readyz: redis unavailable (%s)", exc.__class__.__name__)
        out["redis"] = "unavailable"
        problems.append("Redis 无法连接：新留言仍会保存，但要等 Redis 恢复后才会交办")
    out["unrouted"] = backlog.count if backlog else None
    out["oldest_unrouted_seconds"] = (
        round(backlog.oldest_seconds, 1) if backlog and backlog.oldest_seconds is not None else None
    )
    out["alarm_after_seconds"] = alarm_after_seconds()
    if backlog is not None and backlog.alarm:
        problems.append(backlog.describe())
    out["healthy"] = not problems
    out["problems"] = problems
    response = jsonify(out)
    response.status_code = 200 if not problems else 503
    response.headers["Cache-Control"] = "no-store"
    return response
