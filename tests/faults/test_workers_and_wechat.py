"""Issue 3, broken cases: Redis down, WeChat failing half the time, a worker killed mid-job."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest
from rq.registry import StartedJobRegistry

from server import tasks
from server.models import Assignment, Message, Notification
from server.platform.db import db
from server.platform.queue import get_queue
from tests.support.helpers import bind_deputy, citizen_with_consent, count, submit
from tests.support.processes import RowLock, worker_env

pytestmark = pytest.mark.slow


def test_redis_down_then_back_the_sweep_routes_once(live, world, private_redis):
    deputy_openid, _ = bind_deputy(live, world, "王建国")
    _, token = live.citizen()
    private_redis.stop()
    created = submit(live, token, world["scene"])  # 201 although Redis is down
    with live.app.app_context():
        assert db.session.get(Message, created["id"]).status == "received"
    private_redis.start()
    with live.app.app_context():
        assert tasks.sweep()["rerouted"] == 1
    live.work()
    with live.app.app_context():
        assert tasks.sweep()["rerouted"] == 0  # nothing left behind
        tasks.sweep()
    live.work()
    with live.app.app_context():
        assert db.session.get(Message, created["id"]).status == "routed"
        assert count(Assignment, Assignment.message_id == created["id"]) == 1
    assert len(live.sandbox.sent(deputy_openid)) == 1


def test_wechat_failing_half_the_time(live, world):
    deputy_openid, deputy_token = bind_deputy(live, world, "王建国")
    citizens = [citizen_with_consent(live) for _ in range(6)]
    reply = live.app.config["WECHAT_TEMPLATES"].reply
    created = [
        submit(live, token, world["scene"], content=f"第{i}件事", subscribed=[reply])
        for i, (_, token) in enumerate(citizens)
    ]
    live.sandbox.faults(error_rate=0.5, errcode=-1, paths=["/cgi-bin/message/subscribe/send"])
    live.work()
    for item in created:
        answer = live.api(
            "POST",
            f"/deputy/messages/{item['id']}/replies",
            deputy_token,
            json={"content": "收到，已处理"},
        )
        assert answer.status_code == 201
    live.work()
    live.sandbox.faults()  # WeChat recovers; nothing may be resent
    with live.app.app_context():
        assert tasks.sweep()["notices_requeued"] == 0
    live.work()

    with live.app.app_context():
        notices = db.session.scalars(db.select(Notification)).all()
        assert len(notices) == 12
        statuses = Counter(n.status for n in notices)
        assert set(statuses) <= {"sent", "failed"}, statuses
        for notice in notices:
            if notice.status == "failed":
                assert notice.errcode == -1 and notice.attempts == 4
            else:
                assert 1 <= notice.attempts <= 4 and notice.msgid
        sent_ids = sorted(n.msgid for n in notices if n.status == "sent")
    delivered = live.sandbox.sent()
    assert sorted(str(m["msgid"]) for m in delivered) == sent_ids  # each at most once
    per_message = Counter((m["openid"], m["data"]["character_string1"]["value"]) for m in delivered)
    assert max(per_message.values()) == 1


@pytest.mark.parametrize("worker_options", [[], ["--fork"]], ids=["in-process", "fork"])
def test_worker_killed_mid_job_is_still_routed_once(live, world, worker_options):
    deputy_openid, _ = bind_deputy(live, world, "王建国")
    _, token = live.citizen()
    created = submit(live, token, world["scene"])
    lock = RowLock(live.app, created["id"])
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "worker", *worker_options],
        env=worker_env(live.app),
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        with live.app.app_context():
            registry = StartedJobRegistry(queue=get_queue())
            deadline = time.monotonic() + 30
            while not registry.get_job_ids() and time.monotonic() < deadline:
                time.sleep(0.05)
            assert registry.get_job_ids(), "the worker never started the routing job"
        time.sleep(0.3)  # the job is inside its transaction, waiting on our lock
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        lock.release()
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
    with live.app.app_context():
        assert db.session.get(Message, created["id"]).status == "received"  # nothing half-done
        assert count(Assignment) == 0
        assert tasks.sweep()["rerouted"] == 1
    live.work()
    with live.app.app_context():
        tasks.sweep()
    live.work()
    with live.app.app_context():
        assert db.session.get(Message, created["id"]).status == "routed"
        assert count(Assignment, Assignment.message_id == created["id"]) == 1
        assert count(Notification) == 1
    assert len(live.sandbox.sent(deputy_openid)) == 1


def test_worker_killed_while_sending_a_notice_marks_it_failed_not_twice(live, world):
    deputy_openid, _ = bind_deputy(live, world, "王建国")
    _, token = live.citizen()
    created = submit(live, token, world["scene"])
    live.sandbox.faults(latency_ms=3000, paths=["/cgi-bin/message/subscribe/send"])
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "worker"],
        env=worker_env(live.app),
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        with live.app.app_context():
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                notice = db.session.scalar(db.select(Notification))
                if notice is not None and notice.status == "sending":
                    break
                db.session.rollback()
                time.sleep(0.05)
            assert notice is not None and notice.status == "sending"
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
    live.sandbox.faults()
    live.app.config["NOTICE_STUCK_SECONDS"] = 0
    with live.app.app_context():
        assert tasks.sweep()["notices_interrupted"] == 1
        notice = db.session.scalar(db.select(Notification))
        assert notice.status == "failed" and "中断" in notice.errmsg
        assert db.session.get(Message, created["id"]).status == "routed"
    live.work()
    time.sleep(3.2)  # let the sandbox finish the call the dead worker had started
    assert len(live.sandbox.sent(deputy_openid)) <= 1  # delivered at most once, never resent
