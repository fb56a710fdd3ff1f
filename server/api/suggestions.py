"""代表建议, the deputy's side (docs/api.md): draft from selected items, 附议 confirmation,
submit, the list (领衔 or 附议) with status, unit, due date and answer, and the 领衔 deputy's
evaluation. The unit's side is in server/api/unit_suggestions.py."""

from __future__ import annotations

from flask import g
from marshmallow import Schema, fields, validate

from server.api.auth import require_deputy
from server.api.openapi import Blueprint, error_responses
from server.api.schemas import RequestSchema, text
from server.models import GRADES, SCORES, Deputy, StationMember, Suggestion, SuggestionDeputy
from server.models.suggestion import MEETING_FORMS
from server.platform.clock import iso, utcnow
from server.platform.db import db
from server.platform.text import MAX_ID
from server.routing import workdays
from server.routing.stages import colour
from server.suggestions import service

blp = Blueprint("suggestions", __name__, description="代表建议：起草、附议、提交、评价")
BEARER = [{"bearer": []}]
SUGGESTION_ID = f"<int(min=1, max={MAX_ID}):suggestion_id>"
PAGE_MAX = 200

_ID = fields.Integer(
    strict=True,
    validate=validate.Range(min=1, max=MAX_ID, error="编号无效"),
    error_messages={"invalid": "编号无效"},
)


class SuggestionDraftIn(RequestSchema):
    title = text(100, "建议标题")
    content = text(5000, "建议内容")
    message_ids = fields.List(
        _ID, required=True, error_messages={"required": "请至少选择一件群众反映"}
    )
    co_deputy_ids = fields.List(_ID, load_default=list)


class SuggestionConfirmIn(RequestSchema):
    confirm = fields.Boolean(load_default=True, error_messages={"invalid": "请选择是否附议"})


class SuggestionEvaluationIn(RequestSchema):
    score = fields.String(
        required=True,
        validate=validate.OneOf(
            list(SCORES), error="评价应为 satisfied、basically_satisfied 或 unsatisfied"
        ),
        error_messages={"required": "请选择评价"},
    )
    communication = fields.String(
        load_default=None,
        validate=validate.OneOf(
            list(service.COMMUNICATION), error="沟通情况应为 good、fair 或 none"
        ),
    )
    comment = text(500, "评价意见", required=False, load_default="")


class SuggestionOut(Schema):
    suggestion = fields.Dict()
    notices = fields.List(fields.String(allow_none=True))


class SuggestionsOut(Schema):
    suggestions = fields.List(fields.Dict())


def suggestion_view(row: Suggestion, viewer: str = "deputy") -> dict:
    """A suggestion as its deputies (and staff) see it; `viewer="unit"` hides the evaluation
    until the period closes (背靠背) and never says which deputy rated."""
    now = utcnow()
    lead_unit = row.lead_unit
    open_ = row.status in ("assigned", "signed", "reanswer")
    out = {
        "id": row.id,
        "number": row.number,
        "title": row.title,
        "content": row.content,
        "status": row.status,
        "status_label": row.status_label,
        "priority": row.priority,
        "lead_deputy": {"id": row.lead_deputy_id, "name": row.lead_deputy.name},
        "co_deputies": [
            {"id": d.deputy_id, "name": d.deputy.name, "state": d.state}
            for d in row.co_deputies
            if viewer != "unit" or d.state == "confirmed"
        ],
        "unit": lead_unit.unit.name if lead_unit else None,
        "co_units": [
            {"name": u.unit.name, "opinion": u.opinion, "opinion_at": iso(u.opinion_at)}
            for u in row.co_units
        ],
        "review_remarks": row.review_remarks or None,
        "created_at": iso(row.created_at),
        "submitted_at": iso(row.submitted_at),
        "assigned_at": iso(row.assigned_at),
        "sign_due_at": iso(row.sign_due_at),
        "signed_at": iso(row.signed_at),
        "due_at": iso(row.due_at),
        "colour": colour(row.due_at, now, workdays.current()) if open_ else None,
        "round": row.round,
        "meetings": [
            {
                "date": m.held_on.isoformat(),
                "form": m.form,
                "form_label": MEETING_FORMS[m.form],
                "summary": m.summary,
            }
            for m in row.meetings
        ],  # fmt: skip
        "interim_answer": row.interim_answer,
        "answer": row.answer,
        "grade": row.grade,
        "grade_label": GRADES.get(row.grade) if row.grade else None,
        "answered_at": iso(row.answered_at),
        "promised_date": row.promised_on.isoformat() if row.promised_on else None,
        "document": (
            {
                "id": row.document.id,
                "filename": row.document.filename,
                "pages": row.document.pages,
                "size": row.document.size,
            }
            if row.document
            else None
        ),  # fmt: skip
        "evaluation_closes_at": iso(row.evaluation_closes_at),
        "lookback_report": row.lookback_report,
        "message_ids": row.message_ids if viewer != "unit" else None,
    }
    if viewer == "unit":
        out.pop("message_ids")
        if service.ratings_visible_to_unit(row):
            out["evaluations"] = [
                {"round": e.round, "score": e.score, "score_label": SCORES[e.score],
                 "communication": e.communication, "comment": e.comment}
                for e in row.evaluations
            ]  # fmt: skip
        else:
            out["evaluations"] = None
            out["evaluation_note"] = "评价期内，代表的评价结果暂不向承办单位公开"
    else:
        out["evaluations"] = [
            {"round": e.round, "score": e.score, "score_label": SCORES[e.score],
             "communication": e.communication, "comment": e.comment,
             "at": iso(e.created_at)}
            for e in row.evaluations
        ]  # fmt: skip
    return out


def _mine(suggestion_id: int):
    return service.for_deputy(g.deputy.id, suggestion_id)


def _with_notices(row: Suggestion, written=()) -> dict:
    return {
        "suggestion": suggestion_view(row),
        "notices": [w.status if w else None for w in written],
    }


@blp.post("/deputy/suggestions")
@require_deputy
@blp.arguments(SuggestionDraftIn)
@blp.response(201, SuggestionOut)
@blp.doc(security=BEARER, responses=error_responses(400, 401, 403, 413, 415, 422))
def create(body: dict):
    """起草建议：从自己办理的群众反映中选一件或几件，可邀请附议代表"""
    row = service.draft(
        g.deputy, body["title"], body["content"], body["message_ids"], body["co_deputy_ids"],
        actor_id=g.deputy.id,
    )  # fmt: skip
    db.session.commit()
    return _with_notices(row)


@blp.get("/deputy/suggestions")
@require_deputy
@blp.response(200, SuggestionsOut)
@blp.doc(security=BEARER, responses=error_responses(401))
def list_mine():
    """我领衔或附议的建议（最新的在前）"""
    rows = db.session.scalars(
        db.select(Suggestion)
        .join(SuggestionDeputy, SuggestionDeputy.suggestion_id == Suggestion.id)
        .where(SuggestionDeputy.deputy_id == g.deputy.id)
        .order_by(Suggestion.id.desc())
        .limit(PAGE_MAX)
    )
    out = []
    for row in rows:
        view = suggestion_view(row)
        mine = next(d for d in row.deputies if d.deputy_id == g.deputy.id)
        view["my_role"] = mine.role
        view["my_state"] = mine.state
        out.append(view)
    return {"suggestions": out}


class ColleaguesOut(Schema):
    deputies = fields.List(fields.Dict())


@blp.get("/deputy/suggestions/colleagues")
@require_deputy
@blp.response(200, ColleaguesOut)
@blp.doc(security=BEARER, responses=error_responses(401))
def colleagues():
    """可邀请附议的代表：与我同在一个联络站的其他代表"""
    mine = db.select(StationMember.station_id).where(StationMember.deputy_id == g.deputy.id)
    # IN, not JOIN + DISTINCT: PostgreSQL cannot compare a deputy's json columns for DISTINCT.
    colleagues = db.select(StationMember.deputy_id).where(StationMember.station_id.in_(mine))
    rows = db.session.scalars(
        db.select(Deputy)
        .where(Deputy.id.in_(colleagues), Deputy.id != g.deputy.id, Deputy.active.is_(True))
        .order_by(Deputy.name, Deputy.id)
    )
    return {"deputies": [{"id": d.id, "name": d.name, "level": d.level} for d in rows]}


@blp.get(f"/deputy/suggestions/{SUGGESTION_ID}")
@require_deputy
@blp.response(200, SuggestionOut)
@blp.doc(security=BEARER, responses=error_responses(401, 404))
def get_one(suggestion_id: int):
    """一条建议"""
    row, mine = _mine(suggestion_id)
    out = _with_notices(row)
    out["suggestion"].update(my_role=mine.role, my_state=mine.state)
    return out


@blp.post(f"/deputy/suggestions/{SUGGESTION_ID}/confirm")
@require_deputy
@blp.arguments(SuggestionConfirmIn)
@blp.response(200, SuggestionOut)
@blp.doc(security=BEARER, responses=error_responses(400, 401, 403, 404, 409, 422))
def confirm(body: dict, suggestion_id: int):
    """附议确认（只有被邀请的附议代表本人可以确认或谢绝）"""
    row, _ = _mine(suggestion_id)
    service.co_answer(row, g.deputy.id, body["confirm"])
    db.session.commit()
    return _with_notices(row)


@blp.post(f"/deputy/suggestions/{SUGGESTION_ID}/submit")
@require_deputy
@blp.response(200, SuggestionOut)
@blp.doc(security=BEARER, responses=error_responses(401, 403, 404, 409))
def submit(suggestion_id: int):
    """提交建议，等待规范性审查；关联事项的群众会收到一次通知"""
    row, _ = _mine(suggestion_id)
    written = service.submit(row, "deputy", g.deputy.id)
    db.session.commit()
    return _with_notices(row, written)


@blp.post(f"/deputy/suggestions/{SUGGESTION_ID}/evaluation")
@require_deputy
@blp.arguments(SuggestionEvaluationIn)
@blp.response(200, SuggestionOut)
@blp.doc(security=BEARER, responses=error_responses(400, 401, 403, 404, 409, 422))
def evaluation(body: dict, suggestion_id: int):
    """领衔代表评价答复（背靠背：评价期结束前承办单位看不到）；不满意需二次答复"""
    row, _ = _mine(suggestion_id)
    service.evaluate(row, g.deputy.id, body["score"], body["comment"], body["communication"])
    db.session.commit()
    return _with_notices(row)
