"""Summary rows of the overview, kept in step with the items in the same transaction.

Two tables, both pure sums that `flask stats rebuild` can recompute from the messages:

- `daily_counts`: per Beijing day of receipt x station x deputy x category, how far that day's
  items have got by now (received, routed, answered, closed, each rating, and the call-back's
  (回访) answer: solved / not_solved, counted apart from closed). The overview's flow
  figures go by cohort, so a move changes the counters of the row of the day the item arrived.
- `month_counts` and `day_totals`: the same counters rolled up coarser, per Beijing month of
  receipt x station x deputy, and per day x category over all stations. With a province's
  3,000 stations and 10,000 deputies a day x station x deputy x category key holds about one
  item (a year of 1,000,000 items is ~990,000 daily rows), so the overview's month (tables by
  station and by deputy) and its 30-day chart read these instead: ~10,000 rows a month and
  ~30 x categories rows, whatever the number of items. A clerk limited to some stations still
  reads `daily_counts` (their stations' few rows).
- `status_counts`: per status x station x deputy, how many items are in it now. The backlog
  ("as of now", whatever month the item arrived in) is a handful of these rows instead of a scan
  of every open item; only "overdue", which turns true with the clock and not with a move, is
  counted from the open items past their stage's deadline (`due_at`, server/admin/stats.py).

An item contributes one row to each table, a function of its state (`State`). Every change of
an item is counted as "its contribution before" subtracted and "its contribution after" added,
written with INSERT ... ON CONFLICT DO UPDATE SET n = n + excluded.n, which two transactions
may run at once on the same row (PostgreSQL and SQLite alike). The changes come from three
places, all in this package: `lifecycle.move()` (reads the row FOR UPDATE, updates it RETURNING
the new state), items inserted or changed through the ORM (mapper events below), and
`count_insert()` for the intake's plain INSERT. NULL station or deputy is stored as 0 so the
key can be a primary key.

A third, `channel_counts` (per Beijing day x station x channel: received), serves the quarterly
analysis' "by channel". The day, station and channel of an item never change after it is written,
so its row is counted once, at insert (`count_insert`, the ORM's after_insert), and rebuilt with
the others.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy import Date, Integer, String, delete, event, inspect, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from server.platform.clock import LOCAL
from server.platform.db import db

RATINGS = ("satisfied", "basically_satisfied", "unsatisfied")
# solved / not_solved: the 回访's answer (Message.revisit_solved), kept apart from closed.
DAILY_COUNTERS = (
    "received",
    "routed",
    "replied",
    "closed",
    *(f"rated_{r}" for r in RATINGS),
    "solved",
    "not_solved",
)
NONE = 0  # the key's stand-in for "no station" / "no deputy"


class FlowCounters:
    """The counters every flow table keeps (DAILY_COUNTERS), under one key or another."""

    received: Mapped[int] = mapped_column(Integer, default=0)
    routed: Mapped[int] = mapped_column(Integer, default=0)
    replied: Mapped[int] = mapped_column(Integer, default=0)
    closed: Mapped[int] = mapped_column(Integer, default=0)
    rated_satisfied: Mapped[int] = mapped_column(Integer, default=0)
    rated_basically_satisfied: Mapped[int] = mapped_column(Integer, default=0)
    rated_unsatisfied: Mapped[int] = mapped_column(Integer, default=0)
    # Added to daily_counts after it held rows: a server default for those.
    solved: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    not_solved: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class DailyCount(FlowCounters, db.Model):
    __tablename__ = "daily_counts"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    station_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    deputy_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    category_id: Mapped[int] = mapped_column(Integer, primary_key=True)


class MonthCount(FlowCounters, db.Model):
    __tablename__ = "month_counts"

    month: Mapped[date] = mapped_column(Date, primary_key=True)  # the month's first day
    station_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    deputy_id: Mapped[int] = mapped_column(Integer, primary_key=True)


class DayTotal(FlowCounters, db.Model):
    __tablename__ = "day_totals"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    category_id: Mapped[int] = mapped_column(Integer, primary_key=True)


class StatusCount(db.Model):
    __tablename__ = "status_counts"

    status: Mapped[str] = mapped_column(String(16), primary_key=True)
    station_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    deputy_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)


class ChannelCount(db.Model):
    __tablename__ = "channel_counts"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    station_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    received: Mapped[int] = mapped_column(Integer, default=0)


_daily = DailyCount.__table__
_status = StatusCount.__table__
DAILY_KEY = ("day", "station_id", "deputy_id", "category_id")
STATUS_KEY = ("status", "station_id", "deputy_id")
_channel = ChannelCount.__table__
CHANNEL_KEY = ("day", "station_id", "channel")
MONTH_KEY = ("month", "station_id", "deputy_id")
DAY_TOTAL_KEY = ("day", "category_id")
# table name -> (table, key columns); the flow tables share the counters of DAILY_COUNTERS.
TABLES = {
    "daily": (_daily, DAILY_KEY),
    "month": (MonthCount.__table__, MONTH_KEY),
    "day_total": (DayTotal.__table__, DAY_TOTAL_KEY),
    "status": (_status, STATUS_KEY),
    "channel": (_channel, CHANNEL_KEY),
}
FLOW_TABLES = ("daily", "month", "day_total")
COUNTERS = {
    **{name: DAILY_COUNTERS for name in FLOW_TABLES},
    "status": ("n",),
    "channel": ("received",),
}
# What `rebuild` recomputes from the items' states; channel_counts has `rebuild_channels`.
STATE_TABLES = ("daily", "month", "day_total", "status")


class State(NamedTuple):
    """What of an item the summary rows depend on."""

    created_at: datetime
    station_id: int | None
    assigned_deputy_id: int | None
    category_id: int | None
    status: str
    routed_at: datetime | None
    first_replied_at: datetime | None
    rating: str | None
    revisit_solved: bool | None


def state_of(row) -> State:
    """The State of a row, an ORM object or a dict of column values."""
    get = row.get if isinstance(row, dict) else lambda name: getattr(row, name, None)
    return State(*(get(name) for name in State._fields))


def local_day(value: datetime) -> date:
    return value.astimezone(LOCAL).date()


def _contribution(state: State) -> Counter:
    station, deputy = state.station_id or NONE, state.assigned_deputy_id or NONE
    day, category = local_day(state.created_at), state.category_id or NONE
    keys = (
        ("daily", (day, station, deputy, category)),
        ("month", (day.replace(day=1), station, deputy)),
        ("day_total", (day, category)),
    )
    counters = ["received"]
    if state.routed_at is not None:
        counters.append("routed")
    if state.first_replied_at is not None:
        counters.append("replied")
    if state.status == "closed":
        counters.append("closed")
    if state.rating in RATINGS:
        counters.append(f"rated_{state.rating}")
    if state.revisit_solved is not None:
        counters.append("solved" if state.revisit_solved else "not_solved")
    out = Counter({("status", (state.status, station, deputy), "n"): 1})
    for table, key in keys:
        for counter in counters:
            out[table, key, counter] = 1
    return out


def change(before: State | None, after: State | None) -> dict:
    """{(table, key): {counter: delta}} turning `before`'s contribution into `after`'s."""
    delta = Counter()
    if after is not None:
        delta.update(_contribution(after))
    if before is not None:
        delta.subtract(_contribution(before))
    rows: dict = {}
    for (table, key, column), n in delta.items():
        if n:
            rows.setdefault((table, key), {})[column] = n
    return rows


_UPSERTS: dict = {}


def _upsert(dialect: str, table, keys: tuple, counters: tuple):
    """INSERT ... ON CONFLICT (key) DO UPDATE SET c = c + excluded.c for these counters, built
    once per (backend, table): every move runs a few of these."""
    cache_key = (dialect, table.name, counters)
    statement = _UPSERTS.get(cache_key)
    if statement is None:
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = insert(table)
        statement = _UPSERTS[cache_key] = statement.on_conflict_do_update(
            index_elements=list(keys),
            set_={c: table.c[c] + statement.excluded[c] for c in counters},
        )
    return statement


def apply(connection, rows: dict) -> None:
    """Write the deltas: one statement per table, every counter of the table in it (unchanged
    ones + 0), its rows as one executemany (psycopg sends them in one pipeline) in key order,
    tables in a fixed order, so two transactions lock rows in the same order. A route changes
    seven rows of four tables: four statements, not seven."""
    dialect = connection.dialect.name
    by_table: dict = {}
    for (table, key), counts in rows.items():
        by_table.setdefault(table, []).append((key, counts))
    for table in TABLES:
        changed = by_table.get(table)
        if not changed:
            continue
        target, keys = TABLES[table]
        counters = COUNTERS[table]
        statement = _upsert(dialect, target, keys, counters)
        params = [
            {**dict(zip(keys, key, strict=True)), **{c: counts.get(c, 0) for c in counters}}
            for key, counts in sorted(changed, key=lambda item: str(item[0]))
        ]
        connection.execute(statement, params if len(params) > 1 else params[0])


def count_change(before: State | None, after: State | None) -> None:
    """Count a change made in the session's transaction (move(), the intake's INSERT)."""
    rows = change(before, after)
    if rows:
        apply(db.session.connection(), rows)


def channel_rows(created_at: datetime, station_id: int | None, channel: str | None) -> dict:
    key = (local_day(created_at), station_id or NONE, channel or "")
    return {("channel", key): {"received": 1}}


def count_insert(values: dict) -> None:
    """Count an item inserted with a plain INSERT of these column values."""
    rows = change(None, state_of(values))
    rows.update(channel_rows(values["created_at"], values.get("station_id"), values.get("channel")))
    apply(db.session.connection(), rows)


def watch(model) -> None:
    """Count items written through the ORM too (walk-ins, the demo's history, tests' worlds),
    at flush, on the flush's connection. Called once for Message by server/models/__init__."""

    def _keep_old(target, value, old, initiator):
        return value

    for name in State._fields:
        # The value before a change must be known at flush even if it was never loaded (a
        # column left unset at insert): load it when the attribute is set.
        event.listen(getattr(model, name), "set", _keep_old, active_history=True, retval=True)

    @event.listens_for(model, "after_insert")
    def _inserted(mapper, connection, target) -> None:
        rows = change(None, state_of(target))
        rows.update(channel_rows(target.created_at, target.station_id, target.channel))
        apply(connection, rows)

    @event.listens_for(model, "after_update")
    def _updated(mapper, connection, target) -> None:
        state = inspect(target)
        old = {}
        for name in State._fields:
            history = state.attrs[name].history
            if history.deleted:
                old[name] = history.deleted[0]
            elif history.added:
                old[name] = None  # set for the first time since the INSERT left it NULL
            else:
                old[name] = getattr(target, name)
        rows = change(state_of(old), state_of(target))
        if rows:
            apply(connection, rows)


def rebuild(connection, batch: int = 20_000, tables: tuple = STATE_TABLES) -> dict:
    """Recompute the summary tables from the items themselves, on `connection` (the caller
    commits); returns how many rows each got. `tables`: which of TABLES (a migration made
    before a table existed rebuilds only the ones it knows)."""
    for name in tables:
        connection.execute(delete(TABLES[name][0]))
    messages = db.metadata.tables["messages"]
    columns = [messages.c[name] for name in State._fields]
    totals: Counter = Counter()
    result = connection.execute(select(*columns).execution_options(yield_per=batch))
    for row in result:
        totals.update(_contribution(State(*row)))
    grouped: dict = {name: {} for name in tables}
    for (table, key, column), n in totals.items():
        if table in grouped:
            grouped[table].setdefault(key, {})[column] = n
    out = {}
    for name in tables:
        target, keys = TABLES[name]
        counters = COUNTERS[name]
        rows = [
            {**dict(zip(keys, k, strict=True)), **{c: v.get(c, 0) for c in counters}}
            for k, v in grouped[name].items()
        ]
        for start in range(0, len(rows), batch):
            connection.execute(target.insert(), rows[start : start + batch])
        out[target.name] = len(rows)
    return out


def rebuild_channels(connection, batch: int = 20_000) -> dict:
    """Recompute `channel_counts` from the items (apart from `rebuild`: the migration that made
    the first two tables runs before this one exists)."""
    connection.execute(delete(_channel))
    messages = db.metadata.tables["messages"]
    query = select(messages.c.created_at, messages.c.station_id, messages.c.channel)
    counts: Counter = Counter()
    for created_at, station_id, channel in connection.execute(
        query.execution_options(yield_per=batch)
    ):
        counts[local_day(created_at), station_id or NONE, channel or ""] += 1
    rows = [{**dict(zip(CHANNEL_KEY, k, strict=True)), "received": n} for k, n in counts.items()]
    for start in range(0, len(rows), batch):
        connection.execute(_channel.insert(), rows[start : start + batch])
    return {"channel_counts": len(rows)}
