"""Issue 12, item 4: a Redis blip killed the worker. If Redis dropped while a job ran, RQ's work
loop ended (or raised out of `flask worker`) and the process exited: messages stayed 已受理 until
a person restarted it. A real `flask worker` process here, and a redis-server of the test's own
stopped under it mid-job and started again: the same process carries on and routes what came in
meanwhile, with nobody restarting anything."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rq.registry import StartedJobRegistry

from server import tasks
from server.models import Assignment, Message
from server.platform.db import db
from server.platform.queue import get_queue
from tests.support.helpers import bind_deputy, count, submit
from tests.support.processes import RowLock, worker_env

pytestmark = pytest.mark.slow


def wait_for(what: str, condition, seconds: float = 60) -> None:
    """Poll a condition another process makes true (not a clock: no assertion about speed)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def gave_up_or_waits(worker: subprocess.Popen, log: Path) -> bool:
    return worker.poll() is not None or b"starting again" in log.read_bytes()


def status(app, message_id: int) -> str:
    with app.app_context():
        value = db.session.get(Message, message_id).status
        db.session.remove()
    return value


def test_the_worker_survives_redis_going_away_mid_job(live, world, private_redis, tmp_path):
    bind_deputy(live, world, "王建国")
    _, token = live.citizen()
    first = submit(live, token, world["scene"], content="停电前提交的事")
    log = Path(tmp_path) / "worker.log"
    lock = RowLock(live.app, first["id"])  # the routing job will wait on it, mid-job
    with open(log, "wb") as out:
        worker = subprocess.Popen(
            [sys.executable, "-m", "flask", "worker"],
            env=worker_env(live.app),
            start_new_session=True,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        with live.app.app_context():
            registry = StartedJobRegistry(queue=get_queue())
            wait_for("the routing job to start", lambda: bool(registry.get_job_ids()), 30)
        private_redis.stop()  # Redis goes while the job is inside its transaction
        lock.release()
        wait_for("the job to route the message", lambda: status(live.app, first["id"]) == "routed")
        # The job finished its database work; telling Redis so failed: the loop ended there.
        wait_for("the worker to exit or wait for Redis", lambda: gave_up_or_waits(worker, log))
        assert worker.poll() is None, log.read_text()  # it used to exit here

        second = submit(live, token, world["scene"], content="Redis 停了时提交的事")  # 201
        assert status(live.app, second["id"]) == "received"
        private_redis.start()
        with live.app.app_context():
            assert tasks.sweep()["rerouted"] == 1  # what the scheduler's next sweep does
        wait_for("the same worker to route it", lambda: status(live.app, second["id"]) == "routed")
        assert worker.poll() is None, log.read_text()
        with live.app.app_context():
            assert count(Assignment, Assignment.message_id == first["id"]) == 1
            assert count(Assignment, Assignment.message_id == second["id"]) == 1
            db.session.remove()
    finally:
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait()
    assert worker.returncode == 0, log.read_text()  # SIGTERM still stops it cleanly


def test_sigterm_stops_a_worker_waiting_for_redis(live, private_redis, tmp_path):
    log = Path(tmp_path) / "worker.log"
    private_redis.stop()
    with open(log, "wb") as out:
        worker = subprocess.Popen(
            [sys.executable, "-m", "flask", "worker"],
            env=worker_env(live.app),
            start_new_session=True,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for("the worker to exit or wait for Redis", lambda: gave_up_or_waits(worker, log))
        assert worker.poll() is None, log.read_text()  # it used to exit at once
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=30) == 0, log.read_text()
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
