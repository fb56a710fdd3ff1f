"""Real worker processes for fault tests, and a lock that makes a routing job wait."""

from __future__ import annotations

import os
import sqlite3

import psycopg

from server.platform.redis import redis_url


def worker_env(app) -> dict:
    """The environment a `flask worker` needs to join the test's database, Redis and queue."""
    config = app.config
    env = dict(os.environ)
    env.update(
        FLASK_APP="server",
        INSTANCE_PATH=config["INSTANCE_PATH"],
        DATABASE_URL=config["SQLALCHEMY_DATABASE_URI"],
        REDIS_URL=redis_url(app),
        RQ_QUEUE=config["RQ_QUEUE"],
        KEY_PREFIX=config["KEY_PREFIX"],
        SECRET_KEY=config["SECRET_KEY"],
        WECHAT_SANDBOX_URL=config["WECHAT_SANDBOX_URL"],
        LOG_LEVEL="WARNING",
    )
    return env


class RowLock:
    """Hold the message's row (PostgreSQL) or the whole file (SQLite) so a routing job blocks."""

    def __init__(self, app, message_id: int):
        uri = app.config["SQLALCHEMY_DATABASE_URI"]
        if uri.startswith("sqlite"):
            self.conn = sqlite3.connect(uri.split("///", 1)[1], isolation_level=None)
            self.conn.execute("BEGIN IMMEDIATE")
        else:
            self.conn = psycopg.connect(uri.replace("postgresql+psycopg://", "postgresql://"))
            self.conn.execute("SELECT id FROM messages WHERE id = %s FOR UPDATE", (message_id,))

    def release(self) -> None:
        self.conn.rollback()
        self.conn.close()
