"""The overview's numbers, counted by the database.

Counts are by cohort: "本周" means the items received this week (Asia/Shanghai), and how far each
of them has got by now. The database does the counting (aggregates with conditional sums), and
nothing is loaded row by row into Python: a province's month is tens of thousands of items. The
month is read once, grouped by (station, deputy), and rolled up here into the month's total, the
station table and the deputy table. The day chart counts per Beijing day with
boundaries computed here, so no time-zone arithmetic has to be written in SQL. Medians are
percentile_cont on PostgreSQL; SQLite (small deployments) has none, so there the durations are
fetched and the median taken in Python.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import pairwise
from operator import add

from flask import current_app
from sqlalchemy import case, exists, func

from server.admin import scope
from server.admin.filters import local_day_start
from server.admin.present import NOT_NOTIFIED, OPEN_STATUSES
from server.extensions import db
from server.models import RATING_LABELS, Category, Deputy, Event, Message, Notification, Station
from server.timeutil import local_today, utcnow

CHART_DAYS = 30
# A province has thousands of stations and deputies: the overview shows the ones that need
# attention most; the item list (filtered by station or deputy) shows the rest.
TABLE_ROWS = 50
PERIOD_LABELS = {"today": "今天", "week": "本周", "month": "本月"}


def period_starts(today: date) -> dict[str, date]:
    return {
        "today": today,
        "week": today - timedelta(days=today.weekday()),  # weeks start on Monday
        "month": today.replace(day=1),
    }


COUNTS = ("received", "routed", "replied", "closed", "open", "overdue", "not_notified")


def _count_if(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _aggregates(since: datetime, now: datetime) -> list:
    cutoff = now - timedelta(hours=current_app.config["OVERDUE_AFTER_HOURS"])
    waiting = Message.status.in_(OPEN_STATUSES)
    # A notice is written after its item arrived: bounding it by the period too lets the
    # database look only at this period's notices instead of every failed one since day one.
    not_notified = exists().where(
        Notification.message_id == Message.id,
        Notification.status.in_(NOT_NOTIFIED),
        Notification.created_at >= since,
    )
    return [
        func.count().label("received"),
        func.count(Message.routed_at).label("routed"),
        func.count(Message.first_replied_at).label("replied"),
        _count_if(Message.status == "closed").label("closed"),
        _count_if(waiting).label("open"),
        _count_if(
            waiting & (Message.overdue_at.is_not(None) | (Message.created_at <= cutoff))
        ).label("overdue"),
        _count_if(not_notified).label("not_notified"),
        *(_count_if(Message.rating == rating).label(rating) for rating in RATING_LABELS),
    ]


def _summary(counts: dict, median: float | None) -> dict:
    ratings = {r: counts[r] for r in RATING_LABELS if counts.get(r)}
    rated = sum(ratings.values())
    good = ratings.get("satisfied", 0) + ratings.get("basically_satisfied", 0)
    return {
        **{k: counts.get(k, 0) for k in COUNTS},
        "median_response": median,
        "ratings": ratings,
        "rated": rated,
        # 满意 + 基本满意, as the seeds report it
        "satisfied_pct": round(100 * good / rated) if rated else None,
    }


def summarize(since: datetime, now: datetime) -> dict:
    """The summary of every item received since `since`."""
    query = db.select(*_aggregates(since, now)).where(Message.created_at >= since)
    counts = dict(db.session.execute(scope.scope_messages(query)).mappings().one())
    return _summary(counts, median_responses(since).get(None))


@dataclass
class Cohort:
    """The counts of one period, in total and per station and per deputy, from a single scan
    grouped by (station, deputy): counts add up, so the three views are sums of its rows.
    `stations` and `deputies` hold raw counts; only the rows a table shows become summaries."""

    since: datetime
    total: dict
    stations: dict[int | None, dict]
    deputies: dict[int, dict]

    @classmethod
    def load(cls, since: datetime, now: datetime) -> Cohort:
        pair = (Message.station_id, Message.assigned_deputy_id)
        query = (
            db.select(*pair, *_aggregates(since, now))
            .where(Message.created_at >= since)
            .group_by(*pair)
        )
        keys = [*COUNTS, *RATING_LABELS]
        zero = [0] * len(keys)
        total, stations, deputies = zero, {}, {}
        for station_id, deputy_id, *values in db.session.execute(scope.scope_messages(query)):
            values = [int(v) for v in values]
            total = list(map(add, total, values))
            stations[station_id] = list(map(add, stations.get(station_id, zero), values))
            if deputy_id is not None:
                deputies[deputy_id] = list(map(add, deputies.get(deputy_id, zero), values))
        return cls(
            since,
            _summary(dict(zip(keys, total, strict=True)), median_responses(since).get(None)),
            {k: dict(zip(keys, v, strict=True)) for k, v in stations.items()},
            {k: dict(zip(keys, v, strict=True)) for k, v in deputies.items()},
        )


def median_responses(since: datetime, group=None, keys=None) -> dict:
    """Median seconds from receipt to the first answer, per group (under None without one)."""
    keyed = [group] if group is not None else []
    where = [Message.created_at >= since, Message.first_replied_at.is_not(None)]
    if keys is not None:
        where.append(group.in_(list(keys)))
    if db.engine.dialect.name == "postgresql":
        seconds = func.extract("epoch", Message.first_replied_at - Message.created_at)
        median = func.percentile_cont(0.5).within_group(seconds.asc())
        query = db.select(*keyed, median).where(*where).group_by(*keyed)
        rows = db.session.execute(scope.scope_messages(query))
        pairs = (tuple(row) if keyed else (None, row[0]) for row in rows)
        return {k: float(v) for k, v in pairs if v is not None}
    query = db.select(*keyed, Message.created_at, Message.first_replied_at).where(*where)
    durations: dict = defaultdict(list)
    for row in db.session.execute(scope.scope_messages(query)):
        key = row[0] if keyed else None
        durations[key].append((row[-1] - row[-2]).total_seconds())
    return {k: statistics.median(v) for k, v in durations.items()}


def empty_summary() -> dict:
    return _summary({}, None)


def per_day(today: date) -> list[tuple[date, int]]:
    days = [today - timedelta(days=i) for i in range(CHART_DAYS - 1, -1, -1)]
    bounds = [local_day_start(d) for d in days] + [local_day_start(today + timedelta(days=1))]
    columns = [
        _count_if((Message.created_at >= lo) & (Message.created_at < hi))
        for lo, hi in pairwise(bounds)
    ]
    query = db.select(*columns).where(
        Message.created_at >= bounds[0], Message.created_at < bounds[-1]
    )
    counts = db.session.execute(scope.scope_messages(query)).one()
    return list(zip(days, (int(c) for c in counts), strict=True))


def per_category(since: datetime) -> list[tuple[str, int]]:
    query = (
        db.select(Category.name, func.count())
        .join(Message, Message.category_id == Category.id)
        .where(Message.created_at >= since)
        .group_by(Category.id, Category.name)
        .order_by(func.count().desc(), Category.sort_order)
    )
    return [(name, count) for name, count in db.session.execute(scope.scope_messages(query))]


def _ranked(groups: dict, key) -> list:
    return sorted((k for k in groups if k is not None), key=lambda k: key(groups[k], k))


def per_station(cohort: Cohort) -> tuple[list[tuple], int]:
    """The stations with the most overdue and waiting items first; quiet stations after them,
    so a clerk with two stations still sees both. Returns the rows and how many there are."""
    groups = cohort.stations
    ids = _ranked(groups, lambda s, k: (-s["overdue"], -s["open"], -s["received"], k))
    ids = ids[:TABLE_ROWS]
    by_id = {s.id: s for s in db.session.scalars(db.select(Station).where(Station.id.in_(ids)))}
    rows = [(by_id[i], _summary(groups[i], None)) for i in ids if i in by_id]
    visible = scope.station_query()
    if len(rows) < TABLE_ROWS:
        quiet = visible.where(Station.id.not_in([k for k in groups if k]))
        quiet = quiet.limit(TABLE_ROWS - len(rows))
        rows += [(s, empty_summary()) for s in db.session.scalars(quiet)]
    if groups.get(None) and scope.is_admin():
        rows.append((None, _summary(groups[None], None)))
    total = db.session.scalar(visible.with_only_columns(func.count(Station.id)).order_by(None))
    return rows, total


def per_deputy(cohort: Cohort) -> tuple[list[tuple], int]:
    """Deputies with items in the period, the most waiting first, each with their median time
    to answer. Returns the rows and how many deputies had items."""
    groups = cohort.deputies
    shown = _ranked(groups, lambda s, k: (-s["open"], -s["received"], k))[:TABLE_ROWS]
    if not shown:
        return [], 0
    medians = median_responses(cohort.since, Message.assigned_deputy_id, shown)
    deputies = {d.id: d for d in db.session.scalars(db.select(Deputy).where(Deputy.id.in_(shown)))}
    rows = [(deputies[k], _summary(groups[k], medians.get(k))) for k in shown if k in deputies]
    return rows, len(groups)


def overview(now: datetime | None = None) -> dict:
    now = now or utcnow()
    today = local_today(now)
    starts = {name: local_day_start(day) for name, day in period_starts(today).items()}
    month = Cohort.load(starts["month"], now)
    periods = {
        "today": summarize(starts["today"], now),
        "week": summarize(starts["week"], now),
        "month": month.total,
    }
    stations, station_total = per_station(month)
    deputies, deputy_total = per_deputy(month)
    return {
        "now": now,
        "periods": periods,
        "per_day": per_day(today),
        "per_category": per_category(month.since),
        "per_station": stations,
        "station_total": station_total,
        "per_deputy": deputies,
        "deputy_total": deputy_total,
        "table_rows": TABLE_ROWS,
        "latest": latest_messages(),
    }


def latest_messages(limit: int = 10) -> list[Message]:
    query = db.select(Message).order_by(Message.id.desc()).limit(limit)
    return list(db.session.scalars(scope.scope_messages(query)))


def stamp(now: datetime | None = None) -> str:
    """Changes when anything happened (a new event) and once a minute (items turn overdue)."""
    last_event = db.session.scalar(db.select(db.func.max(Event.id))) or 0
    minute = int((now or utcnow()).timestamp() // 60)
    return f"{last_event}-{minute}"
