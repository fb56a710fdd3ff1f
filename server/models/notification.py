"""The WeChat outbox: one row per subscribe message we mean to send."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from server.models.types import UTCDateTime
from server.platform.clock import utcnow
from server.platform.db import db

NOTICE_STATUS_LABELS = {
    "pending": "待发送",
    "sending": "发送中",
    "retry": "等待重试",
    "sent": "已送达",
    "no_consent": "未订阅",  # the recipient has no consent left: they read it in the mini-program
    "no_recipient": "未绑定微信",  # a deputy who has not bound WeChat yet
    "failed": "发送失败",
}
DUE_STATUSES = ("pending", "retry")
# How a notice goes out (server/notices/channels.py); None: it reaches nobody.
CHANNEL_LABELS = {"mp": "小程序订阅消息", "oa": "公众号模板消息"}


class Notification(db.Model):
    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_status_due", "status", "next_attempt_at"),
        # The overview's "not notified" count looks up this period's failed notices.
        Index("ix_notifications_status_created", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # What this notice is about, e.g. "assign-12" or "reply-40": a second row for the same
    # event is refused by the database, so nothing is ever queued twice.
    dedupe_key: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(24))  # new_item | reminder | reply | reopened
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"), index=True)
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizens.id"))  # recipient
    deputy_id: Mapped[int | None] = mapped_column(ForeignKey("deputies.id"))
    template_id: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str | None] = mapped_column(String(8))  # mp | oa | None (not notified)
    data: Mapped[dict] = mapped_column(JSON)
    page: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    errcode: Mapped[int | None] = mapped_column(Integer)
    errmsg: Mapped[str | None] = mapped_column(String(200))
    msgid: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # WeChat's own delivery report (subscribe_msg_sent_event), when push is configured.
    delivery_status: Mapped[str | None] = mapped_column(String(32))

    @property
    def status_label(self) -> str:
        return NOTICE_STATUS_LABELS.get(self.status, self.status)

    @property
    def channel_label(self) -> str:
        return CHANNEL_LABELS.get(self.channel or "", "—")
