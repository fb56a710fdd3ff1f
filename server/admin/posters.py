"""Posters to print: per station and per deputy, a vector PDF (A4 wall poster, A5 table tent;
a business card for a deputy) and an A4 PNG; the plain QR code alone (PNG, SVG); and a zip.

Each carries the mini-program code for its scene, fetched from WeChat (the sandbox in dev), and
the PDF the plain QR code beside it (any phone camera reads it: it opens /q/<scene>, the web
form outside WeChat), the station's name and address, its reception rules and coming reception
days (接待预告), its resident deputies, and the three steps 「扫码—留言—收到答复」.
"""

from __future__ import annotations

import io
import re
import zipfile

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)

from server.admin import bp, scope
from server.admin.fonts import FontMissing
from server.admin.forms import parse_id
from server.admin.poster_pdf import PrintPoster, pdf
from server.admin.poster_render import Poster, png_bytes, render
from server.models import Deputy, DutyShift, Station
from server.models.audit import audit
from server.platform.db import db
from server.routing import receptions, roster
from server.wechat.client import WeChatError
from server.wechat.codes import landing_url, miniprogram_code_png, plain_qr_png, plain_qr_svg

CODE_WIDTH = 1280  # the largest WeChat draws; scaled to the poster without blur


def level_label(level: str) -> str:
    return "全国人大代表" if level == "全国" else f"{level}级人大代表"


def _rules(station_id: int, deputy_id: int | None = None) -> list[str]:
    """Each reception rule in words; on a station's poster with who receives then."""
    query = db.select(DutyShift).where(DutyShift.station_id == station_id)
    if deputy_id is not None:
        query = query.where(DutyShift.deputy_id == deputy_id)
    who: dict[str, list[str]] = {}
    for shift in db.session.scalars(query.order_by(DutyShift.id)):
        if shift.deputy.active:
            names = who.setdefault(roster.describe(shift.kind, shift.days), [])
            names.append(shift.deputy.name)
    if deputy_id is not None:
        return list(who)
    return [f"{rule}：{'、'.join(dict.fromkeys(names))}" for rule, names in who.items()]


def station_poster(station: Station) -> Poster:
    deputies = sorted((m.deputy for m in station.members if m.deputy.active), key=lambda d: d.id)
    reception = "；".join(_rules(station.id))
    if station.reception_note:
        reception = (
            f"{reception}\n{station.reception_note}" if reception else station.reception_note
        )
    return Poster(
        banner="人大代表联络站 · 码上找代表",
        title=station.name,
        subtitle=f"地址：{station.address}" if station.address else "",
        code_png=miniprogram_code_png(station.scene, CODE_WIDTH),
        call="微信扫一扫，随时给人大代表留言",
        sections=[
            ("接待时间", reception or "扫码留言，代表会尽快答复"),
            ("驻站代表", "、".join(f"{d.name}（{level_label(d.level)}）" for d in deputies)),
        ],
        footer=f"码上联络站 · 编码 {station.scene} · 扫码后可随时查看答复进度",
    )


def _days(station_ids: list[int]) -> list[tuple[str, str]]:
    """The date strip: the coming published reception days (接待预告), soonest first."""
    rows = []
    for station_id in station_ids:
        rows += receptions.upcoming(station_id)
    rows.sort(key=lambda r: r.day)
    strip = []
    for row in rows[:4]:
        weekday = receptions.WEEKDAYS[row.day.weekday()]
        label = f"{row.day.month}月{row.day.day}日 周{weekday}"
        strip.append((label, f"{row.starts} {row.topic}"))
    return strip


def printed(poster: Poster, scene: str, station_ids: list[int]) -> PrintPoster:
    """The PDF's poster: the PNG's words, the plain QR beside the code, the date strip."""
    return PrintPoster(
        banner=poster.banner,
        title=poster.title,
        subtitle=poster.subtitle,
        code_png=poster.code_png,
        plain_url=landing_url(scene),
        call=poster.call.replace("微信扫一扫，", "扫一扫，"),
        sections=poster.sections,
        days=_days(station_ids),
        footer=poster.footer,
    )


def deputy_poster(deputy: Deputy) -> Poster:
    stations = [m.station for m in deputy.memberships if m.station.active]
    where = "\n".join(f"{s.name}（{s.address}）" if s.address else s.name for s in stations)
    duty = "\n".join(
        f"{s.name}：{'；'.join(rules)}" for s in stations if (rules := _rules(s.id, deputy.id))
    )
    subtitle = level_label(deputy.level) + (f" · {deputy.title}" if deputy.title else "")
    return Poster(
        banner="人大代表 · 码上联系",
        title=f"{deputy.name} 代表",
        subtitle=subtitle,
        code_png=miniprogram_code_png(deputy.scene, CODE_WIDTH),
        call=f"微信扫一扫，直接给{deputy.name}代表留言",
        sections=[("驻站联络站", where), ("接待时间", duty)],
        footer=f"码上联络站 · 编码 {deputy.scene} · 扫码后可随时查看答复进度",
    )


def _fonts() -> tuple[str | None, str | None]:
    return current_app.config["POSTER_FONT"], current_app.config["POSTER_FONT_BOLD"]


def safe_name(name: str) -> str:
    """File names a Windows PC accepts."""
    return re.sub(r'[\\/:*?"<>|\s]+', "_", name).strip("_") or "未命名"


def _failed(exc: Exception):
    if isinstance(exc, WeChatError):
        reason = exc.errcode if exc.errcode is not None else "网络错误"
        message = f"获取微信小程序码失败（{reason}），请稍后重试"
    else:
        message = str(exc)
    current_app.logger.warning("poster failed: %s", exc)
    flash(message, "error")
    return redirect(url_for("admin.poster_list"))


@bp.get("/posters")
def poster_list():
    return render_template(
        "admin/posters.html",
        stations=scope.visible_stations(active_only=True),
        deputies=scope.visible_deputies(active_only=True),
    )


def _size(allowed: tuple[str, ...]) -> str:
    size = request.args.get("size", "a4")
    if size not in allowed:
        abort(404)
    return size


def _send(poster: Poster, fmt: str, filename: str, target: str, size: str, stations: list[int]):
    if fmt == "png":
        data = png_bytes(render(poster, _fonts()))
    else:
        data = pdf(printed(poster, target, stations), size, _fonts()[0])
        filename = f"{filename}-{size.upper()}" if size != "a4" else filename
    audit("poster_downloaded", target, format=fmt if fmt == "png" else f"pdf-{size}")
    db.session.commit()
    mimetype = "image/png" if fmt == "png" else "application/pdf"
    return send_file(
        io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=f"{filename}.{fmt}"
    )


@bp.get("/posters/station/<int:station_id>.<fmt>")
def poster_station(station_id: int, fmt: str):
    if fmt not in ("png", "pdf"):
        abort(404)
    station = scope.station_or_404(station_id)
    size = _size(("a4", "a5"))
    try:
        return _send(
            station_poster(station),
            fmt,
            f"联络站海报-{safe_name(station.name)}",
            station.scene,
            size,
            [station.id],
        )
    except (WeChatError, FontMissing) as exc:
        return _failed(exc)


@bp.get("/posters/deputy/<int:deputy_id>.<fmt>")
def poster_deputy(deputy_id: int, fmt: str):
    if fmt not in ("png", "pdf"):
        abort(404)
    deputy = scope.deputy_or_404(deputy_id)
    size = _size(("a4", "a5", "card"))
    stations = [m.station_id for m in deputy.memberships if m.station.active]
    try:
        name = f"代表{'名片' if size == 'card' else '海报'}-{safe_name(deputy.name)}"
        return _send(deputy_poster(deputy), fmt, name, deputy.scene, size, stations)
    except (WeChatError, FontMissing) as exc:
        return _failed(exc)


@bp.get("/posters/all.zip")
def poster_zip():
    """Every poster this account may print; ?station=<id> for one station and its deputies.

    Per target a PNG and two PDFs (station: A4 and A5; deputy: A4 and the card) and the plain
    QR as SVG: about 2 seconds on a loaded 2-core machine (the PNG's encoding ~1 s, each PDF
    ~0.3–0.7 s, mostly subsetting the font). A whole city's 600 codes take many minutes, so the
    page offers one zip per station as well."""
    stations = scope.visible_stations(True)
    deputies = scope.visible_deputies(True)
    station_id, error = parse_id(request.args.get("station"))
    if error:
        abort(404)
    if station_id is not None:
        station = scope.station_or_404(station_id)
        stations = [station]
        deputies = [d for d in deputies if station.id in {m.station_id for m in d.memberships}]
    targets = [
        ("联络站", s.name, s.scene, station_poster, s, [s.id], ("a4", "a5")) for s in stations
    ]
    targets += [
        (
            "代表",
            d.name,
            d.scene,
            deputy_poster,
            d,
            [m.station_id for m in d.memberships if m.station.active],
            ("a4", "card"),
        )
        for d in deputies
    ]
    out = io.BytesIO()
    try:
        # Stored, not deflated: PNG and PDF are compressed already.
        with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
            for kind, name, scene, build, row, station_ids, sizes in targets:
                poster = build(row)
                base = f"{kind}-{safe_name(name)}-{scene}"
                archive.writestr(f"{base}.png", png_bytes(render(poster, _fonts())))
                for size in sizes:
                    data = pdf(printed(poster, scene, station_ids), size, _fonts()[0])
                    archive.writestr(f"{base}-{size.upper()}.pdf", data)
                archive.writestr(f"{base}-二维码.svg", plain_qr_svg(scene))
    except (WeChatError, FontMissing) as exc:
        return _failed(exc)
    audit("poster_downloaded", f"station:{station_id}" if station_id else "all", format="zip")
    db.session.commit()
    out.seek(0)
    return send_file(
        out, mimetype="application/zip", as_attachment=True, download_name="全部海报.zip"
    )


@bp.get("/posters/qr/<kind>/<int:target_id>.<fmt>")
def poster_plain_qr(kind: str, target_id: int, fmt: str):
    """The plain QR code alone (any camera reads it; WeChat opens the mini-program for it when
    the link prefix is registered), PNG or SVG, for a leaflet or a screen of one's own."""
    if fmt not in ("png", "svg") or kind not in ("station", "deputy"):
        abort(404)
    row = scope.station_or_404(target_id) if kind == "station" else scope.deputy_or_404(target_id)
    data = plain_qr_png(row.scene) if fmt == "png" else plain_qr_svg(row.scene).encode()
    audit("poster_downloaded", row.scene, format=f"qr-{fmt}")
    db.session.commit()
    label = "联络站" if kind == "station" else "代表"
    return send_file(
        io.BytesIO(data),
        mimetype="image/png" if fmt == "png" else "image/svg+xml",
        as_attachment=True,
        download_name=f"{label}二维码-{safe_name(row.name)}.{fmt}",
    )
