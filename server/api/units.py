"""The handling units' integration API: a unit's own system (12345, OA) reads the items handed
to it and signs, answers or returns them with its bearer key (docs/api.md). A unit sees only its
own transfers; another unit's id is 404."""

from __future__ import annotations

from flask import g
from marshmallow import Schema, fields, validate

from server.api import present
from server.api.auth import require_unit
from server.api.openapi import Blueprint, error_responses
from server.api.schemas import RequestSchema, text
from server.models import RESULTS, TRANSFER_STATUSES, Transfer
from server.platform.db import db
from server.platform.errors import validation_error
from server.platform.text import MAX_ID
from server.units import transfers

blp = Blueprint("units", __name__, description="承办单位：接收、签收、答复、退回交办事项")
BEARER = [{"bearer": []}]
TRANSFER_ID = f"<int(min=1, max={MAX_ID}):transfer_id>"
PAGE_MAX = 200


class TransfersQuery(RequestSchema):
    status = fields.String(
        load_default=None,
        validate=validate.OneOf(list(TRANSFER_STATUSES), error="未知的状态"),
    )


class AnswerIn(RequestSchema):
    content = text(2000, "答复内容")
    result = fields.String(
        required=True,
        validate=validate.OneOf(list(RESULTS), error="办理结果应为 solved、explained 或 partly"),
        error_messages={"required": "请选择办理结果"},
    )


class ReturnIn(RequestSchema):
    reason = text(500, "退回理由")


class TransfersOut(Schema):
    transfers = fields.List(fields.Dict())


class UnitTransferOut(Schema):
    transfer = fields.Dict()


@blp.get("/unit/transfers")
@require_unit
@blp.arguments(TransfersQuery, location="query")
@blp.response(200, TransfersOut)
@blp.doc(security=BEARER, responses=error_responses(401, 422))
def list_transfers(query: dict):
    """交给本单位的事项（最新的在前）"""
    base = db.select(Transfer).where(Transfer.unit_id == g.unit.id)
    if query["status"]:
        base = base.where(Transfer.status == query["status"])
    else:  # a withdrawn item is no longer the unit's work (asked for by name, it is listed)
        base = base.where(Transfer.status != "withdrawn")
    rows = db.session.scalars(base.order_by(Transfer.id.desc()).limit(PAGE_MAX))
    return {"transfers": [present.transfer_view(row) for row in rows]}


@blp.get(f"/unit/transfers/{TRANSFER_ID}")
@require_unit
@blp.response(200, UnitTransferOut)
@blp.doc(security=BEARER, responses=error_responses(401, 404))
def get_transfer(transfer_id: int):
    """一件交办事项"""
    return {"transfer": present.transfer_view(transfers.unit_transfer(g.unit.id, transfer_id))}


@blp.post(f"/unit/transfers/{TRANSFER_ID}/sign")
@require_unit
@blp.response(200, UnitTransferOut)
@blp.doc(security=BEARER, responses=error_responses(401, 404, 409))
def sign(transfer_id: int):
    """签收"""
    row = transfers.sign(transfers.unit_transfer(g.unit.id, transfer_id), by=g.unit.name)
    db.session.commit()
    return {"transfer": present.transfer_view(row)}


@blp.post(f"/unit/transfers/{TRANSFER_ID}/answer")
@require_unit
@blp.arguments(AnswerIn)
@blp.response(200, UnitTransferOut)
@blp.doc(security=BEARER, responses=error_responses(400, 401, 404, 409, 413, 415, 422))
def answer(body: dict, transfer_id: int):
    """答复：群众和代表会收到通知，群众可以评价"""
    content = body["content"].strip()
    if not content:
        raise validation_error({"content": "请填写答复内容"})
    row = transfers.unit_transfer(g.unit.id, transfer_id)
    transfers.answer(row, content, body["result"], by=g.unit.name)
    db.session.commit()
    return {"transfer": present.transfer_view(row)}


@blp.post(f"/unit/transfers/{TRANSFER_ID}/return")
@require_unit
@blp.arguments(ReturnIn)
@blp.response(200, UnitTransferOut)
@blp.doc(security=BEARER, responses=error_responses(400, 401, 404, 409, 413, 415, 422))
def return_(body: dict, transfer_id: int):
    """退回：说明理由，事项回到联络站重新分派"""
    reason = body["reason"].strip()
    if not reason:
        raise validation_error({"reason": "请填写退回理由"})
    row = transfers.unit_transfer(g.unit.id, transfer_id)
    transfers.return_(row, reason, by=g.unit.name)
    db.session.commit()
    return {"transfer": present.transfer_view(row)}
