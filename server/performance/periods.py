"""Periods a clerk names: a quarter `2026Q4` or a year `2026`, in Beijing dates."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from server.platform.clock import LOCAL, local_today

_QUARTER = re.compile(r"^(\d{4})[Qq]([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")


class BadPeriod(ValueError):
    """A period that cannot be read, in Chinese."""


@dataclass(frozen=True)
class Period:
    code: str  # 2026Q4 | 2026
    first: date
    last: date  # inclusive

    @property
    def label(self) -> str:
        match = _QUARTER.match(self.code)
        if match:
            return f"{match.group(1)} 年第 {match.group(2)} 季度"
        return f"{self.code} 年"

    @property
    def starts_at(self) -> datetime:
        return datetime.combine(self.first, time.min, LOCAL).astimezone(UTC)

    @property
    def ends_at(self) -> datetime:
        """The first moment after the period (exclusive bound)."""
        return datetime.combine(self.last + timedelta(days=1), time.min, LOCAL).astimezone(UTC)

    def quarters(self) -> list[Period]:
        if _QUARTER.match(self.code):
            return [self]
        return [parse(f"{self.code}Q{n}") for n in range(1, 5)]


def quarter_key(day: date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def parse(text: str | None) -> Period:
    text = (text or "").strip()
    match = _QUARTER.match(text)
    if match:
        year, quarter = int(match.group(1)), int(match.group(2))
        first = date(year, 3 * quarter - 2, 1)
        following = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
        period = Period(f"{year}Q{quarter}", first, following - timedelta(days=1))
    elif _YEAR.match(text):
        year = int(text)
        period = Period(text, date(year, 1, 1), date(year, 12, 31))
    else:
        raise BadPeriod("期间格式不正确：请写成“2026Q4”（季度）或“2026”（年度）")
    if not 2000 <= period.first.year <= 2100:
        raise BadPeriod("期间超出范围：请选择 2000 至 2100 年之间的季度或年度")
    return period


def current_quarter(today: date | None = None) -> Period:
    return parse(quarter_key(today or local_today()))


def recent_quarters(count: int = 6, today: date | None = None) -> list[Period]:
    day = today or local_today()
    found = []
    for _ in range(count):
        period = parse(quarter_key(day))
        found.append(period)
        day = period.first - timedelta(days=1)
    return found
