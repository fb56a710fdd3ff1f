"""The working-day calendar in force, read from the database (CalendarDay rows).

Every deadline and every roster day asks it, and it changes a few times a year: the whole table
(a few dozen rows a year) is read at once and kept TTL seconds per process. An edit on the
dashboard clears this process's copy at once; other processes see it within TTL seconds.
"""

from __future__ import annotations

from datetime import date

from server.models import CalendarDay
from server.platform.cache import TTLCache
from server.platform.clock import local_today
from server.platform.db import db
from server.routing.calendar import WorkCalendar

TTL = 60.0
# From this month on, next year's schedule is due (the State Council publishes it in autumn).
NEXT_YEAR_FROM_MONTH = 11

# One entry per database (tests run several apps in one process).
_calendars = TTLCache(ttl=TTL, max_entries=8)


def _load() -> WorkCalendar:
    rows = db.session.execute(db.select(CalendarDay.day, CalendarDay.kind, CalendarDay.name)).all()
    return WorkCalendar(
        holidays={day for day, kind, _ in rows if kind == "holiday"},
        workdays={day for day, kind, _ in rows if kind == "workday"},
        # A year is known once any day of it is entered: a clerk enters a whole year at once.
        known_years={day.year for day, _, _ in rows},
        names={day: name for day, _, name in rows},
    )


def current() -> WorkCalendar:
    return _calendars.get(db.engine.url.render_as_string(), _load)


def clear() -> None:
    """After staff edit the calendar (and between tests)."""
    _calendars.clear()


def missing_year(today: date | None = None) -> int | None:
    """The year whose holidays staff must enter now: this year when it is unknown, and from
    November on next year when that is unknown; None when nothing is missing."""
    today = today or local_today()
    calendar = current()
    if not calendar.year_known(today.year):
        return today.year
    if today.month >= NEXT_YEAR_FROM_MONTH and not calendar.year_known(today.year + 1):
        return today.year + 1
    return None
