"""Deadlines of the deputy's stage: one reminder per assignment the deputy has not answered in
REMIND_AFTER_HOURS, and an overdue mark once OVERDUE_AFTER_HOURS have passed. Each is claimed by
a conditional UPDATE, so two sweeps at once remind once."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import update

from server.models import AWAITING_DEPUTY, Assignment, Message
from server.models.event import record
from server.models.lifecycle import OPEN
from server.notices.outbox import queue_notice
from server.platform.db import db

BATCH = 500


def remind(now: datetime) -> int:
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


def mark_overdue(now: datetime) -> int:
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
