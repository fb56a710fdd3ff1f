"""Dashboard accounts: admins see everything, station staff only their stations."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Column, ForeignKey, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from server.models.types import UTCDateTime
from server.platform.clock import utcnow
from server.platform.db import db

# committee (代表工委): above the stations, sees all of them read-only and may 督办.
ROLES = {"admin": "管理员", "station_staff": "联络站工作人员", "committee": "代表工委"}

staff_stations = Table(
    "staff_stations",
    db.metadata,
    Column("staff_id", ForeignKey("staff_users.id"), primary_key=True),
    Column("station_id", ForeignKey("stations.id"), primary_key=True),
)


class StaffUser(db.Model):
    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64), default="")
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16), default="station_staff")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    stations: Mapped[list[Station]] = relationship(secondary=staff_stations)  # noqa: F821

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)
