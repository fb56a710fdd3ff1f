"""Shift check-ins: a deputy present at the station for a duty shift, by their own tap in the
mini-program's deputy mode or confirmed by a clerk from the roster. Either way one row per
deputy, station and Beijing day, and one `shift_attended` event, which is what the points
count (server/performance/points.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.exc import IntegrityError

from server.models import Deputy, ShiftCheckIn, StaffUser, Station, StationMember
from server.models.event import record
from server.platform.clock import LOCAL, local_today, utcnow
from server.platform.db import db
from server.routing import duty

# A reception is held in office hours; a deputy may tap in a little before it opens and until
# the evening of the duty day (the roster knows days, not hours). Beijing time.
EARLIEST_HOUR = 7
LATEST_HOUR = 21
# How far back a clerk may confirm a shift (a quarter's table is settled after the quarter).
CONFIRM_DAYS_BACK = 92


class CheckInRefused(Exception):
    """Why the check-in cannot be taken, in Chinese; `status` is the fitting HTTP status."""

    def __init__(self, message: str, status: int = 422):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class CheckedIn:
    row: ShiftCheckIn
    created: bool  # False: it was already there (a second tap changes nothing)


def duty_stations(deputy: Deputy, day: date) -> list[Station]:
    """The stations where the deputy is on the roster on `day` (nobody on a holiday)."""
    ids = [
        m.station_id
        for m in db.session.scalars(
            db.select(StationMember).where(StationMember.deputy_id == deputy.id)
        )
    ]
    found = []
    for station_id in sorted(ids):
        if deputy.id in duty.on_duty_ids(station_id, day):
            station = db.session.get(Station, station_id)
            if station is not None and station.active:
                found.append(station)
    return found


def _existing(deputy_id: int, station_id: int, day: date) -> ShiftCheckIn | None:
    return db.session.scalar(
        db.select(ShiftCheckIn).where(
            ShiftCheckIn.deputy_id == deputy_id,
            ShiftCheckIn.station_id == station_id,
            ShiftCheckIn.on_date == day,
        )
    )


def _write(
    deputy: Deputy, station: Station, day: date, source: str, staff: StaffUser | None
) -> CheckedIn:
    found = _existing(deputy.id, station.id, day)
    if found is not None:
        return CheckedIn(found, False)
    row = ShiftCheckIn(
        deputy_id=deputy.id,
        station_id=station.id,
        on_date=day,
        source=source,
        staff_id=staff.id if staff else None,
        created_at=utcnow(),
    )
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        # Two taps at once: the other one's row stands; nothing else was written.
        return CheckedIn(_existing(deputy.id, station.id, day), False)
    record(
        "shift_attended",
        None,
        "staff" if staff else "deputy",
        staff.id if staff else deputy.id,
        deputy_id=deputy.id,
        station_id=station.id,
        station_name=station.name,
        date=day.isoformat(),
        source=source,
        checkin_id=row.id,
    )
    return CheckedIn(row, True)


def check_in(deputy: Deputy, station_id: int | None = None) -> CheckedIn:
    """The deputy's own tap: only on a day they are on the roster, at that station, in the
    hours around the reception. The caller commits."""
    now = utcnow()
    day = local_today(now)
    stations = duty_stations(deputy, day)
    if not stations:
        raise CheckInRefused(
            "今天不是您在联络站的值班日，无需签到；如有调班，请联系联络站工作人员确认"
        )
    if station_id is not None:
        stations = [s for s in stations if s.id == station_id]
        if not stations:
            raise CheckInRefused("您今天不在这个联络站值班，请选择值班的联络站", 404)
    elif len(stations) > 1:
        raise CheckInRefused("您今天在多个联络站值班，请选择签到的联络站")
    hour = now.astimezone(LOCAL).hour
    if not EARLIEST_HOUR <= hour < LATEST_HOUR:
        raise CheckInRefused(
            f"签到时间为值班当天 {EARLIEST_HOUR}:00 至 {LATEST_HOUR}:00，现在不在签到时间内"
        )
    return _write(deputy, stations[0], day, "deputy", None)


def confirm(staff: StaffUser, deputy: Deputy, station: Station, day: date) -> CheckedIn:
    """A clerk confirms the deputy came to the station that day (the deputy forgot to tap, or
    has no WeChat bound). The caller has checked the clerk's scope; the caller commits."""
    today = local_today()
    if day > today:
        raise CheckInRefused("不能确认尚未到来的日期")
    if day < today - timedelta(days=CONFIRM_DAYS_BACK):
        raise CheckInRefused(f"只能确认最近 {CONFIRM_DAYS_BACK} 天内的值班")
    member = db.session.get(StationMember, (station.id, deputy.id))
    if member is None:
        raise CheckInRefused("该代表不是本联络站的驻站代表")
    return _write(deputy, station, day, "staff", staff)


def shifts_of(deputy_id: int, first: date, last: date) -> list[ShiftCheckIn]:
    return list(
        db.session.scalars(
            db.select(ShiftCheckIn)
            .where(
                ShiftCheckIn.deputy_id == deputy_id,
                ShiftCheckIn.on_date >= first,
                ShiftCheckIn.on_date <= last,
            )
            .order_by(ShiftCheckIn.on_date, ShiftCheckIn.id)
        )
    )
