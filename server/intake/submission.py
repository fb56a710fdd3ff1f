"""A citizen's submission: validated, checked, stored once (Idempotency-Key), then routed."""

from __future__ import annotations

import hashlib
import json
import logging
import re
import secrets
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import insert, update
from sqlalchemy.exc import IntegrityError

from server.identity.login import Caller
from server.intake import scenes, wordlist
from server.models import Message, Upload, tally
from server.models.event import record
from server.notices import consent
from server.platform.clock import local_today, utcnow
from server.platform.crypto import encrypt_phone
from server.platform.db import db
from server.platform.errors import ApiError, validation_error
from server.platform.limits import count_submission
from server.platform.queue import after_commit, enqueue_route
from server.wechat import api as wechat
from server.wechat.client import WeChatError

log = logging.getLogger(__name__)

IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_\-]{8,64}$")


def _request_hash(body: dict) -> str:
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def new_tracking_no() -> str:
    """Date (Asia/Shanghai) + 8 random digits: easy to read out on the phone, not guessable."""
    return local_today().strftime("%y%m%d") + f"{secrets.randbelow(10**8):08d}"


@dataclass(frozen=True)
class Created:
    id: int
    tracking_no: str
    status: str
    replayed: bool = False


def _validate(body: dict) -> tuple[scenes.Target, int, list[str], str]:
    config = current_app.config
    errors: dict[str, str] = {}
    target = scenes.target_for(body["scene"])
    if target is None:
        errors["scene"] = "二维码无效或已停用，请重新扫码"
    category_id = scenes.category_id_for(body["category"])
    if category_id is None:
        errors["category"] = "请从列表中选择类别"
    content = (body.get("content") or "").strip()
    if not content:
        errors["content"] = "请填写反映内容"
    elif len(content) > config["CONTENT_MAX_CHARS"]:
        errors["content"] = f"内容不能超过{config['CONTENT_MAX_CHARS']}字（现在{len(content)}字）"
    photo_ids = list(dict.fromkeys(body.get("photos") or []))
    if len(photo_ids) > config["MAX_PHOTOS"]:
        errors["photos"] = f"最多上传{config['MAX_PHOTOS']}张照片"
    if errors:
        raise validation_error(errors)
    return target, category_id, photo_ids, content


def check_content(openid: str, content: str) -> str:
    """msg_sec_check v2: risky -> refused; review -> accepted and flagged; WeChat unreachable ->
    the local word list, with the same outcomes."""
    mode = current_app.config["CONTENT_CHECK"]
    if mode == "off":
        return "skipped"
    if mode == "local":
        suggest, checked_by = wordlist.check(content), "local_only"
    else:
        try:
            suggest, _label = wechat.check_text(openid, content)
            checked_by = "wechat"
        except WeChatError as exc:
            # WeChat unreachable must not lose what the citizen wrote: the local word list
            # decides, and the item is marked as not checked by WeChat.
            log.warning("msg_sec_check unavailable (%s); using the local word list", exc)
            suggest, checked_by = wordlist.check(content), "local"
    if suggest == "risky":
        raise ApiError(
            422,
            "content_risky",
            "内容未通过安全检查，请修改后再提交",
            {"content": "内容含有不适宜公开的信息，请修改"},
        )
    if checked_by == "local_only":
        return "local_review" if suggest == "review" else "local_pass"
    if checked_by == "local":
        return "local_review" if suggest == "review" else "unavailable"
    return "review" if suggest == "review" else "pass"


def _local_check(content: str) -> str:
    if current_app.config["CONTENT_CHECK"] == "off":
        return "skipped"
    suggest = wordlist.check(content)
    if suggest == "risky":
        raise ApiError(
            422,
            "content_risky",
            "内容未通过安全检查，请修改后再提交",
            {"content": "内容含有不适宜公开的信息，请修改"},
        )
    return "local_review" if suggest == "review" else "unavailable"


def validate(body: dict) -> None:
    """The form's own checks (scene, category, content, photo count) without storing anything."""
    _validate(body)


def _has_key(citizen: Caller, key: str) -> bool:
    return (
        db.session.scalar(
            db.select(Message.id).where(
                Message.citizen_id == citizen.id, Message.idempotency_key == key
            )
        )
        is not None
    )


def _replay(citizen: Caller, key: str, request_hash: str) -> Created:
    existing = db.session.execute(
        db.select(Message.id, Message.tracking_no, Message.status, Message.request_hash).where(
            Message.citizen_id == citizen.id, Message.idempotency_key == key
        )
    ).one()
    db.session.rollback()
    if existing.request_hash != request_hash:
        raise ApiError(
            409, "idempotency_conflict", "同一个提交编号已用于另一条内容，请刷新后重新提交"
        )
    return Created(existing.id, existing.tracking_no, existing.status, replayed=True)


def _claim_photos(message_id: int, citizen: Caller, photo_ids: list[str]) -> bool:
    """Attach the caller's own, unused uploads: all of them or none (a photo goes to one item)."""
    if not photo_ids:
        return True
    claimed = db.session.execute(
        update(Upload)
        .where(
            Upload.id.in_(photo_ids),
            Upload.citizen_id == citizen.id,
            Upload.message_id.is_(None),
        )
        .values(message_id=message_id)
    )
    return claimed.rowcount == len(photo_ids)


_messages = Message.__table__
# Values go in as parameters, so SQLAlchemy compiles this once and reuses it (a dialect's
# INSERT ... ON CONFLICT has no cache key and would be compiled on every submission).
_INSERT_MESSAGE = insert(_messages).returning(_messages.c.id, _messages.c.tracking_no)


def create_message(
    citizen: Caller,
    body: dict,
    idempotency_key: str | None,
    channel: str | None = None,
    follow_token_hash: str | None = None,
) -> Created:
    """Store a citizen's message; its routing job is enqueued once the row is committed.

    The hot path of the product (see docs/benchmarks.md): cached scene and category lookups, no
    transaction open during the WeChat content check, and one transaction of plain INSERTs; the
    database's unique (citizen, Idempotency-Key) index refuses a second message.
    """
    if idempotency_key is not None and not IDEMPOTENCY_KEY.match(idempotency_key):
        raise ApiError(
            400, "bad_idempotency_key", "Idempotency-Key 应为 8 到 64 位字母、数字、- 或 _"
        )
    request_hash = _request_hash(body)
    target, category_id, photo_ids, content = _validate(body)
    if channel == "web":
        # No WeChat identity to check with (msg_sec_check needs a recently active openid): the
        # local word list decides, and the web form's own guards did the counting.
        verdict = _local_check(content)
    else:
        count_submission()
        verdict = check_content(citizen.openid, content)
    location = body.get("location") or {}
    now = utcnow()
    values = {
        "channel": channel or ("deputy_code" if target.kind == "deputy" else "station_code"),
        "follow_token_hash": follow_token_hash,
        "station_id": target.station_id,
        "target_deputy_id": target.deputy_id,
        "category_id": category_id,
        "content": content,
        "location_lat": location.get("lat"),
        "location_lng": location.get("lng"),
        "location_address": location.get("address") or None,
        "contact_phone_enc": encrypt_phone(body.get("contact_phone")),
        "anonymous": bool(body.get("anonymous")),
        "no_publish": bool(body.get("no_publish")),
        "status": "received",
        "content_check": verdict,
        "flagged": verdict in ("review", "local_review"),
        "citizen_id": citizen.id,
        "idempotency_key": idempotency_key,
        "request_hash": request_hash,
        "created_at": now,
        "updated_at": now,
    }
    for attempt in range(3):
        try:
            row = db.session.execute(
                _INSERT_MESSAGE, {"tracking_no": new_tracking_no(), **values}
            ).one()
        except IntegrityError:
            db.session.rollback()
            if idempotency_key is not None and _has_key(citizen, idempotency_key):
                # This Idempotency-Key was used before (or a moment ago, by a retry that won
                # the race): answer with that message, never make a second one.
                return _replay(citizen, idempotency_key, request_hash)
            if attempt == 2:
                raise
            continue  # a tracking number drawn twice: draw again
        break
    tally.count_insert(values)  # the overview's summary rows, in this same transaction
    if not _claim_photos(row.id, citizen, photo_ids):
        db.session.rollback()
        raise validation_error({"photos": "照片无效或已使用，请重新上传"})
    record("received", row.id, "citizen", citizen.id, channel=values["channel"])
    if values["flagged"]:
        reason = "msg_sec_check review" if verdict == "review" else "local word list"
        record("flagged", row.id, "system", None, reason=reason)
    for template_id in body.get("subscribed") or []:
        record_consent(citizen, template_id, row.id)
    after_commit(db.session(), enqueue_route, row.id)
    db.session.commit()
    return Created(row.id, row.tracking_no, "received")


def record_consent(citizen: Caller, template_id: str, message_id: int | None = None) -> bool:
    """One accept from wx.requestSubscribeMessage, as reported by the mini-program."""
    if template_id not in consent.known_templates():
        return False
    if current_app.config["CONSENT_SOURCE"] == "client":
        consent.grant(citizen.id, template_id)
    record("consent", message_id, "citizen", citizen.id, template_id=template_id, source="client")
    return True
