"""Staff passwords (等保 2.0): complexity, expiry, no reuse. Configurable in server/settings.py
(`PASSWORD_*`); the defaults pass a level-3 assessment: at least 8 characters of three of the
four kinds, changed every 90 days, none of the last 5 again.

Applied everywhere a password is chosen — the account pages, one's own password page, `flask
user create` and the demo's first administrator — and to administrators like everyone else.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from werkzeug.security import check_password_hash

from server.models import PasswordHistory, StaffUser
from server.platform.clock import utcnow
from server.platform.db import db

# Refused whatever the policy: the passwords every guessing list starts with. Compared after
# lower-casing, so "Password" is as bad as "password".
COMMON = frozenset(
    {
        "12345678",
        "123456789",
        "1234567890",
        "87654321",
        "11111111",
        "88888888",
        "00000000",
        "password",
        "password1",
        "password123",
        "passw0rd",
        "p@ssw0rd",
        "p@ssword",
        "admin123",
        "admin@123",
        "admin123!",
        "aa123456",
        "aa123456!",
        "qwerty123",
        "qwe123!@#",
        "1qaz2wsx",
        "1qaz@wsx",
        "abc12345",
        "abc@1234",
        "abcd1234",
        "woaini1314",
        "iloveyou",
    }
)
CLASS_NAMES = ("小写字母", "大写字母", "数字", "符号")


def character_classes(password: str) -> int:
    kinds = (
        any(c.islower() for c in password),
        any(c.isupper() for c in password),
        any(c.isdigit() for c in password),
        any(not c.isalnum() and not c.isspace() for c in password),
    )
    return sum(kinds)


def rule_text() -> str:
    """The policy in words, for the forms."""
    config = current_app.config
    return (
        f"至少 {config['PASSWORD_MIN_LENGTH']} 位，包含小写字母、大写字母、数字、符号中的至少 "
        f"{config['PASSWORD_MIN_CLASSES']} 种，"
        f"不能与最近 {config['PASSWORD_HISTORY']} 次用过的密码相同"
    )


def problem(password: str, username: str = "", user: StaffUser | None = None) -> str | None:
    """Why this password may not be used (in Chinese), or None when it may."""
    config = current_app.config
    if not password or not password.strip():
        return "密码不能为空或全是空格"
    if len(password) < config["PASSWORD_MIN_LENGTH"]:
        return f"密码至少 {config['PASSWORD_MIN_LENGTH']} 位"
    if password.lower() in COMMON or len(set(password)) <= 2:
        return "这个密码太常见、太容易被猜到，请换一个"
    if character_classes(password) < config["PASSWORD_MIN_CLASSES"]:
        return f"密码须包含{'、'.join(CLASS_NAMES)}中的至少 {config['PASSWORD_MIN_CLASSES']} 种"
    if username and username.lower() in password.lower():
        return "密码不能包含用户名"
    if user is not None and _reused(user, password):
        return f"不能使用最近 {config['PASSWORD_HISTORY']} 次用过的密码"
    return None


def _recent_hashes(user: StaffUser) -> list[str]:
    keep = current_app.config["PASSWORD_HISTORY"]
    if keep <= 0 or user.id is None:
        return []
    return list(
        db.session.scalars(
            db.select(PasswordHistory.password_hash)
            .where(PasswordHistory.staff_id == user.id)
            .order_by(PasswordHistory.id.desc())
            .limit(keep)
        )
    )


def _reused(user: StaffUser, password: str) -> bool:
    hashes = _recent_hashes(user)
    if user.password_hash and user.password_hash not in hashes:
        hashes = [user.password_hash, *hashes]
    return any(check_password_hash(h, password) for h in hashes)


def set_password(user: StaffUser, password: str) -> None:
    """Set a password that passed `problem()`: hash, history, the expiry clock."""
    user.set_password(password)
    user.password_changed_at = utcnow()
    if user.id is None:
        db.session.add(user)
        db.session.flush()
    db.session.add(PasswordHistory(staff_id=user.id, password_hash=user.password_hash))
    keep = current_app.config["PASSWORD_HISTORY"]
    old = db.select(PasswordHistory.id).where(PasswordHistory.staff_id == user.id)
    stale = list(db.session.scalars(old.order_by(PasswordHistory.id.desc()).offset(max(keep, 1))))
    if stale:
        db.session.execute(db.delete(PasswordHistory).where(PasswordHistory.id.in_(stale)))


def expired(user: StaffUser, now: datetime | None = None) -> bool:
    days = current_app.config["PASSWORD_MAX_AGE_DAYS"]
    if days <= 0:
        return False
    changed = user.password_changed_at or user.created_at
    return changed is not None and (now or utcnow()) - changed > timedelta(days=days)
