"""The overview's numbers, counted by the database.

Two kinds of figure, never mixed. Flow figures go by cohort: "本周" means the items received
this week (Asia/Shanghai), and how far each of them has got by now. Backlog figures (waiting
for an answer, overdue, waiting to be assigned) are counted as of now over every open item,
whatever month it arrived in: an item from last month that is still unanswered is today's
problem, and the item list's 逾期 filter must find the same number.

The database does the counting (aggregates with conditional sums), and nothing is loaded row by
row into Python: a province's month is tens of thousands of items. The month and the backlog are
each read once, grouped by (station, deputy), and rolled up here into the totals, the station
table and the deputy table. The day chart counts per Beijing day with boundaries computed here,
so no time-zone arithmetic has to be written in SQL. Medians are percentile_cont on PostgreSQL;
SQLite (small deployments) has none, so there the durations are fetched and the median taken in
Python.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import pairwise
from operator import add

from sqlalchemy import case, exists, func

from server.admin import scope
from server.admin.filters import local_day_start, overdue_clause
from server.admin.present import NOT_NOTIFIED, OPEN_STATUSES
from server.models import RATING_LABELS, Category, Deputy, Event, Message, Notification, Station
from server.notices import board
from server.platform.clock import local_today, utcnow
from server.platform.db import db

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


# solved / not_solved: the call-back's answer (回访), counted apart from closed (closed is not
# solved).
FLOW = (
    "received",
    "routed",
    "replied",
    "closed",
    "not_notified",
    "solved",
    "not_solved",
    *RATING_LABELS,
)
BACKLOG = ("open", "overdue", "unassigned")


def _count_if(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _flow_columns(since: datetime) -> list:
    # A notice is written after its item arrived: bounding it by the period too lets the
    # database look only at this period's notices instead of every failed one since day one.
    not_notified = exists().where(
        Notification.message_id == Message.id,
        Notification.status.in_(NOT_NOTIFIED),
        Notification.created_at >= since,
    )
    return [
        func.count(),
        func.count(Message.routed_at),
        func.count(Message.first_replied_at),
        _count_if(Message.status == "closed"),
        _count_if(not_notified),
        _count_if(Message.revisit_solved.is_(True)),
        _count_if(Message.revisit_solved.is_(False)),
        *(_count_if(Message.rating == rating) for rating in RATING_LABELS),
    ]


def _backlog_columns(now: datetime) -> list:
    return [
        func.count(),
        _count_if(overdue_clause(now)),
        _count_if(Message.status == "unassigned"),
    ]


def _summary(counts: dict, median: float | None = None) -> dict:
    ratings = {r: counts[r] for r in RATING_LABELS if counts.get(r)}
    rated = sum(ratings.values())
    good = ratings.get("satisfied", 0) + ratings.get("basically_satisfied", 0)
    return {
        **{k: counts.get(k, 0) for k in (*FLOW, *BACKLOG) if k not in RATING_LABELS},
        "median_response": median,
        "ratings": ratings,
        "rated": rated,
        # 满意 + 基本满意, as the seeds report it
        "satisfied_pct": round(100 * good / rated) if rated else None,
    }


def summarize(since: datetime, now: datetime) -> dict:
    """The flow figures of every item received since `since`."""
    query = db.select(*_flow_columns(since)).where(Message.created_at >= since)
    counts = dict(zip(FLOW, db.session.execute(scope.scope_messages(query)).one(), strict=True))
    return _summary(counts, median_responses(since).get(None))


@dataclass
class Tally:
    """Counts in total and per station and per deputy, from a single scan grouped by
    (station, deputy): counts add up, so the three views are sums of its rows."""

    total: dict
    stations: dict[int | None, dict]
    deputies: dict[int, dict]

    @classmethod
    def load(cls, keys: tuple, columns: list, *where) -> Tally:
        pair = (Message.station_id, Message.assigned_deputy_id)
        query = db.select(*pair, *columns).where(*where).group_by(*pair)
        zero = [0] * len(keys)
        total, stations, deputies = zero, {}, {}
        for station_id, deputy_id, *values in db.session.execute(scope.scope_messages(query)):
            values = [int(v) for v in values]
            total = list(map(add, total, values))
            stations[station_id] = list(map(add, stations.get(station_id, zero), values))
            if deputy_id is not None:
                deputies[deputy_id] = list(map(add, deputies.get(deputy_id, zero), values))

        def named(values: list) -> dict:
            return dict(zip(keys, values, strict=True))

        return cls(
            named(total),
            {k: named(v) for k, v in stations.items()},
            {k: named(v) for k, v in deputies.items()},
        )


def month_flow(since: datetime) -> Tally:
    return Tally.load(FLOW, _flow_columns(since), Message.created_at >= since)


def backlog(now: datetime) -> Tally:
    """Every item still waiting for someone, counted as of `now` (ix_messages_status_created)."""
    return Tally.load(BACKLOG, _backlog_columns(now), Message.status.in_(OPEN_STATUSES))


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
    return _summary({})


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


def _ranked(keys, key) -> list:
    return sorted((k for k in keys if k is not None), key=key)


def _row(flow: Tally, waiting: Tally, group: str, key, median: float | None = None) -> dict:
    counts = {**getattr(flow, group).get(key, {}), **getattr(waiting, group).get(key, {})}
    return _summary(counts, median)


def per_station(flow: Tally, waiting: Tally) -> tuple[list[tuple], int]:
    """The stations with the most overdue and waiting items (now) first, then the busiest of
    the month; quiet stations after them, so a clerk with two stations still sees both.
    Returns the rows and how many stations there are."""
    keys = set(flow.stations) | set(waiting.stations)

    def need(k):
        now, month = waiting.stations.get(k, {}), flow.stations.get(k, {})
        return (-now.get("overdue", 0), -now.get("open", 0), -month.get("received", 0), k)

    ids = _ranked(keys, need)[:TABLE_ROWS]
    by_id = {s.id: s for s in db.session.scalars(db.select(Station).where(Station.id.in_(ids)))}
    rows = [(by_id[i], _row(flow, waiting, "stations", i)) for i in ids if i in by_id]
    visible = scope.station_query()
    if len(rows) < TABLE_ROWS:
        quiet = visible.where(Station.id.not_in([k for k in keys if k]))
        quiet = quiet.limit(TABLE_ROWS - len(rows))
        rows += [(s, empty_summary()) for s in db.session.scalars(quiet)]
    if None in keys and scope.is_admin():
        rows.append((None, _row(flow, waiting, "stations", None)))
    total = db.session.scalar(visible.with_only_columns(func.count(Station.id)).order_by(None))
    return rows, total


def per_deputy(flow: Tally, waiting: Tally, since: datetime) -> tuple[list[tuple], int]:
    """Deputies with items this month or items waiting now, the most waiting first, each with
    their median time to answer this month. Returns the rows and how many deputies that is."""
    keys = set(flow.deputies) | set(waiting.deputies)

    def need(k):
        now, month = waiting.deputies.get(k, {}), flow.deputies.get(k, {})
        return (-now.get("open", 0), -now.get("overdue", 0), -month.get("received", 0), k)

    shown = _ranked(keys, need)[:TABLE_ROWS]
    if not shown:
        return [], 0
    medians = median_responses(since, Message.assigned_deputy_id, shown)
    deputies = {d.id: d for d in db.session.scalars(db.select(Deputy).where(Deputy.id.in_(shown)))}
    rows = [
        (deputies[k], _row(flow, waiting, "deputies", k, medians.get(k)))
        for k in shown
        if k in deputies
    ]
    return rows, len(keys)


def overview(now: datetime | None = None) -> dict:
    now = now or utcnow()
    today = local_today(now)
    days = period_starts(today)
    starts = {name: local_day_start(day) for name, day in days.items()}
    month = month_flow(starts["month"])
    waiting = backlog(now)
    periods = {
        "today": summarize(starts["today"], now),
        "week": summarize(starts["week"], now),
        "month": _summary(month.total, median_responses(starts["month"]).get(None)),
    }
    stations, station_total = per_station(month, waiting)
    deputies, deputy_total = per_deputy(month, waiting, starts["month"])
    return {
        "now": now,
        "periods": periods,
        "period_days": days,
        "backlog": waiting.total,
        "per_day": per_day(today),
        "per_category": per_category(starts["month"]),
        "per_station": stations,
        "station_total": station_total,
        "per_deputy": deputies,
        "deputy_total": deputy_total,
        "table_rows": TABLE_ROWS,
        "latest": latest_messages(),
        # The escalation chain's and 督办's notices for this account (server/notices/board.py).
        "notices": board.latest(
            scope.station_ids(), committee=scope.is_admin() or scope.is_committee(), limit=10
        ),
    }


def latest_messages(limit: int = 10) -> list[Message]:
    query = db.select(Message).order_by(Message.id.desc()).limit(limit)
    return list(db.session.scalars(scope.scope_messages(query)))


def stamp(now: datetime | None = None) -> str:
    """Changes when anything happened (a new event) and once a minute (items turn overdue)."""
    last_event = db.session.scalar(db.select(db.func.max(Event.id))) or 0
    minute = int((now or utcnow()).timestamp() // 60)
    return f"{last_event}-{minute}"
