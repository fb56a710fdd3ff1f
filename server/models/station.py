"""Liaison stations (联络站) and the deputies who serve there (驻站代表)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.models.common import random_code
from server.models.types import UTCDateTime
from server.platform.clock import utcnow
from server.platform.db import db


class Station(db.Model):
    __tablename__ = "stations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Public code printed in the QR scene `s.<code>`; random so stations can't be enumerated.
    code: Mapped[str] = mapped_column(String(16), unique=True, default=random_code)
    name: Mapped[str] = mapped_column(String(100))
    address: Mapped[str] = mapped_column(String(200), default="")
    # How reception works, in words for the poster and the mini-program (接待制度).
    reception_note: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    members: Mapped[list[StationMember]] = relationship(
        back_populates="station", cascade="all, delete-orphan"
    )

    @property
    def scene(self) -> str:
        return f"s.{self.code}"

    def __repr__(self) -> str:
        return f"<Station {self.code} {self.name}>"


class StationMember(db.Model):
    """A deputy resident at a station (驻站代表)."""

    __tablename__ = "station_members"

    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"), primary_key=True)
    deputy_id: Mapped[int] = mapped_column(ForeignKey("deputies.id"), primary_key=True, index=True)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    station: Mapped[Station] = relationship(back_populates="members")
    deputy: Mapped[Deputy] = relationship(back_populates="memberships")  # noqa: F821
