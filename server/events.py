"""Recording state changes: one Event row each, in the caller's transaction."""

from __future__ import annotations

from sqlalchemy import insert

from server.extensions import db
from server.models import Event
from server.timeutil import utcnow

_events = Event.__table__


def record(
    kind: str, message_id: int | None, actor: str, actor_id: int | None = None, **data
) -> int:
    """Insert the event now (a plain INSERT, no unit-of-work bookkeeping) and return its id."""
    statement = (
        insert(_events)
        .values(
            message_id=message_id,
            kind=kind,
            actor=actor,
            actor_id=actor_id,
            data=data,
            created_at=utcnow(),
        )
        .returning(_events.c.id)
    )
    return db.session.execute(statement).scalar_one()
