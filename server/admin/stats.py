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

import heapq
import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import case, exists, func

from server.admin import scope
from server.admin.filters import local_day_start
from server.admin.present import NOT_NOTIFIED, OPEN_STATUSES
from server.models import (
    RATING_LABELS,
    Category,
    DailyCount,
    DayTotal,
    Deputy,
    Event,
    Message,
    MonthCount,
    Notification,
    Rating,
    Reply,
    Station,
    StatusCount,
    Transfer,
    Unit,
    tally,
)
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
# What the summary rows count per day (server/models/tally.py), under the overview's names.
DAILY = ("received", "routed", "replied", "closed", *RATING_LABELS, "solved", "not_solved")
_COUNTERS = [name if name not in RATING_LABELS else f"rated_{name}" for name in DAILY]
_DAILY_COLUMNS = [getattr(DailyCount, name) for name in _COUNTERS]
_MONTH_COLUMNS = [getattr(MonthCount, name) for name in _COUNTERS]
_DAY_TOTAL_COLUMNS = [getattr(DayTotal, name) for name in _COUNTERS]


def _count_if(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _key(value: int) -> int | None:
    return None if value == tally.NONE else value


def _scoped(query, column):
    ids = scope.station_ids()
    return query if ids is None else query.where(column.in_(ids))


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


def not_notified(starts: dict[str, datetime]) -> dict[str, int]:
    """Items of each period with a notice that did not reach anyone. Counted from the
    notices themselves (a notice's status changes outside the item's moves); a notice is
    written after its item arrived, so bounding it by the period keeps this to the period's
    few failed notices (ix_notifications_status_created)."""
    since = min(starts.values())
    query = (
        db.select(*(_count_if(Message.created_at >= start) for start in starts.values()))
        .select_from(Message)
        .where(
            Message.created_at >= since,
            exists().where(
                Notification.message_id == Message.id,
                Notification.status.in_(NOT_NOTIFIED),
                Notification.created_at >= since,
            ),
        )
    )
    counts = db.session.execute(scope.scope_messages(query)).one()
    return {name: int(n) for name, n in zip(starts, counts, strict=True)}


@dataclass
class Tally:
    """Counts in total and per station and per deputy, from rows grouped by (station, deputy):
    counts add up, so the three views are sums of its rows. Kept as plain lists (a province
    has 10,000 deputies); `row()` names the counts of the few rows shown."""

    keys: tuple
    total: dict
    stations: dict[int | None, list]
    deputies: dict[int, list]

    @classmethod
    def grouped(cls, keys: tuple, by_station, by_deputy) -> Tally:
        """From rows already grouped by the database: (station, *counts) and (deputy, *counts).
        The total is the stations' sum (every item has one station key, None included)."""
        stations = {_key(k): [int(v) for v in values] for k, *values in by_station}
        deputies = {k: [int(v) for v in values] for k, *values in by_deputy if k != tally.NONE}
        total = [sum(column) for column in zip(*stations.values(), strict=True)] or [0] * len(keys)
        return cls(keys, dict(zip(keys, total, strict=True)), stations, deputies)

    def row(self, group: str, key) -> dict:
        values = getattr(self, group).get(key)
        return dict(zip(self.keys, values, strict=True)) if values is not None else {}


def _by(query, column, scoped_by):
    return db.session.execute(_scoped(query.group_by(column), scoped_by))


def _only(query, column, keys: list[int] | None):
    return query if keys is None else query.where(column.in_(keys))


def month_flow(month: date, deputy_ids: list[int] | None = None) -> Tally:
    """The month's cohort per station and per deputy, summed from its month x station x deputy
    summary rows by the database (about one row per deputy, whatever the number of items).
    `month` is the month's first day: the rows hold whole months. `deputy_ids`: only these
    deputies' rows (the ones the table shows, ranked by `ranked_deputies`)."""
    if month.day != 1:
        raise ValueError(f"month_flow needs a month's first day, not {month}")
    sums = [func.sum(c) for c in _MONTH_COLUMNS]
    where = MonthCount.month == month
    station = db.select(MonthCount.station_id, *sums).where(where)
    deputy = _only(
        db.select(MonthCount.deputy_id, *sums).where(where), MonthCount.deputy_id, deputy_ids
    )
    return Tally.grouped(
        DAILY,
        _by(station, MonthCount.station_id, MonthCount.station_id),
        _by(deputy, MonthCount.deputy_id, MonthCount.station_id),
    )


def backlog(now: datetime, deputy_ids: list[int] | None = None) -> Tally:
    """Every item still waiting for someone, as of `now`: the open statuses' current counts,
    and (for "overdue") the open items past their stage's deadline (due_at, stamped by the
    sweep: server/routing/deadlines.py), read along ix_messages_status_due — the few overdue
    items, however long the history. `deputy_ids`: only these deputies' rows."""
    counts = [
        func.sum(StatusCount.n),
        func.sum(case((StatusCount.status == "unassigned", StatusCount.n), else_=0)),
    ]
    open_only = StatusCount.status.in_(OPEN_STATUSES)
    late = (Message.status.in_(OPEN_STATUSES), Message.due_at <= now)
    groups = []
    for counted_by, late_by, keys in (
        (StatusCount.station_id, Message.station_id, None),
        (StatusCount.deputy_id, Message.assigned_deputy_id, deputy_ids),
    ):
        counted = _only(db.select(counted_by, *counts).where(open_only), counted_by, keys)
        counted = counted.group_by(counted_by)
        overdue = _only(db.select(late_by, func.count()).where(*late), late_by, keys)
        overdue = overdue.group_by(late_by)
        by_key = {
            k or tally.NONE: int(n) for k, n in db.session.execute(scope.scope_messages(overdue))
        }
        groups.append(
            [
                (k, int(n), by_key.get(k, 0), int(unassigned))
                for k, n, unassigned in db.session.execute(_scoped(counted, StatusCount.station_id))
            ]
        )
    return Tally.grouped(BACKLOG, *groups)


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


def period_medians(starts: dict[str, datetime]) -> dict[str, float | None]:
    """The median time to a first answer of each period's items, in one read of the longest
    period (the periods nest: today within the week within the month, or the week across the
    month's start): one ordered aggregate per period, each FILTERed, on PostgreSQL."""
    since = min(starts.values())
    where = [Message.created_at >= since, Message.first_replied_at.is_not(None)]
    if db.engine.dialect.name == "postgresql":
        seconds = func.extract("epoch", Message.first_replied_at - Message.created_at)
        medians = [
            func.percentile_cont(0.5).within_group(seconds.asc()).filter(Message.created_at >= at)
            for at in starts.values()
        ]
        row = db.session.execute(scope.scope_messages(db.select(*medians).where(*where))).one()
        return {
            name: float(v) if v is not None else None for name, v in zip(starts, row, strict=True)
        }
    query = db.select(Message.created_at, Message.first_replied_at).where(*where)
    durations: dict = {name: [] for name in starts}
    for created, replied in db.session.execute(scope.scope_messages(query)):
        for name, at in starts.items():
            if created >= at:
                durations[name].append((replied - created).total_seconds())
    return {name: statistics.median(v) if v else None for name, v in durations.items()}


def empty_summary() -> dict:
    return _summary({})


def _day_rows():
    """The per-day rows to sum for this account: every station's day x category totals (a few
    hundred rows a month) or, limited to some stations, the daily rows of those stations."""
    if scope.station_ids() is None:
        return DayTotal, _DAY_TOTAL_COLUMNS
    return DailyCount, _DAILY_COLUMNS


def daily_totals(first: date) -> dict[date, dict]:
    """The flow counters per day of receipt from `first` on, summed over stations."""
    table, columns = _day_rows()
    query = (
        db.select(table.day, *(func.sum(c) for c in columns))
        .where(table.day >= first)
        .group_by(table.day)
    )
    if table is DailyCount:
        query = _scoped(query, DailyCount.station_id)
    rows = db.session.execute(query)
    return {day: dict(zip(DAILY, map(int, values), strict=True)) for day, *values in rows}


def period_counts(days: dict[date, dict], since: date) -> dict:
    out = dict.fromkeys(DAILY, 0)
    for day, counts in days.items():
        if day >= since:
            for key, n in counts.items():
                out[key] += n
    return out


def per_day(today: date, days: dict[date, dict]) -> list[tuple[date, int]]:
    chart = [today - timedelta(days=i) for i in range(CHART_DAYS - 1, -1, -1)]
    return [(day, days.get(day, {}).get("received", 0)) for day in chart]


def per_category(month: date) -> list[tuple[str, int]]:
    table, _ = _day_rows()
    received = func.sum(table.received)
    query = (
        db.select(Category.name, received)
        .join(table, table.category_id == Category.id)
        .where(table.day >= month)
        .group_by(Category.id, Category.name)
        .having(received > 0)
        .order_by(received.desc(), Category.sort_order)
    )
    if table is DailyCount:
        query = _scoped(query, DailyCount.station_id)
    rows = db.session.execute(query)
    return [(name, int(count)) for name, count in rows]


_OPEN, _OVERDUE, _RECEIVED = BACKLOG.index("open"), BACKLOG.index("overdue"), 0
_NO_BACKLOG, _NO_FLOW = [0] * len(BACKLOG), [0] * len(DAILY)


def _ranked(keys, key) -> list:
    """The TABLE_ROWS keys that need attention most, in that order."""
    return heapq.nsmallest(TABLE_ROWS, (k for k in keys if k is not None), key=key)


def _row(flow: Tally, waiting: Tally, group: str, key, median: float | None = None) -> dict:
    counts = {**flow.row(group, key), **waiting.row(group, key)}
    return _summary(counts, median)


def per_station(flow: Tally, waiting: Tally) -> tuple[list[tuple], int]:
    """The stations with the most overdue and waiting items (now) first, then the busiest of
    the month; quiet stations after them, so a clerk with two stations still sees both.
    Returns the rows and how many stations there are."""
    keys = set(flow.stations) | set(waiting.stations)

    def need(k):
        now, month = waiting.stations.get(k, _NO_BACKLOG), flow.stations.get(k, _NO_FLOW)
        return (-now[_OVERDUE], -now[_OPEN], -month[_RECEIVED], k)

    ids = _ranked(keys, need)
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


def ranked_deputies(month: date, now: datetime) -> tuple[list[int], int]:
    """The TABLE_ROWS deputies that need attention most (the most waiting now, then the most
    overdue, then the busiest of the month), ranked by the database, and how many deputies
    have items this month or waiting now: a province's 10,000 deputies' sums never leave it."""
    flow = _scoped(
        db.select(MonthCount.deputy_id.label("k"), func.sum(MonthCount.received).label("n"))
        .where(MonthCount.month == month, MonthCount.deputy_id != tally.NONE)
        .group_by(MonthCount.deputy_id),
        MonthCount.station_id,
    ).subquery()
    waiting = _scoped(
        db.select(StatusCount.deputy_id.label("k"), func.sum(StatusCount.n).label("n"))
        .where(StatusCount.status.in_(OPEN_STATUSES), StatusCount.deputy_id != tally.NONE)
        .group_by(StatusCount.deputy_id),
        StatusCount.station_id,
    ).subquery()
    # Every overdue item is open, so its deputy is among `waiting`'s keys.
    late = scope.scope_messages(
        db.select(Message.assigned_deputy_id.label("k"), func.count().label("n"))
        .where(
            Message.status.in_(OPEN_STATUSES),
            Message.due_at <= now,
            Message.assigned_deputy_id.is_not(None),
        )
        .group_by(Message.assigned_deputy_id)
    ).subquery()
    keys = db.union(db.select(flow.c.k), db.select(waiting.c.k)).subquery()
    open_n, late_n, month_n = (func.coalesce(t.c.n, 0) for t in (waiting, late, flow))
    ranked = (
        # count() OVER (): how many there are, computed before the LIMIT, in the same read
        db.select(keys.c.k, func.count().over())
        .outerjoin(waiting, waiting.c.k == keys.c.k)
        .outerjoin(late, late.c.k == keys.c.k)
        .outerjoin(flow, flow.c.k == keys.c.k)
        .order_by(open_n.desc(), late_n.desc(), month_n.desc(), keys.c.k)
        .limit(TABLE_ROWS)
    )
    rows = db.session.execute(ranked).all()
    return [k for k, _ in rows], int(rows[0][1]) if rows else 0


def per_deputy(flow: Tally, waiting: Tally, since: datetime) -> tuple[list[tuple], int]:
    """Deputies with items this month or items waiting now, the most waiting first, each with
    their median time to answer this month. Returns the rows and how many deputies that is."""
    keys = set(flow.deputies) | set(waiting.deputies)

    def need(k):
        now, month = waiting.deputies.get(k, _NO_BACKLOG), flow.deputies.get(k, _NO_FLOW)
        return (-now[_OPEN], -now[_OVERDUE], -month[_RECEIVED], k)

    shown = _ranked(keys, need)
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
    first = min(days["month"], days["week"], today - timedelta(days=CHART_DAYS - 1))
    by_day = daily_totals(first)
    failed = not_notified(starts)
    shown, deputy_total = ranked_deputies(days["month"], now)
    # Only the shown deputies' sums are read; the totals are the stations' (every item has one).
    month = month_flow(days["month"], shown)
    month.total["not_notified"] = failed["month"]
    waiting = backlog(now, shown)
    medians = period_medians(starts)
    periods = {}
    for name, day in days.items():
        counts = {
            **period_counts(by_day, day),
            "not_notified": failed[name],
        }
        periods[name] = _summary(counts, medians[name])
    stations, station_total = per_station(month, waiting)
    deputies, _ = per_deputy(month, waiting, starts["month"])
    return {
        "now": now,
        "periods": periods,
        "period_days": days,
        "backlog": waiting.total,
        "per_day": per_day(today, by_day),
        "per_category": per_category(days["month"]),
        "per_station": stations,
        "station_total": station_total,
        "per_deputy": deputies,
        "deputy_total": deputy_total,
        "per_unit": per_unit(starts["month"]),
        "table_rows": TABLE_ROWS,
        "latest": latest_messages(),
        # The escalation chain's and 督办's notices for this account (server/notices/board.py).
        "notices": board.latest(
            scope.station_ids(), committee=scope.is_admin() or scope.is_committee(), limit=10
        ),
    }


def per_unit(since: datetime) -> list[dict]:
    """Each handling unit's month: items handed to it, signed and answered on time (by the
    transfer's own deadlines), the share of 满意 + 基本满意 among ratings of its answers, and
    the 回访's 解决了 / 没解决 of its items (counted apart from closed: closed is not solved)."""
    handed = (
        db.select(
            Unit.id,
            Unit.name,
            func.count(Transfer.id),
            _count_if(Transfer.signed_at <= Transfer.sign_due_at),
            _count_if(Transfer.answered_at <= Transfer.due_at),
            func.count(Transfer.answered_at),
            _count_if(Message.revisit_solved.is_(True)),
            _count_if(Message.revisit_solved.is_(False)),
        )
        .join(Transfer, Transfer.unit_id == Unit.id)
        .join(Message, Message.id == Transfer.message_id)
        .where(Transfer.handed_at >= since)
        .group_by(Unit.id, Unit.name)
        .order_by(func.count(Transfer.id).desc(), Unit.id)
        .limit(TABLE_ROWS)
    )
    rows = list(db.session.execute(scope.scope_messages(handed)))
    good = Rating.score.in_(("satisfied", "basically_satisfied"))
    rated = (
        db.select(Reply.unit_id, func.count(), _count_if(good))
        .join(Reply, Reply.id == Rating.reply_id)
        .join(Message, Message.id == Rating.message_id)
        .where(Rating.created_at >= since, Reply.unit_id.in_([r[0] for r in rows]))
        .group_by(Reply.unit_id)
    )
    ratings = {k: (int(n), int(g)) for k, n, g in db.session.execute(scope.scope_messages(rated))}
    out = []
    for unit_id, name, n, signed, on_time, answered, solved, not_solved in rows:
        n_rated, n_good = ratings.get(unit_id, (0, 0))
        out.append(
            {
                "id": unit_id,
                "name": name,
                "handed": int(n),
                "signed_on_time": int(signed),
                "answered": int(answered),
                "answered_on_time": int(on_time),
                "rated": n_rated,
                "satisfied_pct": round(100 * n_good / n_rated) if n_rated else None,
                "solved": int(solved),
                "not_solved": int(not_solved),
            }
        )
    return out


def latest_messages(limit: int = 10) -> list[Message]:
    query = db.select(Message).order_by(Message.id.desc()).limit(limit)
    return list(db.session.scalars(scope.scope_messages(query)))


def stamp(now: datetime | None = None) -> str:
    """Changes when anything happened (a new event) and once a minute (items turn overdue)."""
    last_event = db.session.scalar(db.select(db.func.max(Event.id))) or 0
    minute = int((now or utcnow()).timestamp() // 60)
    return f"{last_event}-{minute}"
