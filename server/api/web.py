"""The web form's JSON twin (no WeChat identity): submit, and the follow link's thread.

The same guards as the HTML form (server/public/webform.py) except the honeypot and the
question, which only a page can carry: per-address and per-phone limits, the local content
check. Photos go with the HTML form only (an upload needs an identity to belong to).
"""

from __future__ import annotations

from flask import current_app
from flask_limiter.errors import RateLimitExceeded
from marshmallow import Schema, fields, validate

from server.api.citizen_schemas import FollowupIn, LocationIn, RatingIn
from server.api.openapi import Blueprint, error_responses
from server.api.schemas import RequestSchema, text
from server.handling import answers, ratings
from server.intake import web
from server.intake.submission import validate as validate_body
from server.models.lifecycle import MoveRefused
from server.platform.db import db
from server.platform.errors import ApiError, not_found, validation_error
from server.platform.limits import count_web_submission, limiter

blp = Blueprint("web", __name__, description="网页留言（微信之外）：提交与专属链接")


class WebMessageIn(RequestSchema):
    scene = text(64, "二维码")
    category = fields.Raw(
        required=True,
        metadata={"description": "类别 id 或名称"},
        error_messages={"required": "请选择类别", "null": "请选择类别"},
    )
    content = fields.String(
        required=True, error_messages={"required": "请填写反映内容", "null": "请填写反映内容"}
    )
    location = fields.Nested(LocationIn, allow_none=True, load_default=None)
    contact_phone = fields.String(
        allow_none=True,
        load_default=None,
        validate=validate.Regexp(web.PHONE, error="请填写 11 位手机号，或不填"),
    )
    anonymous = fields.Boolean(load_default=False, error_messages={"invalid": "应为是或否"})
    no_publish = fields.Boolean(load_default=False, error_messages={"invalid": "应为是或否"})


class WebCreated(Schema):
    tracking_no = fields.String(required=True)
    follow_url = fields.String(required=True, metadata={"description": "专属链接，只返回这一次"})


class FollowPost(Schema):
    kind = fields.String(metadata={"description": "reply | followup"})
    who = fields.String()
    content = fields.String()
    at = fields.String(metadata={"description": "北京时间"})


class FollowOut(Schema):
    tracking_no = fields.String()
    status = fields.String()
    status_label = fields.String()
    content = fields.String()
    created_at = fields.String()
    thread = fields.List(fields.Nested(FollowPost))
    can_follow_up = fields.Boolean()
    can_rate = fields.Boolean()


def _message(token: str):
    message = web.message_for_token(token)
    if message is None:
        raise not_found()
    return message


@blp.post("/web/messages")
@blp.arguments(WebMessageIn)
@blp.response(201, WebCreated)
@blp.doc(responses=error_responses(400, 404, 413, 415, 422, 429))
def create(body: dict):
    """在微信之外提交反映（无微信身份；按地址和手机号限流）"""
    body = {**body, "location": body.get("location") or {}}
    validate_body(body)  # a form sent back for a typo is not counted
    try:
        count_web_submission(web.phone_key(body.get("contact_phone")))
    except RateLimitExceeded:
        raise ApiError(429, "too_many_requests", "提交太频繁，请稍后再试") from None
    try:
        created, token = web.submit(web.web_citizen(), body)
    except ApiError:
        db.session.rollback()
        raise
    return {"tracking_no": created.tracking_no, "follow_url": web.follow_url(token)}


@blp.get("/web/follow/<token>")
@blp.response(200, FollowOut)
@blp.doc(responses=error_responses(404))
def follow(token: str):
    """凭专属链接查看办理过程（链接错误一律 404）"""
    return web.follow_view(_message(token))


_WRITE = limiter.limit(lambda: current_app.config["RATE_LIMIT_WRITE_CITIZEN"], scope="web_write")


@blp.post("/web/follow/<token>/followups")
@_WRITE
@blp.arguments(FollowupIn)
@blp.response(201, FollowOut)
@blp.doc(responses=error_responses(400, 404, 409, 422, 429))
def followup(body: dict, token: str):
    """凭专属链接追问或补充"""
    message = _message(token)
    content = body["content"].strip()
    if not content:
        raise validation_error({"content": "请填写追问内容"})
    try:
        answers.follow_up(message, content, message.citizen_id)
    except MoveRefused as exc:
        db.session.rollback()
        raise ApiError(409, "cannot_follow_up", str(exc)) from None
    db.session.commit()
    return web.follow_view(message)


@blp.post("/web/follow/<token>/rating")
@_WRITE
@blp.arguments(RatingIn)
@blp.response(200, FollowOut)
@blp.doc(responses=error_responses(400, 404, 409, 422, 429))
def rating(body: dict, token: str):
    """凭专属链接评价答复"""
    message = _message(token)
    try:
        ratings.rate(message, message.citizen_id, body["score"], body.get("comment"))
    except ratings.NotRatable as exc:
        db.session.rollback()
        raise ApiError(409, "cannot_rate", str(exc)) from None
    db.session.commit()
    return web.follow_view(message)
