"""People's-congress deputies (代表) and the invite codes that bind them to a WeChat identity."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.models.common import random_code
from server.models.types import UTCDateTime
from server.platform.clock import utcnow
from server.platform.db import db

# The five levels of people's congresses; one station mixes them.
LEVELS = ("全国", "省", "市", "县", "乡")


class Deputy(db.Model):
    __tablename__ = "deputies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Public code printed in the QR scene `d.<code>` on the deputy's own card.
    code: Mapped[str] = mapped_column(String(16), unique=True, default=random_code)
    name: Mapped[str] = mapped_column(String(50))
    level: Mapped[str] = mapped_column(String(8))
    # Professional groups (法制, 社会治理, 经济, 教科文卫, 农业农村, 城建环保 ...).
    expertise: Mapped[list[str]] = mapped_column(JSON, default=list)
    title: Mapped[str] = mapped_column(String(100), default="")  # e.g. 社区党委书记
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The WeChat identity that answers as this deputy; set by binding an invite code.
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizens.id"), unique=True)
    bound_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Round-robin tie-break: the deputy served longest ago goes first.
    last_assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    memberships: Mapped[list[StationMember]] = relationship(  # noqa: F821
        back_populates="deputy", cascade="all, delete-orphan"
    )
    citizen: Mapped[Citizen | None] = relationship()  # noqa: F821

    @property
    def scene(self) -> str:
        return f"d.{self.code}"

    def public(self) -> dict:
        return {"id": self.id, "name": self.name, "level": self.level, "title": self.title}

    def __repr__(self) -> str:
        return f"<Deputy {self.code} {self.name}>"


# Invite codes are typed on a phone: upper-case letters and digits, no look-alikes.
INVITE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def new_invite_code() -> str:
    return random_code(8, INVITE_ALPHABET)


class DeputyInvite(db.Model):
    """A single-use, expiring code that staff give a deputy to bind their WeChat."""

    __tablename__ = "deputy_invites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True, default=new_invite_code)
    deputy_id: Mapped[int] = mapped_column(ForeignKey("deputies.id"), index=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    used_by_id: Mapped[int | None] = mapped_column(ForeignKey("citizens.id"))
    # Issued by an administrator (or the operator's `flask invite create`): only such a code may
    # move a deputy already bound to one WeChat to another (server/identity/binding.py).
    issued_by_admin: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    deputy: Mapped[Deputy] = relationship()
