"""Signing in with WeChat: wx.login() code -> our bearer token."""

from __future__ import annotations

from flask import current_app
from marshmallow import fields

from server.api.auth import bound_deputy, issue_token
from server.api.openapi import Blueprint, error_responses
from server.api.schemas import RequestSchema, text
from server.identity.login import Caller, sign_in
from server.models import Citizen
from server.platform.db import db
from server.platform.errors import validation_error
from server.platform.limits import per_ip

blp = Blueprint("identity", __name__, description="登录")


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
        metadata={
            "description": "订阅消息模板：reply、progress、solved（群众，每次点击一并请求）、"
            "new_item 和 reminder（代表）"
        }
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
            "progress": templates.progress,
            "solved": templates.solved,
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
    citizen = sign_in(code)
    db.session.commit()
    return login_answer(citizen)
