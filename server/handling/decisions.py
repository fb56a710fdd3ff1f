"""Ending an item: closing it, or refusing it (不予受理) with a reason and where to go instead."""

from __future__ import annotations

from server.models import Event, Message, Notification
from server.models.lifecycle import move
from server.notices.outbox import queue_notice
from server.platform.clock import utcnow
from server.platform.db import db


def close(message: Message, actor: str, actor_id: int | None, reason: str, **event_data) -> None:
    move(
        message,
        "close",
        actor,
        actor_id,
        values={"closed_at": utcnow()},
        reason=reason,
        **event_data,
    )


def reject(
    message: Message, actor_id: int, reason: str, where: str = "", **event_data
) -> Notification | None:
    """Refuse the item: off every inbox, the reason kept, and the citizen told what happened
    and where to go instead. Returns the citizen's notice (None for walk-ins)."""
    now = utcnow()
    event_id = move(
        message,
        "reject",
        "staff",
        actor_id,
        values={"closed_at": now, "assigned_deputy_id": None},
        reason=reason,
        where=where,
        **event_data,
    )
    for assignment in message.assignments:
        if assignment.active:
            assignment.active = False
            assignment.ended_at = now
    if message.citizen_id is None:
        return None
    text = f"不予受理：{reason}" + (f"；建议{where}" if where else "")
    return queue_notice(
        "rejected",
        f"reject-{event_id}",
        message,
        message.citizen_id,
        reply=text,
        deputy="联络站",
        replied_at=now,
    )


def rejection(message: Message) -> dict | None:
    """Why the item was refused and where the citizen may go instead, from its last refusal."""
    if message.status != "rejected":
        return None
    event = db.session.scalar(
        db.select(Event)
        .where(Event.message_id == message.id, Event.kind == "rejected")
        .order_by(Event.id.desc())
        .limit(1)
    )
    data = (event.data or {}) if event is not None else {}
    return {"reason": data.get("reason") or "", "where": data.get("where") or ""}
