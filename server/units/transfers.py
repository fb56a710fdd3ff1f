"""交办 and the unit's side: hand an item to a unit, sign for it, answer it, return it; and a
citizen's 不满意 with a unit's answer, which puts it back with that unit. Each step is a
lifecycle move (server/models/lifecycle.py) with its Event; notices go through the outbox.
The caller commits; a refusal is an ApiError in Chinese (nothing is written before it)."""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import update

from server.models import Message, Reply, Transfer, Unit
from server.models.event import record
from server.models.lifecycle import move
from server.models.unit import RESULTS, TRANSFER_OPEN
from server.notices import board
from server.notices.layouts import transfer_text
from server.notices.outbox import Written, queue_notice
from server.platform.clock import iso, utcnow
from server.platform.db import db
from server.platform.errors import ApiError, not_found, validation_error
from server.platform.text import MAX_ID
from server.routing import workdays
from server.routing.stages import stage_due
from server.units.progress import open_transfer, rules

PRIORITY_DAYS_MAX = 60


def _unit(unit_id, field: str = "unit_id") -> Unit:
    usable = isinstance(unit_id, int) and not isinstance(unit_id, bool) and 1 <= unit_id <= MAX_ID
    unit = db.session.get(Unit, unit_id) if usable else None
    if unit is None or not unit.active:
        raise validation_error({field: "承办单位不存在或已停用"}, "请选择有效的承办单位")
    return unit


def transfer(
    message: Message,
    unit_id: int,
    note: str,
    actor: str,
    actor_id: int | None,
    *,
    co_unit_ids: list[int] | tuple = (),
    priority: bool = False,
    priority_days: int | None = None,
    by: str = "",
) -> tuple[Transfer, Written | None]:
    """Hand `message` to a unit (主办) with optional 协办 units; returns (transfer, the
    citizen's notice). A second open transfer is 409; a bad unit 422."""
    if open_transfer(message.id) is not None or message.status == "transferred":
        raise ApiError(409, "already_transferred", "该事项已转交承办单位办理，不能重复转交")
    unit = _unit(unit_id)
    co_units = []
    for co_id in dict.fromkeys(co_unit_ids or ()):
        if co_id == unit.id:
            raise validation_error({"co_unit_ids": "协办单位不能与主办单位相同"})
        co_units.append(_unit(co_id, "co_unit_ids"))
    if priority_days is not None and not 1 <= priority_days <= PRIORITY_DAYS_MAX:
        raise validation_error({"priority_days": f"办理时限应为 1 至 {PRIORITY_DAYS_MAX} 个工作日"})
    now = utcnow()
    calendar, deadlines, config = workdays.current(), rules(), current_app.config
    days = deadlines.unit_answer(
        unit.answer_days,
        message.category.kind,
        (priority_days or deadlines.priority_days) if priority else None,
    )
    row = Transfer(
        message_id=message.id,
        unit_id=unit.id,
        co_unit_ids=[u.id for u in co_units],
        note=note,
        status="handed",
        priority=priority,
        handed_by=actor,
        handed_by_id=actor_id,
        handed_at=now,
        sign_due_at=stage_due("unit_sign", now, config, calendar),
        due_at=stage_due("unit_answer", now, config, calendar, days=days),
        round=1,
    )
    db.session.add(row)
    db.session.flush()
    move(
        message,
        "transfer",
        actor,
        actor_id,
        # The unit's first stage is signing: its deadline is the item's until it signs.
        values={"due_at": row.sign_due_at},
        transfer_id=row.id,
        unit_id=unit.id,
        unit=unit.name,
        co_units=[u.name for u in co_units],
        due_at=iso(row.due_at),
        priority=priority,
        note=note,
        by=by,
    )
    return row, _tell_citizen(message, row, f"transfer-{row.id}", unit, row.due_at)


def _tell_citizen(message: Message, row: Transfer, key: str, unit: Unit, due: datetime):
    if message.citizen_id is None:
        return None  # a walk-in: the station calls the visitor back
    return queue_notice(
        "transferred",
        key,
        message,
        message.citizen_id,
        reply=transfer_text(due),
        deputy=unit.name,
        replied_at=row.handed_at,
    )


def unit_transfer(unit_id: int, transfer_id: int) -> Transfer:
    """One of this unit's transfers; another unit's (or none) is 404: ids reveal nothing."""
    row = db.session.get(Transfer, transfer_id)
    if row is None or row.unit_id != unit_id:
        raise not_found("找不到这件交办事项")
    return row


def _claim(row: Transfer, source: tuple[str, ...], **values) -> None:
    """Move the transfer itself from `source` (conditional: two hands, one wins)."""
    done = db.session.execute(
        update(Transfer)
        .where(Transfer.id == row.id, Transfer.status.in_(source))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        label = row.status_label
        raise ApiError(409, "not_allowed", f"该交办事项当前为“{label}”，不能进行此操作")
    for key, value in values.items():
        setattr(row, key, value)


def sign(row: Transfer, actor_id: int | None = None, by: str = "") -> Transfer:
    """签收: the unit has it in hand (the answer's deadline does not move)."""
    now = utcnow()
    _claim(row, ("handed",), status="signed", signed_at=now)
    message = db.session.get(Message, row.message_id)
    move(
        message,
        "unit_sign",
        "unit",
        row.unit_id,
        values={"due_at": row.due_at},  # now the answer's deadline is the item's
        transfer_id=row.id,
        unit=row.unit.name,
        by=by,
    )
    return row


def answer(
    row: Transfer, content: str, result: str, by: str = ""
) -> tuple[Transfer, list[Written | None]]:
    """答复: into the citizen's thread (they may rate it), and both the citizen and the
    accountable deputy are told. Signing is implied when the unit answers straight away."""
    if result not in RESULTS:
        raise validation_error({"result": "办理结果应为 solved、explained 或 partly"})
    now = utcnow()
    _claim(
        row,
        ("handed", "signed"),
        status="answered",
        answered_at=now,
        signed_at=row.signed_at or now,
        result=result,
        answer=content,
    )
    message = db.session.get(Message, row.message_id)
    post = Reply(
        message_id=message.id, author_kind="unit", unit_id=row.unit_id, content=content,
        created_at=now,
    )  # fmt: skip
    message.replies.append(post)
    db.session.flush()
    values = {} if message.first_replied_at else {"first_replied_at": now}
    move(
        message,
        "unit_answer",
        "unit",
        row.unit_id,
        values=values,
        transfer_id=row.id,
        unit=row.unit.name,
        result=result,
        reply_id=post.id,
        by=by,
    )
    notices = []
    if message.citizen_id is not None:
        text = f"{RESULTS[result]}：{content}"
        notices.append(
            queue_notice(
                "reply",
                f"reply-{post.id}",
                message,
                message.citizen_id,
                reply=text,
                deputy=row.unit.name,
                replied_at=now,
            )
        )
    assignment = message.active_assignment
    if assignment is not None:
        notices.append(
            queue_notice(
                "unit_answered",
                f"unit-answered-{post.id}",
                message,
                assignment.deputy.citizen_id,
                deputy_id=assignment.deputy_id,
                note=f"{row.unit.name}已答复",
            )
        )
    return row, notices


def return_(row: Transfer, reason: str, by: str = "") -> Transfer:
    """退回 with a reason: back to staff triage (分拣), who re-hand or answer it."""
    now = utcnow()
    _claim(row, ("handed", "signed"), status="returned", returned_at=now, return_reason=reason)
    message = db.session.get(Message, row.message_id)
    move(
        message,
        "unit_return",
        "unit",
        row.unit_id,
        transfer_id=row.id,
        unit=row.unit.name,
        reason=reason,
        by=by,
    )
    return row


# Why the unit no longer has it, as the unit's board notice says it.
WITHDRAW_WHY = {
    "rejected": "不予受理",
    "merged": "作为重复反映合并办理",
    "closed": "由联络站办结",
}


def withdraw_open(
    message: Message, actor: str, actor_id: int | None, why: str, by: str = ""
) -> Transfer | None:
    """The item ends on our side (refused, merged, closed by staff) while a unit holds it: its
    open transfer is withdrawn in the caller's transaction, with an Event, and the unit's staff
    see it on their board (units get board notices, not WeChat ones). None if no transfer was
    open. Call it before or after the ending move, in the same transaction."""
    row = open_transfer(message.id)
    if row is None:
        return None
    done = db.session.execute(
        update(Transfer)
        .where(Transfer.id == row.id, Transfer.status.in_(TRANSFER_OPEN))
        .values(status="withdrawn")
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        return None  # the unit answered or returned it this instant: nothing left to withdraw
    row.status = "withdrawn"
    label = WITHDRAW_WHY.get(why, why)
    record(
        "transfer_withdrawn",
        message.id,
        actor,
        actor_id,
        transfer_id=row.id,
        unit_id=row.unit_id,
        unit=row.unit.name,
        why=why,
        by=by,
    )
    board.post(
        f"withdrawn-{row.id}",
        "unit",
        f"交办事项 {message.tracking_no} 已撤回（{label}），无需再办理",
        kind="withdrawn",
        message_id=message.id,
        unit_id=row.unit_id,
    )
    return row


def answered_by_unit(message: Message, reply_id: int) -> Transfer | None:
    """The unit's answered transfer that wrote this answer, if a unit wrote it."""
    reply = db.session.get(Reply, reply_id)
    if reply is None or reply.unit_id is None:
        return None
    return db.session.scalar(
        db.select(Transfer)
        .where(
            Transfer.message_id == message.id,
            Transfer.unit_id == reply.unit_id,
            Transfer.status == "answered",
        )
        .order_by(Transfer.id.desc())
        .limit(1)
    )


def reopen_with_unit(
    message: Message,
    row: Transfer,
    actor_id: int | None,
    values: dict,
    actor: str = "citizen",
    **data,
) -> int:
    """不满意 (or 「没解决」 at the call-back) with the unit's answer: the same transfer is open
    again (signed: the unit has it), with SECOND_ANSWER_WORKDAYS from now. Returns the move's
    event id."""
    now = utcnow()
    due = stage_due("unit_second_answer", now, current_app.config, workdays.current())
    _claim(
        row,
        ("answered",),
        status="signed",
        due_at=due,
        answered_at=None,
        result=None,
        round=row.round + 1,
    )
    return move(
        message,
        "unit_reopen",
        actor,
        actor_id,
        values={**values, "due_at": due},
        transfer_id=row.id,
        unit=row.unit.name,
        due_at=iso(due),
        **data,
    )
