"""Queue health: jobs that failed in RQ and notices that did not go out, each with a retry."""

from __future__ import annotations

from datetime import UTC, datetime

import redis
from flask import flash, redirect, render_template, url_for
from rq.exceptions import InvalidJobOperation, NoSuchJobError
from rq.job import Job
from rq.registry import FailedJobRegistry, ScheduledJobRegistry, StartedJobRegistry

from server.admin import bp
from server.admin.auth import admin_only
from server.admin.present import NOT_NOTIFIED
from server.api.health import unrouted_backlog
from server.models import Message, Notification
from server.models.audit import audit
from server.platform.db import db
from server.platform.queue import get_queue

SHOW = 100


def _last_line(text: str | None) -> str:
    lines = [line for line in (text or "").strip().splitlines() if line.strip()]
    return lines[-1][:300] if lines else ""


def _aware(value: datetime | None) -> datetime | None:
    """RQ's timestamps are UTC, with or without tzinfo depending on the field."""
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _exc_string(job: Job) -> str:
    result = job.latest_result()
    return (result.exc_string or "") if result is not None else ""


def queue_state() -> dict:
    """What RQ holds; {"error": ...} when Redis does not answer (the page still shows notices)."""
    try:
        queue = get_queue()
        failed = FailedJobRegistry(queue=queue)
        ids = failed.get_job_ids(0, SHOW - 1)
        jobs = [j for j in Job.fetch_many(ids, connection=queue.connection) if j is not None]
        return {
            "queued": queue.count,
            "started": StartedJobRegistry(queue=queue).count,
            "scheduled": ScheduledJobRegistry(queue=queue).count,
            "failed_count": failed.count,
            "failed": [
                {
                    "id": job.id,
                    "func": job.func_name.rsplit(".", 1)[-1],
                    "args": ", ".join(str(a) for a in job.args),
                    "ended_at": _aware(job.ended_at),
                    "error": _last_line(_exc_string(job)),
                }
                for job in jobs
            ],
            "error": None,
        }
    except redis.RedisError as exc:
        return {"error": f"无法连接 Redis：{exc}", "failed": []}


@bp.get("/queue")
@admin_only
def queue():
    notices = db.session.execute(
        db.select(Notification, Message.tracking_no)
        .outerjoin(Message, Message.id == Notification.message_id)
        .where(Notification.status == "failed")
        .order_by(Notification.id.desc())
        .limit(SHOW)
    ).all()
    counts = dict(
        db.session.execute(
            db.select(Notification.status, db.func.count())
            .where(Notification.status.in_((*NOT_NOTIFIED, "pending", "retry", "sending")))
            .group_by(Notification.status)
        ).all()
    )
    return render_template(
        "admin/queue.html",
        state=queue_state(),
        notices=notices,
        counts=counts,
        backlog=unrouted_backlog(),
    )


@bp.post("/queue/jobs/<job_id>/retry")
@admin_only
def job_retry(job_id: str):
    try:
        FailedJobRegistry(queue=get_queue()).requeue(job_id)
    except (NoSuchJobError, InvalidJobOperation):
        flash("该任务已不在失败列表中（可能已重试或已过期）", "error")
        return redirect(url_for("admin.queue"))
    except redis.RedisError as exc:
        flash(f"无法连接 Redis，稍后再试：{exc}", "error")
        return redirect(url_for("admin.queue"))
    audit("job_retried", f"job:{job_id}")
    db.session.commit()
    flash("任务已重新排队，稍后由后台执行", "success")
    return redirect(url_for("admin.queue"))
