"""Contact phone numbers: encrypted at rest, masked on screen.

PHONE_KEYS holds Fernet keys, newest first. Rotation: put a new key in front, restart, run
`flask phones rotate` to re-encrypt, then drop the old key. Without PHONE_KEYS (development) a
key is derived from SECRET_KEY.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app


def _fernet() -> MultiFernet:
    keys = current_app.config.get("PHONE_KEYS") or []
    if not keys:
        digest = hashlib.sha256(("phone:" + current_app.config["SECRET_KEY"]).encode()).digest()
        keys = [base64.urlsafe_b64encode(digest).decode()]
    return MultiFernet([Fernet(key) for key in keys])


def encrypt_phone(phone: str | None) -> str | None:
    return _fernet().encrypt(phone.encode()).decode() if phone else None


def decrypt_phone(token: str | None) -> str | None:
    if not token:
        return None
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        return None


def rotate_phone(token: str | None) -> str | None:
    return _fernet().rotate(token.encode()).decode() if token else None


def mask_phone(phone: str | None) -> str:
    """138****5678: enough to recognise, not enough to call."""
    if not phone:
        return ""
    digits = phone.strip()
    if len(digits) < 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
