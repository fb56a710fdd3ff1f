"""What the quarterly analysis keeps: clustering runs, their clusters (each linked to its items,
and marked a 民生实事 candidate for a year by staff), and citizens who joined an existing item
instead of filing the same matter again."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.models.types import UTCDateTime
from server.platform.clock import utcnow
from server.platform.db import db

RUN_STATUSES = ("queued", "running", "done", "failed")


class ClusterRun(db.Model):
    """One clustering of a quarter (a background job); the newest done run is what is shown."""

    __tablename__ = "cluster_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    quarter: Mapped[str] = mapped_column(String(7), index=True)  # "2026Q2"
    status: Mapped[str] = mapped_column(String(8), default="queued")
    items: Mapped[int] = mapped_column(Integer, default=0)
    clusters: Mapped[int] = mapped_column(Integer, default=0)
    seconds: Mapped[float | None] = mapped_column(Float)
    error: Mapped[str | None] = mapped_column(Text)
    # The quarter's topics, per station and for all ("all"): {"top": [[word, items], ...],
    # "rising": [[word, items, items before], ...], "items": n} (server/insight/analysis.py).
    topics: Mapped[dict] = mapped_column(JSON, default=dict)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Cluster(db.Model):
    __tablename__ = "clusters"
    __table_args__ = (Index("ix_clusters_candidate_year", "candidate_year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("cluster_runs.id"), index=True)
    quarter: Mapped[str] = mapped_column(String(7))
    station_id: Mapped[int | None] = mapped_column(ForeignKey("stations.id"))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    title: Mapped[str] = mapped_column(String(100))
    keywords: Mapped[str] = mapped_column(String(200), default="")
    size: Mapped[int] = mapped_column(Integer)
    # Put on the year's 民生实事 candidate list by staff (None: not a candidate).
    candidate_year: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    station: Mapped[Station | None] = relationship()  # noqa: F821
    category: Mapped[Category | None] = relationship()  # noqa: F821
    members: Mapped[list[ClusterItem]] = relationship(
        cascade="all, delete-orphan", order_by="ClusterItem.message_id"
    )


class ClusterItem(db.Model):
    __tablename__ = "cluster_items"

    cluster_id: Mapped[int] = mapped_column(ForeignKey("clusters.id"), primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), primary_key=True, index=True)

    message: Mapped[Message] = relationship()  # noqa: F821


class Supporter(db.Model):
    """A citizen who joined an existing item (「附近已有类似反映」 → 我也反映): their voice is
    added to it and they receive its notices; no item of their own is made."""

    __tablename__ = "supporters"

    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), primary_key=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizens.id"), primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
