"""A station's roster: the duty rules (逢六, fixed days, weekdays, dates) and a month calendar of
who is on duty each day, computed by the same rules routing uses (a statutory holiday is shown
as 休（春节）: the reception is cancelled)."""

from __future__ import annotations

import calendar
from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for

from server.admin import bp, scope
from server.admin.forms import (
    MAX_DATE,
    MIN_DATE,
    parse_date,
    parse_date_list,
    parse_int,
    parse_int_list,
)
from server.admin.public_codes import scenes_changed
from server.models import Deputy, DutyShift, Station
from server.models.audit import audit
from server.platform.clock import local_today
from server.platform.db import db
from server.routing import roster, workdays
from server.routing.duty import station_shifts

KIND_CHOICES = {
    "preset": "逢几（如逢六）",
    "monthly": "每月固定日期",
    "weekly": "每周固定星期",
    "dates": "指定日期",
}


def _month(value: str | None) -> tuple[int, int]:
    """?month=2026-05; this month when absent, and when it is no month we can show (with a
    note saying so): beyond the dashboard's dates a calendar would overflow Python's dates."""
    today = local_today()
    if not value:
        return today.year, today.month
    try:
        year, month = (parse_int(x) for x in value.split("-"))
        if MIN_DATE <= date(year, month, 1) <= MAX_DATE:
            return year, month
    except (TypeError, ValueError):
        pass
    flash(f"月份“{value[:20]}”无效（格式如 2026-05），已显示本月", "warning")
    return today.year, today.month


def _neighbours(year: int, month: int) -> tuple[str, str]:
    prev = (year - 1, 12) if month == 1 else (year, month - 1)
    nxt = (year + 1, 1) if month == 12 else (year, month + 1)
    return f"{prev[0]}-{prev[1]:02d}", f"{nxt[0]}-{nxt[1]:02d}"


def month_weeks(station: Station, year: int, month: int) -> list[list[dict | None]]:
    """The calendar as weeks (Monday first) of day cells with the names of who is on duty, or
    the holiday's name on a statutory holiday (with whether a reception was cancelled)."""
    shifts = station_shifts(station.id)
    work = workdays.current()
    on_duty = roster.month_calendar(shifts, year, month, work.holidays)
    planned = roster.month_calendar(shifts, year, month)
    ids = {i for day_ids in on_duty.values() for i in day_ids}
    names = dict(
        db.session.execute(db.select(Deputy.id, Deputy.name).where(Deputy.id.in_(ids))).all()
    )
    today = local_today()
    weeks = []
    for week in calendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
        weeks.append(
            [
                {
                    "day": day,
                    "today": day == today,
                    "names": [names[i] for i in on_duty[day] if i in names],
                    "holiday": (work.name_of(day) or "节假日") if work.is_holiday(day) else None,
                    "cancelled": work.is_holiday(day) and bool(planned[day]),
                }
                if day.month == month
                else None
                for day in week
            ]
        )
    return weeks


def _members(station: Station) -> list[Deputy]:
    return sorted((m.deputy for m in station.members), key=lambda d: (not d.active, d.name))


def _page(station: Station, values: dict, errors: dict, shift: DutyShift | None, status=200):
    year, month = _month(request.args.get("month"))
    prev, nxt = _neighbours(year, month)
    shifts = list(
        db.session.scalars(
            db.select(DutyShift).where(DutyShift.station_id == station.id).order_by(DutyShift.id)
        )
    )
    return render_template(
        "admin/roster.html",
        station=station,
        shifts=shifts,
        describe=roster.describe,
        members=_members(station),
        weeks=month_weeks(station, year, month),
        year=year,
        month=month,
        prev=prev,
        next=nxt,
        values=values,
        errors=errors,
        editing=shift,
        kinds=KIND_CHOICES,
        presets=roster.PRESETS,
        weekday_names=roster.WEEKDAY_NAMES,
    ), status


def _read(form, station: Station) -> tuple[dict, dict, dict]:
    """The form as a shift (kind, days, dates) plus what to show back; errors by field."""
    errors: dict[str, str] = {}
    values = {k: form.get(k, "") for k in ("deputy_id", "kind", "preset", "monthly", "dates")}
    values.update(
        weekly=form.getlist("weekly"),
        starts_on=form.get("starts_on", ""),
        ends_on=form.get("ends_on", ""),
        note=(form.get("note") or "").strip()[:200],
    )
    deputy_id = parse_int(values["deputy_id"])
    if deputy_id not in {d.id for d in _members(station)}:
        errors["deputy_id"] = "请选择本站的驻站代表"
    kind = values["kind"]
    days: list = []
    error = None
    if kind == "preset":
        days = roster.PRESETS.get(values["preset"], [])
        if not days:
            error = "请选择逢几"
    elif kind == "monthly":
        days, error = parse_int_list(values["monthly"])
    elif kind == "weekly":
        days, error = parse_int_list(",".join(values["weekly"]))
    elif kind == "dates":
        days, error = parse_date_list(values["dates"])
    stored_kind = "monthly" if kind == "preset" else kind
    starts_on, starts_error = parse_date(values["starts_on"])
    ends_on, ends_error = parse_date(values["ends_on"])
    if error:
        errors["days"] = error
    if starts_error:
        errors["starts_on"] = starts_error
    if ends_error:
        errors["ends_on"] = ends_error
    # The routing rules' own validation: what it refuses, routing could never use.
    for name, message in roster.validate_shift(stored_kind, days, starts_on, ends_on).items():
        errors.setdefault(name, message)
    shift = {
        "deputy_id": deputy_id,
        "kind": stored_kind,
        "days": days,
        "starts_on": starts_on,
        "ends_on": ends_on,
        "note": values["note"],
    }
    return shift, values, errors


def _form_values(shift: DutyShift) -> dict:
    preset = next((k for k, v in roster.PRESETS.items() if v == sorted(shift.days)), "")
    kind = "preset" if shift.kind == "monthly" and preset else shift.kind
    return {
        "deputy_id": str(shift.deputy_id),
        "kind": kind,
        "preset": preset,
        "monthly": "、".join(str(d) for d in shift.days) if shift.kind == "monthly" else "",
        "weekly": [str(d) for d in shift.days] if shift.kind == "weekly" else [],
        "dates": "\n".join(shift.days) if shift.kind == "dates" else "",
        "starts_on": shift.starts_on.isoformat() if shift.starts_on else "",
        "ends_on": shift.ends_on.isoformat() if shift.ends_on else "",
        "note": shift.note,
    }


@bp.get("/stations/<int:station_id>/roster")
def roster_page(station_id: int):
    station = scope.station_or_404(station_id)
    return _page(station, {"kind": "preset", "preset": "逢六"}, {}, None)


@bp.post("/stations/<int:station_id>/roster")
def shift_create(station_id: int):
    station = scope.station_or_404(station_id)
    shift, values, errors = _read(request.form, station)
    if errors:
        return _page(station, values, errors, None, 422)
    row = DutyShift(station_id=station.id, **shift)
    db.session.add(row)
    db.session.flush()
    audit("shift_created", f"station:{station.id}", shift_id=row.id, rule=_rule(row))
    db.session.commit()
    scenes_changed()
    flash(f"已添加值班安排：{row.deputy.name} {_rule(row)}", "success")
    return redirect(url_for("admin.roster_page", station_id=station.id, month=_month_arg()))


def _rule(row: DutyShift) -> str:
    return roster.describe(row.kind, row.days)


def _month_arg() -> str | None:
    return request.args.get("month") or None


def _shift_or_404(shift_id: int) -> DutyShift:
    shift = db.session.get(DutyShift, shift_id)
    if shift is None:
        abort(404)
    scope.station_or_404(shift.station_id)
    return shift


@bp.route("/shifts/<int:shift_id>", methods=["GET", "POST"])
def shift_edit(shift_id: int):
    shift = _shift_or_404(shift_id)
    station = shift.station
    if request.method == "GET":
        return _page(station, _form_values(shift), {}, shift)
    data, values, errors = _read(request.form, station)
    if errors:
        return _page(station, values, errors, shift, 422)
    for key, value in data.items():
        setattr(shift, key, value)
    audit("shift_updated", f"station:{station.id}", shift_id=shift.id, rule=_rule(shift))
    db.session.commit()
    scenes_changed()
    flash(f"已保存值班安排：{shift.deputy.name} {_rule(shift)}", "success")
    return redirect(url_for("admin.roster_page", station_id=station.id, month=_month_arg()))


@bp.post("/shifts/<int:shift_id>/delete")
def shift_delete(shift_id: int):
    shift = _shift_or_404(shift_id)
    station_id, name, rule = shift.station_id, shift.deputy.name, _rule(shift)
    db.session.delete(shift)
    audit("shift_deleted", f"station:{station_id}", shift_id=shift_id, deputy=name, rule=rule)
    db.session.commit()
    scenes_changed()
    flash(f"已删除值班安排：{name} {rule}", "success")
    return redirect(url_for("admin.roster_page", station_id=station_id, month=_month_arg()))
