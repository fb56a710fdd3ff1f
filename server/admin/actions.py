"""What staff do to an item: reassign, reject, close, answer, resend a notice, read the phone,
and enter a walk-in visit. Each changes rows and records an Event in one transaction; the caller
enqueues work only after the commit (a job must never see a row that is not there yet).
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from server.handling import answers, decisions, revisits, supervision
from server.intake.submission import new_tracking_no
from server.models import (
    Assignment,
    Deputy,
    Message,
    Notification,
    StaffUser,
    WalkIn,
)
from server.models.audit import audit
from server.models.event import record
from server.models.lifecycle import MoveConflict, MoveRefused, move
from server.notices import outbox
from server.platform.clock import utcnow
from server.platform.crypto import decrypt_phone, encrypt_phone
from server.platform.db import db
from server.platform.queue import after_commit, enqueue_route
from server.routing.router import assign

DEPUTY_NOTICES = ("new_item", "reminder", "reopened", "followup")


class ActionError(Exception):
    """Why an action can't be done, in Chinese, for the flash message."""


def _staff(staff: StaffUser) -> dict:
    return {"staff": staff.display_name or staff.username}


@contextmanager
def _moving():
    """A refused or conflicting move becomes the clerk's message; nothing of it is kept."""
    try:
        yield
    except (MoveRefused, MoveConflict) as exc:
        db.session.rollback()
        raise ActionError(str(exc)) from None


def reassign(message: Message, deputy: Deputy, staff: StaffUser, note: str = ""):
    """Give the item to another deputy; returns the new deputy's notice or None."""
    if not deputy.active:
        raise ActionError("该代表已停用，不能接收事项")
    current = message.active_assignment
    if current is not None and current.deputy_id == deputy.id:
        raise ActionError(f"该事项已由{deputy.name}代表承办")
    with _moving():
        move(
            message,
            "reassign",
            "staff",
            staff.id,
            values={"routed_at": message.routed_at or utcnow()},
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
    return notice


def reject(message: Message, staff: StaffUser, reason: str, where: str = ""):
    """Not ours to handle (不予受理): off every inbox, the reason and where to go instead kept
    and told to the citizen. Returns the citizen's notice (None for a walk-in)."""
    if not reason:
        raise ActionError("请填写不予受理的理由")
    with _moving():
        notice = decisions.reject(message, staff.id, reason, where, **_staff(staff))
    audit("item_rejected", f"message:{message.id}", reason=reason, staff_id=staff.id)
    db.session.commit()
    return notice


def supervise(message: Message, staff: StaffUser, note: str):
    """督办: press the holder with a note; returns the deputy's notice (None for staff)."""
    try:
        notice = supervision.supervise(message, staff.id, note, _staff(staff)["staff"])
    except supervision.NotSupervisable as exc:
        db.session.rollback()
        raise ActionError(str(exc)) from None
    audit("item_supervised", f"message:{message.id}", note=note, staff_id=staff.id)
    db.session.commit()
    return notice


def merge(message: Message, earlier: Message, staff: StaffUser, note: str = ""):
    """A duplicate joins an earlier item; returns the duplicate's citizen's notice or None."""
    try:
        with _moving():
            notice = decisions.merge(message, earlier, staff.id, note, **_staff(staff))
    except decisions.NotMerged as exc:
        db.session.rollback()
        raise ActionError(str(exc)) from None
    audit("item_merged", f"message:{message.id}", into=earlier.tracking_no, staff_id=staff.id)
    db.session.commit()
    return notice


def record_revisit(message: Message, staff: StaffUser, solved: bool, note: str = "") -> None:
    """Staff record a walk-in visitor's answer to the call-back (回访)."""
    try:
        with _moving():
            revisits.answer(message, solved, "staff", staff.id, note=note)
    except revisits.NotAnswerable as exc:
        db.session.rollback()
        raise ActionError(str(exc)) from None
    audit("revisit_recorded", f"message:{message.id}", solved=solved, staff_id=staff.id)
    db.session.commit()


def close(message: Message, staff: StaffUser, note: str = "") -> None:
    with _moving():
        decisions.close(message, "staff", staff.id, "staff", note=note, **_staff(staff))
    audit("item_closed", f"message:{message.id}", note=note, staff_id=staff.id)
    db.session.commit()


def staff_reply(message: Message, staff: StaffUser, content: str):
    """The station answers the citizen itself; returns the citizen's notice or None."""
    if not content:
        raise ActionError("请填写答复内容")
    with _moving():
        _, notice = answers.answer(message, content, "staff", staff.id, **_staff(staff))
    audit("item_replied", f"message:{message.id}", content=content[:200], staff_id=staff.id)
    db.session.commit()
    return notice


def retry_notice(notice: Notification, staff: StaffUser) -> None:
    """Put a notice that did not go out back in the outbox; it is sent once this commits."""
    recipient = notice.citizen_id
    if notice.kind in DEPUTY_NOTICES and notice.deputy_id:
        # The deputy may have bound WeChat since: send to whoever answers as them now.
        deputy = db.session.get(Deputy, notice.deputy_id)
        recipient = deputy.citizen_id if deputy else None
        if recipient is None:
            raise ActionError("该代表尚未绑定微信，无法发送；请先为代表生成邀请码完成绑定")
    try:
        outbox.requeue(notice, recipient)
    except outbox.NotRequeued as exc:
        db.session.rollback()
        raise ActionError(str(exc)) from None
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


def create_walk_in(visit: Visit, staff: StaffUser, follow_token_hash: str | None = None) -> Message:
    """Enter a visit in the ledger. Unless answered on the spot it is routed once this commits;
    the receiving deputy, if any, is made the target so the roster's choice does not override
    them."""
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
        follow_token_hash=follow_token_hash,
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
    # received_by: the deputy who received the visitor, for their 履职积分 (walkin_received).
    record(
        "received",
        message.id,
        "staff",
        staff.id,
        channel="walk_in",
        received_by=visit.received_by_id,
        **_staff(staff),
    )
    if visit.answer:
        if visit.received_by_id is not None:
            # The deputy who received the visitor handled it: they are its 承办代表 in the
            # registers and the per-deputy counts, as if routing had chosen them.
            db.session.add(
                Assignment(message_id=message.id, deputy_id=visit.received_by_id, rule="walk_in")
            )
            message.assigned_deputy_id = visit.received_by_id
            message.routed_at = now
        answers.answer(message, visit.answer, "staff", staff.id, on_the_spot=True, **_staff(staff))
        decisions.close(message, "staff", staff.id, "on_the_spot", **_staff(staff))
    else:
        after_commit(db.session(), enqueue_route, message.id)
    audit(
        "walk_in_created",
        f"message:{message.id}",
        on_the_spot=bool(visit.answer),
        staff_id=staff.id,
    )
    db.session.commit()
    return message
