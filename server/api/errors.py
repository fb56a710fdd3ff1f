"""The one error shape of the API: {"error": {"code", "message", "fields"?}}, in Chinese.

Everything under /api/ answers JSON, whatever went wrong: our own ApiError, an HTTP error raised
by Flask or flask-smorest (bad JSON, 404, 405, 413 ...), or a crash (500, logged, no trace shown).

Also the first line of defence against hostile bodies (`guard_api`): the API takes
JSON only, and small JSON; only the photo upload may carry megabytes.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, current_app, jsonify, render_template, request
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from server.models.lifecycle import MoveConflict, MoveRefused
from server.platform.db import db
from server.platform.errors import ApiError

log = logging.getLogger(__name__)


# Default texts per HTTP status, for errors that don't carry our own message.
STATUS_MESSAGES = {
    400: ("bad_request", "请求格式有误"),
    401: ("unauthorized", "请先登录"),
    403: ("forbidden", "没有权限进行此操作"),
    404: ("not_found", "找不到该内容"),
    405: ("method_not_allowed", "不支持该请求方式"),
    409: ("conflict", "操作冲突，请刷新后重试"),
    413: ("too_large", "上传的内容过大"),
    415: ("unsupported_media_type", "不支持的内容类型"),
    422: ("validation_error", "提交的内容有误，请检查后重试"),
    429: ("too_many_requests", "操作太频繁，请稍后再试"),
    500: ("internal_error", "服务器开小差了，请稍后再试"),
    501: ("not_implemented", "该功能尚未开放"),
    503: ("unavailable", "服务暂时不可用，请稍后再试"),
}

# marshmallow's English messages, as a person should read them.
FIELD_MESSAGES = {
    "Missing data for required field.": "必填",
    "Field may not be null.": "不能为空",
    "Not a valid string.": "应为文字",
    "Not a valid integer.": "应为整数",
    "Not a valid number.": "应为数字",
    "Not a valid boolean.": "应为是或否",
    "Not a valid list.": "应为列表",
    "Not a valid mapping type.": "格式有误",
    "Unknown field.": "不支持的字段",
    "Invalid input type.": "格式有误",
    "Invalid value.": "取值无效",
    "Special numeric values (nan or infinity) are not permitted.": "不能是 NaN 或无穷大",
}

# Routes whose body is a multipart photo: MAX_CONTENT_LENGTH (upload size + framing) applies.
# Every other body is JSON and held to MAX_JSON_BYTES.
# Multipart uploads with their own limits: a photo; a suggestion's answer document (PDF).
UPLOAD_ENDPOINTS = frozenset({"intake.upload", "unit_suggestions.upload_document"})


def translate_fields(messages) -> dict:
    """Flatten webargs/marshmallow messages ({"json": {"field": ["..."]}}) to {"field": "中文"}."""
    if isinstance(messages, dict) and set(messages) <= {
        "json",
        "query",
        "form",
        "files",
        "headers",
    }:
        merged: dict = {}
        for part in messages.values():
            if isinstance(part, dict):  # a bare list is about the whole body, not a field
                merged.update(translate_fields(part))
        return merged
    out: dict = {}
    if not isinstance(messages, dict):
        return out
    for name, value in messages.items():
        if isinstance(value, dict) and value and all(isinstance(key, int) for key in value):
            # Errors of list items: name the first bad one under the list's own field, so
            # 10,000 bad items make one line, not a 10,000-line answer.
            index = min(value)
            text = next(iter(translate_fields({"_": value[index]}).values()), "取值无效")
            out[str(name)] = f"第{index + 1}项{text}"
        elif isinstance(value, dict):
            nested = translate_fields(value)
            for sub, text in nested.items():
                out[f"{name}.{sub}"] = text
        elif isinstance(value, list) and value and isinstance(value[0], str):
            out[str(name)] = FIELD_MESSAGES.get(value[0], value[0])
        elif isinstance(value, str):
            out[str(name)] = FIELD_MESSAGES.get(value, value)
    return out


def error_response(status: int, code: str, message: str, fields=None, headers=None) -> Response:
    body: dict = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    response = jsonify({"error": body})
    response.status_code = status
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _has_body() -> bool:
    return (
        bool(request.content_length)
        or "chunked" in request.headers.get("Transfer-Encoding", "").lower()
    )


def guard_api(app: Flask) -> None:
    """Hold API and WeChat-push bodies to MAX_JSON_BYTES, and API bodies to JSON; mark API
    answers as never to be sniffed.

    MAX_CONTENT_LENGTH must allow a 10 MB photo, but a submission is a few KB: without this,
    any route would read and parse megabytes of JSON. Setting the limit on the request makes
    Werkzeug refuse a longer body as it streams in, chunked bodies included.
    """

    @app.before_request
    def limit_body():
        api = request.path.startswith("/api/")
        if not (api or request.path == "/wechat/callback"):
            return None  # the dashboard has its own forms and limits
        if request.endpoint in UPLOAD_ENDPOINTS or request.routing_exception is not None:
            return None  # the photo has its own limit; let the router's 404/405 speak
        limit = current_app.config["MAX_JSON_BYTES"]
        request.max_content_length = limit
        if request.content_length is not None and request.content_length > limit:
            raise ApiError(413, "too_large", f"提交的内容过大（不能超过 {limit // 1024} KB）")
        if api and request.method in ("POST", "PUT", "PATCH") and _has_body():
            if not request.is_json:
                raise ApiError(
                    415,
                    "unsupported_media_type",
                    "请以 JSON 格式提交（Content-Type: application/json）",
                )
        return None

    @app.after_request
    def never_sniffed(response: Response) -> Response:
        if not _wants_json():
            return response
        # JSON (or a photo) is all /api/ serves: a browser must never read it as a page.
        response.headers["X-Content-Type-Options"] = "nosniff"
        if request.method == "OPTIONS" and not response.get_data():
            # Flask's automatic OPTIONS answer is an empty text/html 200: say "no content".
            response.status_code = 204
            response.headers.pop("Content-Type", None)
        return response


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def handle_api_error(error: ApiError):
        return error_response(error.status, error.code, error.message, error.fields, error.headers)

    @app.errorhandler(HTTPException)
    def handle_http_exception(error: HTTPException):
        code, message = STATUS_MESSAGES.get(error.code or 500, ("error", error.description))
        if not _wants_json():
            return render_template("error.html", code=error.code, message=message), error.code
        fields = None
        # flask-smorest/webargs put the validation messages on the exception.
        messages = getattr(error, "data", {}).get("messages") if hasattr(error, "data") else None
        if messages:
            fields = translate_fields(messages) or None
        if error.code == 400 and fields is None:
            message = "请求格式有误，请提交 JSON"
        if error.code == 413 and request.endpoint not in UPLOAD_ENDPOINTS:
            message = "提交的内容过大"
        return error_response(error.code or 500, code, message, fields)

    @app.errorhandler(MoveRefused)
    @app.errorhandler(MoveConflict)
    def handle_refused_move(error: Exception):
        # Nothing of a refused step may be committed by a later request's commit.
        db.session.rollback()
        status = getattr(error, "status", None)
        code = {"closed": "message_closed", "rejected": "message_rejected"}.get(
            status, "not_allowed" if isinstance(error, MoveRefused) else "conflict"
        )
        if not _wants_json():
            return render_template("error.html", code=409, message=str(error)), 409
        return error_response(409, code, str(error))

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def handle_database_down(error: Exception):
        # The database is the source of truth: without it nothing can be accepted, so say so
        # plainly and let the phone retry (it keeps its Idempotency-Key).
        log.error("database unavailable on %s %s: %s", request.method, request.path, error)
        message = "系统正在维护或繁忙，您的内容尚未提交，请稍后再试"
        if not _wants_json():
            return render_template("error.html", code=503, message=message), 503
        return error_response(503, "database_unavailable", message, headers={"Retry-After": "10"})

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        code, message = STATUS_MESSAGES[500]
        if not _wants_json():
            return render_template("error.html", code=500, message=message), 500
        return error_response(500, code, message)
