"""The outbox: one row per notice we mean to send, written in the caller's transaction and sent
by a job enqueued once that transaction commits. Nothing outside this package enqueues a notice.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import bindparam, select, update

from server.models import Message, Notification, Supporter
from server.models.event import record
from server.notices import channels, consent, followers
from server.notices.layouts import (
    KINDS,
    LAYOUTS,
    build_data,
    layout_values,
    message_values,
    official_attr,
    official_data,
    spend_order,
    template_attr,
)
from server.platform.clock import utcnow
from server.platform.db import db, dialect_insert, execute
from server.platform.queue import after_commit, enqueue_notice


@dataclass
class Written:
    """An outbox row as written: enough to tell whoever caused it what will happen, and for the
    routing job's first attempt to send it without reading it back."""

    id: int
    kind: str
    status: str
    message_id: int | None
    citizen_id: int | None
    template_id: str
    data: dict
    page: str
    errcode: int | None = None
    openid: str | None = None  # the recipient's, when the writer knows it
    channel: str | None = "mp"


_notifications = Notification.__table__
_INSERTS: dict = {}
_NO_CONSENT = update(_notifications).where(_notifications.c.id == bindparam("_id"))


def _insert_once():
    """INSERT ... ON CONFLICT (dedupe_key) DO NOTHING RETURNING id, built once per backend."""
    dialect = db.session.get_bind().dialect.name
    statement = _INSERTS.get(dialect)
    if statement is None:
        statement = _INSERTS[dialect] = (
            dialect_insert(_notifications)
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
            .returning(_notifications.c.id)
        )
    return statement


# What a supporter hears of the item they joined: its answers and what became of it; not
# 「问题解决了吗」 or the call-back, which ask the citizen who filed it.
SUPPORTER_KINDS = frozenset({"reply", "rejected", "transferred", "progress"})


def queue_notice(
    kind: str,
    dedupe_key: str,
    message: Message,
    recipient_id: int | None,
    deputy_id: int | None = None,
    **extra,
) -> Written | None:
    """A notice about `message` (see write_notice); `extra` fills the layout's other fields.
    A notice to the item's citizen about its progress goes to each supporter too (citizens who
    joined the item instead of filing it again: server/insight/joining.py), each its own row
    with its own consent credit."""
    values = message_values(message, **extra)
    notice = write_notice(
        kind, dedupe_key, recipient_id, values, message_id=message.id, deputy_id=deputy_id
    )
    if kind in SUPPORTER_KINDS and recipient_id is not None and recipient_id == message.citizen_id:
        for supporter_id in db.session.scalars(
            select(Supporter.citizen_id)
            .where(Supporter.message_id == message.id)
            .order_by(Supporter.citizen_id)
        ):
            write_notice(
                kind, f"{dedupe_key}:s{supporter_id}", supporter_id, values, message_id=message.id
            )
    return notice


def write_notice(
    kind: str,
    dedupe_key: str,
    recipient_id: int | None,
    values: dict,
    message_id: int | None = None,
    deputy_id: int | None = None,
    send_now: bool = False,
) -> Written | None:
    """Add an outbox row in the caller's transaction; None if this notice already exists (its
    dedupe_key is unique: the database refuses a second row, so nothing is queued twice).

    The consent credit is taken now, with the row: whether the notice can reach its recipient
    is known when it is written (and said truthfully to whoever caused it), not discovered by a
    worker later. A row that can go is sent by a job enqueued once the caller commits, or, with
    `send_now`, by the caller itself right after its commit (the routing job: one job per
    message; the sweep sends it if the process dies in between).
    """
    layout, page = KINDS[kind]
    template_id = getattr(current_app.config["WECHAT_TEMPLATES"], template_attr(kind))
    values = layout_values(kind, values)
    now = utcnow()
    row = {
        "dedupe_key": dedupe_key,
        "kind": kind,
        "message_id": message_id,
        "citizen_id": recipient_id,
        "deputy_id": deputy_id,
        "template_id": template_id,
        "data": build_data(layout, values),
        "page": page.format(id=message_id),
        "status": "pending" if recipient_id is not None else "no_recipient",
        "channel": "mp" if recipient_id is not None else None,
        "attempts": 0,
        "created_at": now,
        "updated_at": now,
    }
    notice_id = execute(_insert_once(), row).scalar()
    if notice_id is None:
        return None  # written before (a job or a sweep running twice)
    notice = Written(
        notice_id,
        kind,
        row["status"],
        message_id,
        recipient_id,
        template_id,
        row["data"],
        row["page"],
        channel=row["channel"],
    )
    if recipient_id is not None:
        _choose_channel(notice, recipient_id, kind, values)
    if notice.status == "pending":
        if not send_now:
            after_commit(db.session(), enqueue_notice, notice_id)
    else:
        record_outcome(notice)
    return notice


NO_CREDIT = "没有剩余的订阅次数"
NOT_FOLLOWING = "没有剩余的订阅次数，也未关注公众号"


def _choose_channel(notice: Written, recipient_id: int, kind: str, values: dict | None) -> None:
    """One channel for this notice (server/notices/channels.py); the row was written as a
    subscribe message with its first template, so only a fallback costs another statement.
    `values` lets a notice go out on a later template of its SPEND_ORDER (None: the first only)."""
    account = current_app.config["WECHAT_OA"]
    templates = current_app.config["WECHAT_TEMPLATES"]
    mp_data, mp_template = notice.data, notice.template_id

    def credit() -> bool:
        nonlocal mp_data, mp_template
        layouts = spend_order(kind) if values is not None else (KINDS[kind][0],)
        for layout in layouts:
            template_id = getattr(templates, LAYOUTS[layout][0])
            if template_id and consent.spend(recipient_id, template_id):
                if template_id != notice.template_id:
                    mp_template, mp_data = template_id, build_data(layout, values)
                return True
        return False

    def follows() -> bool:
        notice.openid = followers.oa_openid_of(recipient_id)
        return notice.openid is not None

    oa_attr = official_attr(kind)
    has_oa = account is not None and oa_attr is not None and bool(getattr(account, oa_attr))
    probes = {"mp": credit, "oa": follows if has_oa else None}
    channel = channels.choose(probes)
    if channel == "mp":
        if mp_template == notice.template_id:
            return
        notice.template_id, notice.data = mp_template, mp_data
        values = {"template_id": mp_template, "data": mp_data}
    elif channel == "oa":
        notice.channel = "oa"
        notice.template_id = getattr(account, oa_attr)
        notice.data = official_data(notice.data)
        values = {"channel": "oa", "template_id": notice.template_id, "data": notice.data}
    else:
        notice.channel, notice.status = None, "no_consent"
        errmsg = NO_CREDIT if account is None else NOT_FOLLOWING
        values = {"channel": None, "status": "no_consent", "errmsg": errmsg}
    db.session.execute(update(Notification).where(Notification.id == notice.id).values(**values))


def reachable(citizen_id: int | None, kind: str = "reply") -> bool:
    """Whether a notice of `kind` written now could reach this person: a credit is left, or
    they follow the official account."""
    return reached_by(citizen_id, kind) is not None


def reached_by(citizen_id: int | None, kind: str = "reply") -> str | None:
    """The channel a notice of `kind` written now would go by (None: nobody would be told);
    takes nothing."""
    if citizen_id is None:
        return None
    templates = current_app.config["WECHAT_TEMPLATES"]
    account = current_app.config["WECHAT_OA"]
    ids = [getattr(templates, LAYOUTS[layout][0]) for layout in spend_order(kind)]
    return channels.choose(
        {
            "mp": lambda: any(t and consent.available(citizen_id, t) for t in ids),
            "oa": (lambda: followers.oa_openid_of(citizen_id) is not None)
            if account and official_attr(kind) and getattr(account, official_attr(kind))
            else None,
        }
    )


class NotRequeued(Exception):
    """Why a notice can't go out again, in Chinese."""


# What did not go out and may be tried again by a person.
REQUEUEABLE = ("failed", "no_consent", "no_recipient")


def requeue(notice: Notification, recipient_id: int | None) -> None:
    """Put a notice that did not go out back in the outbox, to `recipient_id` (a deputy may have
    bound WeChat since), with a fresh consent credit; it is sent once the caller commits."""
    if notice.status not in REQUEUEABLE:
        raise NotRequeued("该通知不需要重发")
    if recipient_id is None:
        raise NotRequeued("该事项没有可接收通知的微信用户（来访登记请电话告知）")
    result = db.session.execute(
        update(Notification)
        .where(Notification.id == notice.id, Notification.status == notice.status)
        .values(
            status="pending",
            next_attempt_at=None,
            errcode=None,
            errmsg=None,
            citizen_id=recipient_id,
            updated_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise NotRequeued("该通知的状态刚刚变化，请刷新页面后再操作")
    # The channel is chosen again: a credit may have come, or a follow.
    mp_template = getattr(current_app.config["WECHAT_TEMPLATES"], template_attr(notice.kind))
    again = Written(
        notice.id,
        notice.kind,
        "pending",
        notice.message_id,
        recipient_id,
        mp_template,
        notice.data,  # a template message's values fit a subscribe message too
        notice.page or "",
    )
    db.session.execute(
        update(Notification)
        .where(Notification.id == notice.id)
        .values(channel="mp", template_id=mp_template)
    )
    _choose_channel(again, recipient_id, notice.kind, None)
    if again.status != "pending":
        raise NotRequeued(
            "对方没有剩余的订阅次数，也未关注公众号，微信不允许再发送；"
            "请提醒其在小程序中点“允许”接收通知"
        )
    after_commit(db.session(), enqueue_notice, notice.id)


def record_outcome(notice: Notification | Written) -> None:
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
