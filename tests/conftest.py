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
from pathlib import Path

import psycopg
import pytest
import redis
from flask_migrate import upgrade
from werkzeug.serving import WSGIRequestHandler, make_server

from server import create_app
from server.platform.db import db
from server.platform.redis import stop_embedded_redis
from tests.support.stack import BACKEND, Live, PrivateRedis, fresh_app
from wechat_sandbox.testing import start_sandbox

RUN_ID = uuid.uuid4().hex[:8]

pytest_plugins = ["tests.support.worlds"]

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
            # Most tests sign administrators in with a password alone; the second factor that
            # production requires of them is tested in tests/security/test_staff_accounts.py.
            "TOTP_REQUIRED_ROLES": [],
        }
    )
    overrides.pop("DATABASE_URL_RAW", None)
    application = create_app(overrides)
    with application.app_context():
        upgrade()
    application.config["_DEFAULTS"] = dict(application.config)
    yield application
    cleanup(application)


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


@pytest.fixture
def private_redis(clean_app, tmp_path):
    """Point the app at a redis-server the test may stop and start."""
    server = PrivateRedis(tmp_path)
    server.start()
    clean_app.config["REDIS_URL"] = server.url
    clean_app.extensions.pop("redis", None)
    yield server
    server.stop()
