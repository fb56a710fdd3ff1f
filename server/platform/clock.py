"""UTC in the database, Asia/Shanghai for people."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

LOCAL = ZoneInfo("Asia/Shanghai")


def utcnow() -> datetime:
    return datetime.now(UTC)


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
