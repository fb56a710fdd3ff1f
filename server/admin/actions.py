"""What staff do to an item: reassign, reject, close, answer, resend a notice, read the phone,
and enter a walk-in visit. Each changes rows and records an Event in one transaction; the caller
enqueues work only after the commit (a job must never see a row that is not there yet).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update

from server.admin.audit import audit
from server.crypto import decrypt_phone, encrypt_phone
from server.events import record
from server.extensions import db
from server.intake.service import new_tracking_no
from server.models import (
    Assignment,
    Deputy,
    Message,
    Notification,
    Reply,
    StaffUser,
    WalkIn,
)
from server.routing.service import assign
from server.timeutil import utcnow
from server.wechat.notices import queue_notice

FINISHED = ("closed", "rejected")
DEPUTY_NOTICES = ("new_item", "reminder", "reopened")


class ActionError(Exception):
    """Why an action can't be done, in Chinese, for the flash message."""


def _staff(staff: StaffUser) -> dict:
    return {"staff": staff.display_name or staff.username}


def _move_status(message: Message, new_status: str, **values) -> None:
    """Change the status only if nobody changed it since we read it (a worker, another clerk)."""
    result = db.session.execute(
        update(Message)
        .where(Message.id == message.id, Message.status == message.status)
        .values(status=new_status, updated_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.rollback()
        raise ActionError("这件事项刚刚被其他人或系统处理过，请刷新页面后再操作")
    db.session.refresh(message)


def reassign(message: Message, deputy: Deputy, staff: StaffUser, note: str = ""):
    """Give the item to another deputy; returns the new deputy's notice (to enqueue) or None."""
    if message.status in FINISHED:
        raise ActionError("该事项已办结或不予受理，不能改派")
    if not deputy.active:
        raise ActionError("该代表已停用，不能接收事项")
    current = message.active_assignment
    if current is not None and current.deputy_id == deputy.id:
        raise ActionError(f"该事项已由{deputy.name}代表承办")
    waits = message.status in ("received", "unassigned", "replied")
    new_status = "routed" if waits else message.status
    _move_status(message, new_status, routed_at=message.routed_at or utcnow())
    record(
        "reassigned",
        message.id,
        "staff",
        staff.id,
        from_deputy=current.deputy.name if current else None,
        to_deputy=deputy.name,
        deputy_id=deputy.id,
        note=note,
        **_staff(staff),
    )
    _, notice = assign(message, deputy, "staff", actor="staff", actor_id=staff.id)
    audit(
        "item_reassigned",
        f"message:{message.id}",
        to_deputy=deputy.name,
        note=note,
        staff_id=staff.id,
    )
    db.session.commit()
    return notice if notice is not None and notice.status == "pending" else None


def reject(message: Message, staff: StaffUser, reason: str) -> None:
    """Spam, abuse or not ours to handle (不予受理): off every inbox, with the reason kept."""
    if message.status in FINISHED:
        raise ActionError("该事项已办结或不予受理")
    if not reason:
        raise ActionError("请填写不予受理的理由")
    _move_status(message, "rejected", closed_at=utcnow())
    message.assigned_deputy_id = None
    for assignment in message.assignments:
        if assignment.active:
            assignment.active = False
            assignment.ended_at = utcnow()
    record("rejected", message.id, "staff", staff.id, reason=reason, **_staff(staff))
    audit("item_rejected", f"message:{message.id}", reason=reason, staff_id=staff.id)
    db.session.commit()


def close(message: Message, staff: StaffUser, note: str = "") -> None:
    if message.status in FINISHED:
        raise ActionError("该事项已办结或不予受理")
    _move_status(message, "closed", closed_at=utcnow())
    record("closed", message.id, "staff", staff.id, reason="staff", note=note, **_staff(staff))
    audit("item_closed", f"message:{message.id}", note=note, staff_id=staff.id)
    db.session.commit()


def staff_reply(message: Message, staff: StaffUser, content: str):
    """The station answers the citizen itself; returns the citizen's notice to enqueue."""
    if message.status in FINISHED:
        raise ActionError("该事项已办结或不予受理，不能再答复")
    if not content:
        raise ActionError("请填写答复内容")
    now = utcnow()
    _move_status(message, "replied", first_replied_at=message.first_replied_at or now)
    answer = Reply(message_id=message.id, author_kind="staff", content=content, created_at=now)
    db.session.add(answer)
    db.session.flush()
    record("replied", message.id, "staff", staff.id, reply_id=answer.id, **_staff(staff))
    notice = queue_notice(
        "reply",
        f"reply-{answer.id}",
        message,
        message.citizen_id,
        reply=content,
        deputy="联络站",
        replied_at=now,
    )
    audit("item_replied", f"message:{message.id}", content=content[:200], staff_id=staff.id)
    db.session.commit()
    return notice if notice is not None and notice.status == "pending" else None


def retry_notice(notice: Notification, staff: StaffUser) -> None:
    """Put a notice that did not go out back in the outbox; the caller enqueues it."""
    if notice.status not in ("failed", "no_consent", "no_recipient"):
        raise ActionError("该通知不需要重发")
    if notice.kind in DEPUTY_NOTICES and notice.deputy_id:
        # The deputy may have bound WeChat since: send to whoever answers as them now.
        deputy = db.session.get(Deputy, notice.deputy_id)
        notice.citizen_id = deputy.citizen_id if deputy else None
        if notice.citizen_id is None:
            raise ActionError("该代表尚未绑定微信，无法发送；请先为代表生成邀请码完成绑定")
    if notice.citizen_id is None:
        raise ActionError("该事项没有可接收通知的微信用户（来访登记请电话告知）")
    result = db.session.execute(
        update(Notification)
        .where(Notification.id == notice.id, Notification.status == notice.status)
        .values(
            status="pending",
            next_attempt_at=None,
            errcode=None,
            errmsg=None,
            citizen_id=notice.citizen_id,
            updated_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.rollback()
        raise ActionError("该通知的状态刚刚变化，请刷新页面后再操作")
    record(
        "notice_retry",
        notice.message_id,
        "staff",
        staff.id,
        notification_id=notice.id,
        notice_kind=notice.kind,
        **_staff(staff),
    )
    audit(
        "notice_retried",
        f"message:{notice.message_id}" if notice.message_id else f"notice:{notice.id}",
        notice_kind=notice.kind,
        staff_id=staff.id,
    )
    db.session.commit()


def reveal_phone(message: Message, staff: StaffUser) -> str | None:
    """The full number, once asked for; who looked and when is on the item's record."""
    phone = decrypt_phone(message.contact_phone_enc)
    if phone:
        record("phone_viewed", message.id, "staff", staff.id, **_staff(staff))
        audit("phone_viewed", f"message:{message.id}", staff_id=staff.id)
        db.session.commit()
    return phone


def _tracking_no() -> str:
    """A tracking number in the intake's format, drawn again on the rare collision."""
    while True:
        number = new_tracking_no()
        if not db.session.scalar(db.select(Message.id).where(Message.tracking_no == number)):
            return number


@dataclass
class Visit:
    station_id: int
    category_id: int
    content: str
    visitor_name: str
    visitor_phone: str
    visitor_count: int
    received_by_id: int | None
    visited_at: datetime
    address: str
    answer: str  # non-empty: answered on the spot, closed at once


def create_walk_in(visit: Visit, staff: StaffUser) -> Message:
    """Enter a visit in the ledger. Unless answered on the spot the caller enqueues routing; the
    receiving deputy, if any, is made the target so the roster's choice does not override them."""
    now = utcnow()
    message = Message(
        tracking_no=_tracking_no(),
        channel="walk_in",
        station_id=visit.station_id,
        target_deputy_id=visit.received_by_id,
        category_id=visit.category_id,
        content=visit.content,
        location_address=visit.address or None,
        contact_phone_enc=encrypt_phone(visit.visitor_phone or None),
        status="received",
        content_check="pass",
        created_at=now,
    )
    db.session.add(message)
    db.session.flush()
    db.session.add(
        WalkIn(
            message_id=message.id,
            visitor_name=visit.visitor_name,
            visitor_count=visit.visitor_count,
            received_by_id=visit.received_by_id,
            staff_id=staff.id,
            visited_at=visit.visited_at,
        )
    )
    record("received", message.id, "staff", staff.id, channel="walk_in", **_staff(staff))
    if visit.answer:
        answer = Reply(message_id=message.id, author_kind="staff", content=visit.answer)
        db.session.add(answer)
        db.session.flush()
        message.status = "closed"
        message.first_replied_at = message.closed_at = now
        if visit.received_by_id is not None:
            # The deputy who received the visitor handled it: they are its 承办代表 in the
            # registers and the per-deputy counts, as if routing had chosen them.
            db.session.add(
                Assignment(message_id=message.id, deputy_id=visit.received_by_id, rule="walk_in")
            )
            message.assigned_deputy_id = visit.received_by_id
            message.routed_at = now
        record(
            "replied",
            message.id,
            "staff",
            staff.id,
            reply_id=answer.id,
            on_the_spot=True,
            **_staff(staff),
        )
        record("closed", message.id, "staff", staff.id, reason="on_the_spot", **_staff(staff))
    audit(
        "walk_in_created",
        f"message:{message.id}",
        on_the_spot=bool(visit.answer),
        staff_id=staff.id,
    )
    db.session.commit()
    return message
