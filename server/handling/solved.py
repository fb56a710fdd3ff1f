"""「问题解决了吗」: an answered item the citizen has not rated SOLVED_ASK_AFTER_HOURS after its
latest answer gets one notice asking (its own template's credit only: the answer's come first).
Claimed by the notice's unique dedupe key, so two sweeps ask once.

This is the prompt for an answer nobody rated; the 回访 REVISIT_DAYS after closing
(server/handling/revisits.py) is the other 「问题解决了吗」, and it is not pushed for an answer
this prompt already asked about: one answer, one prompt."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func

from server.models import Message, Notification, Reply
from server.notices.outbox import queue_notice
from server.platform.db import db

BATCH = 500
# Answers older than this many days past the ask time are not asked about any more: the sweep
# reads a bounded window, not every answered item there ever was.
WINDOW_DAYS = 7


def solved_key(reply_id: int) -> str:
    """The prompt's dedupe key: one per answer."""
    return f"solved-{reply_id}"


def ask_solved(now: datetime) -> int:
    cutoff = now - timedelta(hours=current_app.config["SOLVED_ASK_AFTER_HOURS"])
    latest = (
        db.select(
            Reply.message_id,
            func.max(Reply.id).label("reply_id"),
            func.max(Reply.created_at).label("answered_at"),
        )
        .where(Reply.author_kind != "citizen")
        .group_by(Reply.message_id)
        .subquery()
    )
    key = "solved-" + func.cast(latest.c.reply_id, db.String)
    due = db.session.execute(
        db.select(Message, latest.c.reply_id)
        .join(latest, latest.c.message_id == Message.id)
        .where(
            Message.status == "replied",
            Message.citizen_id.is_not(None),
            latest.c.answered_at <= cutoff,
            latest.c.answered_at > cutoff - timedelta(days=WINDOW_DAYS),
            ~db.select(Notification.id).where(Notification.dedupe_key == key).exists(),
        )
        .order_by(Message.id)
        .limit(BATCH)
    ).all()
    asked = 0
    for message, reply_id in due:
        if queue_notice("solved", solved_key(reply_id), message, message.citizen_id):
            asked += 1
    db.session.commit()
    return asked
