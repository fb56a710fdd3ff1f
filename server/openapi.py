"""The OpenAPI document (from the same marshmallow schemas that validate requests) and a page
that renders it without any external script, so it works on an intranet."""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, render_template
from flask_smorest import Api

docs_bp = Blueprint("api_docs", __name__)


def init_api(app: Flask) -> Api:
    app.config.setdefault("API_TITLE", "码上联络站 API")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/api/v1")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault(
        "API_SPEC_OPTIONS",
        {
            "info": {
                "description": "小程序与后台之间的接口。错误统一为 "
                '{"error": {"code", "message", "fields"}}，message 为中文。'
            },
            "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        },
    )
    api = Api(app)
    app.extensions["smorest_api"] = api
    app.register_blueprint(docs_bp)
    return api


@docs_bp.get("/api/v1/docs")
def docs_page():
    spec = current_app.extensions["smorest_api"].spec.to_dict()
    return render_template("api_docs.html", spec=spec)
