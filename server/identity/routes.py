"""Signing in with WeChat: wx.login() code -> our bearer token."""

from __future__ import annotations

from flask import current_app
from flask_smorest import Blueprint
from marshmallow import fields
from sqlalchemy.exc import IntegrityError

from server.auth import Caller, bound_deputy, issue_token
from server.errors import ApiError
from server.extensions import db
from server.limits import per_ip
from server.models import Citizen
from server.schemas import RequestSchema, text
from server.timeutil import utcnow
from server.wechat import api as wechat
from server.wechat.client import WeChatError

blp = Blueprint("identity", __name__, description="登录")

# code2session answers that mean "this code is no good": ask the phone for a new one.
BAD_CODE_ERRCODES = {40029, 40163, 40226}


class LoginIn(RequestSchema):
    code = text(128, "登录凭证")


class DeputyOut(RequestSchema):
    id = fields.Integer()
    name = fields.String()
    level = fields.String()
    title = fields.String()


class LoginOut(RequestSchema):
    token = fields.String(required=True)
    role = fields.String(required=True, metadata={"enum": ["citizen", "deputy"]})
    deputy = fields.Nested(DeputyOut, allow_none=True)
    subscribe_templates = fields.Dict(
        metadata={"description": "订阅消息模板：reply（群众）、new_item 和 reminder（代表）"}
    )


def login_answer(citizen: Citizen | Caller) -> dict:
    deputy = bound_deputy(citizen)
    templates = current_app.config["WECHAT_TEMPLATES"]
    return {
        "token": issue_token(citizen),
        "role": "deputy" if deputy else "citizen",
        "deputy": deputy.public() if deputy else None,
        "subscribe_templates": {
            "reply": templates.reply,
            "new_item": templates.new_item,
            "reminder": templates.reminder,
        },
    }


@blp.post("/auth/wechat")
@per_ip("RATE_LIMIT_LOGIN_IP")
@blp.arguments(LoginIn)
@blp.response(200, LoginOut)
@blp.alt_response(400, schema=None, description="登录凭证无效或已使用")
@blp.alt_response(503, schema=None, description="微信暂时无法访问")
def login(body: dict):
    """用 wx.login() 得到的 code 登录，换取接口令牌"""
    try:
        session = wechat.code_to_session(body["code"].strip())
    except WeChatError as exc:
        if exc.errcode in BAD_CODE_ERRCODES:
            raise ApiError(400, "invalid_code", "登录凭证无效或已使用，请重新进入小程序") from exc
        raise ApiError(503, "wechat_unavailable", "微信登录暂时不可用，请稍后再试") from exc
    citizen = citizen_for(session.openid, session.unionid)
    citizen.last_login_at = utcnow()
    db.session.commit()
    return login_answer(citizen)


def citizen_for(openid: str, unionid: str | None) -> Citizen:
    """The citizen row for an openid, created on first sign-in (two at once create one)."""
    query = db.select(Citizen).where(Citizen.openid == openid)
    citizen = db.session.scalar(query)
    if citizen is not None:
        return citizen
    try:
        with db.session.begin_nested():
            citizen = Citizen(openid=openid, unionid=unionid)
            db.session.add(citizen)
    except IntegrityError:
        citizen = db.session.scalar(query)
    return citizen
