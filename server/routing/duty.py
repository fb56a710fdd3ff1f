"""The roster, read from the database: who is on duty at a station today."""

from __future__ import annotations

from datetime import date

from server.models import Deputy, DutyShift
from server.platform.clock import local_today
from server.platform.db import db
from server.routing import roster, workdays


def station_shifts(station_id: int) -> list[roster.Shift]:
    rows = db.session.scalars(
        db.select(DutyShift)
        .join(Deputy, Deputy.id == DutyShift.deputy_id)
        .where(DutyShift.station_id == station_id, Deputy.active.is_(True))
        .order_by(DutyShift.id)
    )
    return [
        roster.Shift(r.deputy_id, r.kind, tuple(r.days or ()), r.starts_on, r.ends_on) for r in rows
    ]


def on_duty_deputies(
    station_id: int, day: date | None = None, shifts: list[roster.Shift] | None = None
) -> list[Deputy]:
    """Active deputies on duty at the station on `day` (default today, Asia/Shanghai); nobody
    on a statutory holiday (the reception is cancelled)."""
    if shifts is None:
        shifts = station_shifts(station_id)
    ids = roster.on_duty(shifts, day or local_today(), workdays.current().holidays)
    if not ids:
        return []
    deputies = {d.id: d for d in db.session.scalars(db.select(Deputy).where(Deputy.id.in_(ids)))}
    return [deputies[i] for i in ids if i in deputies and deputies[i].active]
