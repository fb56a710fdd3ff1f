"""WeChat message push (消息推送): URL verification and subscribe-message events.

Plain and safe (AES) mode, XML or JSON bodies. Events recorded:
- subscribe_msg_popup_event: the user tapped 允许/取消 (credits, when CONSENT_SOURCE=push);
- subscribe_msg_change_event: the user turned a template off in settings;
- subscribe_msg_sent_event: WeChat's delivery report for a notice we sent.
"""

from __future__ import annotations

import json
import logging
import time

import redis
import xmltodict
from flask import Blueprint, abort, current_app, request
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidSignatureException
from wechatpy.utils import check_signature

from server.events import record
from server.extensions import db
from server.identity.routes import citizen_for
from server.models import Notification
from server.redis_conn import get_redis
from server.wechat import consent

log = logging.getLogger(__name__)
bp = Blueprint("wechat_callback", __name__)

MAX_CLOCK_SKEW = 300  # seconds; older pushes are refused as replays


def _verify_query_signature() -> None:
    args = request.args
    try:
        check_signature(
            current_app.config["WECHAT_PUSH_TOKEN"],
            args.get("signature", ""),
            args.get("timestamp", ""),
            args.get("nonce", ""),
        )
    except InvalidSignatureException:
        abort(403)


def _fresh(timestamp: str, nonce: str) -> bool:
    """Refuse stale or repeated pushes: timestamp within 5 minutes, each nonce used once."""
    try:
        if abs(time.time() - int(timestamp)) > MAX_CLOCK_SKEW:
            return False
    except ValueError:
        return False
    try:
        key = f"{current_app.config['KEY_PREFIX']}:push-nonce:{timestamp}:{nonce}"
        return bool(get_redis().set(key, 1, nx=True, ex=2 * MAX_CLOCK_SKEW))
    except redis.RedisError:
        return True  # the signature and the time window still hold


def _parse(text: str) -> dict:
    text = text.strip()
    if text.startswith("<"):
        return xmltodict.parse(text)["xml"]
    return json.loads(text)


def _payload() -> dict:
    raw = request.get_data(as_text=True)
    args = request.args
    try:
        body = _parse(raw)
    except Exception:  # noqa: BLE001 - any unparsable body is the sender's fault
        abort(400)
    if args.get("encrypt_type") == "aes":
        key = current_app.config["WECHAT_PUSH_AES_KEY"]
        if not key:
            abort(403)
        crypto = WeChatCrypto(
            current_app.config["WECHAT_PUSH_TOKEN"], key, current_app.config["WECHAT_APPID"]
        )
        try:
            plain = crypto.decrypt_message(
                body,
                args.get("msg_signature", ""),
                args.get("timestamp", ""),
                args.get("nonce", ""),
            )
        except InvalidSignatureException:
            abort(403)
        except Exception:  # noqa: BLE001 - bad ciphertext, wrong appid
            abort(403)
        return _parse(plain)
    return body


def _items(event: dict, container: str) -> list[dict]:
    """xmltodict gives one item as a dict and several as a list; JSON gives a list."""
    value = event.get(container) or event.get("List") or []
    if isinstance(value, dict) and "List" in value:
        value = value["List"]
    return value if isinstance(value, list) else [value]


def _consent_event(event: dict, container: str, counts: bool) -> None:
    citizen = citizen_for(event["FromUserName"], None)
    for item in _items(event, container):
        template_id = item.get("TemplateId")
        status = item.get("SubscribeStatusString")
        if template_id not in consent.known_templates():
            continue
        if status == "accept" and counts:
            consent.grant(citizen.id, template_id)
        elif status == "reject":
            consent.revoke(citizen.id, template_id)
        record(
            "consent",
            None,
            "wechat",
            citizen.id,
            template_id=template_id,
            status=status,
            source=event.get("Event"),
        )


def _sent_event(event: dict) -> None:
    for item in _items(event, "SubscribeMsgSentEvent"):
        msgid = str(item.get("MsgID", ""))
        notice = db.session.scalar(db.select(Notification).where(Notification.msgid == msgid))
        if notice is not None:
            notice.delivery_status = str(item.get("ErrorStatus") or item.get("ErrorCode"))[:32]


def _handle(event: dict) -> None:
    kind = event.get("Event")
    if kind == "subscribe_msg_popup_event":
        counts = current_app.config["CONSENT_SOURCE"] == "push"
        _consent_event(event, "SubscribeMsgPopupEvent", counts)
    elif kind == "subscribe_msg_change_event":
        _consent_event(event, "SubscribeMsgChangeEvent", False)
    elif kind == "subscribe_msg_sent_event":
        _sent_event(event)
    else:
        log.info("ignoring WeChat push %s/%s", event.get("MsgType"), kind)
    db.session.commit()


@bp.route("/wechat/callback", methods=["GET", "POST"])
def callback():
    _verify_query_signature()
    if request.method == "GET":
        return request.args.get("echostr", "")
    if not _fresh(request.args.get("timestamp", ""), request.args.get("nonce", "")):
        abort(403)
    event = _payload()
    if not isinstance(event, dict) or "FromUserName" not in event:
        abort(400)
    _handle(event)
    return "success"
