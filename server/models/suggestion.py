"""代表建议 (a deputy's formal suggestion): drafted from citizens' items, reviewed and numbered by
staff, handed (交办) to one 主办 unit and any 协办 units, answered, evaluated back to back, and
checked again (回头看) when the unit promised something (grade B).

Statuses move only along SUGGESTION_MOVES (server/suggestions/moves.py), each move one
SuggestionEvent. Everything a public page needs later (title, body, number, units, answer,
grade, dates) is reachable from `Suggestion`.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.models.types import UTCDateTime
from server.platform.clock import utcnow
from server.platform.db import db

SUGGESTION_STATUSES = {
    "draft": "草稿",
    "submitted": "待审查",
    "returned": "退回修改",
    "accepted": "已立案",
    "assigned": "已交办",
    "signed": "办理中",
    "answered": "已答复待评价",
    "evaluated": "已评价",
    "reanswer": "不满意待二次答复",
    "closed": "已办结",
    "lookback": "回头看",
}
GRADES = {"A": "已解决或基本解决", "B": "列入计划逐步解决", "C": "因条件限制留作参考"}
SCORES = {"satisfied": "满意", "basically_satisfied": "基本满意", "unsatisfied": "不满意"}
MEETING_FORMS = {"visit": "走访", "meeting": "座谈", "phone": "电话", "online": "视频"}
LEAD, CO = "lead", "co"


class Suggestion(db.Model):
    __tablename__ = "suggestions"
    __table_args__ = (
        UniqueConstraint("year", "seq", name="uq_suggestions_year_seq"),
        Index("ix_suggestions_status", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(100))
    content: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    lead_deputy_id: Mapped[int] = mapped_column(ForeignKey("deputies.id"), index=True)
    created_by: Mapped[str] = mapped_column(String(16))  # deputy | staff
    review_remarks: Mapped[str] = mapped_column(String(1000), default="")
    # The number 〔year〕第 seq 号, given when staff accept it (unique per year).
    year: Mapped[int | None] = mapped_column(Integer)
    seq: Mapped[int | None] = mapped_column(Integer)
    priority: Mapped[bool] = mapped_column(Boolean, default=False)  # 重点督办
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sign_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The answer's deadline: first the 交办 one, then the second answer's after 不满意.
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    interim_answer: Mapped[str | None] = mapped_column(Text)
    interim_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answer: Mapped[str | None] = mapped_column(Text)
    grade: Mapped[str | None] = mapped_column(String(1))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    document_id: Mapped[str | None] = mapped_column(ForeignKey("suggestion_documents.id"))
    promised_on: Mapped[date | None] = mapped_column(Date)  # grade B: 回头看 on this day
    lookback_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lookback_report: Mapped[str | None] = mapped_column(Text)
    round: Mapped[int] = mapped_column(Integer, default=1)
    # Back to back (背靠背): the evaluation is hidden from the unit until this moment.
    evaluation_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    lead_deputy: Mapped[Deputy] = relationship()  # noqa: F821
    deputies: Mapped[list[SuggestionDeputy]] = relationship(
        order_by="SuggestionDeputy.id", cascade="all, delete-orphan"
    )
    units: Mapped[list[SuggestionUnit]] = relationship(
        order_by="SuggestionUnit.id", cascade="all, delete-orphan"
    )
    links: Mapped[list[SuggestionItem]] = relationship(
        order_by="SuggestionItem.id", cascade="all, delete-orphan"
    )
    meetings: Mapped[list[SuggestionMeeting]] = relationship(order_by="SuggestionMeeting.held_on")
    evaluations: Mapped[list[SuggestionEvaluation]] = relationship(
        order_by="SuggestionEvaluation.id"
    )
    document: Mapped[SuggestionDocument | None] = relationship(foreign_keys=[document_id])

    @property
    def number(self) -> str | None:
        if self.year is None or self.seq is None:
            return None
        return f"〔{self.year}〕第 {self.seq:04d} 号"

    @property
    def status_label(self) -> str:
        return SUGGESTION_STATUSES.get(self.status, self.status)

    @property
    def lead_unit(self) -> SuggestionUnit | None:
        return next((u for u in self.units if u.role == LEAD), None)

    @property
    def co_units(self) -> list[SuggestionUnit]:
        return [u for u in self.units if u.role == CO]

    @property
    def co_deputies(self) -> list[SuggestionDeputy]:
        return [d for d in self.deputies if d.role == CO]

    @property
    def message_ids(self) -> list[int]:
        return [link.message_id for link in self.links]

    @property
    def latest_evaluation(self) -> SuggestionEvaluation | None:
        return self.evaluations[-1] if self.evaluations else None


class SuggestionDeputy(db.Model):
    """The 领衔 deputy (confirmed by drafting it) and each 附议 deputy, who must confirm."""

    __tablename__ = "suggestion_deputies"
    __table_args__ = (UniqueConstraint("suggestion_id", "deputy_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    suggestion_id: Mapped[int] = mapped_column(ForeignKey("suggestions.id"), index=True)
    deputy_id: Mapped[int] = mapped_column(ForeignKey("deputies.id"), index=True)
    role: Mapped[str] = mapped_column(String(8))  # lead | co
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    declined_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    deputy: Mapped[Deputy] = relationship()  # noqa: F821

    @property
    def state(self) -> str:
        if self.confirmed_at:
            return "confirmed"
        if self.declined_at:
            return "declined"
        return "pending"


class SuggestionItem(db.Model):
    """A citizen's item the suggestion grew from (many-to-many)."""

    __tablename__ = "suggestion_items"
    __table_args__ = (UniqueConstraint("suggestion_id", "message_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    suggestion_id: Mapped[int] = mapped_column(ForeignKey("suggestions.id"), index=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), index=True)

    message: Mapped[Message] = relationship()  # noqa: F821


class SuggestionUnit(db.Model):
    """主办 (one) or 协办 unit; a 协办 unit's opinion goes to the 主办."""

    __tablename__ = "suggestion_units"
    __table_args__ = (UniqueConstraint("suggestion_id", "unit_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    suggestion_id: Mapped[int] = mapped_column(ForeignKey("suggestions.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    role: Mapped[str] = mapped_column(String(8))  # lead | co
    opinion: Mapped[str | None] = mapped_column(Text)
    opinion_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    unit: Mapped[Unit] = relationship()  # noqa: F821


class SuggestionMeeting(db.Model):
    """面商: a meeting or call of the unit with the 领衔 deputy (「三次沟通」)."""

    __tablename__ = "suggestion_meetings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    suggestion_id: Mapped[int] = mapped_column(ForeignKey("suggestions.id"), index=True)
    held_on: Mapped[date] = mapped_column(Date)
    form: Mapped[str] = mapped_column(String(16))
    summary: Mapped[str] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SuggestionEvaluation(db.Model):
    """The 领衔 deputy's rating of one answer (one per round)."""

    __tablename__ = "suggestion_evaluations"
    __table_args__ = (UniqueConstraint("suggestion_id", "round"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    suggestion_id: Mapped[int] = mapped_column(ForeignKey("suggestions.id"), index=True)
    deputy_id: Mapped[int] = mapped_column(ForeignKey("deputies.id"))
    round: Mapped[int] = mapped_column(Integer)
    score: Mapped[str] = mapped_column(String(24))
    communication: Mapped[str | None] = mapped_column(String(24))  # how the unit communicated
    comment: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SuggestionDocument(db.Model):
    """The answer document (PDF), stored under UPLOAD_DIR like photos."""

    __tablename__ = "suggestion_documents"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    suggestion_id: Mapped[int] = mapped_column(Integer, index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    path: Mapped[str] = mapped_column(String(200))  # relative to UPLOAD_DIR
    filename: Mapped[str] = mapped_column(String(120), default="")
    size: Mapped[int] = mapped_column(Integer)
    pages: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SuggestionEvent(db.Model):
    """Every move of a suggestion, as a row (the register and the history come from these)."""

    __tablename__ = "suggestion_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    suggestion_id: Mapped[int] = mapped_column(ForeignKey("suggestions.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    source: Mapped[str] = mapped_column(String(16))
    target: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(Integer)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
