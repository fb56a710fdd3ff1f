"""The floor for benchmarks (./scripts/bench): the least an intake endpoint can do in this stack.

Flask + marshmallow validation of a small JSON body + one INSERT ... RETURNING with SQLAlchemy
Core. The benchmark stack serves `bench.floor:create_bench_app()`: the product's app with this
endpoint added. The product itself never carries it.
"""

from __future__ import annotations

from flask import Blueprint, Flask, jsonify, request
from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, Text, func, insert

from server.platform.db import db

bp = Blueprint("bench_floor", __name__)
metadata = MetaData()
floor_rows = Table(
    "bench_floor",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("category", String(32), nullable=False),
    Column("content", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), server_default=func.now()),
)


class FloorIn(Schema):
    category = fields.String(required=True, validate=validate.Length(max=32))
    content = fields.String(required=True, validate=validate.Length(min=1, max=2000))


_schema = FloorIn()


@bp.post("/bench/floor")
def floor():
    try:
        body = _schema.load(request.get_json(force=True))
    except ValidationError as exc:
        return jsonify({"error": exc.messages}), 422
    with db.engine.begin() as connection:
        row_id = connection.execute(insert(floor_rows).returning(floor_rows.c.id), body).scalar()
    return jsonify({"id": row_id}), 201


def init_floor(app: Flask) -> None:
    with app.app_context():
        metadata.create_all(db.engine)
    app.register_blueprint(bp)


def create_bench_app() -> Flask:
    """What gunicorn serves during a benchmark: the product's app, plus the floor."""
    from server import create_app

    app = create_app()
    init_floor(app)
    return app
