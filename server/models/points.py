"""履职积分 as data: the rules (item, points, cap per quarter, active from/to) and the shift
check-ins they count. Points themselves are never stored: server/performance/points.py
computes them from the events each time."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.models.types import UTCDateTime
from server.platform.clock import utcnow
from server.platform.db import db

# item -> (label, points, cap per quarter in points or None). The defaults a fresh database
# is seeded with; staff edit them on /admin/points/rules (a change is a new row from its date).
DEFAULT_RULES: dict[str, tuple[str, int, int | None]] = {
    "answered": ("答复群众反映（每件）", 2, 60),
    "answered_on_time": ("按期答复（未超期，每件）", 1, 30),
    "first_response_24h": ("24 小时内首次回应（每件）", 1, 30),
    "transfer_solved": ("转交承办单位并办结（每件）", 2, 30),
    "shift_attended": ("到站接待值班（每次）", 3, 36),
    "walkin_received": ("接待来访群众（每批）", 2, 30),
    "suggestion_led": ("领衔提出代表建议（每件）", 5, 30),
    "suggestion_seconded": ("附议代表建议（每件）", 1, 10),
    "suggestion_grade_a": ("建议办理结果 A 类：已解决或采纳（每件）", 5, None),
    "suggestion_grade_b": ("建议办理结果 B 类：正在解决或列入计划（每件）", 2, None),
    "rated_satisfied": ("群众评价满意（每条答复）", 2, 40),
    "rated_basically_satisfied": ("群众评价基本满意（每条答复）", 1, 20),
}
ITEMS = tuple(DEFAULT_RULES)
CHECKIN_SOURCES = {"deputy": "代表签到", "staff": "工作人员确认"}


class PointRule(db.Model):
    """One rule's terms for a span of dates (Beijing dates, `active_to` inclusive; None: open).
    Editing a rule closes its row the day before the change and adds a row from that day, so
    a quarter counts each fact by the terms in force on the fact's own date."""

    __tablename__ = "point_rules"
    __table_args__ = (Index("ix_point_rules_item_from", "item", "active_from"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item: Mapped[str] = mapped_column(String(32))
    label: Mapped[str] = mapped_column(String(100))
    points: Mapped[int] = mapped_column(Integer)
    cap_per_quarter: Mapped[int | None] = mapped_column(Integer)
    active_from: Mapped[date] = mapped_column(Date)
    active_to: Mapped[date | None] = mapped_column(Date)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def active_on(self, day: date) -> bool:
        return self.active_from <= day and (self.active_to is None or day <= self.active_to)


class ShiftCheckIn(db.Model):
    """A deputy present at a station for a duty shift on a Beijing date: their own one-tap
    check-in or a clerk's confirmation from the roster. One per deputy, station and day."""

    __tablename__ = "shift_checkins"
    __table_args__ = (UniqueConstraint("deputy_id", "station_id", "on_date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    deputy_id: Mapped[int] = mapped_column(ForeignKey("deputies.id"), index=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"))
    shift_id: Mapped[int | None] = mapped_column(ForeignKey("duty_shifts.id"))
    on_date: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(8))  # deputy | staff
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    station: Mapped[Station] = relationship()  # noqa: F821
    deputy: Mapped[Deputy] = relationship()  # noqa: F821

    @property
    def source_label(self) -> str:
        return CHECKIN_SOURCES.get(self.source, self.source)
