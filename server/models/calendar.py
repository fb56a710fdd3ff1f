"""The working-day calendar as data: statutory holidays and 调休 make-up workdays, one row a day.

Ordinary weekends and weekdays have no row. Years the maintained package `chinesecalendar`
knows are seeded from it (server/seed.py: seed_calendar); a clerk enters the years it does not
know yet, and corrects any day, on the dashboard (server/admin/calendar.py). The rules that read
it are pure (server/routing/calendar.py); server/routing/workdays.py loads and caches it.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.models.types import UTCDateTime
from server.platform.clock import utcnow
from server.platform.db import db

DAY_KINDS = {"holiday": "休", "workday": "班"}
DAY_SOURCES = {"chinesecalendar": "国务院安排（chinesecalendar）", "staff": "工作人员录入"}
NAME_MAX = 16


class CalendarDay(db.Model):
    __tablename__ = "calendar_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))  # holiday | workday
    name: Mapped[str] = mapped_column(String(NAME_MAX), default="")  # 春节, 春节调休 ...
    source: Mapped[str] = mapped_column(String(16), default="staff")  # chinesecalendar | staff
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    editor: Mapped[StaffUser | None] = relationship()  # noqa: F821
