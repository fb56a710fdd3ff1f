"""Timings at scale: dashboard pages and exports over HTTP, the routing job in process."""

from __future__ import annotations

import re
import statistics
import time
from datetime import timedelta

import requests

from bench.stack import Stack


def admin_session(stack: Stack) -> requests.Session:
    from server.models import StaffUser
    from server.platform.db import db

    with stack.app().app_context():
        if db.session.scalar(db.select(StaffUser).where(StaffUser.username == "bench")) is None:
            user = StaffUser(username="bench", display_name="基准", role="admin")
            user.set_password("bench-password")
            db.session.add(user)
            db.session.commit()
    http = requests.Session()
    page = http.get(f"{stack.web_url}/admin/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    answer = http.post(
        f"{stack.web_url}/admin/login",
        data={"username": "bench", "password": "bench-password", "csrf_token": token},
    )
    answer.raise_for_status()
    return http


def timed_get(http: requests.Session, url: str, repeat: int = 5) -> dict:
    times, size, status = [], 0, None
    for _ in range(repeat):
        start = time.perf_counter()
        answer = http.get(url, timeout=600)
        times.append(time.perf_counter() - start)
        size, status = len(answer.content), answer.status_code
    return {
        "url": url.split("/", 3)[-1],
        "status": status,
        "bytes": size,
        "median_ms": round(statistics.median(times) * 1000, 1),
        "max_ms": round(max(times) * 1000, 1),
        "runs": repeat,
    }


def page_timings(stack: Stack) -> list[dict]:
    from server.platform.clock import local_today

    http = admin_session(stack)
    base = stack.web_url
    today = local_today()
    quarter_from = (today - timedelta(days=91)).isoformat()
    station = 1500
    return [
        timed_get(http, f"{base}/admin/overview"),
        timed_get(http, f"{base}/admin/overview/live.json", repeat=10),
        timed_get(http, f"{base}/admin/items"),
        timed_get(http, f"{base}/admin/items?status=routed&overdue=1"),
        timed_get(http, f"{base}/admin/items?station={station}&category=3"),
        timed_get(http, f"{base}/admin/items?q=路灯&date_from={quarter_from}"),
        timed_get(
            http,
            f"{base}/admin/registers/suggestions.xlsx?date_from={quarter_from}&date_to={today}"
            f"&station={station}",
            repeat=3,
        ),
        timed_get(
            http,
            f"{base}/admin/registers/suggestions.xlsx?date_from={quarter_from}&date_to={today}",
            repeat=1,
        ),
    ]


def routing_timings(stack: Stack, runs: int = 50) -> dict:
    """The routing job in process (route only: its notice is not sent here), on stations spread
    over the data set as it is now."""
    from server.models import Category, Message, Station
    from server.platform.clock import utcnow
    from server.platform.db import db
    from server.routing.router import route

    app = stack.app()
    times = []
    with app.app_context():
        category = db.session.scalar(db.select(Category).limit(1))
        stations = db.session.scalars(db.select(Station.id).order_by(Station.id)).all()
        taken = db.session.scalar(db.select(db.func.count()).where(Message.tracking_no.like("R%")))
        for i in range(runs):
            message = Message(
                tracking_no=f"R{taken + i:013d}",
                channel="station_code",
                station_id=stations[i * 37 % len(stations)],
                category_id=category.id,
                content="路灯坏了",
                status="received",
                created_at=utcnow(),
            )
            db.session.add(message)
            db.session.commit()
            start = time.perf_counter()
            route(message.id)
            times.append(time.perf_counter() - start)
            db.session.remove()
    return {
        "runs": runs,
        "median_ms": round(statistics.median(times) * 1000, 2),
        "p95_ms": round(sorted(times)[int(0.95 * (runs - 1))] * 1000, 2),
    }
