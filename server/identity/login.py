"""Who is calling: a wx.login() code becomes the citizen row of that WeChat identity."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from server.models import Citizen
from server.platform.clock import utcnow
from server.platform.db import db
from server.platform.errors import ApiError
from server.wechat import api as wechat
from server.wechat.client import WeChatError

# code2session answers that mean "this code is no good": ask the phone for a new one.
# 41008 is "missing code": WeChat's answer to an empty js_code.
BAD_CODE_ERRCODES = {40029, 40163, 40226, 41008}


@dataclass(frozen=True)
class Caller:
    """Who is calling: a signed-in WeChat identity (the API checks its token against the
    database once per process, so the hot path makes no query for it)."""

    id: int
    openid: str


def sign_in(code: str) -> Citizen:
    """code2session, then the citizen for that openid (created on first sign-in). Caller commits."""
    try:
        session = wechat.code_to_session(code)
    except WeChatError as exc:
        if exc.errcode in BAD_CODE_ERRCODES:
            raise ApiError(400, "invalid_code", "登录凭证无效或已使用，请重新进入小程序") from exc
        raise ApiError(503, "wechat_unavailable", "微信登录暂时不可用，请稍后再试") from exc
    citizen = citizen_for(session.openid, session.unionid)
    citizen.last_login_at = utcnow()
    return citizen


def citizen_for(openid: str, unionid: str | None) -> Citizen:
    """The citizen row for an openid, created on first sign-in (two at once create one)."""
    query = db.select(Citizen).where(Citizen.openid == openid)
    citizen = db.session.scalar(query)
    if citizen is not None:
        if unionid and citizen.unionid != unionid:
            # Bound to the open platform since (or first told now): the official account's
            # followers are found by it.
            citizen.unionid = unionid
        return citizen
    try:
        with db.session.begin_nested():
            citizen = Citizen(openid=openid, unionid=unionid)
            db.session.add(citizen)
    except IntegrityError:
        citizen = db.session.scalar(query)
    return citizen
