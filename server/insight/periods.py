"""Quarters as the clerk names them ("2026Q2"), in Beijing days."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time

from server.platform.clock import LOCAL

_PATTERN = re.compile(r"^(\d{4})Q([1-4])$")


@dataclass(frozen=True)
class Quarter:
    year: int
    number: int

    @classmethod
    def parse(cls, text: str) -> Quarter:
        """ "2026Q2" -> Quarter; ValueError with a Chinese message otherwise."""
        match = _PATTERN.match((text or "").strip().upper())
        if not match or not 2000 <= int(match.group(1)) <= 2100:
            raise ValueError("季度格式应为 2026Q2")
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, day: date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @property
    def key(self) -> str:
        return f"{self.year}Q{self.number}"

    @property
    def label(self) -> str:
        return f"{self.year}年第{'一二三四'[self.number - 1]}季度"

    @property
    def first(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def end(self) -> date:
        """The first day after the quarter."""
        return self.next().first

    @property
    def months(self) -> list[tuple[int, int]]:
        return [(self.year, 3 * self.number - 2 + i) for i in range(3)]

    def previous(self) -> Quarter:
        return (
            Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)
        )

    def next(self) -> Quarter:
        return (
            Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year, self.number + 1)
        )

    def bounds(self) -> tuple[datetime, datetime]:
        """The quarter as aware UTC instants [start, end): Beijing midnight to Beijing midnight."""
        return (
            datetime.combine(self.first, time(), LOCAL),
            datetime.combine(self.end, time(), LOCAL),
        )


def recent(today: date, count: int = 8) -> list[Quarter]:
    """This quarter and the ones before it, newest first: the page's quarter picker."""
    out = [Quarter.of(today)]
    while len(out) < count:
        out.append(out[-1].previous())
    return out
