"""Issue 12, item 4: nobody noticed when messages stopped being routed (a dead worker, a stopped
scheduler, Redis away). `GET /readyz` answers 503 and the queue page raises an alarm once the
oldest accepted message has waited more than a few sweep intervals. The clock is moved by
dating the message back, as the sweep's own tests do."""

from __future__ import annotations

import time
from datetime import timedelta

from server.api.health import alarm_after_seconds
from server.models import Message
from server.platform.clock import utcnow
from server.platform.db import db
from tests.factories import make_staff
from tests.support.helpers import Staff, submit


def readyz(live):
    return live.http.get(f"{live.url}/readyz", timeout=30)


def backdate(live, message_id: int, seconds: float) -> None:
    with live.app.app_context():
        db.session.get(Message, message_id).created_at = utcnow() - timedelta(seconds=seconds)
        db.session.commit()
        db.session.remove()


def test_readyz_when_all_is_well(live, world):
    answer = readyz(live)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["healthy"] is True and body["problems"] == []
    assert body["database"] == "ok" and body["redis"] == "ok"
    assert body["queue_depth"] == 0 and body["unrouted"] == 0
    assert body["oldest_unrouted_seconds"] is None
    assert answer.headers["Cache-Control"] == "no-store"


def test_an_old_unrouted_message_raises_the_alarm(live, world):
    _, token = live.citizen()
    created = submit(live, token, world["scene"])  # queued, no worker running
    with live.app.app_context():
        limit = alarm_after_seconds()
    assert limit == 3 * live.app.config["SWEEP_INTERVAL"] + live.app.config["SWEEP_GRACE_SECONDS"]
    body = readyz(live).json()
    assert body["healthy"] is True and body["unrouted"] == 1 and body["queue_depth"] == 1

    backdate(live, created["id"], limit + 60)
    answer = readyz(live)
    assert answer.status_code == 503
    body = answer.json()
    assert body["healthy"] is False and body["oldest_unrouted_seconds"] >= limit + 60
    assert any("尚未交办代表" in p for p in body["problems"]), body

    with live.app.app_context():
        make_staff("admin", "admin")
        db.session.commit()
    page = Staff(live.app, "admin").get("/admin/queue").get_data(as_text=True)
    assert 'id="unrouted-alarm"' in page and "最早一条已等待" in page
    assert "flask worker" in page

    live.work()  # a worker comes back: routed, and the alarm goes
    assert readyz(live).status_code == 200
    page = Staff(live.app, "admin").get("/admin/queue").get_data(as_text=True)
    assert 'id="unrouted-alarm"' not in page


def test_readyz_says_when_redis_is_away(live, world, private_redis):
    private_redis.stop()
    answer = readyz(live)
    assert answer.status_code == 503
    body = answer.json()
    assert body["redis"] == "unavailable" and body["database"] == "ok"
    assert body["queue_depth"] is None and body["healthy"] is False
    assert any("Redis" in p for p in body["problems"])


def test_readyz_turns_unhealthy_when_redis_stops_and_healthy_again(live, world, private_redis):
    assert readyz(live).status_code == 200
    private_redis.stop()
    answer = readyz(live)
    assert answer.status_code == 503 and answer.json()["redis"] == "unavailable"
    private_redis.start()
    answer = readyz(live)
    assert answer.status_code == 200, answer.text
    assert answer.json()["redis"] == "ok" and answer.json()["healthy"] is True


def test_readyz_reports_the_last_sweep_and_alarms_when_it_stops(live, world):
    from server.platform.redis import get_redis
    from server.tasks.sweeper import last_run_key, run_sweep

    assert readyz(live).json()["last_sweep_seconds"] is None  # never swept: nothing to say yet
    with live.app.app_context():
        run_sweep()
        limit = alarm_after_seconds()
    body = readyz(live).json()
    assert 0 <= body["last_sweep_seconds"] < 30 and body["healthy"] is True
    with live.app.app_context():
        get_redis().set(last_run_key(), f"{time.time() - limit - 120:.3f}")
    answer = readyz(live)
    assert answer.status_code == 503
    assert any("sweep" in p and "flask scheduler" in p for p in answer.json()["problems"])
    with live.app.app_context():
        run_sweep()
    assert readyz(live).status_code == 200
