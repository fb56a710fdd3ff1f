"""Bearer tokens for the mini-program, and who the caller is.

A token is the citizen id signed with SECRET_KEY (itsdangerous) and time-limited. Whether the
caller may act as a deputy is read from the database on each request, so unbinding a deputy
takes effect at once.
"""

from __future__ import annotations

from functools import wraps

from flask import current_app, g, request
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from server.identity.login import Caller
from server.models import Citizen, Deputy
from server.platform.db import db
from server.platform.errors import ApiError
from server.units.keys import unit_for_key

TOKEN_SALT = "api-token-v1"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=TOKEN_SALT)


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
    if not isinstance(payload, dict) or type(payload.get("c")) is not int:
        raise _unauthorized("invalid_token", "登录信息无效，请重新进入小程序")
    openid = payload.get("o")
    if isinstance(openid, str) and (payload["c"], openid) in _known_callers():
        return Caller(payload["c"], openid)
    citizen = db.session.get(Citizen, payload["c"])
    found = (citizen.id, citizen.openid) if citizen is not None else None
    # End the read now: on SQLite every transaction holds the write lock (BEGIN IMMEDIATE), and
    # a submission calls WeChat's content check before it writes anything.
    db.session.rollback()
    # The id must still be this WeChat user's: after a database is restored from a backup (or
    # reset under the same SECRET_KEY) ids are handed out again, and a phone's old token would
    # otherwise read a stranger's messages. Tokens from before openids were in them have none.
    if found is None or (isinstance(openid, str) and found[1] != openid):
        raise _unauthorized("invalid_token", "登录信息无效，请重新进入小程序")
    _remember(*found)
    return Caller(*found)


# Confirmed (id, openid) pairs, per app and process: the hot path asks the database once per
# caller, not once per request. Only existing pairs are kept (a refusal is never cached), and
# the set is simply dropped when full.
KNOWN_CALLERS_MAX = 100_000


def _known_callers() -> set:
    return current_app.extensions.setdefault("known_callers", set())


def _remember(citizen_id: int, openid: str) -> None:
    known = _known_callers()
    if len(known) >= KNOWN_CALLERS_MAX:
        known.clear()
    known.add((citizen_id, openid))


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


def optional_citizen(view):
    """A public view that says more to a signed-in caller: g.citizen, or None without a valid
    citizen token (anyone may read it: an expired token or another system's key reads it as
    anybody does, never a 401)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        g.citizen = None
        if request.headers.get("Authorization", "").strip():
            try:
                g.citizen = _caller_from_request()
            except ApiError:
                g.citizen = None
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


def require_unit(view):
    """A handling unit's own system, by its bearer key (issued in the dashboard); sets g.unit.
    A missing, unknown or revoked key is 401; a mini-program token is not a unit key."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        scheme, _, key = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            raise _unauthorized("unauthorized", "请提供承办单位的接口密钥")
        g.unit = unit_for_key(key.strip())
        if g.unit is None:
            raise _unauthorized("invalid_key", "接口密钥无效或已停用，请联系联络站重新签发")
        return view(*args, **kwargs)

    return wrapper
