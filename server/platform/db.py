"""The database: SQLAlchemy and Alembic objects (created unbound, attached in create_app()), and
the engine set-up per backend."""

from __future__ import annotations

import os
import weakref

from flask import Flask
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData, event
from sqlalchemy.orm import DeclarativeBase

# Named constraints, so migrations can alter them on SQLite and PostgreSQL alike.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


# Objects stay readable after commit without another round trip (requests and jobs each get a
# fresh session), and no transaction is reopened just to read what we already hold - which
# matters when the next step is a slow WeChat call.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
migrate = Migrate()


def _tune_sqlite(engine) -> None:
    """WAL, a busy timeout and BEGIN IMMEDIATE: the web app and the workers write to one file.

    Without BEGIN IMMEDIATE a transaction that reads then writes can fail with "database is
    locked" at once instead of waiting its turn.
    """

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE")


# A forked RQ job must not share the parent's pooled connections: each child drops them (without
# closing the parent's sockets) and opens its own.
_ENGINES: weakref.WeakSet = weakref.WeakSet()
os.register_at_fork(after_in_child=lambda: [e.dispose(close=False) for e in list(_ENGINES)])


def init_database(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            os.makedirs(app.instance_path, exist_ok=True)
            _tune_sqlite(engine)
        _ENGINES.add(engine)


def execute(statement, params: dict | None = None):
    """Run a Core statement on the session's connection, in the session's transaction.

    The per-message path (routing, the outbox, delivery, events) runs this at the rate citizens
    write. A statement built once at import time with bound parameters and run here skips the
    ORM's execution path and the rebuilding of the statement, which were most of the routing
    job's CPU (a profile in docs/benchmarks.md); the ORM stays for everything else.
    """
    return db.session.connection().execute(statement, params or {})


def dialect_insert(model):
    """INSERT with ON CONFLICT support for the backend in use (PostgreSQL or SQLite)."""
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = db.session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)
