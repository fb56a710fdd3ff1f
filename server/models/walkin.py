"""A walk-in visit (接待登记): what a clerk typed in for a visitor at the station.

The visit's substance is an ordinary Message (channel `walk_in`, no citizen), so every channel
lands in one ledger; this row keeps what only a visit has: who came, how many, who received them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.models.types import UTCDateTime
from server.platform.clock import utcnow
from server.platform.db import db


class WalkIn(db.Model):
    __tablename__ = "walk_ins"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), unique=True)
    visitor_name: Mapped[str] = mapped_column(String(50), default="")
    visitor_count: Mapped[int] = mapped_column(Integer, default=1)
    # The deputy who received the visitor (接待代表), if one did; they answer the item.
    received_by_id: Mapped[int | None] = mapped_column(ForeignKey("deputies.id"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))  # who typed it
    visited_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    message: Mapped[Message] = relationship()  # noqa: F821
    received_by: Mapped[Deputy | None] = relationship()  # noqa: F821
    staff: Mapped[StaffUser | None] = relationship()  # noqa: F821
