"""代表建议, the unit's side, with the unit key (as server/api/units.py): the suggestions handed to
it (主办 or 协办), signing, 面商, the interim answer, a 协办 opinion, the answer document (PDF),
the final (or second) answer with its grade, and the 回头看 report. Another unit's is 404; the
evaluation stays hidden until its period closes (背靠背)."""

from __future__ import annotations

from flask import g, request
from marshmallow import Schema, fields, validate

from server.api.auth import require_unit
from server.api.openapi import Blueprint, error_responses
from server.api.schemas import RequestSchema, text
from server.api.suggestions import SUGGESTION_ID, suggestion_view
from server.models import GRADES, SUGGESTION_STATUSES, Suggestion, SuggestionUnit
from server.models.suggestion import MEETING_FORMS
from server.platform.db import db
from server.suggestions import documents, service

blp = Blueprint("unit_suggestions", __name__, description="承办单位：办理代表建议")
BEARER = [{"bearer": []}]
PAGE_MAX = 200


class UnitSuggestionsQuery(RequestSchema):
    status = fields.String(
        load_default=None,
        validate=validate.OneOf(list(SUGGESTION_STATUSES), error="未知的状态"),
    )


class SuggestionMeetingIn(RequestSchema):
    date = fields.Date(
        required=True,
        error_messages={"required": "请填写面商日期", "invalid": "日期格式应为 YYYY-MM-DD"},
    )
    form = fields.String(
        required=True,
        validate=validate.OneOf(
            list(MEETING_FORMS), error="面商形式应为 visit、meeting、phone 或 online"
        ),
        error_messages={"required": "请选择面商形式"},
    )
    summary = text(1000, "面商情况")


class SuggestionAnswerIn(RequestSchema):
    content = text(10000, "答复内容")
    grade = fields.String(
        required=True,
        validate=validate.OneOf(list(GRADES), error="答复类别应为 A、B 或 C"),
        error_messages={"required": "请选择答复类别"},
    )
    document_id = fields.String(load_default=None, validate=validate.Length(max=32))
    promised_date = fields.Date(
        load_default=None, error_messages={"invalid": "日期格式应为 YYYY-MM-DD"}
    )


class SuggestionTextIn(RequestSchema):
    content = text(5000, "内容")


class SuggestionOpinionIn(RequestSchema):
    opinion = text(5000, "协办意见")


class UnitSuggestionOut(Schema):
    suggestion = fields.Dict()


class UnitSuggestionsOut(Schema):
    suggestions = fields.List(fields.Dict())


class SuggestionDocumentOut(Schema):
    document_id = fields.String()
    pages = fields.Integer()
    size = fields.Integer()


def _view(row: Suggestion, mine: SuggestionUnit) -> dict:
    return {"suggestion": {**suggestion_view(row, "unit"), "my_role": mine.role}}


@blp.get("/unit/suggestions")
@require_unit
@blp.arguments(UnitSuggestionsQuery, location="query")
@blp.response(200, UnitSuggestionsOut)
@blp.doc(security=BEARER, responses=error_responses(401, 422))
def list_suggestions(query: dict):
    """交给本单位主办或协办的建议（最新的在前）"""
    base = (
        db.select(Suggestion, SuggestionUnit)
        .join(SuggestionUnit, SuggestionUnit.suggestion_id == Suggestion.id)
        .where(SuggestionUnit.unit_id == g.unit.id)
    )
    if query["status"]:
        base = base.where(Suggestion.status == query["status"])
    rows = db.session.execute(base.order_by(Suggestion.id.desc()).limit(PAGE_MAX)).all()
    return {"suggestions": [_view(row, mine)["suggestion"] for row, mine in rows]}


@blp.get(f"/unit/suggestions/{SUGGESTION_ID}")
@require_unit
@blp.response(200, UnitSuggestionOut)
@blp.doc(security=BEARER, responses=error_responses(401, 404))
def get_one(suggestion_id: int):
    """一条交办的建议"""
    return _view(*service.for_unit(g.unit.id, suggestion_id))


@blp.post(f"/unit/suggestions/{SUGGESTION_ID}/sign")
@require_unit
@blp.response(200, UnitSuggestionOut)
@blp.doc(security=BEARER, responses=error_responses(401, 403, 404, 409))
def sign(suggestion_id: int):
    """签收（主办单位）"""
    row, mine = service.for_unit(g.unit.id, suggestion_id)
    service.sign(row, mine)
    db.session.commit()
    return _view(row, mine)


@blp.post(f"/unit/suggestions/{SUGGESTION_ID}/meetings")
@require_unit
@blp.arguments(SuggestionMeetingIn)
@blp.response(201, UnitSuggestionOut)
@blp.doc(security=BEARER, responses=error_responses(400, 401, 403, 404, 409, 422))
def meeting(body: dict, suggestion_id: int):
    """面商记录：与领衔代表见面或通话（日期、形式、情况）"""
    row, mine = service.for_unit(g.unit.id, suggestion_id)
    service.add_meeting(row, mine, body["date"], body["form"], body["summary"])
    db.session.commit()
    return _view(row, mine)


@blp.post(f"/unit/suggestions/{SUGGESTION_ID}/interim")
@require_unit
@blp.arguments(SuggestionTextIn)
@blp.response(200, UnitSuggestionOut)
@blp.doc(security=BEARER, responses=error_responses(400, 401, 403, 404, 409, 422))
def interim(body: dict, suggestion_id: int):
    """阶段性答复（办理周期较长时）"""
    row, mine = service.for_unit(g.unit.id, suggestion_id)
    service.interim(row, mine, body["content"])
    db.session.commit()
    return _view(row, mine)


@blp.post(f"/unit/suggestions/{SUGGESTION_ID}/opinion")
@require_unit
@blp.arguments(SuggestionOpinionIn)
@blp.response(200, UnitSuggestionOut)
@blp.doc(security=BEARER, responses=error_responses(400, 401, 403, 404, 409, 422))
def opinion(body: dict, suggestion_id: int):
    """协办意见：送主办单位"""
    row, mine = service.for_unit(g.unit.id, suggestion_id)
    service.co_opinion(row, mine, body["opinion"])
    db.session.commit()
    return _view(row, mine)


@blp.post(f"/unit/suggestions/{SUGGESTION_ID}/documents")
@require_unit
@blp.response(201, SuggestionDocumentOut)
@blp.doc(security=BEARER, responses=error_responses(400, 401, 403, 404, 409, 413, 415, 422))
def upload_document(suggestion_id: int):
    """上传答复文件（PDF，multipart 字段 file），答复时带上 document_id"""
    row, mine = service.for_unit(g.unit.id, suggestion_id)
    service._lead_unit(mine)
    service.check_answerable(row)
    doc = documents.store_document(request.files.get("file"), row.id, mine.unit_id)
    db.session.commit()
    return {"document_id": doc.id, "pages": doc.pages, "size": doc.size}


@blp.post(f"/unit/suggestions/{SUGGESTION_ID}/answer")
@require_unit
@blp.arguments(SuggestionAnswerIn)
@blp.response(200, UnitSuggestionOut)
@blp.doc(security=BEARER, responses=error_responses(400, 401, 403, 404, 409, 422))
def answer(body: dict, suggestion_id: int):
    """答复（A 已解决或基本解决 / B 列入计划逐步解决，须填承诺日期 / C 因条件限制留作参考）"""
    row, mine = service.for_unit(g.unit.id, suggestion_id)
    service.answer(
        row, mine, body["content"], body["grade"], document_id=body["document_id"],
        promised_on=body["promised_date"],
    )  # fmt: skip
    db.session.commit()
    return _view(row, mine)


@blp.post(f"/unit/suggestions/{SUGGESTION_ID}/lookback")
@require_unit
@blp.arguments(SuggestionTextIn)
@blp.response(200, UnitSuggestionOut)
@blp.doc(security=BEARER, responses=error_responses(400, 401, 403, 404, 409, 422))
def lookback(body: dict, suggestion_id: int):
    """回头看：B 类承诺到期后报告落实情况"""
    row, mine = service.for_unit(g.unit.id, suggestion_id)
    service.lookback_report(row, mine, body["content"])
    db.session.commit()
    return _view(row, mine)
