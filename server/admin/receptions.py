"""接待预告 on the dashboard: a station's staff publish the coming reception days (offered from
the roster: the 逢六 days, holidays skipped), with who, what topic and where, and cancel one
(its subscribers are told). The rules are in server/routing/receptions.py."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for

from server.admin import bp, scope
from server.models import Deputy, Reception
from server.models.audit import audit
from server.platform.clock import local_today
from server.platform.db import db
from server.routing import receptions


def _reception_or_404(reception_id: int) -> Reception:
    row = db.session.get(Reception, reception_id)
    if row is None:
        from flask import abort

        abort(404)
    scope.station_or_404(row.station_id)
    return row


def _page(station, values: dict, errors: dict, status: int = 200):
    rows = db.session.scalars(
        db.select(Reception)
        .where(Reception.station_id == station.id, Reception.day >= local_today())
        .order_by(Reception.day)
    ).all()
    members = db.session.scalars(
        db.select(Deputy).where(Deputy.id.in_(receptions.member_ids(station.id)))
    ).all()
    counts = dict(
        db.session.execute(
            db.text(
                "SELECT reception_id, count(*) FROM reception_subscriptions"
                " WHERE reception_id IN (SELECT id FROM receptions WHERE station_id = :s)"
                " GROUP BY reception_id"
            ),
            {"s": station.id},
        ).all()
    )
    return (
        render_template(
            "admin/receptions.html",
            station=station,
            rows=[(r, receptions.public(r), counts.get(r.id, 0)) for r in rows],
            suggestions=receptions.suggestions(station.id),
            members=members,
            values=values,
            errors=errors,
        ),
        status,
    )


@bp.get("/stations/<int:station_id>/receptions")
def reception_page(station_id: int):
    station = scope.station_or_404(station_id)
    values = {"starts": "09:00", "ends": "11:30", "day": request.args.get("day", "")}
    return _page(station, values, {})


@bp.post("/stations/<int:station_id>/receptions")
def reception_publish(station_id: int):
    station = scope.station_or_404(station_id)
    form = {
        "day": request.form.get("day", ""),
        "starts": request.form.get("starts", ""),
        "ends": request.form.get("ends", ""),
        "topic": request.form.get("topic", ""),
        "place": request.form.get("place", ""),
        "deputy_ids": request.form.getlist("deputy_ids"),
    }
    try:
        draft = receptions.validate(station, form)
        row = receptions.publish(station, draft, g.staff.id)
    except receptions.ReceptionError as exc:
        db.session.rollback()
        return _page(station, form, exc.errors or {"day": str(exc)}, exc.status)
    audit(
        "reception_published",
        f"station:{station.id}",
        day=row.day.isoformat(),
        reception_topic=row.topic,
    )
    db.session.commit()
    flash(f"已发布接待预告：{receptions.when_text(row)} {row.topic}", "success")
    return redirect(url_for("admin.reception_page", station_id=station.id))


@bp.post("/receptions/<int:reception_id>/cancel")
def reception_cancel(reception_id: int):
    row = _reception_or_404(reception_id)
    reason = request.form.get("reason", "").strip()
    if len(reason) > 14:
        # The notice says 「已取消：<reason>」 in one 20-character field.
        flash("取消原因不能超过 14 个字", "error")
        return redirect(url_for("admin.reception_page", station_id=row.station_id))
    told = receptions.cancel(row, reason)
    if told is None:
        db.session.rollback()
        flash("该接待日已经取消过了", "warning")
        return redirect(url_for("admin.reception_page", station_id=row.station_id))
    audit("reception_cancelled", f"station:{row.station_id}", day=row.day.isoformat(), told=told)
    db.session.commit()
    flash(f"已取消 {receptions.when_text(row)} 的接待，将通知 {told} 位订阅提醒的群众", "success")
    return redirect(url_for("admin.reception_page", station_id=row.station_id))
