"""Deadlines of open items and the escalation chain (三色督办), run by the sweep.

`stamp_due` writes each open stage's deadline (server/routing/stages.py) into `due_at` once the
stage has started (a unit's stages take their transfer's deadlines, which the transfer moves
write at once). `escalate` walks ESCALATION, as data: one working day before the deadline
the holder is reminded (the deputy in WeChat; station staff on the dashboard; a unit's staff in
their inbox), at the deadline
the station's staff are told and the item is marked overdue, and N working days after it the
代表工委 is told. Each step of each stage is keyed by (item, step, stage start): the notice's
unique dedupe key is the claim, so a sweep running twice, or two at once, takes each step once,
and a new holder (reassign, 不满意) starts the chain afresh.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import update

from server.identity import staff_wechat
from server.models import Message, Transfer
from server.models.event import record
from server.models.unit import TRANSFER_OPEN
from server.notices import board
from server.notices.outbox import queue_notice
from server.platform.clock import local_text
from server.platform.db import db
from server.routing import workdays
from server.routing.calendar import WorkCalendar
from server.routing.stages import DEPUTY, STAGE_STATUSES, UNIT, Stage, open_stage, stage_due

BATCH = 500
# No step falls due earlier than this before a deadline (one working day before it, across the
# longest run of holidays, 春节 and its weekends), so the sweep reads no item further out.
LOOKAHEAD = timedelta(days=12)


@dataclass(frozen=True)
class Step:
    """`name` is taken when `offset` working days are left before the deadline (-1: when one
    working day is left; 0: at the deadline; a config key: that many working days after it),
    telling `to`: the holder, the station's staff, or the 代表工委."""

    name: str
    label: str
    offset: int | str
    to: str  # holder | station | committee


ESCALATION: tuple[Step, ...] = (
    Step("remind", "提醒办理人", -1, "holder"),
    Step("station", "告知联络站", 0, "station"),
    Step("committee", "报代表工委", "ESCALATE_COMMITTEE_WORKDAYS", "committee"),
)
STEP_LABELS = {step.name: step.label for step in ESCALATION}


def step_due(step: Step, due_at: datetime, now: datetime, calendar: WorkCalendar) -> bool:
    """Whether `step` of a stage due at `due_at` falls due at `now`."""
    if step.offset == -1:
        return now >= due_at or calendar.working_days_left(now, due_at) <= 1
    if step.offset == 0:
        return now >= due_at
    days = current_app.config[step.offset] if isinstance(step.offset, str) else step.offset
    return now >= calendar.add_working_days(due_at, int(days))


def open_transfer(message_id: int) -> Transfer | None:
    """The item's transfer a unit still holds (handed or signed), if any."""
    return db.session.scalar(
        db.select(Transfer)
        .where(Transfer.message_id == message_id, Transfer.status.in_(TRANSFER_OPEN))
        .order_by(Transfer.id.desc())
        .limit(1)
    )


def transfer_stage(row: Transfer) -> tuple[Stage | None, datetime | None]:
    """A unit's open stage on its transfer and that stage's deadline: signing first, then
    answering (whose deadline runs from the handing, or from the 不满意 of a second round)."""
    stage = open_stage("transferred", row.status, row.round)
    if stage is None:
        return None, None
    return stage, row.sign_due_at if stage.name == "unit_sign" else row.due_at


def current_stage(message: Message) -> Stage | None:
    """The stage the item is in now (one read of its open transfer while a unit has it)."""
    if message.status == "transferred":
        row = open_transfer(message.id)
        if row is not None:
            return transfer_stage(row)[0]
    return open_stage(message.status)


def _computed_due(message_id: int, status: str, started_at: datetime) -> datetime | None:
    if status == "transferred":
        row = open_transfer(message_id)
        return transfer_stage(row)[1] if row is not None else None
    return stage_due(open_stage(status), started_at, current_app.config, workdays.current())


def stamp_due(now: datetime) -> int:
    """Write the deadline of every open stage that has none yet; returns how many."""
    rows = db.session.execute(
        db.select(Message.id, Message.status, Message.stage_started_at)
        .where(
            Message.status.in_(STAGE_STATUSES),
            Message.due_at.is_(None),
            Message.stage_started_at.is_not(None),
        )
        .order_by(Message.id)
        .limit(BATCH)
    ).all()
    stamped = 0
    for message_id, status, started_at in rows:
        due = _computed_due(message_id, status, started_at)
        if due is None:
            continue
        # Only if the stage is still the one read: a move in between starts a new one.
        result = db.session.execute(
            update(Message)
            .where(
                Message.id == message_id,
                Message.status == status,
                Message.stage_started_at == started_at,
                Message.due_at.is_(None),
            )
            .values(due_at=due)
        )
        stamped += result.rowcount
    db.session.commit()
    return stamped


def due_now(message: Message, now: datetime) -> datetime | None:
    """The open stage's deadline: stamped, or computed until the sweep stamps it."""
    if open_stage(message.status) is None:
        return None
    if message.due_at is not None:
        return message.due_at
    started = message.stage_started_at or message.routed_at or message.created_at
    return _computed_due(message.id, message.status, started)


def escalate(now: datetime) -> int:
    """Take every escalation step that has fallen due; returns how many were taken."""
    calendar = workdays.current()
    messages = list(
        db.session.scalars(
            db.select(Message)
            .where(
                Message.status.in_(STAGE_STATUSES),
                Message.due_at.is_not(None),
                Message.due_at <= now + LOOKAHEAD,
            )
            .order_by(Message.due_at, Message.id)
            .limit(BATCH)
        )
    )
    taken = 0
    for message in messages:
        for step in ESCALATION:
            if step_due(step, message.due_at, now, calendar) and _take(step, message, now):
                taken += 1
    db.session.commit()
    return taken


def _key(step: Step, message: Message) -> str:
    started = message.stage_started_at or message.due_at
    return f"esc-{message.id}-{step.name}-{int(started.timestamp())}"


def _take(step: Step, message: Message, now: datetime) -> bool:
    """One step for one item: its notice (the claim), the overdue mark, the Event."""
    key = _key(step, message)
    stage = current_stage(message)
    if stage is None:
        return False
    unit = _unit_holder(message) if stage.holder == UNIT else None
    due_text = local_text(message.due_at, "%m月%d日 %H:%M")
    where = f"{message.tracking_no}（{stage.label}，应于{due_text}前办理）"
    assignment = message.active_assignment
    deputy = assignment.deputy if assignment is not None and stage.holder == DEPUTY else None
    if step.to == "holder" and deputy is not None:
        claimed = (
            queue_notice(
                "reminder",
                key,
                message,
                deputy.citizen_id,
                deputy_id=deputy.id,
                # 三色 in the reminder itself: yellow before the deadline, red after it.
                note=(
                    f"已逾期（应于{due_text}前答复），请尽快答复"
                    if now >= message.due_at
                    else f"临期：请于{due_text}前答复"
                ),
            )
            is not None
        )
    elif step.to == "holder" and unit is not None:
        claimed = board.post(
            key,
            "unit",
            f"即将到期：{where}",
            kind="escalated",
            unit_id=unit.id,
            message_id=message.id,
        )
    elif step.to == "committee":
        claimed = board.post(
            key, "committee", f"超期未办：{where}", kind="escalated", message_id=message.id
        )
    else:
        holder = f"{unit.name}：" if unit is not None else ""
        text = f"即将到期：{where}" if step.to == "holder" else f"已超期：{holder}{where}"
        claimed = board.post(
            key,
            "station",
            text,
            kind="escalated",
            station_id=message.station_id,
            message_id=message.id,
        )
    if not claimed:
        return False
    _tell_bound_staff(step, message, key, unit, stage.holder == UNIT)
    if step.to == "station":
        db.session.execute(
            update(Message)
            .where(Message.id == message.id, Message.overdue_at.is_(None))
            .values(overdue_at=now)
        )
    record(
        "escalated",
        message.id,
        "system",
        None,
        step=step.name,
        stage=stage.name,
        due_at=message.due_at.isoformat(),
        deputy_id=deputy.id if deputy is not None else None,
        unit_id=unit.id if unit is not None else None,
    )
    return True


def _tell_bound_staff(step: Step, message: Message, key: str, unit, unit_holds: bool) -> None:
    """The board notice (claimed above) is for everyone on the dashboard; staff whose account
    is bound to a WeChat also get it there, through the outbox and its channel fallback, each
    once (the step's key, per account). Unbound staff keep the board notice only."""
    if step.to == "station":
        if message.station_id is None:
            return
        people = staff_wechat.bound_staff(station_id=message.station_id)
    elif step.to == "committee":
        people = staff_wechat.bound_staff(role="committee")
    elif unit_holds and unit is not None:
        people = staff_wechat.bound_staff(unit_id=unit.id)
    else:
        return  # the deputy holds it: the deputy's own reminder above
    due_text = local_text(message.due_at, "%m月%d日")
    note = {
        "station": f"已超期（应于{due_text}前办理），请督办",
        "committee": f"超期未办（应于{due_text}前办理），请督办",
    }.get(step.to, f"临期：请于{due_text}前办理")
    for person in people:
        queue_notice(
            "escalated", f"{key}-s{person.id}", message, person.wechat_citizen_id, note=note
        )


def _unit_holder(message: Message):
    row = open_transfer(message.id)
    return row.unit if row is not None else None
