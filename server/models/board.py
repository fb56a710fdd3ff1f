"""Notices on the dashboard (提醒): what the escalation chain and 督办 tell station staff and the
代表工委, who have no WeChat with us. One row per notice; its unique dedupe_key is also the
claim that makes a sweep running twice write it once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.models.types import UTCDateTime
from server.platform.clock import utcnow
from server.platform.db import db

AUDIENCES = {"station": "联络站", "committee": "代表工委", "unit": "承办单位"}


class BoardNotice(db.Model):
    __tablename__ = "board_notices"
    __table_args__ = (Index("ix_board_notices_audience_created", "audience", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(64), unique=True)
    audience: Mapped[str] = mapped_column(String(16))  # station | committee | unit
    station_id: Mapped[int | None] = mapped_column(ForeignKey("stations.id"), index=True)
    # audience unit: the handling unit whose staff see it in their inbox.
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))  # escalated | supervised
    text: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    message: Mapped[Message | None] = relationship()  # noqa: F821
