"""Who is on duty on a given day: pure functions over plain data, no database.

A station's roster is a list of rules: monthly days (逢六 = 6, 16, 26; or fixed days such as
10 and 20), ISO weekdays, or explicit dates, each optionally bounded by a start and end date.
A monthly day that a month lacks (31 in November) simply does not happen that month. A day that
is a statutory holiday (the caller passes the set in: server/routing/calendar.py) is cancelled:
nobody is on duty, whatever the rules say, so routing falls back to the resident deputies.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta

# Named patterns stations use in their notices; the roster editor offers them.
PRESETS = {
    "逢一": [1, 11, 21],
    "逢三": [3, 13, 23],
    "逢五": [5, 15, 25],
    "逢六": [6, 16, 26],
    "逢十": [10, 20, 30],
}
WEEKDAY_NAMES = {1: "周一", 2: "周二", 3: "周三", 4: "周四", 5: "周五", 6: "周六", 7: "周日"}


@dataclass(frozen=True)
class Shift:
    deputy_id: int
    kind: str  # monthly | weekly | dates
    days: tuple
    starts_on: date | None = None
    ends_on: date | None = None


def _is_day(value, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def validate_shift(kind: str, days: list, starts_on: date | None, ends_on: date | None) -> dict:
    """Field -> Chinese message for everything wrong with a rule; empty when it is fine."""
    errors: dict[str, str] = {}
    if kind not in ("monthly", "weekly", "dates"):
        errors["kind"] = "请选择每月、每周或指定日期"
        return errors
    if not days:
        errors["days"] = "请至少填写一天"
    elif kind == "monthly" and not all(_is_day(d, 1, 31) for d in days):
        errors["days"] = "每月的日期应在 1 到 31 之间"
    elif kind == "weekly" and not all(_is_day(d, 1, 7) for d in days):
        errors["days"] = "星期应在 1（周一）到 7（周日）之间"
    elif kind == "dates":
        try:
            [date.fromisoformat(d) for d in days]
        except (TypeError, ValueError):
            errors["days"] = "日期格式应为 2026-11-22"
    if starts_on and ends_on and ends_on < starts_on:
        errors["ends_on"] = "结束日期不能早于开始日期"
    return errors


def is_on_duty(shift: Shift, day: date) -> bool:
    if shift.starts_on and day < shift.starts_on:
        return False
    if shift.ends_on and day > shift.ends_on:
        return False
    if shift.kind == "monthly":
        return day.day in shift.days
    if shift.kind == "weekly":
        return day.isoweekday() in shift.days
    if shift.kind == "dates":
        return day.isoformat() in shift.days
    return False


NO_HOLIDAYS: frozenset[date] = frozenset()


def on_duty(shifts: list[Shift], day: date, holidays: Collection[date] = NO_HOLIDAYS) -> list[int]:
    """Deputy ids on duty that day, in roster order, each once; nobody on a holiday."""
    if day in holidays:
        return []
    seen: dict[int, None] = {}
    for shift in shifts:
        if is_on_duty(shift, day):
            seen.setdefault(shift.deputy_id, None)
    return list(seen)


def reception_days(
    shifts: list[Shift],
    start: date,
    horizon: int = 31,
    limit: int = 5,
    holidays: Collection[date] = NO_HOLIDAYS,
) -> list[date]:
    """The next days (from `start`, inclusive) on which anyone is on duty; holidays skipped."""
    found = []
    for offset in range(horizon + 1):
        day = start + timedelta(days=offset)
        if day not in holidays and any(is_on_duty(shift, day) for shift in shifts):
            found.append(day)
            if len(found) == limit:
                break
    return found


def describe(kind: str, days: list) -> str:
    """A rule in words, as a station would post it: 每月6日、16日、26日 (逢六)."""
    if kind == "monthly":
        preset = next((name for name, value in PRESETS.items() if sorted(days) == value), None)
        text = "每月" + "、".join(f"{d}日" for d in sorted(days))
        return f"{text}（{preset}）" if preset else text
    if kind == "weekly":
        return "每" + "、".join(WEEKDAY_NAMES[d] for d in sorted(days))
    return "、".join(sorted(days))


def month_calendar(
    shifts: list[Shift], year: int, month: int, holidays: Collection[date] = NO_HOLIDAYS
) -> dict[date, list[int]]:
    """Every day of a month -> deputy ids on duty (the dashboard's roster calendar)."""
    day = date(year, month, 1)
    calendar = {}
    while day.month == month:
        calendar[day] = on_duty(shifts, day, holidays)
        day += timedelta(days=1)
    return calendar
