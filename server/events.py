"""Recording state changes: one Event row each, in the caller's transaction."""

from __future__ import annotations

from server.extensions import db
from server.models import Event


def record(
    kind: str, message_id: int | None, actor: str, actor_id: int | None = None, **data
) -> Event:
    event = Event(message_id=message_id, kind=kind, actor=actor, actor_id=actor_id, data=data)
    db.session.add(event)
    return event
