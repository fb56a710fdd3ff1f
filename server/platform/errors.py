"""A refusal in Chinese, with the HTTP status that fits: what any layer raises when it must say
no to a person. The API answers it as {"error": {"code", "message", "fields"}}
(server/api/errors.py)."""

from __future__ import annotations


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
