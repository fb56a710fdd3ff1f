"""The schema and the connection: the migrations build exactly what the models describe, and the
app's PostgreSQL connections run without JIT."""

from __future__ import annotations

import pytest

from server.platform.db import db


def test_migrations_match_the_models(app):
    """`flask db migrate` would find nothing to do: the schema in migrations/ is the models'."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with app.app_context():
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_postgresql_connections_run_without_jit(app):
    """PostgreSQL's JIT spent a second compiling the overview's month to save milliseconds
    (docs/benchmarks.md); the app's connections turn it off."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("PostgreSQL only")
        assert db.session.execute(db.text("SHOW jit")).scalar() == "off"
