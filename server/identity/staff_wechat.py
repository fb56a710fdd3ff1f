"""A staff account's WeChat: where its escalation notices go besides the dashboard.

The dashboard shows a one-time code (and a QR of it) for the signed-in account; the staff
member opens the mini-program with that WeChat and enters or scans it (`POST /staff/bind`).
The account then names that WeChat sign-in (its Citizen row): notices go to it through the
outbox with the usual fallback (a subscribe message while a credit is left, else the official
account's template message when the person follows it, by unionid), and the dashboard's board
notice stays for everyone. The code is kept only as its SHA-256, works once, for
STAFF_WECHAT_CODE_MINUTES.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import update

from server.models import StaffUser
from server.models.staff import staff_stations
from server.platform.clock import utcnow
from server.platform.db import db
from server.platform.errors import ApiError, validation_error

CODE_PREFIX = "S"  # tells a staff code from a deputy's invite at a glance
# No 0/O, 1/I/L: the code is read off a screen and typed on a phone.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
SCAN_PREFIX = "lzstaff:"  # what the QR holds: the mini-program's scanner reads it


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def normalise(code: str) -> str:
    code = (code or "").strip().upper().replace(" ", "").replace("-", "")
    return code.removeprefix(SCAN_PREFIX.upper())


def issue_code(staff: StaffUser) -> str:
    """A fresh one-time code for `staff` (an earlier one stops working). Caller commits."""
    code = CODE_PREFIX + "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    minutes = current_app.config["STAFF_WECHAT_CODE_MINUTES"]
    staff.wechat_code_hash = _hash(code)
    staff.wechat_code_expires_at = utcnow() + timedelta(minutes=minutes)
    return code


def scan_text(code: str) -> str:
    return SCAN_PREFIX + code


def bind(citizen_id: int, code: str) -> StaffUser:
    """Spend the code: the caller's WeChat now gets `staff`'s escalation notices. A wrong,
    used or expired code is refused in Chinese; nothing is written then. Caller commits."""
    code = normalise(code)
    if not code:
        raise validation_error({"code": "请填写绑定码"}, "请填写绑定码")
    if not code.startswith(CODE_PREFIX) or len(code) != len(CODE_PREFIX) + CODE_LENGTH:
        raise ApiError(404, "code_not_found", "绑定码不存在，请核对后重新输入")
    staff = db.session.scalar(db.select(StaffUser).where(StaffUser.wechat_code_hash == _hash(code)))
    if staff is None:
        raise ApiError(404, "code_not_found", "绑定码不存在或已使用，请在管理后台重新生成")
    now = utcnow()
    if staff.wechat_code_expires_at is None or staff.wechat_code_expires_at <= now:
        raise ApiError(410, "code_expired", "绑定码已过期，请在管理后台重新生成")
    if not staff.active:
        raise ApiError(409, "staff_inactive", "该后台账号已停用")
    # Conditional on the code still being there: two phones racing for one code, one wins.
    done = db.session.execute(
        update(StaffUser)
        .where(StaffUser.id == staff.id, StaffUser.wechat_code_hash == _hash(code))
        .values(
            wechat_citizen_id=citizen_id,
            wechat_bound_at=now,
            wechat_code_hash=None,
            wechat_code_expires_at=None,
        )
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        raise ApiError(404, "code_not_found", "绑定码不存在或已使用，请在管理后台重新生成")
    db.session.refresh(staff)
    return staff


def unbind(staff: StaffUser) -> None:
    staff.wechat_citizen_id = None
    staff.wechat_bound_at = None
    staff.wechat_code_hash = None
    staff.wechat_code_expires_at = None


def bound_staff(*, station_id: int | None = None, role: str | None = None, unit_id=None):
    """Active accounts with a bound WeChat: a station's staff, a role's (the 代表工委), or a
    unit's clerks — whoever an escalation step tells."""
    query = db.select(StaffUser).where(
        StaffUser.active.is_(True), StaffUser.wechat_citizen_id.is_not(None)
    )
    if station_id is not None:
        query = query.join(staff_stations, staff_stations.c.staff_id == StaffUser.id).where(
            staff_stations.c.station_id == station_id, StaffUser.role == "station_staff"
        )
    if role is not None:
        query = query.where(StaffUser.role == role)
    if unit_id is not None:
        query = query.where(StaffUser.role == "unit_staff", StaffUser.unit_id == unit_id)
    return list(db.session.scalars(query.order_by(StaffUser.id)))
