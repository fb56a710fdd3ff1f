"""What citizens raise (Message), its photos, who answers it (Assignment) and the thread (Reply)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.models.lifecycle import AWAITING_REPLY, STATUS_LABELS
from server.models.types import UTCDateTime
from server.platform.clock import utcnow
from server.platform.db import db

# Statuses and their moves live in lifecycle.py; these names are what the rest of the code uses.
AWAITING_DEPUTY = AWAITING_REPLY
CHANNEL_LABELS = {
    "station_code": "联络站码",
    "deputy_code": "代表码",
    "walk_in": "来访登记",
    "web": "网页留言",
}
RATING_LABELS = {"satisfied": "满意", "basically_satisfied": "基本满意", "unsatisfied": "不满意"}


class Message(db.Model):
    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("citizen_id", "idempotency_key"),
        Index("ix_messages_station_created", "station_id", "created_at"),
        Index("ix_messages_citizen_created", "citizen_id", "created_at"),
        Index("ix_messages_status_created", "status", "created_at"),
        # The item list's order (newest first) and every "received since" count of the overview.
        Index("ix_messages_created", "created_at", "id"),
        # Routing's "fewest open items" counts along this index, not through assignments.
        Index("ix_messages_assigned_status", "assigned_deputy_id", "status"),
        # The keyword search's bigrams (server/admin/search.py), PostgreSQL only: the function
        # is the migration f3c9a7e5b2d1's.
        Index(
            "ix_messages_search",
            func.lz_search_vector(text("content"), text("location_address")),
            postgresql_using="gin",
        ).ddl_if(dialect="postgresql"),
        # The escalation sweep reads open items by deadline.
        Index("ix_messages_status_due", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tracking_no: Mapped[str] = mapped_column(String(20), unique=True)
    channel: Mapped[str] = mapped_column(String(16))
    station_id: Mapped[int | None] = mapped_column(ForeignKey("stations.id"))
    # Set when the citizen scanned a deputy's own code: that deputy answers.
    target_deputy_id: Mapped[int | None] = mapped_column(ForeignKey("deputies.id"))
    # The deputy of the active Assignment, kept with it by routing.service.assign and cleared
    # when an item is refused (a copy, so a deputy's load is one index range instead of a join
    # per open item, and the overview groups by it).
    assigned_deputy_id: Mapped[int | None] = mapped_column(ForeignKey("deputies.id"))
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))
    content: Mapped[str] = mapped_column(Text)
    location_lat: Mapped[float | None] = mapped_column(Float)
    location_lng: Mapped[float | None] = mapped_column(Float)
    location_address: Mapped[str | None] = mapped_column(String(200))
    contact_phone_enc: Mapped[str | None] = mapped_column(Text)  # Fernet token, see crypto.py
    # sha256 of the secret follow link's token (/t/<token>): web-form and walk-in items; the
    # token itself is shown once and never stored.
    follow_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    # The citizen asked, when submitting, that the item never be published (双公开): staff
    # cannot propose it (server/publish/service.py).
    no_publish: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    status: Mapped[str] = mapped_column(String(16), default="received")
    # msg_sec_check outcome: pass | review; when WeChat was unreachable the local word list's:
    # unavailable (nothing found) | local_review; with CONTENT_CHECK=local: local_pass |
    # local_review; skipped (CONTENT_CHECK=off)
    content_check: Mapped[str] = mapped_column(String(16), default="pass")
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizens.id"))
    idempotency_key: Mapped[str | None] = mapped_column(String(64))
    request_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    routed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    overdue_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The latest rating, copied from Rating so counts need no join; every rating is a Rating row.
    rating: Mapped[str | None] = mapped_column(String(24))
    rating_comment: Mapped[str | None] = mapped_column(String(500))
    rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When RETENTION_DAYS removed the photos, phone and place of this closed item.
    redacted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the open stage began (server/routing/stages.py): every move that hands the item on
    # writes it; the stage's deadline is stamped into due_at by the sweep.
    stage_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A duplicate merged into an earlier item (a refusal of its own kind): the item it joined.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"), index=True)
    # The call-back (回访) REVISIT_DAYS after closing: asked when, and the answer.
    revisit_asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revisit_answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revisit_solved: Mapped[bool | None] = mapped_column(Boolean)

    station: Mapped[Station | None] = relationship()  # noqa: F821
    merged_into: Mapped[Message | None] = relationship(remote_side=[id])
    target_deputy: Mapped[Deputy | None] = relationship(  # noqa: F821
        foreign_keys=[target_deputy_id]
    )
    category: Mapped[Category] = relationship()  # noqa: F821
    citizen: Mapped[Citizen | None] = relationship()  # noqa: F821
    photos: Mapped[list[Upload]] = relationship(order_by="Upload.created_at")
    assignments: Mapped[list[Assignment]] = relationship(
        back_populates="message", order_by="Assignment.id"
    )
    replies: Mapped[list[Reply]] = relationship(order_by="Reply.id")
    ratings: Mapped[list[Rating]] = relationship(order_by="Rating.id")

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)

    @property
    def active_assignment(self) -> Assignment | None:
        return next((a for a in self.assignments if a.active), None)

    @property
    def answers(self) -> list[Reply]:
        """The thread's answers (a deputy's or the station's), oldest first."""
        return [r for r in self.replies if r.author_kind != "citizen"]

    @property
    def unrated_answer(self) -> Reply | None:
        """The latest answer if the citizen has not rated it yet: what a rating would judge."""
        answers = self.answers
        if not answers:
            return None
        latest = answers[-1]
        return None if any(r.reply_id == latest.id for r in self.ratings) else latest


class Upload(db.Model):
    """A photo a citizen uploaded, re-encoded without metadata; attached to one message."""

    __tablename__ = "uploads"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizens.id"), index=True)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"), index=True)
    path: Mapped[str] = mapped_column(String(200))  # relative to UPLOAD_DIR
    content_type: Mapped[str] = mapped_column(String(32))
    size: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Assignment(db.Model):
    """The deputy accountable for a message; one active at a time."""

    __tablename__ = "assignments"
    __table_args__ = (Index("ix_assignments_deputy_active", "deputy_id", "active"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), index=True)
    deputy_id: Mapped[int] = mapped_column(ForeignKey("deputies.id"))
    rule: Mapped[str] = mapped_column(String(32))  # which routing rule chose this deputy
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    message: Mapped[Message] = relationship(back_populates="assignments")
    deputy: Mapped[Deputy] = relationship()  # noqa: F821


class Reply(db.Model):
    """One post in a message's thread: a deputy's answer or a citizen's follow-up."""

    __tablename__ = "replies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), index=True)
    author_kind: Mapped[str] = mapped_column(String(16))  # deputy | citizen | staff | unit
    deputy_id: Mapped[int | None] = mapped_column(ForeignKey("deputies.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))  # a unit's answer
    content: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    deputy: Mapped[Deputy | None] = relationship()  # noqa: F821
    unit: Mapped[Unit | None] = relationship()  # noqa: F821


class Rating(db.Model):
    """The citizen's judgement of one answer (满意 / 基本满意 / 不满意). Every rating is kept:
    after 不满意 the next answer is rated again, and the register shows each answer with its
    own score."""

    __tablename__ = "ratings"
    __table_args__ = (UniqueConstraint("reply_id"),)  # one rating per answer

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), index=True)
    reply_id: Mapped[int] = mapped_column(ForeignKey("replies.id"))  # the answer judged
    score: Mapped[str] = mapped_column(String(24))
    comment: Mapped[str | None] = mapped_column(String(500))
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizens.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def label(self) -> str:
        return RATING_LABELS.get(self.score, self.score)
