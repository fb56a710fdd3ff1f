"""UTC in the database, Asia/Shanghai for people."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

LOCAL = ZoneInfo("Asia/Shanghai")

# How far the clock is moved ahead of the wall clock: zero in production. The tests move it to
# see deadlines pass, reminders fall due and call-backs come round, without sleeping.
_offset = timedelta(0)


def utcnow() -> datetime:
    return datetime.now(UTC) + _offset


def move_clock(delta: timedelta) -> None:
    """Move "now" by `delta` for everything that reads utcnow (tests only)."""
    global _offset
    _offset += delta


def reset_clock() -> None:
    global _offset
    _offset = timedelta(0)


def local_today(now: datetime | None = None) -> date:
    """The calendar date in Asia/Shanghai: what "today" means for a station."""
    return (now or utcnow()).astimezone(LOCAL).date()


def to_local(value: datetime | None) -> datetime | None:
    return value.astimezone(LOCAL) if value is not None else None


def iso(value: datetime | None) -> str | None:
    """ISO-8601 with the +08:00 offset, as the API promises."""
    return value.astimezone(LOCAL).isoformat(timespec="seconds") if value is not None else None


def local_text(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return value.astimezone(LOCAL).strftime(fmt) if value is not None else ""
