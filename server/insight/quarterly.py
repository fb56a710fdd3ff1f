"""The quarterly analysis (季度分析), read from the summary rows only.

`daily_counts` (per Beijing day x station x deputy x category) and `channel_counts` (per day x
station x channel) are maintained as items move (server/models/tally.py), so a province's
quarter of 250,000 items is a few thousand summary rows summed by the database: no scan of the
items table on a view. The figures go by cohort, as the overview's do: the items received in the
quarter, and how far each has got by now.

`station_ids` is the viewer's scope (None: every station, the county/province view) narrowed by
the page's station filter; the caller decides it (server/admin/scope.py).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from sqlalchemy import func

from server.insight.periods import Quarter
from server.models import CHANNEL_LABELS, Category, ChannelCount, DailyCount, Station, tally
from server.platform.db import db

COUNTERS = (
    "received",
    "routed",
    "replied",
    "closed",
    "rated_satisfied",
    "rated_basically_satisfied",
    "rated_unsatisfied",
)


@dataclass
class Figures:
    """One row of counts and the rates a clerk reads off it."""

    received: int = 0
    routed: int = 0
    replied: int = 0
    closed: int = 0
    rated_satisfied: int = 0
    rated_basically_satisfied: int = 0
    rated_unsatisfied: int = 0

    def add(self, values) -> None:
        for name, value in zip(COUNTERS, values, strict=True):
            setattr(self, name, getattr(self, name) + int(value or 0))

    @property
    def rated(self) -> int:
        return self.rated_satisfied + self.rated_basically_satisfied + self.rated_unsatisfied

    @staticmethod
    def _pct(part: int, whole: int) -> float | None:
        return round(100 * part / whole, 1) if whole else None

    @property
    def response_rate(self) -> float | None:
        """Answered (a first answer given) of those received, %."""
        return self._pct(self.replied, self.received)

    @property
    def closure_rate(self) -> float | None:
        return self._pct(self.closed, self.received)

    @property
    def satisfaction(self) -> float | None:
        """满意 + 基本满意 of those rated, %, as the seeds report it."""
        return self._pct(self.rated_satisfied + self.rated_basically_satisfied, self.rated)


@dataclass
class Row:
    key: object
    label: str
    figures: Figures = field(default_factory=Figures)


@dataclass
class Analysis:
    quarter: Quarter
    total: Figures
    before: Figures  # the quarter before, for the comparison line
    by_month: list[Row]
    by_category: list[Row]
    by_station: list[Row]
    by_channel: list[tuple[str, str, int]]  # (channel, label, received)

    def chart_data(self) -> dict:
        """What the page's ECharts draw (server/static/admin/analysis.js)."""

        def series(rows: list[Row]) -> dict:
            return {
                "labels": [r.label for r in rows],
                "received": [r.figures.received for r in rows],
                "replied": [r.figures.replied for r in rows],
                "closed": [r.figures.closed for r in rows],
                "satisfaction": [r.figures.satisfaction for r in rows],
            }

        return {
            "month": series(self.by_month),
            "category": series(self.by_category),
            "station": series(self.by_station[:30]),
            "channel": [{"name": label, "value": n} for _, label, n in self.by_channel],
            "rating": [
                {"name": "满意", "value": self.total.rated_satisfied},
                {"name": "基本满意", "value": self.total.rated_basically_satisfied},
                {"name": "不满意", "value": self.total.rated_unsatisfied},
            ],
        }


def _sums():
    return [func.coalesce(func.sum(getattr(DailyCount, c)), 0) for c in COUNTERS]


def _where(query, quarter: Quarter, station_ids: Collection[int] | None, table=DailyCount):
    query = query.where(table.day >= quarter.first, table.day < quarter.end)
    if station_ids is not None:
        query = query.where(table.station_id.in_(list(station_ids)))
    return query


def analyse(quarter: Quarter, station_ids: Collection[int] | None = None) -> Analysis:
    """The quarter's figures within `station_ids` (None: all stations)."""
    session = db.session
    total = Figures()  # the sum of the days below: one pass over the rows fewer
    before = Figures()
    before.add(session.execute(_where(db.select(*_sums()), quarter.previous(), station_ids)).one())

    # Per day (at most 92 rows), folded into months here: no date arithmetic in SQL.
    months = {(y, m): Row((y, m), f"{y}年{m}月") for y, m in quarter.months}
    per_day = _where(db.select(DailyCount.day, *_sums()), quarter, station_ids).group_by(
        DailyCount.day
    )
    for day, *values in session.execute(per_day):
        months[day.year, day.month].figures.add(values)
        total.add(values)

    names = dict(session.execute(db.select(Category.id, Category.name)).all())
    per_category = _where(db.select(DailyCount.category_id, *_sums()), quarter, station_ids)
    by_category = []
    for category_id, *values in session.execute(per_category.group_by(DailyCount.category_id)):
        row = Row(category_id, names.get(category_id, "未分类"))
        row.figures.add(values)
        by_category.append(row)
    by_category.sort(key=lambda r: (-r.figures.received, r.label))

    stations = dict(session.execute(db.select(Station.id, Station.name)).all())
    per_station = _where(db.select(DailyCount.station_id, *_sums()), quarter, station_ids)
    by_station = []
    for station_id, *values in session.execute(per_station.group_by(DailyCount.station_id)):
        label = "未指定联络站" if station_id == tally.NONE else stations.get(station_id, "?")
        row = Row(station_id, label)
        row.figures.add(values)
        by_station.append(row)
    by_station.sort(key=lambda r: (-r.figures.received, r.label))

    per_channel = _where(
        db.select(ChannelCount.channel, func.sum(ChannelCount.received)),
        quarter,
        station_ids,
        ChannelCount,
    ).group_by(ChannelCount.channel)
    by_channel = sorted(
        (
            (channel, CHANNEL_LABELS.get(channel, channel or "其他"), int(n))
            for channel, n in session.execute(per_channel)
        ),
        key=lambda c: (-c[2], c[0]),
    )
    return Analysis(
        quarter, total, before, list(months.values()), by_category, by_station, by_channel
    )
