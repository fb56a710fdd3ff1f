"""What is published on the public pages (双公开): one row per published subject — a citizen's
item or a 代表建议 — holding the snapshot the public sees.

The public pages read `redacted` of approved rows and nothing else: the item or suggestion
itself is never read to draw a public page, so nothing that changes on it afterwards (and no
text that was not redacted and approved) can leak. `original` keeps what the redaction started
from, for the side-by-side view staff approve.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.models.types import UTCDateTime
from server.platform.clock import utcnow
from server.platform.db import db

SUBJECT_KINDS = ("item", "suggestion")
MODES = {"whole": "全文公开", "summary": "摘要公开"}
PUBLICATION_STATUSES = {"proposed": "待审核", "approved": "已公开", "withdrawn": "已撤回"}
# The allowed moves of a publication's status: (from, to). Written by server/publish/service.py
# with a conditional UPDATE on the `from`, so of two clerks approving at once one wins.
PUBLICATION_MOVES = {
    "approve": ("proposed", "approved"),
    "withdraw_proposed": ("proposed", "withdrawn"),
    "withdraw": ("approved", "withdrawn"),
    "repropose": ("withdrawn", "proposed"),
}


class Publication(db.Model):
    __tablename__ = "publications"
    __table_args__ = (
        # One row per subject: withdrawing and proposing again reuses it.
        UniqueConstraint("subject_kind", "subject_id"),
        # The public lists and their counts: one kind's approved rows, newest first, read along
        # this index (a page, a count) without touching the rows' JSON.
        Index("ix_publications_public", "subject_kind", "status", "published_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_kind: Mapped[str] = mapped_column(String(16))  # SUBJECT_KINDS
    subject_id: Mapped[int] = mapped_column(Integer)
    mode: Mapped[str] = mapped_column(String(16))  # MODES
    status: Mapped[str] = mapped_column(String(16), default="proposed")
    # Field name → text as the subject had it when proposed, and as the public will read it.
    original: Mapped[dict] = mapped_column(JSON, default=dict)
    redacted: Mapped[dict] = mapped_column(JSON, default=dict)
    # What was taken out, for the reviewer: [{"field", "kind", "original", "replacement"}].
    findings: Mapped[list] = mapped_column(JSON, default=list)
    # Facts that are not citizens' text and need no redaction (tracking number, station and
    # category names, who answered, the rating), copied so the public pages join nothing.
    facts: Mapped[dict] = mapped_column(JSON, default=dict)
    # For the public filters, copied with the facts.
    station_id: Mapped[int | None] = mapped_column(ForeignKey("stations.id"), index=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    year: Mapped[int | None] = mapped_column(Integer)
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdraw_reason: Mapped[str | None] = mapped_column(String(200))

    @property
    def status_label(self) -> str:
        return PUBLICATION_STATUSES.get(self.status, self.status)

    @property
    def mode_label(self) -> str:
        return MODES.get(self.mode, self.mode)
