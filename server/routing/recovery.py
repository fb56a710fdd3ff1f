"""Messages whose routing job was lost (Redis was down, a worker died): the database still says
`received`, so the sweep finds them and routes them again; routing is conditional, so a message
is never routed twice."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app

from server.models import Message
from server.platform.db import db
from server.platform.queue import enqueue_route

BATCH = 500


def lost_messages(now: datetime) -> list[int]:
    grace = timedelta(seconds=current_app.config["SWEEP_GRACE_SECONDS"])
    return list(
        db.session.scalars(
            db.select(Message.id)
            .where(Message.status == "received", Message.created_at <= now - grace)
            .order_by(Message.id)
            .limit(BATCH)
        )
    )


def reroute_lost(now: datetime) -> int:
    """Enqueue routing again for every message left `received` past the grace period."""
    ids = lost_messages(now)
    for message_id in ids:
        enqueue_route(message_id)
    return len(ids)
