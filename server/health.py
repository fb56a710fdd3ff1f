"""Health checks for whoever starts or watches the app (./scripts/run, a load balancer)."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    """The process serves requests; `instance` tells which start of the app is answering."""
    response = jsonify({"status": "ok", "instance": current_app.config["INSTANCE_ID"]})
    response.headers["Cache-Control"] = "no-store"
    return response
