"""履职积分 on the dashboard: the quarter's table per station with each deputy's points
explained line by line, the rules (administrators change them, from a date, on the audit
record), and the attendance a clerk confirms for a station's duty shifts."""

from __future__ import annotations

from flask import (
    abort,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)

from server.admin import bp, scope
from server.admin.auth import requires
from server.admin.forms import parse_date, parse_id, parse_int
from server.models import ITEMS, DutyShift, PointRule, ShiftCheckIn, Station
from server.models.audit import audit
from server.performance import checkins, periods
from server.performance import points as engine
from server.platform.clock import local_today
from server.platform.db import db


def period_or_400(value: str | None, default_current: bool = True) -> periods.Period:
    if not value and default_current:
        return periods.current_quarter()
    try:
        return periods.parse(value)
    except periods.BadPeriod as exc:
        page = render_template("admin/error.html", code=400, message=str(exc))
        abort(make_response(page, 400))


def station_deputies(station: Station) -> list:
    return sorted((m.deputy for m in station.members), key=lambda d: (d.name, d.id))


def deputy_lines(period: periods.Period) -> dict[int, list[engine.Line]]:
    return engine.compute(period, float(current_app.config["DEPUTY_ANSWER_HOURS"]))


@bp.get("/points")
def points_table():
    """The quarter's table: one station at a time, a row per resident deputy, a column per item."""
    period = period_or_400(request.args.get("period"))
    stations = scope.visible_stations()
    station_id = parse_int(request.args.get("station_id"))
    station = (
        scope.station_or_404(station_id) if station_id else (stations[0] if stations else None)
    )
    lines = deputy_lines(period)
    rows = []
    for deputy in station_deputies(station) if station else []:
        mine = lines.get(deputy.id, [])
        rows.append({"deputy": deputy, "items": engine.by_item(mine), "total": engine.total(mine)})
    rows.sort(key=lambda r: (-r["total"], r["deputy"].name))
    return render_template(
        "admin/points.html",
        period=period,
        quarters=periods.recent_quarters(),
        stations=stations,
        station=station,
        rows=rows,
        items=ITEMS,
        label=engine.item_label,
    )


@bp.get("/points/deputies/<int:deputy_id>")
def points_deputy(deputy_id: int):
    deputy = scope.deputy_or_404(deputy_id)
    period = period_or_400(request.args.get("period"))
    mine = deputy_lines(period).get(deputy.id, [])
    return render_template(
        "admin/points_deputy.html",
        deputy=deputy,
        period=period,
        quarters=periods.recent_quarters(),
        lines=[engine.describe(line) for line in mine],
        items=engine.by_item(mine),
        total=engine.total(mine),
        label=engine.item_label,
    )


def _rules_page(errors: dict, values: dict, status: int = 200):
    rows = list(db.session.scalars(db.select(PointRule).order_by(PointRule.active_from.desc())))
    current = {}
    history = {}
    for row in rows:
        history.setdefault(row.item, []).append(row)
        if row.active_to is None:
            current[row.item] = row
    return render_template(
        "admin/point_rules.html",
        items=ITEMS,
        current=current,
        history=history,
        errors=errors,
        values=values,
        today=local_today(),
        may_change=scope.may("manage"),
    ), status


@bp.get("/points/rules")
def point_rules():
    return _rules_page({}, {})


def _bounded(value: str, low: int, high: int) -> int | None:
    number = parse_int(value)
    return number if number is not None and low <= number <= high else None


@bp.post("/points/rules/<item>")
@requires("manage")
def point_rule_change(item: str):
    if item not in ITEMS:
        abort(404)
    form = request.form
    errors: dict[str, str] = {}
    points = _bounded(form.get("points", ""), 0, 100)
    if points is None:
        errors["points"] = "分值应为 0 到 100 之间的整数"
    cap_text = (form.get("cap") or "").strip()
    cap = None
    if cap_text:
        cap = _bounded(cap_text, 0, 10000)
        if cap is None:
            errors["cap"] = "季度上限应为 0 到 10000 之间的整数；不设上限请留空"
    from_day, error = parse_date(form.get("active_from"))
    if error:
        errors["active_from"] = error
    elif from_day is None:
        errors["active_from"] = "请填写生效日期"
    elif from_day < local_today():
        errors["active_from"] = "生效日期不能早于今天：已过去的日子按当时的规则计分"
    if not errors:
        try:
            row, closed = engine.change_rule(item, points, cap, from_day, g.staff.id)
        except engine.RuleRefused as exc:
            db.session.rollback()
            errors.update(exc.errors)
    if errors:
        return _rules_page({item: errors}, {item: dict(form)}, 422)
    audit(
        "point_rule_changed",
        f"point_rule:{item}",
        item=item,
        points=points,
        cap=cap,
        active_from=from_day.isoformat(),
        before=(
            {"points": closed.points, "cap": closed.cap_per_quarter} if closed is not None else None
        ),
    )
    db.session.commit()
    flash(f"已保存：{row.label}，自 {from_day.isoformat()} 起按新规则计分", "success")
    return redirect(url_for("admin.point_rules"))


# -- attendance -----------------------------------------------------------------------------------


def _attendance_page(station: Station, values: dict, errors: dict, status: int = 200):
    rows = list(
        db.session.scalars(
            db.select(ShiftCheckIn)
            .where(ShiftCheckIn.station_id == station.id)
            .order_by(ShiftCheckIn.on_date.desc(), ShiftCheckIn.id.desc())
            .limit(100)
        )
    )
    rostered = {
        s.deputy_id
        for s in db.session.scalars(db.select(DutyShift).where(DutyShift.station_id == station.id))
    }
    return render_template(
        "admin/attendance.html",
        station=station,
        rows=rows,
        deputies=station_deputies(station),
        rostered=rostered,
        values=values,
        errors=errors,
        today=local_today(),
    ), status


@bp.get("/stations/<int:station_id>/attendance")
def attendance(station_id: int):
    return _attendance_page(scope.station_or_404(station_id), {}, {})


@bp.post("/stations/<int:station_id>/attendance")
def attendance_confirm(station_id: int):
    station = scope.station_or_404(station_id)
    form = request.form
    errors: dict[str, str] = {}
    deputy_id, error = parse_id(form.get("deputy_id"))
    deputy = None
    if error or deputy_id is None:
        errors["deputy_id"] = error or "请选择代表"
    else:
        deputy = next((d for d in station_deputies(station) if d.id == deputy_id), None)
        if deputy is None:
            errors["deputy_id"] = "该代表不是本联络站的驻站代表"
    day, error = parse_date(form.get("on_date"))
    if error or day is None:
        errors["on_date"] = error or "请填写值班日期"
    if not errors:
        try:
            done = checkins.confirm(g.staff, deputy, station, day)
        except checkins.CheckInRefused as exc:
            db.session.rollback()
            errors["on_date"] = str(exc)
    if errors:
        return _attendance_page(station, dict(form), errors, 422)
    if done.created:
        audit(
            "shift_confirmed",
            f"station:{station.id}",
            deputy_id=deputy.id,
            on_date=day.isoformat(),
        )
        flash(f"已确认 {deputy.name} {day.isoformat()} 到站值班", "success")
    else:
        flash(f"{deputy.name} {day.isoformat()} 已有签到记录，未重复记录", "info")
    db.session.commit()
    return redirect(url_for("admin.attendance", station_id=station.id))
