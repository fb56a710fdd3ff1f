"""WeChat identities and their subscribe-message consents."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from server.models.types import UTCDateTime
from server.platform.clock import utcnow
from server.platform.db import db


class Citizen(db.Model):
    """Whoever signed in through WeChat; a deputy is a citizen bound to a Deputy row."""

    __tablename__ = "citizens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    openid: Mapped[str] = mapped_column(String(64), unique=True)
    # The same person in the official account (OfficialFollower.unionid); given by
    # code2session when both apps are bound to one open-platform account.
    unionid: Mapped[str | None] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ConsentCredit(db.Model):
    """How many notices a citizen allowed for one template (一次性订阅 counts; 长期订阅 doesn't)."""

    __tablename__ = "consent_credits"

    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizens.id"), primary_key=True)
    template_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    credits: Mapped[int] = mapped_column(Integer, default=0)
    # For long-term templates: accepted and not turned off since.
    accepted: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class OfficialFollower(db.Model):
    """Someone who follows (or followed) the official account, from its follow/unfollow pushes.
    The unionid ties the official account's openid to the mini-program's Citizen."""

    __tablename__ = "oa_followers"

    oa_openid: Mapped[str] = mapped_column(String(64), primary_key=True)
    unionid: Mapped[str | None] = mapped_column(String(64), index=True)
    follows: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
