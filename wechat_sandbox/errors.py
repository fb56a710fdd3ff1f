"""WeChat's error answers: HTTP 200 with `{"errcode", "errmsg"}`, errmsg ending in a request id."""

from __future__ import annotations

import secrets

from flask import Response, jsonify

# The English texts WeChat puts in errmsg, so logs and tests read like the real thing.
ERRMSG: dict[int, str] = {
    -1: "system error",
    40001: "invalid credential, access_token is invalid or not latest",
    40002: "invalid grant_type",
    40003: "invalid openid",
    40013: "invalid appid",
    40014: "invalid access_token",
    40029: "invalid code",
    40037: "invalid template_id",
    40097: "invalid args",
    40125: "invalid appsecret",
    40163: "code been used",
    41001: "access_token missing",
    41002: "appid missing",
    41004: "appsecret missing",
    41008: "missing code",
    41030: "invalid page",
    42001: "access_token expired",
    43004: "require subscribe",
    43101: "user refuse to accept the msg",
    45009: "reach max api daily quota limit",
    45011: "api minute-quota reach limit  mustslower  retry next minute",
    47001: "data format error",
    47003: "argument invalid!",
    61010: "user is not active",
}


def new_rid() -> str:
    """A request id shaped like WeChat's (`6743a1b2-1c2d3e4f-5a6b7c8d`)."""
    return "-".join(secrets.token_hex(4) for _ in range(3))


class WeChatError(Exception):
    """Raised anywhere inside a WeChat path; the app turns it into WeChat's error answer."""

    def __init__(self, errcode: int, errmsg: str | None = None) -> None:
        self.errcode = errcode
        self.errmsg = errmsg or ERRMSG.get(errcode, "sandbox error")
        super().__init__(f"{errcode} {self.errmsg}")

    def to_response(self) -> Response:
        # WeChat answers errors with HTTP 200; only the body tells.
        return jsonify({"errcode": self.errcode, "errmsg": f"{self.errmsg} rid: {new_rid()}"})


class ControlError(Exception):
    """A bad request to the sandbox's own control API (answered as 4xx with a Chinese message)."""

    def __init__(self, status: int, message: str) -> None:
        self.status = status
        self.message = message
        super().__init__(message)

    def to_response(self) -> tuple[Response, int]:
        return jsonify({"error": self.message}), self.status
