"""Stations: create and edit them, change their public code, and who is resident there."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy.exc import IntegrityError

from server.admin import bp, scope
from server.admin.auth import admin_only
from server.admin.forms import parse_int, text
from server.admin.public_codes import check_code, fresh_code, scenes_changed
from server.models import DutyShift, Station, StationMember
from server.models.audit import audit
from server.platform.db import db


@bp.get("/stations")
def station_list():
    stations = scope.visible_stations()
    counts = dict(
        db.session.execute(
            db.select(StationMember.station_id, db.func.count()).group_by(StationMember.station_id)
        ).all()
    )
    return render_template("admin/stations.html", stations=stations, counts=counts)


def _page(station: Station | None, values: dict, errors: dict, status: int = 200):
    members, candidates = [], []
    if station is not None and station.id:
        members = sorted(station.members, key=lambda m: (m.deputy.name, m.deputy_id))
        member_ids = {m.deputy_id for m in members}
        candidates = [d for d in scope.visible_deputies(active_only=True) if d.id not in member_ids]
    return render_template(
        "admin/station_form.html",
        station=station,
        values=values,
        errors=errors,
        members=members,
        candidates=candidates,
    ), status


def _read(form, station: Station | None) -> tuple[dict, dict]:
    errors: dict[str, str] = {}
    values = {
        "name": text(form, "name", "名称", 100, required=True, errors=errors),
        "address": text(form, "address", "地址", 200, errors=errors),
        "reception_note": text(form, "reception_note", "接待说明", 500, errors=errors),
        "code": (form.get("code") or "").strip().lower(),
        "active": form.get("active") == "1",
    }
    if values["code"]:
        error = check_code(Station, values["code"], station.id if station else None)
        if error:
            errors["code"] = error
    return values, errors


def _save(station: Station, values: dict) -> bool:
    """Apply and commit; False (and nothing saved) if another station took the code meanwhile."""
    station.name = values["name"]
    station.address = values["address"]
    station.reception_note = values["reception_note"]
    station.active = values["active"]
    station.code = values["code"] or station.code or fresh_code(Station)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return False
    scenes_changed()
    return True


@bp.route("/stations/new", methods=["GET", "POST"])
@admin_only
def station_new():
    if request.method == "GET":
        return _page(None, {"active": True}, {})
    values, errors = _read(request.form, None)
    if errors:
        return _page(None, values, errors, 422)
    station = Station()
    db.session.add(station)
    if not _save(station, values):
        return _page(None, values, {"code": "该编码刚被占用，请换一个"}, 409)
    audit("station_created", f"station:{station.id}", name=station.name, code=station.code)
    db.session.commit()
    flash(f"已新建联络站“{station.name}”", "success")
    return redirect(url_for("admin.station_edit", station_id=station.id))


@bp.route("/stations/<int:station_id>", methods=["GET", "POST"])
def station_edit(station_id: int):
    station = scope.station_or_404(station_id)
    if request.method == "GET":
        values = {
            "name": station.name,
            "address": station.address,
            "reception_note": station.reception_note,
            "code": station.code,
            "active": station.active,
        }
        return _page(station, values, {})
    values, errors = _read(request.form, station)
    if errors:
        return _page(station, values, errors, 422)
    old_code = station.code
    if not _save(station, values):
        db.session.refresh(station)
        return _page(station, values, {"code": "该编码刚被占用，请换一个"}, 409)
    audit("station_updated", f"station:{station.id}", code=station.code, old_code=old_code)
    db.session.commit()
    note = "；编码已更改，请重新打印二维码海报" if station.code != old_code else ""
    flash(f"已保存“{station.name}”{note}", "success")
    return redirect(url_for("admin.station_edit", station_id=station.id))


@bp.post("/stations/<int:station_id>/code")
def station_new_code(station_id: int):
    station = scope.station_or_404(station_id)
    old_code, station.code = station.code, fresh_code(Station)
    audit("station_updated", f"station:{station.id}", code=station.code, old_code=old_code)
    db.session.commit()
    scenes_changed()
    flash(f"已重新生成编码：{station.code}。旧二维码已失效，请重新打印海报", "success")
    return redirect(url_for("admin.station_edit", station_id=station.id))


@bp.post("/stations/<int:station_id>/members")
def member_add(station_id: int):
    station = scope.station_or_404(station_id)
    deputy_id = parse_int(request.form.get("deputy_id"))
    if deputy_id is None:
        flash("请选择要添加的代表", "error")
        return redirect(url_for("admin.station_edit", station_id=station.id))
    deputy = scope.deputy_or_404(deputy_id)
    if db.session.get(StationMember, (station.id, deputy.id)) is None:
        db.session.add(StationMember(station_id=station.id, deputy_id=deputy.id))
        audit("member_added", f"station:{station.id}", deputy_id=deputy.id, deputy=deputy.name)
        db.session.commit()
        scenes_changed()
    flash(f"已将{deputy.name}代表添加为驻站代表", "success")
    return redirect(url_for("admin.station_edit", station_id=station.id))


@bp.post("/stations/<int:station_id>/members/<int:deputy_id>/remove")
def member_remove(station_id: int, deputy_id: int):
    station = scope.station_or_404(station_id)
    member = db.session.get(StationMember, (station.id, deputy_id))
    if member is None:
        abort(404)
    name = member.deputy.name
    # Their duty rules here go with them, or the calendar would show someone not resident.
    db.session.execute(
        db.delete(DutyShift).where(
            DutyShift.station_id == station.id, DutyShift.deputy_id == deputy_id
        )
    )
    db.session.delete(member)
    audit("member_removed", f"station:{station.id}", deputy_id=deputy_id, deputy=name)
    db.session.commit()
    scenes_changed()
    flash(f"已移除驻站代表{name}（其在本站的值班安排一并删除）", "success")
    return redirect(url_for("admin.station_edit", station_id=station.id))
