"""Working days: pure rules over plain data, no database, no Flask.

A day is a working day when it is a 调休 make-up workday, or a Monday to Friday that is not a
statutory holiday. For a year the data does not know (the State Council publishes next year's
schedule in late autumn; chinesecalendar stops at its last published year) only weekends are
off: nothing crashes, and `year_known` says the answer is a guess.

The deadline rule (`add_working_days`): the day the item arrives (Asia/Shanghai) never counts,
whatever the hour and whether or not it is a working day; the deadline is the end (23:59:59
Beijing time) of the Nth working day after it. So an item in at 08:00 and one in at 22:30 on the
same day get the same deadline, and one in on a Saturday or during 春节 counts from the first
working day after. This is how 12345 lines count "N 个工作日内" (受理当日不计入).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from types import MappingProxyType

from server.platform.clock import LOCAL

END_OF_DAY = time(23, 59, 59)
# The years a clerk may enter and the API answers for: a typo such as 0001 or 9999 is refused.
YEAR_MIN, YEAR_MAX = 2000, 2099
# Far beyond any deadline a station sets; a bound so a typo cannot loop for long.
MAX_WORKING_DAYS = 3660


@dataclass(frozen=True)
class WorkCalendar:
    holidays: Collection[date]
    workdays: Collection[date]  # 调休: weekend days that are worked
    known_years: Collection[int]
    names: Mapping[date, str] = field(default_factory=dict)  # 春节, 国庆节调休 ...

    def __post_init__(self) -> None:
        # Frozen sets: lookups are O(1) and a cached calendar cannot be changed by a caller.
        object.__setattr__(self, "holidays", frozenset(self.holidays))
        object.__setattr__(self, "workdays", frozenset(self.workdays))
        object.__setattr__(self, "known_years", frozenset(self.known_years))
        object.__setattr__(self, "names", MappingProxyType(dict(self.names)))

    def year_known(self, year: int) -> bool:
        return year in self.known_years

    def is_workday(self, day: date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def is_holiday(self, day: date) -> bool:
        """A statutory holiday (not merely a weekend)."""
        return day in self.holidays

    def name_of(self, day: date) -> str:
        return self.names.get(day, "")

    def add_working_days(self, start: datetime, n: int, tz: tzinfo = LOCAL) -> datetime:
        """The deadline N working days after `start` (an aware datetime), as aware UTC: the end
        of the Nth working day after start's local date (see the module's docstring)."""
        if start.tzinfo is None or start.utcoffset() is None:
            raise ValueError("start must be an aware datetime")
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_WORKING_DAYS:
            raise ValueError(f"n must be a whole number of working days, 1 to {MAX_WORKING_DAYS}")
        day = start.astimezone(tz).date()
        counted = 0
        while counted < n:
            day += timedelta(days=1)
            if self.is_workday(day):
                counted += 1
        return datetime.combine(day, END_OF_DAY, tz).astimezone(UTC)

    def working_days_between(self, a: date, b: date) -> int:
        """Working days d with a < d <= b; negative (the same count) when b is before a. So
        `working_days_between(start_day, deadline_day) == n` for add_working_days."""
        if b < a:
            return -self.working_days_between(b, a)
        days = (a + timedelta(days=offset) for offset in range(1, (b - a).days + 1))
        return sum(1 for day in days if self.is_workday(day))

    def working_days_left(self, now: datetime, due: datetime, tz: tzinfo = LOCAL) -> int:
        """Working days still available before `due`, today included when today is a working
        day and the deadline has not passed: 1 on the deadline's own day (the last one), 0 or
        less once none is left (minus the working days since the deadline's day)."""
        today = now.astimezone(tz).date()
        due_day = due.astimezone(tz).date()
        left = self.working_days_between(today, due_day)
        if now < due and self.is_workday(today):
            left += 1
        return left
