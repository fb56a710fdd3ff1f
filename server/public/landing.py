"""Where a plain QR code points (https://<host>/q/<scene>).

Inside WeChat the mini-program is configured (扫普通链接二维码打开小程序) to open for these URLs and
receives the URL as `options.q`. Scanned with any other app (a phone's camera, a browser), the
URL opens the web form instead (server/public/webform.py); WeChat's own browser, should it get
here, is told to scan with WeChat: the station, who is on duty, and how to reach a deputy.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, current_app, render_template

from server.api.present import scan_view
from server.intake.scenes import SCENE, resolve_scene
from server.models import AuditLog, Deputy, Station
from server.platform.db import db
from server.public.webform import in_wechat, show_form

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


@dataclass
class Missing:
    """What a citizen holding a dead code is told: what happened and where to go instead."""

    reason: str
    station: Station | None = None
    new_scene: str | None = None


def _renamed(kind: str, code: str) -> Station | Deputy | None:
    """The station or deputy whose code this used to be (staff changed it: the poster is old)."""
    model, action = (Station, "station_updated") if kind == "s" else (Deputy, "deputy_updated")
    target = db.session.scalar(
        db.select(AuditLog.target)
        .where(AuditLog.action == action, AuditLog.data["old_code"].as_string() == code)
        .order_by(AuditLog.id.desc())
        .limit(1)
    )
    _, _, value = (target or "").partition(":")
    return db.session.get(model, int(value)) if value.isdigit() else None


def _first_station(deputy: Deputy) -> Station | None:
    stations = [m.station for m in deputy.memberships if m.station.active]
    return stations[0] if stations else None


def missing(scene: str) -> Missing:
    match = SCENE.match((scene or "").strip().lower())
    if not match:
        return Missing("这个二维码无法识别")
    kind, code = match["kind"], match["code"]
    model = Station if kind == "s" else Deputy
    row = db.session.scalar(db.select(model).where(model.code == code))
    if row is None:
        row = _renamed(kind, code)
        if row is not None and row.active:
            station = row if kind == "s" else _first_station(row)
            return Missing("这张二维码已经更换", station, row.scene)
    if row is not None:
        station = row if kind == "s" else _first_station(row)
        what = "这个联络站" if kind == "s" else f"{row.name}代表"
        return Missing(f"{what}暂停了扫码留言", station if station and station.active else None)
    return Missing("这个二维码无效或已停用")


@bp.get("/q/<scene>")
def landing(scene: str):
    found = resolve_scene(scene)
    if found is None:
        return render_template("landing_missing.html", missing=missing(scene)), 404
    if not in_wechat():
        return show_form(scene, found)
    return render_template("landing.html", view=scan_view(found, scene))
