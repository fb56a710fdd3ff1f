"""Duty rosters: which deputy receives citizens at which station on which days."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.models.types import UTCDateTime
from server.platform.clock import utcnow
from server.platform.db import db

# kind -> what `days` holds
SHIFT_KINDS = {
    "monthly": "每月几日（逢六 = 6、16、26）",  # days of the month, 1..31
    "weekly": "每周几（1 = 周一 … 7 = 周日）",  # ISO weekdays, 1..7
    "dates": "指定日期",  # ISO dates "2026-11-22"
}


class DutyShift(db.Model):
    """A recurring duty rule, e.g. 张三 at 金竹 on 逢六 days from 2026-01-01."""

    __tablename__ = "duty_shifts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"), index=True)
    deputy_id: Mapped[int] = mapped_column(ForeignKey("deputies.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    days: Mapped[list] = mapped_column(JSON, default=list)
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    station: Mapped[Station] = relationship()  # noqa: F821
    deputy: Mapped[Deputy] = relationship()  # noqa: F821
