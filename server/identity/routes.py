"""Signing in with WeChat: wx.login() code -> our bearer token."""

from __future__ import annotations

from flask import current_app
from marshmallow import fields
from sqlalchemy.exc import IntegrityError

from server.api.auth import Caller, bound_deputy, issue_token
from server.api.openapi import Blueprint, error_responses
from server.api.schemas import RequestSchema, text
from server.models import Citizen
from server.platform.clock import utcnow
from server.platform.db import db
from server.platform.errors import ApiError, validation_error
from server.platform.limits import per_ip
from server.wechat import api as wechat
from server.wechat.client import WeChatError

blp = Blueprint("identity", __name__, description="登录")

# code2session answers that mean "this code is no good": ask the phone for a new one.
# 41008 is "missing code": WeChat's answer to an empty js_code.
BAD_CODE_ERRCODES = {40029, 40163, 40226, 41008}


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
@blp.doc(responses=error_responses(400, 413, 415, 422, 429))
def login(body: dict):
    """用 wx.login() 得到的 code 登录，换取接口令牌"""
    code = body["code"].strip()
    if not code:
        # Not worth a call to WeChat, and not WeChat being down either.
        raise validation_error({"code": "请填写登录凭证"})
    try:
        session = wechat.code_to_session(code)
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
