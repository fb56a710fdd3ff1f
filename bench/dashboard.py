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
        timed_get(http, f"{base}/admin/items?q=路灯&date_from={quarter_from}"),  # 1 in 8 items
        timed_get(http, f"{base}/admin/items?q=路灯坏了&date_from={quarter_from}"),
        timed_get(http, f"{base}/admin/items?q=灯&date_from={quarter_from}"),
        timed_get(http, f"{base}/admin/items?q=没有这句话&date_from={quarter_from}"),  # none
        timed_get(http, f"{base}/admin/items?q=B0000000123456"),  # a tracking number
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
        # the seeded stations (--quick seeds 300, not 3,000)
        stations = list(db.session.scalars(db.select(Station.id).order_by(Station.id)))
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


# Runs the export job as a worker process would, and reports that process's peak memory.
_EXPORT_JOB = """
import json, resource, sys, time
from server import create_app
app = create_app()
from server.models import RegisterExport
from server.platform.db import db
from server.tasks.exports import build_register
start = time.perf_counter()
outcome = build_register(int(sys.argv[1]))
seconds = time.perf_counter() - start
with app.app_context():
    export = db.session.get(RegisterExport, int(sys.argv[1]))
    rows, error = export.done_rows, export.error
print(json.dumps({"outcome": outcome, "rows": rows, "error": error,
                  "seconds": round(seconds, 1),
                  "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}))
"""


def export_timing(stack: Stack) -> dict:
    """A province's quarter as a background register export: asked for over HTTP (the answer
    is the progress page), then the job run in a process of its own, timed, with its peak RSS."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    from server.platform.clock import local_today

    http = admin_session(stack)
    today = local_today()
    quarter_from = (today - timedelta(days=91)).isoformat()
    url = (
        f"{stack.web_url}/admin/registers/suggestions.xlsx?date_from={quarter_from}&date_to={today}"
    )
    start = time.perf_counter()
    answer = http.get(url, allow_redirects=False, timeout=600)
    asked_ms = round((time.perf_counter() - start) * 1000, 1)
    export_id = int(answer.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    done = subprocess.run(
        [sys.executable, "-c", _EXPORT_JOB, str(export_id)],
        cwd=Path(__file__).resolve().parent.parent,
        env=stack.env,
        check=True,
        capture_output=True,
        text=True,
    )
    job = json.loads(done.stdout.strip().splitlines()[-1])
    state = http.get(f"{stack.web_url}/admin/registers/exports/{export_id}.json").json()
    start = time.perf_counter()
    file = http.get(f"{stack.web_url}{state['download_url']}", timeout=600)
    download_ms = round((time.perf_counter() - start) * 1000, 1)
    return {
        "asked_status": answer.status_code,
        "asked_ms": asked_ms,
        **job,
        "file_bytes": len(file.content),
        "download_ms": download_ms,
    }


_ANALYSIS_JOB = """
import json, resource, sys, time
from server import create_app
app = create_app()
from server.models import ClusterRun
from server.platform.db import db
from server.tasks import analyse_quarter
start = time.perf_counter()
analyse_quarter(int(sys.argv[1]))
seconds = time.perf_counter() - start
rss = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
with app.app_context():
    run = db.session.get(ClusterRun, int(sys.argv[1]))
    print(json.dumps({"status": run.status, "items": run.items, "clusters": run.clusters,
                      "job_seconds": run.seconds, "seconds": round(seconds, 1),
                      "error": run.error, "peak_rss_mb": rss}))
"""


def analysis_timing(stack: Stack) -> dict:
    """The quarterly analysis of a province's quarter: the page (summary rows only) over HTTP,
    then the topics-and-clusters job in a process of its own, timed, with its peak RSS."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    from server.insight.periods import Quarter
    from server.models import ClusterRun
    from server.platform.clock import local_today
    from server.platform.db import db

    http = admin_session(stack)
    base = stack.web_url
    # The seed spreads items over the year before today: the last full quarter is full.
    quarter = Quarter.of(local_today()).previous()
    pages = [
        timed_get(http, f"{base}/admin/analysis?quarter={quarter.key}"),
        timed_get(http, f"{base}/admin/analysis?quarter={quarter.key}&station=1500"),
        timed_get(http, f"{base}/admin/analysis.xlsx?quarter={quarter.key}", repeat=3),
        timed_get(http, f"{base}/admin/analysis/responsiveness?quarter={quarter.key}", repeat=3),
    ]
    with stack.app().app_context():
        run = ClusterRun(quarter=quarter.key, status="queued", topics={})
        db.session.add(run)
        db.session.commit()
        run_id = run.id
    done = subprocess.run(
        [sys.executable, "-c", _ANALYSIS_JOB, str(run_id)],
        cwd=Path(__file__).resolve().parent.parent,
        env=stack.env,
        check=True,
        capture_output=True,
        text=True,
    )
    job = json.loads(done.stdout.strip().splitlines()[-1])
    pages.append(timed_get(http, f"{base}/admin/analysis?quarter={quarter.key}"))
    return {"quarter": quarter.key, "pages": pages, "job": job}
