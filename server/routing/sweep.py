"""The sweep: one periodic pass over the database, safe to run twice or concurrently.

It only reads rows that are due and acts through the same idempotent jobs, so a message or a
notice is never handled twice:
- messages still `received` after a grace period (Redis was down, a worker died) -> route again;
- notices pending or due for retry whose job got lost -> enqueue again;
- notices stuck in `sending` (the worker died mid-call) -> `failed`, since WeChat may or may not
  have delivered it and a notice is sent at most once;
- items a deputy has not answered after REMIND_AFTER_HOURS -> one reminder per assignment;
- items not answered after OVERDUE_AFTER_HOURS -> marked overdue, once, for staff;
- items closed RETENTION_DAYS ago -> photos, phone and place deleted (when configured).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import update

from server.events import record
from server.extensions import db
from server.intake.photos import photo_path
from server.models import AWAITING_DEPUTY, Assignment, Message, Notification, Upload, WalkIn
from server.models.lifecycle import FINISHED, OPEN
from server.routing.queue import enqueue_notice, enqueue_route
from server.timeutil import utcnow
from server.wechat.notices import queue_notice

log = logging.getLogger(__name__)
BATCH = 500


def _lost_messages(now) -> list[int]:
    grace = timedelta(seconds=current_app.config["SWEEP_GRACE_SECONDS"])
    return list(
        db.session.scalars(
            db.select(Message.id)
            .where(Message.status == "received", Message.created_at <= now - grace)
            .order_by(Message.id)
            .limit(BATCH)
        )
    )


def _lost_notices(now) -> list[int]:
    grace = timedelta(seconds=current_app.config["SWEEP_GRACE_SECONDS"])
    return list(
        db.session.scalars(
            db.select(Notification.id)
            .where(
                ((Notification.status == "pending") & (Notification.created_at <= now - grace))
                | ((Notification.status == "retry") & (Notification.next_attempt_at <= now - grace))
            )
            .order_by(Notification.id)
            .limit(BATCH)
        )
    )


def _fail_stuck_notices(now) -> int:
    stuck = timedelta(seconds=current_app.config["NOTICE_STUCK_SECONDS"])
    ids = list(
        db.session.scalars(
            db.select(Notification.id).where(
                Notification.status == "sending", Notification.updated_at <= now - stuck
            )
        )
    )
    for notification_id in ids:
        result = db.session.execute(
            update(Notification)
            .where(Notification.id == notification_id, Notification.status == "sending")
            .values(
                status="failed",
                errmsg="发送过程中断，无法确认是否送达",
                updated_at=now,
            )
        )
        if result.rowcount:
            notice = db.session.get(Notification, notification_id)
            record(
                "notified",
                notice.message_id,
                "system",
                None,
                notification_id=notice.id,
                notice_kind=notice.kind,
                status="failed",
                errcode=None,
            )
    db.session.commit()
    return len(ids)


def _remind(now) -> int:
    """One reminder per assignment the deputy has not answered in REMIND_AFTER_HOURS."""
    cutoff = now - timedelta(hours=current_app.config["REMIND_AFTER_HOURS"])
    due = db.session.execute(
        db.select(Assignment, Message)
        .join(Message, Message.id == Assignment.message_id)
        .where(
            Assignment.active.is_(True),
            Assignment.reminded_at.is_(None),
            Assignment.created_at <= cutoff,
            Message.status.in_(AWAITING_DEPUTY),
        )
        .order_by(Assignment.id)
        .limit(BATCH)
    ).all()
    reminded = 0
    for assignment, message in due:
        claimed = db.session.execute(
            update(Assignment)
            .where(Assignment.id == assignment.id, Assignment.reminded_at.is_(None))
            .values(reminded_at=now)
        )
        if not claimed.rowcount:
            continue
        queue_notice(
            "reminder",
            f"remind-{assignment.id}",
            message,
            assignment.deputy.citizen_id,
            deputy_id=assignment.deputy_id,
            note="该留言尚未答复，请尽快处理",
        )
        record("reminded", message.id, "system", None, deputy_id=assignment.deputy_id)
        reminded += 1
    db.session.commit()
    return reminded


def _mark_overdue(now) -> int:
    """Items nobody has answered OVERDUE_AFTER_HOURS after the citizen wrote: flagged once."""
    cutoff = now - timedelta(hours=current_app.config["OVERDUE_AFTER_HOURS"])
    ids = list(
        db.session.scalars(
            db.select(Message.id)
            .where(
                Message.status.in_(OPEN),
                Message.overdue_at.is_(None),
                Message.created_at <= cutoff,
            )
            .order_by(Message.id)
            .limit(BATCH)
        )
    )
    marked = 0
    for message_id in ids:
        result = db.session.execute(
            update(Message)
            .where(Message.id == message_id, Message.overdue_at.is_(None))
            .values(overdue_at=now)
        )
        if result.rowcount:
            record("overdue", message_id, "system", None)
            marked += 1
    db.session.commit()
    return marked


def _delete_unsubmitted_photos(now) -> int:
    """Photos uploaded but never sent with a message (the citizen changed their mind, the app
    was closed): nobody's record, so they go after UNSUBMITTED_PHOTO_HOURS whatever
    RETENTION_DAYS says. Conditional on still being unattached: a submission racing the sweep
    keeps its photo."""
    hours = current_app.config["UNSUBMITTED_PHOTO_HOURS"]
    if hours <= 0:
        return 0
    cutoff = now - timedelta(hours=hours)
    candidates = db.session.execute(
        db.select(Upload.id, Upload.path)
        .where(Upload.message_id.is_(None), Upload.created_at <= cutoff)
        .order_by(Upload.created_at)
        .limit(BATCH)
    ).all()
    gone = []
    for upload_id, path in candidates:
        result = db.session.execute(
            db.delete(Upload).where(Upload.id == upload_id, Upload.message_id.is_(None))
        )
        if result.rowcount:
            gone.append(path)
    db.session.commit()
    # Files go after the commit, as below.
    for path in gone:
        Path(current_app.config["UPLOAD_DIR"], path).unlink(missing_ok=True)
    if gone:
        log.info("retention: %s unsubmitted photos deleted", len(gone))
    return len(gone)


def _apply_retention(now) -> int:
    """Delete the photos and personal fields of items closed RETENTION_DAYS ago, once each
    (a walk-in's visitor name with them), and photos never submitted after a day."""
    _delete_unsubmitted_photos(now)
    days = current_app.config["RETENTION_DAYS"]
    if days <= 0:
        return 0
    cutoff = now - timedelta(days=days)
    ids = list(
        db.session.scalars(
            db.select(Message.id)
            .where(
                Message.status.in_(FINISHED),
                Message.redacted_at.is_(None),
                db.func.coalesce(Message.closed_at, Message.updated_at) <= cutoff,
            )
            .order_by(Message.id)
            .limit(BATCH)
        )
    )
    for message_id in ids:
        uploads = list(db.session.scalars(db.select(Upload).where(Upload.message_id == message_id)))
        for upload in uploads:
            db.session.delete(upload)
        db.session.execute(
            update(Message)
            .where(Message.id == message_id)
            .values(
                contact_phone_enc=None,
                location_lat=None,
                location_lng=None,
                location_address=None,
                redacted_at=now,
            )
        )
        # A walk-in's visitor gave their name to the clerk: it is personal data like the phone.
        db.session.execute(
            update(WalkIn).where(WalkIn.message_id == message_id).values(visitor_name="")
        )
        record("redacted", message_id, "system", None, photos=len(uploads), days=days)
        db.session.commit()
        # Files go after the commit: a failed commit must not leave rows pointing at nothing.
        for upload in uploads:
            Path(photo_path(upload)).unlink(missing_ok=True)
    return len(ids)


def run_sweep() -> dict:
    now = utcnow()
    messages = _lost_messages(now)
    for message_id in messages:
        enqueue_route(message_id)
    notices = _lost_notices(now)
    failed = _fail_stuck_notices(now)
    reminders = _remind(now)
    for notification_id in notices:
        enqueue_notice(notification_id)
    overdue = _mark_overdue(now)
    redacted = _apply_retention(now)
    summary = {
        "rerouted": len(messages),
        "notices_requeued": len(notices),
        "notices_interrupted": failed,
        "reminders": reminders,
        "overdue": overdue,
        "redacted": redacted,
    }
    if any(summary.values()):
        log.info("sweep: %s", summary)
    return summary
