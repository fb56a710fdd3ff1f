"""Responsiveness tables done fairly (per deputy, station and unit).

Small numbers mislead (a well-known league table was topped by a body with a single report), so
a row shows its figures only from `FAIR_MIN_ITEMS` items in the period, always with the sample
size, and with an interval: Wilson's score interval for shares (on-time, satisfied), and for the
median the distribution-free interval between two order statistics. Rows are listed by name,
never ranked: staff decide what to make of them.

What is counted, over the items received in the period:
- deputy / station: first response = first answer - routing; on time = the first answer within
  DEPUTY_ANSWER_HOURS of routing; satisfaction = 满意 + 基本满意 of the rated items.
- unit: first response = signing - hand-over (签收); on time = answered by the transfer's
  deadline; satisfaction = the rating of the items it was handed.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select

from server.models import Deputy, Message, Station, Transfer, Unit
from server.platform.db import db

Z = 1.96  # 95 %
GOOD = ("satisfied", "basically_satisfied")


def wilson(successes: int, n: int, z: float = Z) -> tuple[float, float] | None:
    """Wilson's score interval for a share (0-1); None without a sample."""
    if n <= 0:
        return None
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def median_interval(values: list[float], z: float = Z) -> tuple[float, float, float] | None:
    """(median, low, high): the order statistics n/2 -+ z*sqrt(n)/2 bound the median."""
    if not values:
        return None
    ordered = sorted(values)
    n = len(ordered)
    middle = n // 2
    median = ordered[middle] if n % 2 else (ordered[middle - 1] + ordered[middle]) / 2
    half = z * math.sqrt(n) / 2
    low = max(0, math.floor(n / 2 - half))
    high = min(n - 1, math.ceil(n / 2 + half) - 1)
    return median, ordered[low], ordered[high]


@dataclass
class Share:
    k: int
    n: int

    @property
    def value(self) -> float | None:
        return self.k / self.n if self.n else None

    @property
    def interval(self) -> tuple[float, float] | None:
        return wilson(self.k, self.n)


@dataclass
class Line:
    key: int
    name: str
    items: int = 0
    hours: list[float] = field(default_factory=list)  # first response, hours
    on_time: Share = field(default_factory=lambda: Share(0, 0))
    satisfied: Share = field(default_factory=lambda: Share(0, 0))
    shown: bool = False  # enough items for the figures

    @property
    def median(self) -> tuple[float, float, float] | None:
        return median_interval(self.hours) if self.shown else None


@dataclass
class Table:
    title: str
    minimum: int
    lines: list[Line]

    @property
    def hidden(self) -> int:
        return sum(1 for line in self.lines if not line.shown)


def _hours(later: datetime | None, earlier: datetime | None) -> float | None:
    if later is None or earlier is None:
        return None
    return max(0.0, (later - earlier).total_seconds() / 3600)


def _finish(title: str, lines: dict[int, Line], minimum: int) -> Table:
    for line in lines.values():
        line.shown = line.items >= minimum
        if not line.shown:
            # Not only hidden on the page: the figures are not handed out at all.
            line.hours, line.on_time, line.satisfied = [], Share(0, 0), Share(0, 0)
    return Table(title, minimum, sorted(lines.values(), key=lambda x: (x.name, x.key)))


def tables(
    start: datetime,
    end: datetime,
    answer_hours: float,
    minimum: int,
    station_ids: Collection[int] | None = None,
) -> list[Table]:
    """The three tables for items received in [start, end) within `station_ids`."""
    allowance = timedelta(hours=answer_hours)
    query = select(
        Message.station_id,
        Message.assigned_deputy_id,
        Message.routed_at,
        Message.first_replied_at,
        Message.rating,
    ).where(Message.created_at >= start, Message.created_at < end, Message.routed_at.is_not(None))
    if station_ids is not None:
        query = query.where(Message.station_id.in_(list(station_ids)))
    deputies = dict(db.session.execute(select(Deputy.id, Deputy.name)).all())
    stations = dict(db.session.execute(select(Station.id, Station.name)).all())
    units = dict(db.session.execute(select(Unit.id, Unit.name)).all())
    by_deputy: dict[int, Line] = {}
    by_station: dict[int, Line] = {}
    for station_id, deputy_id, routed, replied, rating in db.session.execute(query):
        targets = []
        if deputy_id is not None:
            targets.append(
                by_deputy.setdefault(deputy_id, Line(deputy_id, deputies.get(deputy_id, "?")))
            )
        if station_id is not None:
            targets.append(
                by_station.setdefault(station_id, Line(station_id, stations.get(station_id, "?")))
            )
        hours = _hours(replied, routed)
        for line in targets:
            line.items += 1
            if hours is not None:
                line.hours.append(hours)
            line.on_time.n += 1
            line.on_time.k += int(replied is not None and replied - routed <= allowance)
            if rating:
                line.satisfied.n += 1
                line.satisfied.k += int(rating in GOOD)

    transfers = (
        select(
            Transfer.unit_id,
            Transfer.handed_at,
            Transfer.signed_at,
            Transfer.answered_at,
            Transfer.due_at,
            Message.rating,
        )  # fmt: skip
        .join(Message, Message.id == Transfer.message_id)
        .where(Transfer.handed_at >= start, Transfer.handed_at < end)
    )
    if station_ids is not None:
        transfers = transfers.where(Message.station_id.in_(list(station_ids)))
    by_unit: dict[int, Line] = {}
    for unit_id, handed, signed, answered, due, rating in db.session.execute(transfers):
        line = by_unit.setdefault(unit_id, Line(unit_id, units.get(unit_id, "?")))
        line.items += 1
        hours = _hours(signed, handed)
        if hours is not None:
            line.hours.append(hours)
        line.on_time.n += 1
        line.on_time.k += int(answered is not None and answered <= due)
        if rating:
            line.satisfied.n += 1
            line.satisfied.k += int(rating in GOOD)
    return [
        _finish("代表", by_deputy, minimum),
        _finish("联络站", by_station, minimum),
        _finish("承办单位", by_unit, minimum),
    ]
