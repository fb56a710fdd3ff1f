"""The outbox: one row per notice we mean to send, written in the caller's transaction and sent
by a job enqueued once that transaction commits. Nothing outside this package enqueues a notice.
"""

from __future__ import annotations

from flask import current_app

from server.models import Message, Notification
from server.models.event import record
from server.notices import consent
from server.notices.layouts import KINDS, build_data, message_values, template_attr
from server.platform.db import db
from server.platform.queue import after_commit, enqueue_notice


def queue_notice(
    kind: str,
    dedupe_key: str,
    message: Message,
    recipient_id: int | None,
    deputy_id: int | None = None,
    **extra,
) -> Notification | None:
    """A notice about `message` (see write_notice); `extra` fills the layout's other fields."""
    return write_notice(
        kind,
        dedupe_key,
        recipient_id,
        message_values(message, **extra),
        message_id=message.id,
        deputy_id=deputy_id,
    )


def write_notice(
    kind: str,
    dedupe_key: str,
    recipient_id: int | None,
    values: dict,
    message_id: int | None = None,
    deputy_id: int | None = None,
) -> Notification | None:
    """Add an outbox row in the caller's transaction; None if this notice already exists.

    The consent credit is taken now, with the row: whether the notice can reach its recipient
    is known when it is written (and said truthfully to whoever caused it), not discovered by a
    worker later. A row that can go is sent by a job enqueued once the caller commits.
    """
    if db.session.scalar(db.select(Notification.id).where(Notification.dedupe_key == dedupe_key)):
        return None
    layout, page = KINDS[kind]
    template_id = getattr(current_app.config["WECHAT_TEMPLATES"], template_attr(kind))
    if recipient_id is None:
        status = "no_recipient"
    elif consent.spend(recipient_id, template_id):
        status = "pending"
    else:
        status = "no_consent"
    notice = Notification(
        dedupe_key=dedupe_key,
        kind=kind,
        message_id=message_id,
        citizen_id=recipient_id,
        deputy_id=deputy_id,
        template_id=template_id,
        data=build_data(layout, values),
        page=page.format(id=message_id),
        status=status,
        errmsg=NO_CREDIT if status == "no_consent" else None,
    )
    db.session.add(notice)
    db.session.flush()
    if status == "pending":
        after_commit(db.session(), enqueue_notice, notice.id)
    else:
        record_outcome(notice)
    return notice


NO_CREDIT = "没有剩余的订阅次数"


def reachable(citizen_id: int | None, kind: str = "reply") -> bool:
    """Whether a notice of `kind` written now could reach this person (a credit is left)."""
    if citizen_id is None:
        return False
    template_id = getattr(current_app.config["WECHAT_TEMPLATES"], template_attr(kind))
    return consent.available(citizen_id, template_id)


def record_outcome(notice: Notification) -> None:
    """The notice's state, on the item's record (the dashboard's timeline shows it)."""
    record(
        "notified",
        notice.message_id,
        "system",
        None,
        notification_id=notice.id,
        notice_kind=notice.kind,
        status=notice.status,
        errcode=notice.errcode,
    )
