"""督办: station staff or the 代表工委 press whoever holds an open item, with a note.

On the record as an Event `supervised` (counted in the registers: 督办次数); the holder is told:
the accountable deputy in WeChat, a unit's staff in their inbox, station staff on the dashboard
(server/routing/stages.py names the holder of each stage).
"""

from __future__ import annotations

from server.models import Message
from server.models.event import record
from server.notices import board
from server.notices.outbox import Written, queue_notice
from server.routing.deadlines import current_stage, open_transfer
from server.routing.stages import DEPUTY, UNIT

NOTE_MAX = 200


class NotSupervisable(Exception):
    """Why this item can't be pressed now, in Chinese."""


def supervise(message: Message, actor_id: int, note: str, by: str) -> Written | None:
    """Record the 督办 and tell the holder; returns the deputy's notice (None for staff). The
    caller commits."""
    note = (note or "").strip()
    if not note:
        raise NotSupervisable("请填写督办意见")
    if len(note) > NOTE_MAX:
        raise NotSupervisable(f"督办意见不能超过{NOTE_MAX}个字")
    stage = current_stage(message)
    if stage is None:
        raise NotSupervisable("该事项当前没有待办环节，不需要督办")
    assignment = message.active_assignment
    deputy = assignment.deputy if assignment is not None and stage.holder == DEPUTY else None
    transfer = open_transfer(message.id) if stage.holder == UNIT else None
    unit = transfer.unit if transfer is not None else None
    event_id = record(
        "supervised",
        message.id,
        "staff",
        actor_id,
        note=note,
        staff=by,
        stage=stage.name,
        holder=deputy.name if deputy is not None else (unit.name if unit is not None else "联络站"),
        deputy_id=deputy.id if deputy is not None else None,
        unit_id=unit.id if unit is not None else None,
    )
    if unit is not None:
        board.post(
            f"supervise-{event_id}",
            "unit",
            f"督办：{message.tracking_no}（{stage.label}）{note}",
            kind="supervised",
            unit_id=unit.id,
            message_id=message.id,
        )
        return None
    if deputy is None:
        board.post(
            f"supervise-{event_id}",
            "station",
            f"督办：{message.tracking_no}（{stage.label}）{note}",
            kind="supervised",
            station_id=message.station_id,
            message_id=message.id,
        )
        return None
    return queue_notice(
        "supervised",
        f"supervise-{event_id}",
        message,
        deputy.citizen_id,
        deputy_id=deputy.id,
        note=f"督办：{note}",
    )
