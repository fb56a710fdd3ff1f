"""Bearer tokens for the mini-program, and who the caller is.

A token is the citizen id signed with SECRET_KEY (itsdangerous) and time-limited. Whether the
caller may act as a deputy is read from the database on each request, so unbinding a deputy
takes effect at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps

from flask import current_app, g, request
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from server.errors import ApiError
from server.extensions import db
from server.models import Citizen, Deputy

TOKEN_SALT = "api-token-v1"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=TOKEN_SALT)


@dataclass(frozen=True)
class Caller:
    """Who is calling, straight from the signed token: no query on the hot path."""

    id: int
    openid: str


def issue_token(citizen: Citizen | Caller) -> str:
    return _serializer().dumps({"c": citizen.id, "o": citizen.openid})


def _unauthorized(code: str, message: str) -> ApiError:
    return ApiError(401, code, message, headers={"WWW-Authenticate": "Bearer"})


def _caller_from_request() -> Caller:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorized("unauthorized", "请先登录")
    try:
        payload = _serializer().loads(token.strip(), max_age=current_app.config["TOKEN_MAX_AGE"])
    except SignatureExpired:
        raise _unauthorized("token_expired", "登录已过期，请重新进入小程序") from None
    except BadSignature:
        raise _unauthorized("invalid_token", "登录信息无效，请重新进入小程序") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("c"), int):
        raise _unauthorized("invalid_token", "登录信息无效，请重新进入小程序")
    if isinstance(payload.get("o"), str):
        return Caller(payload["c"], payload["o"])
    citizen = db.session.get(Citizen, payload["c"])  # a token from before openids were in it
    if citizen is None:
        raise _unauthorized("invalid_token", "登录信息无效，请重新进入小程序")
    return Caller(citizen.id, citizen.openid)


def bound_deputy(citizen: Citizen | Caller) -> Deputy | None:
    return db.session.scalar(
        db.select(Deputy).where(Deputy.citizen_id == citizen.id, Deputy.active.is_(True))
    )


def require_citizen(view):
    """Any signed-in WeChat user; sets g.citizen."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        g.citizen = _caller_from_request()
        return view(*args, **kwargs)

    return wrapper


def require_deputy(view):
    """A WeChat user bound to an active deputy; sets g.citizen and g.deputy."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        g.citizen = _caller_from_request()
        g.deputy = bound_deputy(g.citizen)
        if g.deputy is None:
            raise ApiError(403, "not_a_deputy", "此功能仅限已绑定的代表使用")
        return view(*args, **kwargs)

    return wrapper
