"""The one error shape of the API: {"error": {"code", "message", "fields"?}}, in Chinese.

Everything under /api/ answers JSON, whatever went wrong: our own ApiError, an HTTP error raised
by Flask or flask-smorest (bad JSON, 404, 405, 413 ...), or a crash (500, logged, no trace shown).
"""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, render_template, request
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class ApiError(Exception):
    def __init__(
        self, status: int, code: str, message: str, fields: dict | None = None, headers=None
    ):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields
        self.headers = headers or {}


def not_found(message: str = "找不到该内容") -> ApiError:
    return ApiError(404, "not_found", message)


def validation_error(
    fields: dict[str, str], message: str = "提交的内容有误，请检查后重试"
) -> ApiError:
    return ApiError(422, "validation_error", message, fields)


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
}


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
        if isinstance(value, dict):
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
        return error_response(error.code or 500, code, message, fields)

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
