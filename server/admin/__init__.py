"""The staff dashboard under /admin: server-rendered pages in Chinese for a clerk on a Windows PC.

Stations often sit on government intranets: every script, style and chart is served by the app
itself from server/static, never from a CDN. One blueprint; each area of the dashboard is a
module of its own that adds its routes to it.
"""

from __future__ import annotations

import os
from datetime import timedelta

from flask import Blueprint, Flask

bp = Blueprint("admin", __name__, url_prefix="/admin")

# Settings of the dashboard: (environment variable, default). Read once at start-up.
SETTINGS = {
    # Signed out after this long without a request (the live overview's polling counts: an open
    # overview is someone at the desk), and in any case this long after signing in.
    "ADMIN_IDLE_MINUTES": 120,
    "ADMIN_SESSION_HOURS": 12,
    # Failed sign-ins per username and address before that pair has to wait.
    "LOGIN_MAX_FAILURES": 5,
    "LOGIN_LOCK_MINUTES": 15,
    # How often the open overview asks for news (milliseconds).
    "ADMIN_POLL_MS": 3000,
}


def init_admin(app: Flask) -> None:
    for key, default in SETTINGS.items():
        value = os.environ.get(key)
        app.config.setdefault(key, type(default)(value) if value else default)
    app.config.setdefault("POSTER_FONT", os.environ.get("POSTER_FONT") or None)
    app.config.setdefault("POSTER_FONT_BOLD", os.environ.get("POSTER_FONT_BOLD") or None)
    app.config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=app.config["ADMIN_SESSION_HOURS"])

    # The modules register their routes on `bp` when imported.
    from server.admin import (  # noqa: F401
        audit_log,
        auth,
        deputies,
        error_pages,
        items,
        overview,
        photos,
        posters,
        queue_health,
        registers,
        rosters,
        stations,
        users,
        walkins,
    )
    from server.admin.present import register_template_helpers

    register_template_helpers(app)
    app.register_blueprint(bp)
