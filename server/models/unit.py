"""Handling units (承办单位): who an item is handed to after the deputy, the hand-over itself
(Transfer), and the bearer keys a unit's own system (12345, OA) calls the integration API with."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.models.types import UTCDateTime
from server.platform.clock import utcnow
from server.platform.db import db

TRANSFER_STATUSES = {
    "handed": "已交办",
    "signed": "已签收",
    "answered": "已答复",
    "returned": "已退回",
    # The item ended on our side (refused, merged into another, closed by staff) while the
    # unit still held it: off the unit's open work, its actions refused.
    "withdrawn": "已撤回",
}
# Still with the unit: at most one such transfer per message.
TRANSFER_OPEN = ("handed", "signed")
RESULTS = {"solved": "已解决", "explained": "已解释说明", "partly": "部分解决"}
KEY_PREFIX = "lzu_"


class Unit(db.Model):
    __tablename__ = "units"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    contact_person: Mapped[str] = mapped_column(String(32), default="")
    contact_phone: Mapped[str] = mapped_column(String(32), default="")
    contact_email: Mapped[str] = mapped_column(String(120), default="")
    # Working days the unit has to answer by default (a category's kind may say otherwise).
    answer_days: Mapped[int] = mapped_column(Integer, default=7)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    keys: Mapped[list[UnitKey]] = relationship(back_populates="unit", order_by="UnitKey.id")

    def public(self) -> dict:
        return {"id": self.id, "name": self.name, "answer_days": self.answer_days}


def hash_key(key: str) -> str:
    """Keys are kept only as their SHA-256: a stolen database hands out no working key (they are
    long random strings, so a fast hash is enough, unlike passwords)."""
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


class UnitKey(db.Model):
    """One bearer key of a unit's system; shown once when issued, then only its label."""

    __tablename__ = "unit_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    label: Mapped[str] = mapped_column(String(64), default="")
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    unit: Mapped[Unit] = relationship(back_populates="keys")


class Transfer(db.Model):
    """An item handed to a unit (交办): signed for, answered or returned by the unit."""

    __tablename__ = "transfers"
    __table_args__ = (Index("ix_transfers_unit_status", "unit_id", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))  # the lead unit (主办)
    co_unit_ids: Mapped[list[int]] = mapped_column(JSON, default=list)  # 协办
    note: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[str] = mapped_column(String(16), default="handed")
    priority: Mapped[bool] = mapped_column(Boolean, default=False)  # 重点督办
    handed_by: Mapped[str] = mapped_column(String(16))  # deputy | staff
    handed_by_id: Mapped[int | None] = mapped_column(Integer)
    handed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sign_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the answer's deadline
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    result: Mapped[str | None] = mapped_column(String(16))
    answer: Mapped[str | None] = mapped_column(Text)
    return_reason: Mapped[str | None] = mapped_column(String(500))
    # 1, then 2 ... each time the citizen's 不满意 sent it back to the unit.
    round: Mapped[int] = mapped_column(Integer, default=1)

    unit: Mapped[Unit] = relationship()
    message: Mapped[Message] = relationship()  # noqa: F821

    @property
    def status_label(self) -> str:
        return TRANSFER_STATUSES.get(self.status, self.status)

    @property
    def open(self) -> bool:
        return self.status in TRANSFER_OPEN
