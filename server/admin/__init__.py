"""The staff dashboard under /admin: server-rendered pages in Chinese for a clerk on a Windows PC.

Stations often sit on government intranets: every script, style and chart is served by the app
itself from server/static, never from a CDN. One blueprint; each area of the dashboard is a
module of its own that adds its routes to it.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Flask, Response, request

bp = Blueprint("admin", __name__, url_prefix="/admin")

# Everything the dashboard loads is its own (stations sit on intranets: no CDN), and it has no
# inline script or style, so the policy can be strict: an injected <script> or on* handler would
# not run even if escaping failed somewhere. No page may be framed (clickjacking a 重新发送 or
# 改派 button), and none is kept in a cache: they show citizens' complaints and phones.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def init_admin(app: Flask) -> None:
    # Flask's own default is None (a key that exists): setdefault would never set it.
    if not app.config.get("SESSION_COOKIE_SAMESITE"):
        app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=app.config["ADMIN_SESSION_HOURS"])

    # The modules register their routes on `bp` when imported.
    from server.admin import (  # noqa: F401
        account,
        analysis,
        archive,
        audit_log,
        auth,
        calendar,
        deputies,
        error_pages,
        items,
        out_of_scope,
        overview,
        photos,
        points,
        posters,
        publications,
        queue_health,
        receptions,
        register_exports,
        registers,
        rosters,
        security,
        stations,
        suggestions,
        units,
        users,
        walkins,
    )
    from server.admin.present import register_template_helpers

    register_template_helpers(app)
    app.jinja_env.globals["chain_banner"] = audit_log.chain_banner
    app.register_blueprint(bp)
    app.after_request(_security_headers)


def _security_headers(response: Response) -> Response:
    """On every answer under /admin: pages, redirects, errors (unknown URLs included), exports."""
    if request.path == "/admin" or request.path.startswith("/admin/"):
        for name, value in SECURITY_HEADERS.items():
            response.headers[name] = value
        response.headers.pop("Expires", None)
    return response
