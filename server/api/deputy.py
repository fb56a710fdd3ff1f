"""The deputy API: bind, inbox, one item, reply (docs/api.md)."""

from __future__ import annotations

from flask import current_app, g
from marshmallow import Schema, fields, validate

from server.api import present
from server.api.auth import require_citizen, require_deputy
from server.api.citizen_schemas import MessageDetail
from server.api.identity import LoginOut, login_answer
from server.api.openapi import MESSAGE_ID, Blueprint, error_responses
from server.api.schemas import PageQuery, RequestSchema, text
from server.handling import answers, assigned
from server.identity import binding, staff_wechat
from server.insight import similar
from server.models import AWAITING_DEPUTY, ROLES, STATUS_LABELS, Assignment, Message, Unit
from server.models.audit import audit
from server.performance import checkins
from server.platform.clock import iso, local_today
from server.platform.crypto import decrypt_phone, mask_phone
from server.platform.db import db
from server.platform.errors import ApiError
from server.platform.limits import per_citizen, per_ip
from server.platform.text import MAX_ID
from server.units import transfers
from server.units.progress import latest_transfer

blp = Blueprint("deputy", __name__, description="代表：绑定、收件箱与答复")
BEARER = [{"bearer": []}]


class BindIn(RequestSchema):
    invite_code = text(32, "邀请码")


class ReplyIn(RequestSchema):
    content = text(1000, "答复内容")


class TransferIn(RequestSchema):
    unit_id = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(min=1, max=MAX_ID, error="承办单位无效"),
        error_messages={"required": "请选择承办单位", "invalid": "承办单位无效"},
    )
    note = text(500, "转交说明", required=False, load_default="")
    co_unit_ids = fields.List(
        fields.Integer(
            strict=True,
            validate=validate.Range(min=1, max=MAX_ID, error="协办单位无效"),
            error_messages={"invalid": "协办单位无效"},
        ),
        load_default=list,
        validate=validate.Length(max=5, error="协办单位最多 5 个"),
    )


class UnitsOut(Schema):
    units = fields.List(fields.Dict())


class TransferOut(Schema):
    transfer = fields.Dict()
    notice = fields.String(allow_none=True)


class InboxQuery(PageQuery):
    status = fields.String(
        load_default=None,
        validate=validate.OneOf([*STATUS_LABELS, "awaiting"], error="未知的状态"),
    )


class InboxOut(Schema):
    items = fields.List(fields.Dict())
    counts = fields.Dict()
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()


class SimilarPast(Schema):
    id = fields.Integer()
    tracking_no = fields.String()
    content = fields.String()
    category = fields.String()
    station = fields.String(allow_none=True)
    status = fields.String()
    status_label = fields.String()
    created_at = fields.String()
    answer = fields.String(allow_none=True, metadata={"description": "办结它的答复"})
    rating = fields.String(allow_none=True)
    rating_label = fields.String(allow_none=True)
    score = fields.Float(metadata={"description": "内容相似度 0–1"})


class DeputyMessageDetail(MessageDetail):
    overdue = fields.Boolean()
    similar = fields.List(
        fields.Nested(SimilarPast),
        metadata={"description": "相似的已答复事项（同站或同类、内容相近），最有参考价值的在前"},
    )
    supporters = fields.Integer(metadata={"description": "加入这条反映的其他群众人数"})
    transfer = fields.Dict(allow_none=True, metadata={"description": "最近一次转交承办单位的情况"})
    can_call = fields.Boolean(
        metadata={"description": "群众留了电话且未匿名：可用「回电」取得完整号码"}
    )


class PhoneOut(Schema):
    contact_phone = fields.String(
        allow_none=True, metadata={"description": "完整号码；匿名或未留电话时为空"}
    )


class ReplyOut(Schema):
    id = fields.Integer()
    message_id = fields.Integer()
    status = fields.String()
    notice = fields.String(
        allow_none=True,
        metadata={
            "description": "通知群众的情况：pending 将通过微信通知；no_consent 群众没有剩余的订阅"
            "次数，只能在小程序中看到；null 没有可通知的微信用户（如来访登记）"
        },
    )
    created_at = fields.String()


@blp.post("/deputy/bind")
@require_citizen
@per_citizen("RATE_LIMIT_WRITE_CITIZEN")
@per_ip("RATE_LIMIT_BIND_IP")
@blp.arguments(BindIn)
@blp.response(200, LoginOut)
@blp.doc(security=BEARER, responses=error_responses(400, 401, 404, 409, 410, 413, 415, 422, 429))
def bind(body: dict):
    """用联络站给的邀请码，把当前微信绑定为代表"""
    binding.bind(g.citizen.id, body["invite_code"])
    return login_answer(g.citizen)


class StaffBindIn(RequestSchema):
    code = text(32, "绑定码")


class StaffBindOut(Schema):
    staff = fields.Dict(metadata={"description": "绑定的后台账号：name、role、role_label"})
    subscribe_templates = fields.Dict(
        metadata={"description": "超期提醒所用的订阅消息模板（reminder）：可在绑定后请求授权"}
    )


@blp.post("/staff/bind")
@require_citizen
@per_citizen("RATE_LIMIT_WRITE_CITIZEN")
@per_ip("RATE_LIMIT_BIND_IP")
@blp.arguments(StaffBindIn)
@blp.response(200, StaffBindOut)
@blp.doc(security=BEARER, responses=error_responses(400, 401, 404, 409, 410, 413, 415, 422, 429))
def staff_bind(body: dict):
    """用管理后台「绑定微信」给的一次性绑定码，让当前微信接收该后台账号的超期提醒"""
    staff = staff_wechat.bind(g.citizen.id, body["code"])
    audit(
        "staff_wechat_bound",
        f"user:{staff.id}",
        staff_id=staff.id,  # the account bound, by its owner's WeChat
        citizen_id=g.citizen.id,
    )
    db.session.commit()
    templates = current_app.config["WECHAT_TEMPLATES"]
    return {
        "staff": {
            "name": staff.display_name or staff.username,
            "role": staff.role,
            "role_label": ROLES.get(staff.role, staff.role),
        },
        "subscribe_templates": {"reminder": templates.reminder},
    }


def deputy_view(message: Message) -> dict:
    """What the accountable deputy sees: the citizen's identity only if not anonymous, the
    phone masked (the full number only on 「回电」, which is on record: deputy_phone)."""
    out = present.detail(message, viewer="deputy")
    out["overdue"] = message.overdue_at is not None
    handed = latest_transfer(message.id)
    out["transfer"] = present.transfer_view(handed, with_message=False) if handed else None
    phone = None if message.anonymous else decrypt_phone(message.contact_phone_enc)
    out["contact_phone"] = mask_phone(phone) or None
    out["can_call"] = bool(phone)
    limit = current_app.config["SIMILAR_LIMIT"]
    out["similar"] = [present.similar_past_view(f) for f in similar.for_deputy(message, limit)]
    out["supporters"] = similar.supporters(message.id)
    return out


@blp.get("/deputy/inbox")
@require_deputy
@blp.arguments(InboxQuery, location="query")
@blp.response(200, InboxOut)
@blp.doc(security=BEARER, responses=error_responses(401, 403, 422))
def inbox(query: dict):
    """交给我的留言"""
    base = (
        db.select(Message)
        .join(Assignment, Assignment.message_id == Message.id)
        .where(Assignment.deputy_id == g.deputy.id, Assignment.active.is_(True))
    )
    if query["status"] == "awaiting":
        base = base.where(Message.status.in_(AWAITING_DEPUTY))
    elif query["status"]:
        base = base.where(Message.status == query["status"])
    total = db.session.scalar(db.select(db.func.count()).select_from(base.subquery()))
    rows = db.session.scalars(
        base.order_by(Message.created_at.desc(), Message.id.desc())
        .limit(query["per_page"])
        .offset((query["page"] - 1) * query["per_page"])
    )
    items = []
    for message in rows:
        item = present.summary(message)
        item["overdue"] = message.overdue_at is not None
        items.append(item)
    return {
        "items": items,
        "counts": assigned.inbox_counts(g.deputy),
        "page": query["page"],
        "per_page": query["per_page"],
        "total": total,
    }


@blp.get(f"/deputy/messages/{MESSAGE_ID}")
@require_deputy
@blp.response(200, DeputyMessageDetail)
@blp.doc(security=BEARER, responses=error_responses(401, 403, 404))
def deputy_message(message_id: int):
    """一条交给我的留言及其过程"""
    return deputy_view(assigned.assigned_message(g.deputy, message_id))


@blp.post(f"/deputy/messages/{MESSAGE_ID}/phone")
@require_deputy
@per_citizen("RATE_LIMIT_WRITE_CITIZEN")
@blp.response(200, PhoneOut)
@blp.doc(security=BEARER, responses=error_responses(401, 403, 404, 429))
def deputy_phone(message_id: int):
    """回电：取得群众留下的完整电话（每次都记入办理过程）"""
    message = assigned.assigned_message(g.deputy, message_id)
    return {"contact_phone": assigned.reveal_phone(g.deputy, message)}


@blp.post(f"/deputy/messages/{MESSAGE_ID}/replies")
@require_deputy
@per_citizen("RATE_LIMIT_WRITE_CITIZEN")
@blp.arguments(ReplyIn)
@blp.response(201, ReplyOut)
@blp.doc(security=BEARER, responses=error_responses(400, 401, 403, 404, 409, 413, 415, 422, 429))
def post_reply(body: dict, message_id: int):
    """答复群众；群众会收到微信通知（若已订阅）"""
    content = body["content"].strip()
    if not content:
        raise ApiError(422, "validation_error", "请填写答复内容", {"content": "请填写答复内容"})
    message = assigned.assigned_message(g.deputy, message_id)
    post, notice = answers.answer(message, content, "deputy", g.deputy.id, deputy=g.deputy)
    db.session.commit()
    return {
        "id": post.id,
        "message_id": message.id,
        "status": message.status,
        "notice": notice.status if notice else None,
        "created_at": iso(post.created_at),
    }


@blp.get("/deputy/units")
@require_deputy
@blp.response(200, UnitsOut)
@blp.doc(security=BEARER, responses=error_responses(401, 403))
def units():
    """可以转交的承办单位"""
    rows = db.session.scalars(db.select(Unit).where(Unit.active.is_(True)).order_by(Unit.id))
    return {"units": [u.public() for u in rows]}


@blp.post(f"/deputy/messages/{MESSAGE_ID}/transfer")
@require_deputy
@per_citizen("RATE_LIMIT_WRITE_CITIZEN")
@blp.arguments(TransferIn)
@blp.response(201, TransferOut)
@blp.doc(
    security=BEARER,
    responses=error_responses(400, 401, 403, 404, 409, 413, 415, 422, 429),
)
def transfer(body: dict, message_id: int):
    """转交承办单位：群众会收到“已转交、预计何时答复”的通知"""
    message = assigned.assigned_message(g.deputy, message_id)
    row, notice = transfers.transfer(
        message,
        body["unit_id"],
        body["note"].strip(),
        "deputy",
        g.deputy.id,
        co_unit_ids=body["co_unit_ids"],
        by=g.deputy.name,
    )
    db.session.commit()
    return {
        "transfer": present.transfer_view(row, with_message=False),
        "notice": notice.status if notice else None,
    }


class CheckInIn(RequestSchema):
    station_id = fields.Integer(
        load_default=None,
        allow_none=True,
        strict=True,
        validate=validate.Range(min=1, max=MAX_ID, error="联络站无效"),
        error_messages={"invalid": "联络站无效"},
    )


class CheckInOut(Schema):
    id = fields.Integer()
    station = fields.Dict()
    date = fields.String()
    source = fields.String()
    already = fields.Boolean(metadata={"description": "true：今天已经签到过，这次没有再记一次"})
    created_at = fields.String()


class DutyTodayOut(Schema):
    date = fields.String()
    stations = fields.List(fields.Dict(), metadata={"description": "今天值班的联络站及是否已签到"})


def _checkin_view(row, already: bool) -> dict:
    return {
        "id": row.id,
        "station": {"id": row.station.id, "name": row.station.name},
        "date": row.on_date.isoformat(),
        "source": row.source,
        "already": already,
        "created_at": iso(row.created_at),
    }


@blp.get("/deputy/duty/today")
@require_deputy
@blp.response(200, DutyTodayOut)
@blp.doc(security=BEARER, responses=error_responses(401, 403))
def duty_today():
    """今天的值班：在哪个联络站值班、是否已签到"""
    day = local_today()
    stations = []
    for station in checkins.duty_stations(g.deputy, day):
        done = checkins.shifts_of(g.deputy.id, day, day)
        stations.append(
            {
                "id": station.id,
                "name": station.name,
                "checked_in": any(c.station_id == station.id for c in done),
            }
        )
    return {"date": day.isoformat(), "stations": stations}


@blp.post("/deputy/checkin")
@require_deputy
@per_citizen("RATE_LIMIT_WRITE_CITIZEN")
@blp.arguments(CheckInIn)
@blp.response(201, CheckInOut)
@blp.alt_response(200, schema=CheckInOut, description="今天已经签到过")
@blp.doc(security=BEARER, responses=error_responses(400, 401, 403, 404, 413, 415, 422, 429))
def check_in(body: dict):
    """值班签到：值班当天到站后一键签到（重复签到不会重复记录）"""
    try:
        done = checkins.check_in(g.deputy, body.get("station_id"))
    except checkins.CheckInRefused as exc:
        db.session.rollback()
        code = "not_found" if exc.status == 404 else "not_on_duty"
        raise ApiError(exc.status, code, str(exc)) from None
    db.session.commit()
    return _checkin_view(done.row, not done.created), 201 if done.created else 200
