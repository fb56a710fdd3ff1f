"""Dashboard accounts: the roles (what each may do: server/admin/scope.py `ROLE_PERMISSIONS`),
passwords and their history, the second factor."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Column, ForeignKey, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from server.models.types import UTCDateTime
from server.platform.clock import utcnow
from server.platform.db import db

# 等保 2.0 separates three administrators: none can do another's job (server/admin/scope.py).
# committee (代表工委): above the stations, reads all of them and may 督办, nothing else.
ROLES = {
    "admin": "系统管理员",
    "security_admin": "安全管理员",
    "audit_admin": "审计管理员",
    "station_staff": "联络站工作人员",
    "unit_staff": "承办单位工作人员",
    "committee": "代表工委",
}

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
    # unit_staff only: the one unit whose transfers this account sees (and nothing else).
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When the password was last set (expiry counts from here; None: never set by policy).
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=utcnow)
    # The TOTP secret, Fernet-encrypted like phones (server/identity/totp.py); None: not enrolled.
    totp_secret: Mapped[str | None] = mapped_column(String(256))
    # The last accepted time step: a code is good once (a replayed one is refused).
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)

    # The WeChat this account's escalation notices go to (a mini-program sign-in: its Citizen
    # row, reached by subscribe message or, through its unionid, the official account); bound
    # by a one-time code shown on the dashboard (server/identity/staff_wechat.py).
    wechat_citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizens.id"))
    wechat_bound_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The pending one-time code, as its SHA-256, and until when it works.
    wechat_code_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    wechat_code_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    stations: Mapped[list[Station]] = relationship(secondary=staff_stations)  # noqa: F821
    unit: Mapped[Unit | None] = relationship()  # noqa: F821

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)


class PasswordHistory(db.Model):
    """Earlier password hashes of an account: a new password may not repeat the last few."""

    __tablename__ = "staff_password_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"), index=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
