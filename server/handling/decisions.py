"""Ending an item: closing it, or refusing it (不予受理) with a reason and where to go instead."""

from __future__ import annotations

from server.models import Event, Message, Notification
from server.models.event import record
from server.models.lifecycle import move
from server.notices.outbox import queue_notice
from server.platform.clock import utcnow
from server.platform.db import db
from server.units.transfers import withdraw_open


def close(message: Message, actor: str, actor_id: int | None, reason: str, **event_data) -> None:
    """Close the item; a unit still holding it has its transfer withdrawn in the same
    transaction (the caller commits)."""
    move(
        message,
        "close",
        actor,
        actor_id,
        values={"closed_at": utcnow()},
        reason=reason,
        **event_data,
    )
    withdraw_open(message, actor, actor_id, "closed", by=event_data.get("staff", ""))


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
    withdraw_open(message, "staff", actor_id, "rejected", by=event_data.get("staff", ""))
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


class NotMerged(Exception):
    """Why a duplicate can't be merged into that item, in Chinese."""


MERGE_REASON = "与较早的反映重复，已合并办理"


def merge(
    message: Message, earlier: Message, actor_id: int, note: str = "", **event_data
) -> Notification | None:
    """A duplicate joins an earlier item: refused in its own way (the move `merge`), both
    linked, and its citizen told to follow the earlier item. The caller commits."""
    if earlier.id == message.id:
        raise NotMerged("不能合并到自身")
    if earlier.merged_into_id is not None or earlier.status == "rejected":
        raise NotMerged("目标反映已不予受理或已被合并，请选择仍在办理的反映")
    if earlier.created_at > message.created_at:
        raise NotMerged("只能合并到更早提交的反映")
    now = utcnow()
    event_id = move(
        message,
        "merge",
        "staff",
        actor_id,
        values={"closed_at": now, "assigned_deputy_id": None, "merged_into_id": earlier.id},
        reason=MERGE_REASON,
        into=earlier.tracking_no,
        into_id=earlier.id,
        note=note,
        **event_data,
    )
    record(
        "merged_in",
        earlier.id,
        "staff",
        actor_id,
        duplicate=message.tracking_no,
        from_id=message.id,
    )
    withdraw_open(message, "staff", actor_id, "merged", by=event_data.get("staff", ""))
    for assignment in message.assignments:
        if assignment.active:
            assignment.active = False
            assignment.ended_at = now
    if message.citizen_id is None:
        return None
    return queue_notice(
        "merged",
        f"merge-{event_id}",
        message,
        message.citizen_id,
        reply=f"与较早的反映{earlier.tracking_no}重复，已合并办理，请在小程序中关注其进展",
        deputy="联络站",
        replied_at=now,
    )


def rejection(message: Message) -> dict | None:
    """Why the item was refused and where the citizen may go instead, from its last refusal."""
    if message.status != "rejected":
        return None
    event = db.session.scalar(
        db.select(Event)
        .where(Event.message_id == message.id, Event.kind.in_(("rejected", "merged")))
        .order_by(Event.id.desc())
        .limit(1)
    )
    data = (event.data or {}) if event is not None else {}
    where = data.get("where") or ""
    if event is not None and event.kind == "merged":
        where = f"请关注较早的反映 {data.get('into') or ''} 的办理进展"
    return {"reason": data.get("reason") or "", "where": where}
