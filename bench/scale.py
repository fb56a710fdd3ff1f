"""Scale of data: 1,000,000 historical items, 3,000 stations, 10,000 deputies, loaded with COPY.

Rows are made to look like a province's year: items spread over 365 days, most closed and rated,
some awaiting, every routed item with its assignment, events and WeChat notices. Ids grow with
time, as they do when items arrive one after another, so a month's rows sit together on disk as
they would in production (a random order would make every date range read the whole table).
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta

import psycopg

from bench.world import SENTENCES

STATUSES = [
    ("closed", 0.78),
    ("replied", 0.08),
    ("routed", 0.09),
    ("reopened", 0.02),
    ("unassigned", 0.01),
    ("rejected", 0.02),
]
# How WeChat notices end: most are sent; some people never granted consent, a few fail.
NOTICE_OUTCOMES = ["sent", "no_consent", "failed"]
NOTICE_WEIGHTS = [0.88, 0.1, 0.02]
RATINGS = ["satisfied", "satisfied", "satisfied", "basically_satisfied", "unsatisfied"]


def _status(rng: random.Random) -> str:
    roll, total = rng.random(), 0.0
    for status, share in STATUSES:
        total += share
        if roll < total:
            return status
    return "closed"


def seed(
    database_url: str,
    messages: int = 1_000_000,
    stations: int = 3000,
    deputies: int = 10_000,
    seed_value: int = 20261122,
) -> dict:
    rng = random.Random(seed_value)
    started = time.perf_counter()
    now = datetime.now(UTC)
    with psycopg.connect(database_url) as conn:
        categories = [row[0] for row in conn.execute("SELECT id FROM categories ORDER BY id")]
        base_station = conn.execute("SELECT coalesce(max(id), 0) FROM stations").fetchone()[0]
        base_deputy = conn.execute("SELECT coalesce(max(id), 0) FROM deputies").fetchone()[0]
        base_message = conn.execute("SELECT coalesce(max(id), 0) FROM messages").fetchone()[0]
        base_citizen = conn.execute("SELECT coalesce(max(id), 0) FROM citizens").fetchone()[0]
        citizens = 200_000
        with conn.cursor() as cur:
            with cur.copy("COPY citizens (id, openid, created_at) FROM STDIN") as copy:
                for i in range(1, citizens + 1):
                    copy.write_row((base_citizen + i, f"obench{base_citizen + i:023d}", now))
            with cur.copy(
                "COPY stations (id, code, name, address, reception_note, active, "
                "created_at) FROM STDIN"
            ) as copy:
                for i in range(1, stations + 1):
                    copy.write_row(
                        (
                            base_station + i,
                            f"bs{base_station + i:07d}",
                            f"第{i}联络站",
                            f"某某路{i}号",
                            "每月逢六接待",
                            True,
                            now,
                        )
                    )
            with cur.copy(
                "COPY deputies (id, code, name, level, expertise, title, active, "
                "created_at) FROM STDIN"
            ) as copy:
                for i in range(1, deputies + 1):
                    copy.write_row(
                        (
                            base_deputy + i,
                            f"bd{base_deputy + i:07d}",
                            f"代表{i}",
                            rng.choice("全省市县乡"),
                            '["城建环保"]' if i % 4 == 0 else "[]",
                            "",
                            True,
                            now,
                        )
                    )
            station_of = {}
            with cur.copy(
                "COPY station_members (station_id, deputy_id, joined_at) FROM STDIN"
            ) as copy:
                for i in range(1, deputies + 1):
                    station = base_station + (i - 1) % stations + 1
                    station_of[base_deputy + i] = station
                    copy.write_row((station, base_deputy + i, now))
            with cur.copy(
                "COPY duty_shifts (station_id, deputy_id, kind, days, note, created_at) FROM STDIN"
            ) as copy:
                for deputy_id, station in station_of.items():
                    copy.write_row((station, deputy_id, "monthly", "[6, 16, 26]", "", now))
            deputies_at: dict[int, list[int]] = {}
            for deputy_id, station in station_of.items():
                deputies_at.setdefault(station, []).append(deputy_id)

            assignment_rows, event_rows, reply_rows, notice_rows = [], [], [], []
            ages = sorted((rng.randrange(365 * 24 * 3600) for _ in range(messages)), reverse=True)
            with cur.copy(
                "COPY messages (id, tracking_no, channel, station_id, category_id, content, "
                "anonymous, status, content_check, flagged, citizen_id, assigned_deputy_id, "
                "created_at, updated_at, "
                "routed_at, first_replied_at, closed_at, overdue_at, rating, rated_at) FROM STDIN"
            ) as copy:
                for i in range(1, messages + 1):
                    message_id = base_message + i
                    station = base_station + rng.randrange(stations) + 1
                    created = now - timedelta(seconds=ages[i - 1])
                    status = _status(rng)
                    routed = (
                        created + timedelta(seconds=rng.randrange(2, 60))
                        if status != "unassigned"
                        else None
                    )
                    replied = (
                        routed + timedelta(hours=rng.uniform(1, 96))
                        if status in ("closed", "replied", "reopened") and routed
                        else None
                    )
                    closed = (
                        replied + timedelta(days=rng.uniform(0, 5))
                        if status == "closed" and replied
                        else None
                    )
                    rating = rng.choice(RATINGS) if status == "closed" else None
                    overdue = (
                        created + timedelta(hours=72)
                        if (replied and replied - created > timedelta(hours=72))
                        or (status == "routed" and now - created > timedelta(hours=72))
                        else None
                    )
                    deputy_id = rng.choice(deputies_at[station]) if routed else None
                    copy.write_row(
                        (
                            message_id,
                            f"B{message_id:013d}",
                            "station_code",
                            station,
                            categories[i % len(categories)],
                            SENTENCES[i % len(SENTENCES)],
                            i % 7 == 0,
                            status,
                            "pass",
                            False,
                            base_citizen + rng.randrange(citizens) + 1,
                            deputy_id,
                            created,
                            closed or replied or routed or created,
                            routed,
                            replied,
                            closed,
                            overdue,
                            rating,
                            closed,
                        )
                    )
                    if routed:
                        assignment_rows.append((message_id, deputy_id, "on_duty", True, routed))
                        event_rows.append((message_id, "routed", "system", routed))
                        notice_rows.append(
                            (f"assign-{message_id}", "new_item", message_id, None, deputy_id,
                             rng.choices(NOTICE_OUTCOMES, NOTICE_WEIGHTS)[0], routed)
                        )  # fmt: skip
                    event_rows.append((message_id, "received", "citizen", created))
                    if replied:
                        reply_rows.append(
                            (message_id, "deputy", deputy_id, "已联系相关部门处理。", replied)
                        )
                        event_rows.append((message_id, "replied", "deputy", replied))
                        notice_rows.append(
                            (f"reply-{message_id}", "reply", message_id,
                             base_citizen + rng.randrange(citizens) + 1, None,
                             rng.choices(NOTICE_OUTCOMES, NOTICE_WEIGHTS)[0], replied)
                        )  # fmt: skip
                    if closed:
                        event_rows.append((message_id, "closed", "citizen", closed))
            with cur.copy(
                "COPY assignments (message_id, deputy_id, rule, active, created_at) FROM STDIN"
            ) as copy:
                for row in assignment_rows:
                    copy.write_row(row)
            with cur.copy(
                "COPY events (message_id, kind, actor, data, created_at) FROM STDIN"
            ) as copy:
                for message_id, kind, actor, at in event_rows:
                    copy.write_row((message_id, kind, actor, "{}", at))
            with cur.copy(
                "COPY replies (message_id, author_kind, deputy_id, content, created_at) FROM STDIN"
            ) as copy:
                for row in reply_rows:
                    copy.write_row(row)
            with cur.copy(
                "COPY notifications (dedupe_key, kind, message_id, citizen_id, deputy_id, "
                "template_id, data, status, attempts, created_at, updated_at, sent_at) FROM STDIN"
            ) as copy:
                for key, kind, message_id, citizen, deputy, status, at in notice_rows:
                    sent = at if status == "sent" else None
                    copy.write_row(
                        (
                            key,
                            kind,
                            message_id,
                            citizen,
                            deputy,
                            "tmpl",
                            "{}",
                            status,
                            1,
                            at,
                            at,
                            sent,
                        )
                    )
            for table in (
                "notifications",
                "citizens",
                "stations",
                "deputies",
                "messages",
                "assignments",
                "events",
                "replies",
                "duty_shifts",
            ):
                cur.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
        conn.commit()
        conn.execute("ANALYZE")
    return {
        "messages": messages,
        "stations": stations,
        "deputies": deputies,
        "citizens": citizens,
        "assignments": len(assignment_rows),
        "events": len(event_rows),
        "replies": len(reply_rows),
        "notifications": len(notice_rows),
        "seconds": round(time.perf_counter() - started, 1),
    }


def fill_summary(app) -> dict:
    """The overview's summary rows for the COPYed items: the same rebuild as `flask stats
    rebuild` (the rows the live system keeps as items move)."""
    from server.models import tally
    from server.platform.db import db

    started = time.perf_counter()
    with app.app_context():
        rows = tally.rebuild(db.session.connection())
        rows.update(tally.rebuild_channels(db.session.connection()))
        db.session.commit()
        db.session.execute(db.text("ANALYZE daily_counts"))
        db.session.execute(db.text("ANALYZE channel_counts"))
        db.session.execute(db.text("ANALYZE status_counts"))
        db.session.commit()
    return {**rows, "seconds": round(time.perf_counter() - started, 1)}
