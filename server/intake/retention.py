"""How long we keep what citizens hand in: RETENTION_DAYS after an item is closed or refused its
photos, phone, place and a walk-in visitor's name are deleted (the text and the register entry
stay), and photos uploaded but never sent are deleted after UNSUBMITTED_PHOTO_HOURS."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import update

from server.intake.photos import photo_path
from server.models import Event, Message, Upload, WalkIn
from server.models.event import record
from server.models.lifecycle import FINISHED
from server.platform.clock import local_today
from server.platform.db import db

log = logging.getLogger(__name__)
BATCH = 500


def delete_unsubmitted_photos(now: datetime) -> int:
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


def apply_retention(now: datetime) -> int:
    """Delete the photos and personal fields of items closed RETENTION_DAYS ago, once each
    (a walk-in's visitor name with them), and photos never submitted after a day."""
    delete_unsubmitted_photos(now)
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


@dataclass(frozen=True)
class RetentionDay:
    day: date  # Beijing date
    items: int  # items whose phone, place, photos (and visitor's name) were deleted
    photos: int


def recent_runs(now: datetime, days: int = 30) -> list[RetentionDay]:
    """What retention removed, per Beijing day, over the last `days` days (newest first): read
    from the `redacted` events the sweep writes, so the dashboard shows what really happened."""
    since = now - timedelta(days=days)
    rows = db.session.execute(
        db.select(Event.created_at, Event.data).where(
            Event.kind == "redacted", Event.created_at >= since
        )
    ).all()
    by_day: dict[date, list[int]] = {}
    for created_at, data in rows:
        day = local_today(created_at)
        counts = by_day.setdefault(day, [0, 0])
        counts[0] += 1
        counts[1] += int((data or {}).get("photos") or 0)
    return [RetentionDay(day, *by_day[day]) for day in sorted(by_day, reverse=True)]
