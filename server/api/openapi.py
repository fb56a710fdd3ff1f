"""The OpenAPI document (from the same marshmallow schemas that validate requests) and a page
that renders it without any external script, so it works on an intranet.

The document is a contract that tests hold the server to (tests/hostile/test_schemathesis.py):
every status code a route can answer is listed with the body it really has. Errors are our own
shape ({"error": {"code", "message", "fields"}}, server/api/errors.py), declared per route with
`error_responses(...)`; there is no catch-all "default" response, so an undocumented status is a
test failure rather than something the document quietly allows.
"""

from __future__ import annotations

import json

import flask
import flask_smorest
from flask import Flask, current_app, render_template
from flask_smorest import Api
from webargs.flaskparser import FlaskParser

from server.api.schemas import ErrorSchema
from server.platform.text import MAX_ID

docs_bp = flask.Blueprint("api_docs", __name__)


class JsonParser(FlaskParser):
    """webargs' parser, with JSON nested too deep for Python's parser refused as bad JSON (400)
    instead of escaping as a RecursionError (500). 64 KB of "[" is enough to do it."""

    def _raw_load_json(self, req: flask.Request):
        try:
            loaded = super()._raw_load_json(req)
        except RecursionError:
            # A non-empty doc: webargs reads an empty one as "no body at all".
            raise json.JSONDecodeError("JSON nested too deeply", "<body>", 0) from None
        except json.JSONDecodeError:
            _refuse_cut_off_body(req)
            raise
        return loaded


def _refuse_cut_off_body(req: flask.Request) -> None:
    """A chunked body (no Content-Length) longer than request.max_content_length: Werkzeug's
    read stops at the limit without a word, and the cut-off JSON looks merely malformed. One
    more read past the limit makes Werkzeug say what happened: 413."""
    limit = req.max_content_length
    if req.content_length is None and limit is not None and len(req.get_data()) >= limit:
        req.stream.read(1)


class Blueprint(flask_smorest.Blueprint):
    """The API's blueprints: flask-smorest's, parsing with JsonParser."""

    ARGUMENTS_PARSER = JsonParser()


# A message id in a URL: the database's integer range, so /messages/10**30 is a 404 from the
# router instead of an integer the database driver cannot bind (a 500). Documented as such.
MESSAGE_ID = f"<int(min=1, max={MAX_ID}):message_id>"

# What each error status means on this API, for the people reading the document.
ERROR_DESCRIPTIONS = {
    400: "请求格式有误（不是合法的 JSON，或请求头不合规）",
    401: "未登录、登录已过期或令牌无效",
    403: "没有权限（例如不是已绑定的代表）",
    404: "找不到该内容，或不属于当前用户",
    409: "与当前状态冲突（例如已办结、已使用）",
    410: "已过期",
    413: "请求体过大",
    415: "不支持的内容类型（接口只收 JSON；上传只收 JPG、PNG、WebP 图片）",
    422: "字段校验失败，fields 中逐项说明",
    429: "操作太频繁，请稍后再试（见 Retry-After）",
    501: "功能尚未开放",
    503: "数据库或微信暂时不可用，请稍后重试",
}


def error_responses(*statuses: int) -> dict:
    """OpenAPI `responses` for the given error statuses, each with the error body, for
    `@blp.doc(responses=...)`. 503 is always included: every route reads the database, and
    answers 503 when it is down (server/api/errors.py)."""
    wanted = sorted({*statuses, 503})
    return {
        str(status): {
            "description": ERROR_DESCRIPTIONS[status],
            "content": {"application/json": {"schema": ErrorSchema}},
        }
        for status in wanted
    }


class LiaisonApi(Api):
    # Document errors with the shape server/api/errors.py really answers, not flask-smorest's.
    ERROR_SCHEMA = ErrorSchema
    # No "default" response: each route lists its statuses (see the module docstring).
    DEFAULT_ERROR_RESPONSE_NAME = None


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
    api = LiaisonApi(app)
    app.extensions["smorest_api"] = api
    app.register_blueprint(docs_bp)
    return api


@docs_bp.get("/api/v1/docs")
def docs_page():
    spec = current_app.extensions["smorest_api"].spec.to_dict()
    return render_template("api_docs.html", spec=spec)
