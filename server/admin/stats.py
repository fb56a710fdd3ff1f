"""The overview's numbers. One query loads the items received since the earliest period start;
everything else is counted in Python, the same way for every period, station and deputy.

Counts are by cohort: "本周" means the items received this week (Asia/Shanghai), and how far each
of them has got by now. A month of a busy city is a few thousand rows: cheap to count here, and
the same code on SQLite and PostgreSQL.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import and_, exists

from server.admin import scope
from server.admin.filters import local_day_start
from server.admin.present import NOT_NOTIFIED, OPEN_STATUSES
from server.extensions import db
from server.models import Assignment, Category, Deputy, Event, Message, Notification
from server.timeutil import local_today, utcnow

CHART_DAYS = 30


@dataclass(frozen=True)
class Row:
    id: int
    station_id: int | None
    category_id: int
    deputy_id: int | None
    status: str
    created_at: datetime
    routed_at: datetime | None
    first_replied_at: datetime | None
    overdue_at: datetime | None
    rating: str | None
    not_notified: bool


def period_starts(today: date) -> dict[str, date]:
    return {
        "today": today,
        "week": today - timedelta(days=today.weekday()),  # weeks start on Monday
        "month": today.replace(day=1),
    }


PERIOD_LABELS = {"today": "今天", "week": "本周", "month": "本月"}


def load_rows(since: datetime) -> list[Row]:
    not_notified = exists().where(
        Notification.message_id == Message.id, Notification.status.in_(NOT_NOTIFIED)
    )
    query = (
        db.select(
            Message.id,
            Message.station_id,
            Message.category_id,
            Assignment.deputy_id,
            Message.status,
            Message.created_at,
            Message.routed_at,
            Message.first_replied_at,
            Message.overdue_at,
            Message.rating,
            not_notified.label("not_notified"),
        )
        .outerjoin(
            Assignment, and_(Assignment.message_id == Message.id, Assignment.active.is_(True))
        )
        .where(Message.created_at >= since)
    )
    return [Row(*r) for r in db.session.execute(scope.scope_messages(query))]


def summarize(rows: list[Row], now: datetime) -> dict:
    overdue_after = timedelta(hours=current_app.config["OVERDUE_AFTER_HOURS"])
    responses = [
        (r.first_replied_at - r.created_at).total_seconds() for r in rows if r.first_replied_at
    ]
    ratings = Counter(r.rating for r in rows if r.rating)
    rated = sum(ratings.values())
    return {
        "received": len(rows),
        "routed": sum(1 for r in rows if r.routed_at is not None),
        "replied": sum(1 for r in rows if r.first_replied_at is not None),
        "closed": sum(1 for r in rows if r.status == "closed"),
        "open": sum(1 for r in rows if r.status in OPEN_STATUSES),
        "overdue": sum(
            1
            for r in rows
            if r.status in OPEN_STATUSES
            and (r.overdue_at is not None or now - r.created_at >= overdue_after)
        ),
        "not_notified": sum(1 for r in rows if r.not_notified),
        "median_response": statistics.median(responses) if responses else None,
        "ratings": dict(ratings),
        "rated": rated,
        # 满意 + 基本满意, as the seeds report it
        "satisfied_pct": (
            round(
                100 * (ratings["satisfied"] + ratings["basically_satisfied"]) / rated,
            )
            if rated
            else None
        ),
    }


def per_day(rows: list[Row], today: date) -> list[tuple[date, int]]:
    counts = Counter(local_today(r.created_at) for r in rows)
    days = [today - timedelta(days=i) for i in range(CHART_DAYS - 1, -1, -1)]
    return [(day, counts.get(day, 0)) for day in days]


def per_category(rows: list[Row]) -> list[tuple[str, int]]:
    counts = Counter(r.category_id for r in rows)
    names = dict(db.session.execute(db.select(Category.id, Category.name)).all())
    return sorted(((names.get(k, "?"), v) for k, v in counts.items()), key=lambda x: -x[1])


def per_station(rows: list[Row], now: datetime) -> list[tuple]:
    grouped: dict[int | None, list[Row]] = defaultdict(list)
    for row in rows:
        grouped[row.station_id].append(row)
    out = [(s, summarize(grouped.get(s.id, []), now)) for s in scope.visible_stations()]
    if grouped.get(None) and scope.is_admin():
        out.append((None, summarize(grouped[None], now)))
    return out


def per_deputy(rows: list[Row], now: datetime) -> list[tuple]:
    grouped: dict[int, list[Row]] = defaultdict(list)
    for row in rows:
        if row.deputy_id is not None:
            grouped[row.deputy_id].append(row)
    if not grouped:
        return []
    deputies = db.session.scalars(db.select(Deputy).where(Deputy.id.in_(list(grouped))))
    out = [(d, summarize(grouped[d.id], now)) for d in deputies]
    return sorted(out, key=lambda x: (-x[1]["open"], -x[1]["received"], x[0].name))


def overview(now: datetime | None = None) -> dict:
    now = now or utcnow()
    today = local_today(now)
    starts = period_starts(today)
    chart_start = today - timedelta(days=CHART_DAYS - 1)
    rows = load_rows(local_day_start(min(chart_start, *starts.values())))
    by_period = {}
    for name, start in starts.items():
        since = local_day_start(start)
        by_period[name] = [r for r in rows if r.created_at >= since]
    month = by_period["month"]
    return {
        "now": now,
        "periods": {name: summarize(by_period[name], now) for name in starts},
        "per_day": per_day(rows, today),
        "per_category": per_category(month),
        "per_station": per_station(month, now),
        "per_deputy": per_deputy(month, now),
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
