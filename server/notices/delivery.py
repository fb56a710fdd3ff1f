"""Delivery: one outbox row to WeChat, at most once. A conditional claim (pending/retry ->
sending) lets exactly one worker send; no transaction stays open during the WeChat call; a
transient failure is retried after NOTICE_RETRY_DELAYS with the credit kept; an answer that may
have been delivered (a read timeout) is never sent again."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import bindparam, update

from server.models import Citizen, Notification
from server.notices import consent, followers
from server.notices.layouts import official_attr, official_data
from server.notices.outbox import record_outcome
from server.platform.clock import utcnow
from server.platform.db import db, execute
from server.platform.queue import enqueue_notice
from server.wechat import api as wechat
from server.wechat.client import WeChatError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Claimed:
    """A notice this worker now owns (status `sending`): what sending and recording it need."""

    id: int
    kind: str
    message_id: int | None
    citizen_id: int | None
    template_id: str
    data: dict
    page: str | None
    attempts: int
    channel: str | None


_notifications = Notification.__table__
_CLAIM = (
    update(_notifications)
    .where(
        _notifications.c.id == bindparam("_id"),
        _notifications.c.status.in_(("pending", "retry")),
        # a second of slack: RQ's scheduler may run a delayed job a moment early
        _notifications.c.next_attempt_at.is_(None)
        | (_notifications.c.next_attempt_at <= bindparam("_due")),
    )
    .values(status="sending", attempts=_notifications.c.attempts + 1, updated_at=bindparam("_now"))
    .returning(
        _notifications.c.id,
        _notifications.c.kind,
        _notifications.c.message_id,
        _notifications.c.citizen_id,
        _notifications.c.template_id,
        _notifications.c.data,
        _notifications.c.page,
        _notifications.c.attempts,
        _notifications.c.channel,
    )
)
# The SET clause comes from the parameters' names (status, errcode ... and sent_at or
# next_attempt_at): compiled once per set.
_FINISH = update(_notifications).where(_notifications.c.id == bindparam("_id"))


def _claim(notification_id: int) -> Claimed | None:
    """pending/retry -> sending for exactly one worker: the check that makes a notice go once."""
    now = utcnow()
    params = {"_id": notification_id, "_due": now + timedelta(seconds=1), "_now": now}
    row = execute(_CLAIM, params).one_or_none()
    db.session.commit()
    return Claimed(*row) if row is not None else None


def _finish(notice: Claimed, status: str, errcode=None, errmsg=None, **values) -> str:
    execute(
        _FINISH,
        {
            "_id": notice.id,
            "status": status,
            "errcode": errcode,
            "errmsg": (errmsg or "")[:200] or None,
            "updated_at": utcnow(),
            **values,
        },
    )
    record_outcome(Outcome(notice.id, notice.kind, notice.message_id, status, errcode))
    db.session.commit()
    return status


@dataclass(frozen=True)
class Outcome:
    id: int
    kind: str
    message_id: int | None
    status: str
    errcode: int | None


def send(notification_id: int, openid: str | None = None) -> str:
    """Deliver one outbox row. Returns the status it ended in ("skipped" if not ours to send).
    `openid`: the recipient's, when the caller knows it (the routing job just read it)."""
    notice = _claim(notification_id)
    if notice is None:
        return "skipped"
    if notice.citizen_id is None:
        return _finish(notice, "no_recipient")
    if notice.channel == "oa":
        return _send_official(notice, openid)
    if openid is None:
        openid = db.session.scalar(db.select(Citizen.openid).where(Citizen.id == notice.citizen_id))
        db.session.commit()  # no transaction stays open during the WeChat call
    # The credit was taken when the row was written (outbox.write_notice).
    try:
        msgid = wechat.send_subscribe(openid, notice.template_id, notice.data, notice.page)
    except WeChatError as exc:
        return _failed(notice, exc)
    return _finish(notice, "sent", msgid=msgid, sent_at=utcnow())


def _send_official(notice: Claimed, oa_openid: str | None) -> str:
    """A template message on the official account, chosen when the row was written."""
    if current_app.config["WECHAT_OA"] is None:
        return _finish(notice, "failed", None, "公众号未配置")
    if oa_openid is None:
        oa_openid = followers.oa_openid_of(notice.citizen_id)
        db.session.commit()
    if oa_openid is None:
        return _finish(notice, "no_consent", 43004, "已取消关注公众号")
    try:
        msgid = wechat.send_template(oa_openid, notice.template_id, notice.data, notice.page)
    except WeChatError as exc:
        if exc.errcode == 43004:
            followers.unfollowed(oa_openid)
            return _finish(notice, "no_consent", exc.errcode, "已取消关注公众号")
        return _failed(notice, exc)
    return _finish(notice, "sent", msgid=msgid, sent_at=utcnow())


def _fall_back_to_official(notice: Claimed, exc: WeChatError) -> str | None:
    """The refused subscribe message goes again on the official account (the row stays
    `sending`, claimed by us); None when there is no official account or no follow. The refused
    attempt stays on the item's record."""
    account = current_app.config["WECHAT_OA"]
    attr = official_attr(notice.kind)
    if account is None or attr is None or not getattr(account, attr):
        return None
    oa_openid = followers.oa_openid_of(notice.citizen_id)
    if oa_openid is None:
        db.session.commit()
        return None
    record_outcome(Outcome(notice.id, notice.kind, notice.message_id, "no_consent", exc.errcode))
    official = replace(
        notice,
        channel="oa",
        template_id=getattr(account, attr),
        data=official_data(notice.data),
    )
    db.session.execute(
        update(Notification)
        .where(Notification.id == notice.id)
        .values(channel="oa", template_id=official.template_id, data=official.data)
    )
    db.session.commit()
    return _send_official(official, oa_openid)


def _failed(notice: Claimed, exc: WeChatError) -> str:
    if exc.errcode == 43101 and notice.channel == "mp":
        # WeChat says there is no consent: our count was optimistic (or a long-term template
        # was never accepted). The next channel in FALLBACK, if the person follows it.
        consent.revoke(notice.citizen_id, notice.template_id)
        switched = _fall_back_to_official(notice, exc)
        if switched is not None:
            return switched
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
        enqueue_notice(notice.id, delay=delay)
        return status
    log.warning("notice %s failed for good: %s", notice.id, exc)
    if notice.channel == "mp":
        consent.refund(notice.citizen_id, notice.template_id)  # not delivered: the credit is theirs
    return _finish(notice, "failed", exc.errcode, exc.errmsg)


# -- what the sweep finds -----------------------------------------------------------------------

BATCH = 500


def lost_notices(now: datetime) -> list[int]:
    grace = timedelta(seconds=current_app.config["SWEEP_GRACE_SECONDS"])
    return list(
        db.session.scalars(
            db.select(Notification.id)
            .where(
                ((Notification.status == "pending") & (Notification.created_at <= now - grace))
                | ((Notification.status == "retry") & (Notification.next_attempt_at <= now - grace))
            )
            .order_by(Notification.id)
            .limit(BATCH)
        )
    )


def resend_lost(now: datetime) -> int:
    """Enqueue again every notice pending or due for retry whose job got lost."""
    ids = lost_notices(now)
    for notification_id in ids:
        enqueue_notice(notification_id)
    return len(ids)


def fail_stuck(now: datetime) -> int:
    stuck = timedelta(seconds=current_app.config["NOTICE_STUCK_SECONDS"])
    ids = list(
        db.session.scalars(
            db.select(Notification.id).where(
                Notification.status == "sending", Notification.updated_at <= now - stuck
            )
        )
    )
    for notification_id in ids:
        result = db.session.execute(
            update(Notification)
            .where(Notification.id == notification_id, Notification.status == "sending")
            .values(
                status="failed",
                errmsg="发送过程中断，无法确认是否送达",
                updated_at=now,
            )
        )
        if result.rowcount:
            notice = db.session.get(Notification, notification_id)
            record_outcome(notice)
    db.session.commit()
    return len(ids)
