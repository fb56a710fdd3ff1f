"""The citizen API: scan, upload, submit, read back (docs/api.md)."""

from __future__ import annotations

from flask import current_app, g, request, send_file

from server.api import present
from server.api.auth import require_citizen
from server.api.citizen_schemas import (
    FollowupIn,
    JoinOut,
    MessageCreated,
    MessageDetail,
    MessageIn,
    MessagePage,
    RatingIn,
    RevisitIn,
    ScanOut,
    SimilarIn,
    SimilarOut,
    SubscriptionsIn,
    SubscriptionsOut,
    UploadOut,
)
from server.api.openapi import MESSAGE_ID, Blueprint, error_responses
from server.api.schemas import PageQuery
from server.handling import answers, ratings, revisits
from server.insight import joining, similar
from server.intake import photos, submission
from server.intake.scenes import resolve_scene
from server.models import Message, Upload
from server.notices import consent
from server.platform.db import db
from server.platform.errors import ApiError, not_found, validation_error
from server.platform.limits import per_citizen, per_ip

blp = Blueprint("intake", __name__, description="群众：扫码、上传、提交与查看")

BEARER = [{"bearer": []}]


@blp.get("/scan/<scene>")
@blp.response(200, ScanOut)
@blp.doc(responses=error_responses(404))
def scan(scene: str):
    """扫码打开：联络站或代表的信息、今天谁值班、可选类别"""
    found = resolve_scene(scene)
    if found is None:
        raise not_found("二维码无效或已停用，请联系联络站工作人员")
    return present.scan_view(found, scene)


@blp.post("/uploads")
@require_citizen
@per_citizen("RATE_LIMIT_UPLOAD_CITIZEN")
@per_ip("RATE_LIMIT_UPLOAD_IP")
@blp.response(201, UploadOut)
@blp.doc(
    security=BEARER,
    responses=error_responses(400, 401, 413, 415, 429),
    requestBody={
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                    "required": ["file"],
                }
            }
        }
    },
)
def upload():
    """上传一张照片（JPG/PNG/WebP），返回 upload_id"""
    if len(list(request.files.items(multi=True))) > 1:
        # One photo, one upload_id: never keep one of several files by guesswork.
        raise ApiError(400, "too_many_files", "一次只能上传一张图片")
    stored = photos.store_upload(request.files.get("file"), g.citizen.id)
    return {
        "upload_id": stored.id,
        "width": stored.width,
        "height": stored.height,
        "size": stored.size,
    }


_IMAGE = {"schema": {"type": "string", "format": "binary"}}


@blp.get("/uploads/<upload_id>")
@blp.doc(
    description="照片（用接口返回的带签名地址访问）",
    parameters=[{"in": "query", "name": "sig", "required": True, "schema": {"type": "string"}}],
    responses={
        "200": {
            "description": "照片：重新编码过的 JPG 或 PNG，不含任何元数据",
            "content": {"image/jpeg": _IMAGE, "image/png": _IMAGE},
        },
        **error_responses(404),
    },
)
def photo(upload_id: str):
    stored = db.session.get(Upload, upload_id)
    if stored is None or not photos.check_photo_signature(upload_id, request.args.get("sig", "")):
        raise not_found("照片不存在或链接已过期")
    response = send_file(photos.photo_path(stored), mimetype=stored.content_type, max_age=3600)
    response.headers["Cache-Control"] = "private, max-age=3600"
    # The bytes are an image we encoded ourselves; still, never let a browser guess otherwise.
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@blp.post("/messages")
@require_citizen
@per_citizen("RATE_LIMIT_SUBMIT_ATTEMPTS_CITIZEN")
@per_ip("RATE_LIMIT_SUBMIT_IP")
@blp.arguments(MessageIn)
@blp.response(201, MessageCreated)
@blp.doc(
    security=BEARER,
    responses=error_responses(400, 401, 409, 413, 415, 422, 429),
    parameters=[
        {
            "in": "header",
            "name": "Idempotency-Key",
            "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{8,64}$"},
            "description": "同一次提交的重试用同一个值，只会生成一条留言",
        }
    ],
)
def create_message(body: dict):
    """提交一条意见建议"""
    created = submission.create_message(g.citizen, body, request.headers.get("Idempotency-Key"))
    return {"id": created.id, "tracking_no": created.tracking_no, "status": created.status}


@blp.get("/messages")
@require_citizen
@blp.arguments(PageQuery, location="query")
@blp.response(200, MessagePage)
@blp.doc(security=BEARER, responses=error_responses(401, 422))
def list_messages(query: dict):
    """我的反映，最新的在前"""
    base = db.select(Message).where(Message.citizen_id == g.citizen.id)
    total = db.session.scalar(db.select(db.func.count()).select_from(base.subquery()))
    rows = db.session.scalars(
        base.order_by(Message.created_at.desc(), Message.id.desc())
        .limit(query["per_page"])
        .offset((query["page"] - 1) * query["per_page"])
    )
    return {
        "items": [present.summary(m) for m in rows],
        "page": query["page"],
        "per_page": query["per_page"],
        "total": total,
    }


def own_message(message_id: int) -> Message:
    """The caller's message; someone else's is 404, so ids reveal nothing."""
    message = db.session.get(Message, message_id)
    if message is None or message.citizen_id != g.citizen.id:
        raise not_found("找不到这条反映")
    return message


@blp.get(f"/messages/{MESSAGE_ID}")
@require_citizen
@blp.response(200, MessageDetail)
@blp.doc(security=BEARER, responses=error_responses(401, 404))
def message_detail(message_id: int):
    """一条反映及其办理过程（自己的，或自己加入的）"""
    message = db.session.get(Message, message_id)
    if message is not None and message.citizen_id != g.citizen.id:
        if joining.is_supporter(g.citizen.id, message_id):
            return present.supporter_detail(message)
    return present.detail(own_message(message_id))


@blp.post("/messages/similar")
@require_citizen
@per_citizen("RATE_LIMIT_WRITE_CITIZEN")
@blp.arguments(SimilarIn)
@blp.response(200, SimilarOut)
@blp.doc(security=BEARER, responses=error_responses(400, 401, 404, 413, 415, 422, 429))
def similar_nearby(body: dict):
    """提交前：附近已有类似反映（同一联络站、内容相近、仍在办理或刚答复）"""
    found = resolve_scene(body["scene"])
    if found is None:
        raise not_found("二维码无效或已停用，请联系联络站工作人员")
    station_id = found.station.id if found.station else None
    limit = current_app.config["SIMILAR_LIMIT"]
    hits = similar.nearby(station_id, body["category"], body["content"], g.citizen.id, limit)
    return {"items": [present.nearby_view(hit.message) for hit in hits]}


@blp.post(f"/messages/{MESSAGE_ID}/join")
@require_citizen
@per_citizen("RATE_LIMIT_WRITE_CITIZEN")
@blp.arguments(SimilarIn)
@blp.response(200, JoinOut)
@blp.doc(security=BEARER, responses=error_responses(400, 401, 404, 409, 413, 415, 422, 429))
def join_message(body: dict, message_id: int):
    """我也反映：加入「附近已有类似反映」中的一条，不再另提一条；之后收到它的办理通知"""
    found = resolve_scene(body["scene"])
    if found is None:
        raise not_found("二维码无效或已停用，请联系联络站工作人员")
    station_id = found.station.id if found.station else None
    limit = current_app.config["SIMILAR_LIMIT"]
    message, added = joining.join(g.citizen.id, message_id, station_id, body["content"], limit)
    return {
        "id": message.id,
        "tracking_no": message.tracking_no,
        "status": message.status,
        "status_label": message.status_label,
        "supporters": similar.supporters(message.id),
        "joined": added,
    }


@blp.post(f"/messages/{MESSAGE_ID}/followups")
@require_citizen
@per_citizen("RATE_LIMIT_WRITE_CITIZEN")
@blp.arguments(FollowupIn)
@blp.response(201, MessageDetail)
@blp.doc(security=BEARER, responses=error_responses(400, 401, 404, 409, 413, 415, 422, 429))
def followup(body: dict, message_id: int):
    """在自己的反映下追问或补充"""
    content = body["content"].strip()
    if not content:
        raise validation_error({"content": "请填写追问内容"})
    message = own_message(message_id)
    answers.follow_up(message, content, g.citizen.id)
    _consents(body)
    db.session.commit()
    return present.detail(message)


@blp.post(f"/messages/{MESSAGE_ID}/rating")
@require_citizen
@per_citizen("RATE_LIMIT_WRITE_CITIZEN")
@blp.arguments(RatingIn)
@blp.response(200, MessageDetail)
@blp.doc(security=BEARER, responses=error_responses(400, 401, 404, 409, 413, 415, 422, 429))
def rating(body: dict, message_id: int):
    """评价答复：满意、基本满意（办结）或不满意（重新办理）"""
    message = own_message(message_id)
    try:
        ratings.rate(message, g.citizen.id, body["score"], body.get("comment"))
    except ratings.NotRatable as exc:
        raise ApiError(409, "cannot_rate", str(exc)) from None
    _consents(body)
    db.session.commit()
    return present.detail(message)


@blp.post(f"/messages/{MESSAGE_ID}/revisit")
@require_citizen
@per_citizen("RATE_LIMIT_WRITE_CITIZEN")
@blp.arguments(RevisitIn)
@blp.response(200, MessageDetail)
@blp.doc(security=BEARER, responses=error_responses(400, 401, 404, 409, 413, 415, 422, 429))
def revisit(body: dict, message_id: int):
    """回访：问题解决了吗？没解决则重新办理"""
    message = own_message(message_id)
    try:
        revisits.answer(message, body["solved"], "citizen", g.citizen.id)
    except revisits.NotAnswerable as exc:
        db.session.rollback()
        raise ApiError(409, "cannot_revisit", str(exc)) from None
    db.session.commit()
    return present.detail(message)


def _consents(body: dict) -> None:
    """The subscribe taps the mini-program asked for on this same tap (for the next notice)."""
    known = consent.known_templates()
    for template_id in dict.fromkeys(body.get("subscribed") or []):
        if template_id in known:
            submission.record_consent(g.citizen, template_id)


@blp.post("/subscriptions")
@require_citizen
@per_citizen("RATE_LIMIT_WRITE_CITIZEN")
@blp.arguments(SubscriptionsIn)
@blp.response(200, SubscriptionsOut)
@blp.doc(security=BEARER, responses=error_responses(400, 401, 413, 415, 422, 429))
def subscriptions(body: dict):
    """记录 wx.requestSubscribeMessage 中用户点了“允许”的模板"""
    unknown = [t for t in body["accepted"] if t not in consent.known_templates()]
    if unknown:
        raise validation_error({"accepted": "包含未知的订阅模板"})
    for template_id in body["accepted"]:
        submission.record_consent(g.citizen, template_id)
    db.session.commit()
    return {"credits": consent.credits_of(g.citizen.id)}
