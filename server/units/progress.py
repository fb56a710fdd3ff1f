"""A unit's transfers of an item, as rows (the stage rules themselves are pure, in
server/routing/stages.py; which stage is open and by when: server/routing/deadlines.py)."""

from __future__ import annotations

from flask import current_app

from server.models import Transfer
from server.platform.db import db
from server.routing.deadlines import open_transfer
from server.routing.stages import Deadlines

__all__ = ["latest_transfer", "open_transfer", "rules"]


def rules() -> Deadlines:
    return Deadlines.of(current_app.config)


def latest_transfer(message_id: int) -> Transfer | None:
    return db.session.scalar(
        db.select(Transfer)
        .where(Transfer.message_id == message_id)
        .order_by(Transfer.id.desc())
        .limit(1)
    )
