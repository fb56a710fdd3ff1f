"""接待预告 for the mini-program: a station's coming reception days, and 「提醒我」."""

from __future__ import annotations

from flask import current_app, g
from marshmallow import Schema, fields

from server.api.auth import optional_citizen, require_citizen
from server.api.citizen_schemas import TemplateIds
from server.api.openapi import Blueprint, error_responses
from server.api.schemas import RequestSchema
from server.models import Reception, Station
from server.notices import consent
from server.platform.db import db
from server.platform.errors import ApiError, not_found, validation_error
from server.platform.limits import per_citizen
from server.platform.text import MAX_ID
from server.routing import receptions

blp = Blueprint("receptions", __name__, description="群众：接待预告与接待提醒")

BEARER = [{"bearer": []}]
# Bounded in the view, not by the converter: a 30-digit id is a 404 (not an overflow in the
# database), and for DELETE too (a converter's refusal there made Werkzeug answer 405).
RECEPTION_ID = "<int:reception_id>"


class ReceptionOut(Schema):
    id = fields.Integer()
    day = fields.String(metadata={"description": "北京时间的日期"})
    starts = fields.String()
    ends = fields.String()
    when = fields.String()
    topic = fields.String()
    place = fields.String()
    deputies = fields.List(fields.String())
    status = fields.String(metadata={"enum": ["published", "cancelled"]})
    cancel_reason = fields.String()
    subscribed = fields.Boolean()


class ReceptionsOut(Schema):
    station = fields.Dict()
    receptions = fields.List(fields.Nested(ReceptionOut))
    template = fields.String(metadata={"description": "「接待提醒」订阅消息模板"})


class ReminderIn(RequestSchema):
    accepted = TemplateIds(load_default=list)


class ReminderOut(Schema):
    reception = fields.Nested(ReceptionOut)
    channel = fields.String(
        allow_none=True,
        metadata={"description": "mp：订阅消息；oa：公众号；null：无法通知（未允许也未关注）"},
    )
    notice = fields.String()


def _station(code: str) -> Station:
    station = db.session.scalar(
        db.select(Station).where(Station.code == code, Station.active.is_(True))
    )
    if station is None:
        raise not_found("联络站不存在或已停用")
    return station


def _reception(reception_id: int) -> Reception:
    row = db.session.get(Reception, reception_id) if 0 < reception_id <= MAX_ID else None
    if row is None:
        raise not_found("找不到该接待日")
    return row


@blp.get("/stations/<code>/receptions")
@optional_citizen
@blp.response(200, ReceptionsOut)
@blp.doc(responses=error_responses(404))
def station_receptions(code: str):
    """联络站今后的接待日（已发布的接待预告）"""
    station = _station(code)
    rows = receptions.upcoming(station.id)
    mine = receptions.subscribed_ids(g.citizen.id, [r.id for r in rows]) if g.citizen else None
    return {
        "station": {"name": station.name, "address": station.address, "scene": station.scene},
        "receptions": [receptions.public(r, None if mine is None else r.id in mine) for r in rows],
        "template": current_app.config["WECHAT_TEMPLATES"].reception,
    }


CHANNEL_TEXT = {
    "mp": "已订阅，接待前一天会通过微信提醒您",
    "oa": "已订阅，接待前一天会通过公众号提醒您",
    None: "已记录，但您未允许接收通知：请点“允许”或关注公众号，才能收到提醒",
}


@blp.post(f"/receptions/{RECEPTION_ID}/reminder")
@require_citizen
@per_citizen("RATE_LIMIT_WRITE_CITIZEN")
@blp.arguments(ReminderIn)
@blp.response(200, ReminderOut)
@blp.doc(security=BEARER, responses=error_responses(400, 401, 404, 409, 413, 415, 422, 429))
def remind_me(body: dict, reception_id: int):
    """提醒我：接待前一天提醒（一次性订阅「接待提醒」或公众号）"""
    row = _reception(reception_id)
    unknown = [t for t in body["accepted"] if t not in consent.known_templates()]
    if unknown:
        raise validation_error({"accepted": "包含未知的订阅模板"})
    try:
        channel = receptions.subscribe(row, g.citizen.id, body["accepted"])
    except receptions.ReceptionError as exc:
        db.session.rollback()
        raise ApiError(exc.status, "reception_closed", str(exc)) from None
    db.session.commit()
    return {
        "reception": receptions.public(row, True),
        "channel": channel,
        "notice": CHANNEL_TEXT[channel],
    }


@blp.delete(f"/receptions/{RECEPTION_ID}/reminder")
@require_citizen
@per_citizen("RATE_LIMIT_WRITE_CITIZEN")
@blp.response(204)
@blp.doc(security=BEARER, responses=error_responses(401, 404, 429))
def forget_me(reception_id: int):
    """不再提醒"""
    receptions.unsubscribe(_reception(reception_id), g.citizen.id)
    db.session.commit()
    return ""
