"""接待预告: reception days a station publishes (who, what topic, where, when), and the
citizens who asked to be reminded of one."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.models.types import UTCDateTime
from server.platform.clock import utcnow
from server.platform.db import db

RECEPTION_STATUSES = {"published": "已发布", "cancelled": "已取消"}


class Reception(db.Model):
    """One published reception day at one station (one a day: a second would confuse the
    poster's date strip and the reminder)."""

    __tablename__ = "receptions"
    __table_args__ = (UniqueConstraint("station_id", "day", name="uq_receptions_station_day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"), index=True)
    day: Mapped[date] = mapped_column(Date, index=True)  # the Beijing date
    starts: Mapped[str] = mapped_column(String(5))  # "09:00", Beijing time
    ends: Mapped[str] = mapped_column(String(5))
    topic: Mapped[str] = mapped_column(String(20), default="")  # e.g. 教育专题接待
    place: Mapped[str] = mapped_column(String(100), default="")
    deputy_ids: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default="published")
    cancel_reason: Mapped[str] = mapped_column(String(100), default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    station: Mapped[Station] = relationship()  # noqa: F821


class ReceptionSubscription(db.Model):
    """A citizen who tapped 「提醒我」 for a reception day: reminded the day before, told if it
    is cancelled. The outbox's dedupe keys make each notice once; this row only says who."""

    __tablename__ = "reception_subscriptions"
    __table_args__ = (
        UniqueConstraint("reception_id", "citizen_id", name="uq_reception_subscriptions"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reception_id: Mapped[int] = mapped_column(ForeignKey("receptions.id"), index=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizens.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
