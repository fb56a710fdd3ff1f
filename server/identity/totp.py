"""The staff second factor: TOTP (RFC 6238) with any authenticator app (微信/支付宝 小程序,
Google Authenticator, Microsoft Authenticator, FreeOTP), enrolled with a QR code on the
dashboard. Required for the roles in TOTP_REQUIRED_ROLES (the administrators by default),
optional for the rest.

A code is accepted once: the time step it belongs to is remembered (`totp_last_step`), and a
code of that step or an earlier one is refused, so a code seen over a shoulder or in a proxy's
log is worthless once used. One step either side is allowed for a phone's clock drift. The
secret is stored Fernet-encrypted with PHONE_KEYS, like the phones.
"""

from __future__ import annotations

import base64
import io

import pyotp
import qrcode
from flask import current_app
from sqlalchemy import update

from server.models import StaffUser
from server.platform.clock import utcnow
from server.platform.crypto import decrypt_phone, encrypt_phone
from server.platform.db import db

STEP = 30  # seconds per code (what every authenticator app assumes)
DRIFT = 1  # steps accepted either side


def required(user: StaffUser) -> bool:
    return user.role in current_app.config["TOTP_REQUIRED_ROLES"]


def enrolled(user: StaffUser) -> bool:
    return bool(user.totp_secret)


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: StaffUser, secret: str) -> str:
    issuer = current_app.config["TOTP_ISSUER"]
    return pyotp.TOTP(secret, interval=STEP).provisioning_uri(
        name=user.username, issuer_name=issuer
    )


def qr_data_url(uri: str) -> str:
    """The enrolment QR as a data: URL (the dashboard's CSP allows data: images, no inline JS)."""
    image = qrcode.make(uri, box_size=6, border=2)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def _matching_step(secret: str, code: str) -> int | None:
    code = (code or "").strip().replace(" ", "")
    if not (len(code) == 6 and code.isascii() and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret, interval=STEP)
    now = utcnow()
    current = int(now.timestamp()) // STEP
    for step in range(current - DRIFT, current + DRIFT + 1):
        if pyotp.utils.strings_equal(totp.generate_otp(step), code):
            return step
    return None


def _spend(user: StaffUser, step: int, secret_enc: str | None = None) -> bool:
    """Record the step as used, conditionally: of two requests with one code, one wins."""
    values: dict = {"totp_last_step": step}
    if secret_enc is not None:
        values["totp_secret"] = secret_enc
    result = db.session.execute(
        update(StaffUser)
        .where(
            StaffUser.id == user.id,
            (StaffUser.totp_last_step.is_(None)) | (StaffUser.totp_last_step < step),
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(user, ["totp_last_step", "totp_secret"])
    return bool(result.rowcount)


def check(user: StaffUser, code: str) -> str | None:
    """None when the code is right and unused; otherwise why not (Chinese)."""
    secret = decrypt_phone(user.totp_secret) if user.totp_secret else None
    if not secret:
        return "该账号尚未绑定动态口令"
    step = _matching_step(secret, code)
    if step is None:
        return "动态口令不正确"
    if not _spend(user, step):
        return "该动态口令已使用过，请等待下一个口令"
    return None


def enrol(user: StaffUser, secret: str, code: str) -> str | None:
    """Bind the secret shown in the QR once a code from it is right; None on success."""
    step = _matching_step(secret, code)
    if step is None:
        return "动态口令不正确，请确认扫码后输入应用中显示的 6 位数字"
    user.totp_last_step = None
    db.session.flush()
    if not _spend(user, step, encrypt_phone(secret)):
        return "该动态口令已使用过，请等待下一个口令"
    return None


def reset(user: StaffUser) -> None:
    """Forget the secret (a lost phone): the account enrols again at its next sign-in."""
    user.totp_secret = None
    user.totp_last_step = None
