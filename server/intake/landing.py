"""Where a plain QR code points (https://<host>/q/<scene>).

Inside WeChat the mini-program is configured (扫普通链接二维码打开小程序) to open for these URLs and
receives the URL as `options.q`. Scanned with any other app, the URL opens this page instead:
the station, who is on duty, and how to reach a deputy.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template

from server.intake import service

bp = Blueprint("landing", __name__)


@bp.get("/<name>.txt")
def qr_verification_file(name: str):
    """The check file WeChat asks for before plain QR codes may open the mini-program
    (扫普通链接二维码打开小程序): WECHAT_QR_VERIFY_FILE=<name>.txt, WECHAT_QR_VERIFY_CONTENT=..."""
    expected = current_app.config.get("WECHAT_QR_VERIFY_FILE")
    if not expected or f"{name}.txt" != expected:
        abort(404)
    return (
        current_app.config.get("WECHAT_QR_VERIFY_CONTENT", ""),
        200,
        {"Content-Type": "text/plain"},
    )


@bp.get("/q/<scene>")
def landing(scene: str):
    found = service.resolve_scene(scene)
    if found is None:
        abort(404)
    return render_template("landing.html", view=service.scan_view(found, scene))
