"""Message push (消息推送): WeChat's events POSTed to the app, signed and optionally encrypted.

Off until configured through `POST /sandbox/push`. Deliveries run on one background thread, in
order, with a short timeout: a slow or broken receiver never slows or breaks a sandbox call.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import queue
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

import requests
from wechatpy.crypto import PrpCrypto

log = logging.getLogger(__name__)

_TOKEN = re.compile(r"[A-Za-z0-9]{3,32}")
_AES_KEY = re.compile(r"[A-Za-z0-9]{43}")


@dataclass(frozen=True)
class PushConfig:
    url: str
    token: str
    encoding_aes_key: str | None = None
    format: str = "xml"  # xml | json

    def to_dict(self) -> dict:
        return asdict(self)


def parse_push_config(body: dict) -> PushConfig:
    """A PushConfig from the control API's body; ValueError (Chinese) when it makes no sense."""
    unknown = set(body) - {"url", "token", "encoding_aes_key", "format"}
    if unknown:
        raise ValueError(f"不认识的字段：{', '.join(sorted(unknown))}")
    url = body.get("url")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise ValueError("url 必须是 http:// 或 https:// 开头的地址")
    token = body.get("token")
    # The console's rule for the Token: letters or digits, 3 to 32 of them.
    if not isinstance(token, str) or not _TOKEN.fullmatch(token):
        raise ValueError("Token 必须为英文或数字，长度为3-32字符")
    aes_key = body.get("encoding_aes_key") or None
    if aes_key is not None and not _is_aes_key(aes_key):
        raise ValueError("EncodingAESKey 必须是 43 位字母或数字")
    push_format = body.get("format", "xml")
    if push_format not in ("xml", "json"):
        raise ValueError("format 只能是 xml 或 json")
    return PushConfig(url=url, token=token, encoding_aes_key=aes_key, format=push_format)


def _is_aes_key(key: object) -> bool:
    if not isinstance(key, str) or not _AES_KEY.fullmatch(key):
        return False
    try:
        return len(base64.b64decode(key + "=")) == 32
    except binascii.Error:
        return False


@dataclass(frozen=True)
class PushEvent:
    """One event, independent of the wire format."""

    to_user: str  # the mini-program's gh_ id
    openid: str
    event: str  # subscribe_msg_popup_event | subscribe_msg_sent_event | subscribe | unsubscribe
    wrapper: str | None  # SubscribeMsgPopupEvent | SubscribeMsgSentEvent (XML only)
    item: dict | None  # one element of List; None for an official account's follow events
    create_time: int


def popup_event(to_user: str, openid: str, template_id: str, decision: str) -> PushEvent:
    item = {"TemplateId": template_id, "SubscribeStatusString": decision, "PopupScene": "0"}
    return PushEvent(
        to_user, openid, "subscribe_msg_popup_event", "SubscribeMsgPopupEvent", item, _now()
    )


def sent_event(to_user: str, openid: str, template_id: str, msgid: int) -> PushEvent:
    item = {
        "TemplateId": template_id,
        "MsgID": str(msgid),
        "ErrorCode": "0",
        "ErrorStatus": "success",
    }
    return PushEvent(
        to_user, openid, "subscribe_msg_sent_event", "SubscribeMsgSentEvent", item, _now()
    )


def follow_event(to_user: str, oa_openid: str, follow: bool) -> PushEvent:
    """An official account's follow (subscribe) or unfollow (unsubscribe): no List, and the
    FromUserName is the official account's openid, not the mini-program's."""
    return PushEvent(
        to_user, oa_openid, "subscribe" if follow else "unsubscribe", None, None, _now()
    )


def _now() -> int:
    return int(time.time())


def _cdata(value: str) -> str:
    # "]]>" cannot appear inside CDATA; split it across two sections as XML allows.
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _xml_field(name: str, value: str) -> str:
    text = value if value.isdigit() else _cdata(value)
    return f"<{name}>{text}</{name}>"


def render_xml(event: PushEvent) -> str:
    """The XML WeChat documents: the List sits inside an element named after the event."""
    items = "".join(_xml_field(k, v) for k, v in (event.item or {}).items())
    wrapped = f"<{event.wrapper}><List>{items}</List></{event.wrapper}>" if event.wrapper else ""
    return (
        "<xml>"
        + _xml_field("ToUserName", event.to_user)
        + _xml_field("FromUserName", event.openid)
        + f"<CreateTime>{event.create_time}</CreateTime>"
        + _xml_field("MsgType", "event")
        + _xml_field("Event", event.event)
        + wrapped
        + "</xml>"
    )


def render_json(event: PushEvent) -> str:
    """The JSON WeChat pushes: `List` at the top level, an object when it holds one item."""
    body = {
        "ToUserName": event.to_user,
        "FromUserName": event.openid,
        "CreateTime": event.create_time,
        "MsgType": "event",
        "Event": event.event,
    }
    if event.item is not None:
        body["List"] = event.item
    return json.dumps(body, ensure_ascii=False)


def _sha1_sorted(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Delivery:
    url: str
    params: dict
    body: bytes
    content_type: str


def build_delivery(config: PushConfig, appid: str, event: PushEvent) -> Delivery:
    """The signed (and, with an EncodingAESKey, encrypted) request WeChat would send."""
    timestamp, nonce = str(_now()), str(secrets.randbelow(10**10))
    plain = render_json(event) if config.format == "json" else render_xml(event)
    params = {
        "signature": _sha1_sorted(config.token, timestamp, nonce),
        "timestamp": timestamp,
        "nonce": nonce,
        "openid": event.openid,
    }
    content_type = "application/json" if config.format == "json" else "text/xml"
    if not config.encoding_aes_key:
        return Delivery(config.url, params, plain.encode("utf-8"), content_type)
    key = base64.b64decode(config.encoding_aes_key + "=")
    encrypted = PrpCrypto(key).encrypt(plain, appid).decode("ascii")
    params["encrypt_type"] = "aes"
    params["msg_signature"] = _sha1_sorted(config.token, timestamp, nonce, encrypted)
    if config.format == "json":
        body = json.dumps({"ToUserName": event.to_user, "Encrypt": encrypted})
    else:
        fields = _xml_field("ToUserName", event.to_user) + _xml_field("Encrypt", encrypted)
        body = f"<xml>{fields}</xml>"
    return Delivery(config.url, params, body.encode("utf-8"), content_type)


class Pusher:
    """Sends deliveries one after another on a daemon thread, started on first use."""

    def __init__(self, timeout: float, on_result: Callable[[bool], None]) -> None:
        self._timeout = timeout
        self._on_result = on_result
        self._queue: queue.Queue[Delivery | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def submit(self, delivery: Delivery) -> None:
        with self._start_lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="wechat-sandbox-push", daemon=True
                )
                self._thread.start()
        self._queue.put(delivery)

    def close(self) -> None:
        with self._start_lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(None)
            thread.join(timeout=self._timeout + 1)

    def _run(self) -> None:
        while True:
            delivery = self._queue.get()
            if delivery is None:
                return
            self._on_result(self._send(delivery))

    def _send(self, delivery: Delivery) -> bool:
        try:
            answer = requests.post(
                delivery.url,
                params=delivery.params,
                data=delivery.body,
                headers={"Content-Type": delivery.content_type},
                timeout=self._timeout,
            )
        except requests.RequestException as exc:
            log.warning("push to %s failed: %s", delivery.url, exc)
            return False
        if answer.status_code != 200:
            log.warning("push to %s answered HTTP %s", delivery.url, answer.status_code)
            return False
        return True
