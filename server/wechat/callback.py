"""WeChat message push (消息推送): URL verification and subscribe-message events.

Plain and safe (AES) mode, XML or JSON bodies. Events recorded:
- subscribe_msg_popup_event: the user tapped 允许/取消 (credits, when CONSENT_SOURCE=push);
- subscribe_msg_change_event: the user turned a template off in settings;
- subscribe_msg_sent_event: WeChat's delivery report for a notice we sent;
- subscribe / unsubscribe: someone followed or unfollowed the official account (its message
  push points at the same URL and Token); their unionid is asked of WeChat (user/info).

The URL is public: anything may arrive. Bodies are capped (MAX_JSON_BYTES, server/api/errors.py),
XML never resolves entities (xmltodict refuses DTD entity declarations: no XXE, no billion
laughs), and every field is type-checked before it reaches the database, so a forged or broken
push is a 400 or 403, never a 500.
"""

from __future__ import annotations

import json
import logging
import time

import redis
import xmltodict
from flask import Blueprint, Response, abort, current_app, request
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidSignatureException
from wechatpy.utils import check_signature

from server.identity.login import citizen_for
from server.models import Notification
from server.models.event import record
from server.notices import consent, followers
from server.platform.db import db
from server.platform.redis import get_redis
from server.settings import SANDBOX
from server.wechat import api as wechat
from server.wechat.client import WeChatError

SANDBOX_PUSH_TOKEN = SANDBOX["push_token"]

log = logging.getLogger(__name__)
bp = Blueprint("wechat_callback", __name__)

MAX_CLOCK_SKEW = 300  # seconds; older pushes are refused as replays
OPENID_MAX = 64  # the citizens.openid column


def _push_token() -> str:
    """The console's Token. With real WeChat credentials, an unset token or the sandbox's public
    one would let anyone sign pushes (a forged reject zeroes a citizen's credits): refuse all."""
    config = current_app.config
    token = config["WECHAT_PUSH_TOKEN"]
    if not token or (not config["WECHAT_SANDBOX"] and token == SANDBOX_PUSH_TOKEN):
        log.error(
            "WeChat push refused: WECHAT_PUSH_TOKEN is %s; set it to the Token of 消息推送 in "
            "the mini-program console (the sandbox's public token is never accepted with "
            "WECHAT_APPID set)",
            "the sandbox's public token" if token else "not set",
        )
        abort(403)
    return token


def _verify_query_signature() -> None:
    args = request.args
    try:
        check_signature(
            _push_token(),
            args.get("signature", ""),
            args.get("timestamp", ""),
            args.get("nonce", ""),
        )
    except InvalidSignatureException:
        abort(403)


def _recent(timestamp: str) -> bool:
    try:
        return abs(time.time() - int(timestamp)) <= MAX_CLOCK_SKEW
    except ValueError:
        return False


def _fresh(timestamp: str, nonce: str) -> bool:
    """Refuse stale or repeated pushes: timestamp within 5 minutes, each nonce used once."""
    if not _recent(timestamp):
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


def _parsed(text: str):
    try:
        return _parse(text)
    except Exception:  # noqa: BLE001 - any unparsable body (or entity in it) is the sender's fault
        abort(400)


def _payload() -> dict:
    args = request.args
    key = current_app.config["WECHAT_PUSH_AES_KEY"]
    encrypted = args.get("encrypt_type") == "aes"
    if key and not (encrypted and args.get("msg_signature")):
        # Safe mode is configured: WeChat sends every push encrypted, with a msg_signature over
        # the ciphertext. A plain one is someone holding a signed query (a verification URL from
        # a log, say), not WeChat.
        log.warning("WeChat push refused: plain push while WECHAT_PUSH_AES_KEY is set")
        abort(403)
    body = _parsed(request.get_data(as_text=True))
    if encrypted:
        if not key:
            abort(403)
        return _parsed(_decrypt(body, key))
    return body


def _decrypt(body, key: str) -> str:
    """The plain push; encrypted for the mini-program's appid, or the official account's."""
    args = request.args
    account = current_app.config["WECHAT_OA"]
    appids = [current_app.config["WECHAT_APPID"]] + ([account.appid] if account else [])
    for appid in appids:
        crypto = WeChatCrypto(_push_token(), key, appid)
        try:
            return crypto.decrypt_message(
                body,
                args.get("msg_signature", ""),
                args.get("timestamp", ""),
                args.get("nonce", ""),
            )
        except InvalidSignatureException:
            abort(403)
        except Exception:  # noqa: BLE001 - bad ciphertext, or the other app's appid
            continue
    abort(403)


def _text(value) -> str | None:
    """A field's value if it is text: XML gives nested dicts, JSON anything at all."""
    return value if isinstance(value, str) else None


def _items(event: dict, container: str) -> list[dict]:
    """xmltodict gives one item as a dict and several as a list; JSON gives a list. Anything
    that is not an object is dropped."""
    value = event.get(container) or event.get("List") or []
    if isinstance(value, dict) and "List" in value:
        value = value["List"]
    items = value if isinstance(value, list) else [value]
    return [item for item in items if isinstance(item, dict)]


def _consent_event(event: dict, container: str, counts: bool) -> None:
    citizen = citizen_for(event["FromUserName"], None)
    for item in _items(event, container):
        template_id = _text(item.get("TemplateId"))
        status = _text(item.get("SubscribeStatusString"))
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
        msgid = item.get("MsgID")
        if isinstance(msgid, bool) or not isinstance(msgid, str | int):
            continue
        notice = db.session.scalar(db.select(Notification).where(Notification.msgid == str(msgid)))
        status = item.get("ErrorStatus") or item.get("ErrorCode")
        if notice is not None and isinstance(status, str | int):
            notice.delivery_status = str(status)[:32]


def _follow_event(event: dict, follows: bool) -> None:
    """Someone followed or unfollowed the official account. A follow asks WeChat for the
    unionid (no transaction is open yet); if WeChat can't answer, the follower is kept without
    it and the next follow event completes it."""
    oa_openid = event["FromUserName"]
    unionid = None
    if follows:
        try:
            unionid = wechat.official_user(oa_openid).unionid
        except WeChatError as exc:
            log.warning("official account: no unionid for a new follower: %s", exc)
    followers.record_follow(oa_openid, follows, unionid if isinstance(unionid, str) else None)


def _handle(event: dict) -> None:
    kind = _text(event.get("Event"))
    if kind in ("subscribe", "unsubscribe") and current_app.config["WECHAT_OA"] is not None:
        _follow_event(event, kind == "subscribe")
    elif kind == "subscribe_msg_popup_event":
        counts = current_app.config["CONSENT_SOURCE"] == "push"
        _consent_event(event, "SubscribeMsgPopupEvent", counts)
    elif kind == "subscribe_msg_change_event":
        _consent_event(event, "SubscribeMsgChangeEvent", False)
    elif kind == "subscribe_msg_sent_event":
        _sent_event(event)
    else:
        log.info("ignoring WeChat push %s/%s", event.get("MsgType"), kind)
    db.session.commit()


def _valid_event(event) -> bool:
    if not isinstance(event, dict):
        return False
    openid = _text(event.get("FromUserName"))
    return bool(openid) and len(openid) <= OPENID_MAX


@bp.route("/wechat/callback", methods=["GET", "POST"])
def callback():
    _verify_query_signature()
    if request.method == "GET":
        return _echo()
    if not _fresh(request.args.get("timestamp", ""), request.args.get("nonce", "")):
        abort(403)
    event = _payload()
    if not _valid_event(event):
        abort(400)
    _handle(event)
    return "success"


def _echo() -> Response:
    """URL verification: answer echostr as is. As plain text that no browser may sniff: the
    signature covers the timestamp and nonce but not echostr, so anyone holding one signed
    query (from a log, say) could otherwise have our origin serve their HTML. A signed query
    is also only good for MAX_CLOCK_SKEW, like a push, and only once: its nonce is spent here,
    so the same query cannot carry a forged push afterwards."""
    echostr = request.args.get("echostr")
    if not _fresh(request.args.get("timestamp", ""), request.args.get("nonce", "")):
        abort(403)
    if not echostr:
        abort(400)
    response = Response(echostr, mimetype="text/plain")
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
