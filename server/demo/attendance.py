"""A quarter of the demo's duty shifts attended, so the 履职积分 table and the 履职档案 show
real shifts on first start: each duty day of the last 13 weeks by the roster, most by the
deputy's own check-in, some confirmed by the clerk, a few missed. Written once (a database
with any check-in gets none), with the events the points are computed from."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from server.models import Deputy, DutyShift, Event, ShiftCheckIn, StaffUser, Station
from server.platform.clock import LOCAL, local_today
from server.platform.db import db
from server.routing import roster, workdays

WEEKS = 13
MISSED = 0.15  # a deputy sometimes cannot come (or forgot and nobody confirmed it)
BY_STAFF = 0.25


def seed_attendance(now: datetime, staff: StaffUser) -> int:
    if db.session.scalar(db.select(ShiftCheckIn.id).limit(1)):
        return 0
    rng = random.Random(20261201)
    today = local_today(now)
    holidays = workdays.current().holidays
    written = 0
    shifts = list(db.session.scalars(db.select(DutyShift).order_by(DutyShift.id)))
    for offset in range(WEEKS * 7, 0, -1):  # up to yesterday: today's tap is the deputy's own
        day = today - timedelta(days=offset)
        if day in holidays:
            continue
        for shift in shifts:
            rule = roster.Shift(shift.deputy_id, shift.kind, tuple(shift.days or ()))
            if not roster.is_on_duty(rule, day) or rng.random() < MISSED:
                continue
            station = db.session.get(Station, shift.station_id)
            deputy = db.session.get(Deputy, shift.deputy_id)
            by_staff = rng.random() < BY_STAFF
            at = datetime.combine(day, time(8, 30 + rng.randrange(0, 30)), LOCAL)
            if by_staff:
                at += timedelta(hours=3)  # the clerk confirms after the reception
            row = ShiftCheckIn(
                deputy_id=deputy.id,
                station_id=station.id,
                shift_id=shift.id,
                on_date=day,
                source="staff" if by_staff else "deputy",
                staff_id=staff.id if by_staff else None,
                created_at=at,
            )
            db.session.add(row)
            db.session.flush()
            db.session.add(
                Event(
                    message_id=None,
                    kind="shift_attended",
                    actor="staff" if by_staff else "deputy",
                    actor_id=staff.id if by_staff else deputy.id,
                    data={
                        "deputy_id": deputy.id,
                        "station_id": station.id,
                        "station_name": station.name,
                        "date": day.isoformat(),
                        "source": row.source,
                        "checkin_id": row.id,
                    },
                    created_at=at,
                )
            )
            written += 1
    db.session.commit()
    return written
