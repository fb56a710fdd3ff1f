"""CSRF protection for the dashboard's forms: a random token per session, checked on every POST.

Only the /admin blueprint checks it: the JSON API under /api/ uses bearer tokens, not cookies,
so it has nothing to protect this way and stays exempt.
"""

from __future__ import annotations

import hmac
import secrets

from flask import abort, request, session

SESSION_KEY = "csrf"
FORM_FIELD = "csrf_token"
HEADER = "X-CSRF-Token"


def csrf_token() -> str:
    token = session.get(SESSION_KEY)
    if not token:
        token = session[SESSION_KEY] = secrets.token_urlsafe(32)
    return token


def check_csrf() -> None:
    """Abort with 400 unless a state-changing request carries this session's token."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    expected = session.get(SESSION_KEY)
    sent = request.form.get(FORM_FIELD) or request.headers.get(HEADER) or ""
    if not expected or not hmac.compare_digest(expected, sent):
        abort(400, description="csrf")
