"""Subscribe messages: what each notice says, cut to WeChat's limits, and how one is sent.

LAYOUTS maps each kind of notice to a template and to the template's keyword fields. The keys
(thing2, time5 ...) belong to the template chosen in the WeChat console; a deployment whose
templates use other keys edits this table, nothing else.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import update

from server.events import record
from server.extensions import db
from server.models import Citizen, Message, Notification
from server.timeutil import local_text, utcnow
from server.wechat import api as wechat
from server.wechat import consent
from server.wechat.client import WeChatError

log = logging.getLogger(__name__)

# kind -> (template attribute in config WECHAT_TEMPLATES, {template key: (type, source)})
LAYOUTS: dict[str, tuple[str, dict[str, tuple[str, str]]]] = {
    "new_item": (
        "new_item",
        {
            "character_string1": ("character_string", "tracking_no"),
            "thing2": ("thing", "category"),
            "thing3": ("thing", "summary"),
            "thing4": ("thing", "station"),
            "time5": ("time", "created_at"),
        },
    ),
    "reminder": (
        "reminder",
        {
            "character_string1": ("character_string", "tracking_no"),
            "thing2": ("thing", "summary"),
            "time3": ("time", "created_at"),
            "thing4": ("thing", "note"),
        },
    ),
    "reply": (
        "reply",
        {
            "character_string1": ("character_string", "tracking_no"),
            "thing2": ("thing", "summary"),
            "thing3": ("thing", "reply"),
            "name4": ("name", "deputy"),
            "time5": ("time", "replied_at"),
        },
    ),
}
# Which notice kinds use which layout, and where the recipient taps through to.
KINDS = {
    "new_item": ("new_item", "pages/deputy/item/item?id={id}"),
    "reminder": ("reminder", "pages/deputy/item/item?id={id}"),
    "reopened": ("reminder", "pages/deputy/item/item?id={id}"),
    "followup": ("reminder", "pages/deputy/item/item?id={id}"),
    # To a deputy's previous WeChat after the deputy was bound to another one.
    "rebound": ("reminder", "pages/mine/mine"),
    "reply": ("reply", "pages/detail/detail?id={id}"),
    # A refusal reaches the citizen like an answer: what happened, and where to go instead.
    "rejected": ("reply", "pages/detail/detail?id={id}"),
}

# WeChat's limits per data type (characters); see docs/wechat.md.
LIMITS = {"thing": 20, "character_string": 32, "number": 32, "letter": 32, "phrase": 5, "name": 10}
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
_NOT_CHARSTRING = re.compile(r"[^0-9A-Za-z!-/:-@\[-`{-~]")


def _clean(value: str) -> str:
    """No newlines or control characters (47003), whitespace collapsed."""
    value = unicodedata.normalize("NFC", str(value))
    return re.sub(r"\s+", " ", _CONTROL.sub(" ", value)).strip()


def shorten(value, kind: str) -> str:
    """Fit one value into a WeChat data type; long text ends in "…" (first 17 chars + "…")."""
    if kind == "time":
        if isinstance(value, datetime):
            return local_text(value, "%Y年%m月%d日 %H:%M")
        return _clean(value)
    text = _clean(value)
    if kind == "character_string":
        text = _NOT_CHARSTRING.sub("", text)
    if kind == "name":
        ascii_only = text.isascii()
        limit = 20 if ascii_only else LIMITS["name"]
        return (text[:limit] or "代表").strip()
    limit = LIMITS.get(kind)
    if limit and len(text) > limit:
        text = text[:17] + "…" if kind == "thing" else text[:limit]
    return text or ("无" if kind in ("thing", "phrase") else "-")


def build_data(layout: str, values: dict) -> dict[str, str]:
    _, fields = LAYOUTS[layout]
    return {key: shorten(values.get(source, ""), kind) for key, (kind, source) in fields.items()}


def message_values(message: Message, **extra) -> dict:
    return {
        "tracking_no": message.tracking_no,
        "category": message.category.name,
        "summary": message.content,
        "station": message.station.name if message.station else "代表直通",
        "created_at": message.created_at,
        **extra,
    }


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
    template_id = getattr(current_app.config["WECHAT_TEMPLATES"], LAYOUTS[layout][0])
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
        from server.routing.queue import after_commit, enqueue_notice

        after_commit(db.session(), enqueue_notice, notice.id)
    else:
        _record(notice)
    return notice


NO_CREDIT = "没有剩余的订阅次数"


def reachable(citizen_id: int | None, kind: str = "reply") -> bool:
    """Whether a notice of `kind` written now could reach this person (a credit is left)."""
    if citizen_id is None:
        return False
    layout, _ = KINDS[kind]
    template_id = getattr(current_app.config["WECHAT_TEMPLATES"], LAYOUTS[layout][0])
    return consent.available(citizen_id, template_id)


def _claim(notification_id: int) -> bool:
    """pending/retry -> sending for exactly one worker: the check that makes a notice go once."""
    now = utcnow()
    result = db.session.execute(
        update(Notification)
        .where(
            Notification.id == notification_id,
            Notification.status.in_(("pending", "retry")),
            # a second of slack: RQ's scheduler may run a delayed job a moment early
            (Notification.next_attempt_at.is_(None))
            | (Notification.next_attempt_at <= now + timedelta(seconds=1)),
        )
        .values(status="sending", attempts=Notification.attempts + 1, updated_at=now)
    )
    db.session.commit()
    return result.rowcount == 1


def _record(notice: Notification) -> None:
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


def _finish(notice: Notification, status: str, errcode=None, errmsg=None, **values) -> str:
    notice.status = status
    notice.errcode = errcode
    notice.errmsg = (errmsg or "")[:200] or None
    for key, value in values.items():
        setattr(notice, key, value)
    _record(notice)
    db.session.commit()
    return status


def send(notification_id: int) -> str:
    """Deliver one outbox row. Returns the status it ended in ("skipped" if not ours to send)."""
    if not _claim(notification_id):
        return "skipped"
    notice = db.session.get(Notification, notification_id)
    recipient = db.session.get(Citizen, notice.citizen_id) if notice.citizen_id else None
    if recipient is None:
        return _finish(notice, "no_recipient")
    # The credit was taken when the row was written (queue_notice).
    db.session.commit()  # no transaction stays open during the WeChat call
    try:
        msgid = wechat.send_subscribe(
            recipient.openid, notice.template_id, notice.data, notice.page
        )
    except WeChatError as exc:
        return _failed(notice, recipient, exc)
    return _finish(notice, "sent", msgid=msgid, sent_at=utcnow())


def _failed(notice: Notification, recipient: Citizen, exc: WeChatError) -> str:
    if exc.errcode == 43101:
        # WeChat says there is no consent: our count was optimistic. Nothing to retry.
        consent.revoke(recipient.id, notice.template_id)
        return _finish(notice, "no_consent", exc.errcode, exc.errmsg)
    if exc.maybe_done:
        # WeChat may have delivered it (the answer was lost): a notice goes at most once, so
        # it is not sent again, and the credit stays spent. Staff see it as failed with why.
        return _finish(notice, "failed", exc.errcode, "超时：微信未答复，无法确认是否送达")
    delays = current_app.config["NOTICE_RETRY_DELAYS"]
    if exc.transient and notice.attempts <= len(delays):
        # The credit stays with the row for the next attempt.
        delay = delays[notice.attempts - 1]
        status = _finish(
            notice,
            "retry",
            exc.errcode,
            exc.errmsg,
            next_attempt_at=utcnow() + timedelta(seconds=delay),
        )
        from server.routing.queue import enqueue_notice

        enqueue_notice(notice.id, delay=delay)
        return status
    log.warning("notice %s failed for good: %s", notice.id, exc)
    consent.refund(recipient.id, notice.template_id)  # not delivered: the credit is theirs
    return _finish(notice, "failed", exc.errcode, exc.errmsg)
