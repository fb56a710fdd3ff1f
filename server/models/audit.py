"""What staff did on the dashboard outside any one item: sign-ins, edits, exports, invites.

Item changes are Event rows (the register is derived from them); this log covers the rest so an
administrator can answer "who changed this station's code" or "who exported the register".
"""

from __future__ import annotations

from datetime import datetime

from flask import g, has_request_context, request
from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.models.types import UTCDateTime
from server.platform.clock import utcnow
from server.platform.db import db


class AuditLog(db.Model):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"), index=True)
    action: Mapped[str] = mapped_column(String(32), index=True)
    target: Mapped[str] = mapped_column(String(64), default="")  # e.g. "station:3"
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    ip: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    staff: Mapped[StaffUser | None] = relationship()  # noqa: F821


def audit(action: str, target: str = "", staff_id: int | None = None, **data) -> AuditLog:
    """One row of the log in the caller's transaction: who (the signed-in account unless
    given), what, on what, from which address. Every action needs its words in
    server/admin/audit.py (tests/admin/test_audit.py checks)."""
    staff = getattr(g, "staff", None) if has_request_context() else None
    row = AuditLog(
        staff_id=staff_id if staff_id is not None else (staff.id if staff else None),
        action=action,
        target=target,
        data=data,
        # Actions also run outside a request (the demo seed, scripts): no address then.
        ip=((request.remote_addr or "") if has_request_context() else "")[:64],
    )
    db.session.add(row)
    return row
