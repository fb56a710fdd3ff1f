"""Issue 6, hostile input: what may arrive at the public push URL /wechat/callback.

tests/test_callback.py covers bad, stale and replayed signatures. Here: bodies that are huge,
XML that tries to make the parser fetch files or blow up, JSON of the wrong shapes, pushes
encrypted for another mini-program, and URL verification misused. Each is refused (4xx) or
harmlessly ignored, never a 500, and nothing is granted.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import socket
import threading
import time

import pytest
import requests
import xmltodict
from wechatpy.crypto import WeChatCrypto

from server.models import Citizen, ConsentCredit, Event
from server.platform.db import db

AES_KEY = base64.b64encode(os.urandom(32)).decode().rstrip("=")
while not AES_KEY.isalnum():  # the console only issues letters and digits
    AES_KEY = base64.b64encode(os.urandom(32)).decode().rstrip("=")


def sign(token: str, *parts: str) -> str:
    return hashlib.sha1("".join(sorted([token, *parts])).encode()).hexdigest()


def popup(openid: str, template_id: str, status: str = "accept") -> dict:
    return {
        "ToUserName": "gh_123",
        "FromUserName": openid,
        "CreateTime": int(time.time()),
        "MsgType": "event",
        "Event": "subscribe_msg_popup_event",
        "List": [{"TemplateId": template_id, "SubscribeStatusString": status, "PopupScene": "0"}],
    }


class Pusher:
    """Plays WeChat's side: signs the query with the push token, encrypts when asked."""

    def __init__(self, live) -> None:
        self.live = live
        self.token = live.app.config["WECHAT_PUSH_TOKEN"]
        self.no_key = False  # True: encrypted pushes meet a server with no key configured

    def params(self, timestamp: str | None = None, nonce: str | None = None) -> dict:
        timestamp = timestamp or str(int(time.time()))
        nonce = nonce or secrets.token_hex(8)
        return {
            "timestamp": timestamp,
            "nonce": nonce,
            "signature": sign(self.token, timestamp, nonce),
            "openid": "o-any",
        }

    def post(self, body: bytes | str, params: dict | None = None) -> requests.Response:
        """A plain push, as WeChat sends them when no EncodingAESKey is configured (with one,
        a plain push is refused before its body is read: tests/security/test_push_callback.py)."""
        if params is None or params.get("encrypt_type") != "aes":
            self.live.app.config["WECHAT_PUSH_AES_KEY"] = None
        data = body.encode() if isinstance(body, str) else body
        return self.live.http.post(
            f"{self.live.url}/wechat/callback", params=params or self.params(), data=data
        )

    def post_encrypted(self, plaintext: str, appid: str | None = None) -> requests.Response:
        if self.live.app.config["WECHAT_PUSH_AES_KEY"] is None and not self.no_key:
            self.live.app.config["WECHAT_PUSH_AES_KEY"] = AES_KEY
        params = self.params()
        appid = appid or self.live.app.config["WECHAT_APPID"]
        crypto = WeChatCrypto(self.token, AES_KEY, appid)
        envelope = xmltodict.parse(
            crypto.encrypt_message(plaintext, params["nonce"], params["timestamp"])
        )["xml"]
        params.update(encrypt_type="aes", msg_signature=envelope["MsgSignature"])
        body = json.dumps({"ToUserName": "gh_123", "Encrypt": envelope["Encrypt"]})
        return self.post(body, params)

    def get(self, params: dict) -> requests.Response:
        return self.live.http.get(f"{self.live.url}/wechat/callback", params=params)


@pytest.fixture
def pusher(live) -> Pusher:
    # Credits counted from pushes: a forged event that got through would show as a credit.
    live.app.config.update(CONSENT_SOURCE="push", WECHAT_PUSH_AES_KEY=AES_KEY)
    return Pusher(live)


def recorded(live) -> tuple[int, int, int]:
    """Citizens, consent credits and events: a refused push leaves all three alone."""
    with live.app.app_context():
        counts = tuple(
            db.session.scalar(db.select(db.func.count()).select_from(model))
            for model in (Citizen, ConsentCredit, Event)
        )
        db.session.remove()
    return counts


def assert_refused(response, status: int) -> None:
    assert response.status_code == status, (response.status_code, response.text[:300])
    assert "Traceback" not in response.text


def test_the_pusher_is_believed_when_it_plays_by_the_rules(live, pusher):
    """The control for everything below: the same helpers, a proper push, a credit."""
    reply = live.app.config["WECHAT_TEMPLATES"].reply
    assert pusher.post(json.dumps(popup("oGOOD", reply))).text == "success"
    assert pusher.post_encrypted(json.dumps(popup("oGOOD2", reply))).text == "success"
    assert recorded(live)[:2] == (2, 2)


def test_a_1mb_push_is_refused_before_it_is_parsed(live, pusher):
    reply = live.app.config["WECHAT_TEMPLATES"].reply
    event = popup("oBIG", reply)
    event["Padding"] = "x" * (1024 * 1024)
    assert_refused(pusher.post(json.dumps(event)), 413)
    xml = "<xml><FromUserName>oBIG</FromUserName><Pad>" + "y" * (1024 * 1024) + "</Pad></xml>"
    assert_refused(pusher.post(xml), 413)
    assert recorded(live) == (0, 0, 0)


class Listener:
    """A TCP port that notes whether anything connected: where an XXE would fetch from."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(5)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.stopping = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.stopping:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def stop(self) -> None:
        self.stopping = True
        self.thread.join(timeout=2)
        self.sock.close()


@pytest.fixture
def listener():
    server = Listener()
    yield server
    server.stop()


def xxe_bodies(port: int) -> list[str]:
    tail = (
        "<ToUserName>gh_123</ToUserName><MsgType>event</MsgType>"
        "<Event>subscribe_msg_popup_event</Event></xml>"
    )
    return [
        '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        "<xml><FromUserName>&e;</FromUserName>" + tail,
        f'<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY e SYSTEM "http://127.0.0.1:{port}/x">]>'
        "<xml><FromUserName>&e;</FromUserName>" + tail,
        # A parameter entity is fetched while the DTD is read, before any element.
        f'<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY % p SYSTEM "http://127.0.0.1:{port}/p">'
        " %p;]><xml><FromUserName>oX</FromUserName>" + tail,
        f'<?xml version="1.0"?><!DOCTYPE xml SYSTEM "http://127.0.0.1:{port}/dtd">'
        "<xml><FromUserName>oX</FromUserName>" + tail,
    ]


def test_xml_external_entities_are_never_resolved(live, pusher, listener):
    for body in xxe_bodies(listener.port):
        answer = pusher.post(body)
        assert answer.status_code in (400, 200), (answer.status_code, body)
        assert "root:" not in answer.text
    # Inside a properly encrypted push too: the plaintext is XML of the sender's choosing.
    for body in xxe_bodies(listener.port):
        answer = pusher.post_encrypted(body)
        assert answer.status_code in (400, 200), (answer.status_code, body)
    time.sleep(0.3)
    assert listener.connections == 0
    with live.app.app_context():
        openids = list(db.session.scalars(db.select(Citizen.openid)))
        db.session.remove()
    assert not any("root:" in openid for openid in openids)
    assert recorded(live)[1] == 0


def test_entity_declarations_are_refused(live, pusher):
    answer = pusher.post(xxe_bodies(1)[0])
    assert_refused(answer, 400)


def test_billion_laughs_is_refused_at_once(live, pusher):
    entities = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
    )
    body = (
        f'<?xml version="1.0"?><!DOCTYPE xml [{entities}]>'
        "<xml><FromUserName>&lol9;</FromUserName></xml>"
    )
    started = time.monotonic()
    assert_refused(pusher.post(body), 400)
    assert_refused(pusher.post_encrypted(body), 400)
    assert time.monotonic() - started < 5
    assert recorded(live) == (0, 0, 0)


@pytest.mark.parametrize(
    "body",
    [
        "[]",
        "null",
        "123",
        '"success"',
        json.dumps({"FromUserName": 123, "Event": "subscribe_msg_popup_event"}),
        json.dumps({"FromUserName": ["oX"], "Event": "subscribe_msg_popup_event"}),
        json.dumps({"FromUserName": {"id": "oX"}, "Event": "subscribe_msg_popup_event"}),
        json.dumps({"FromUserName": None, "Event": "subscribe_msg_popup_event"}),
        json.dumps({"FromUserName": "", "Event": "subscribe_msg_popup_event"}),
        json.dumps({"FromUserName": "o" * 65, "Event": "subscribe_msg_popup_event"}),
        "<xml><FromUserName><a>1</a></FromUserName><Event>x</Event></xml>",
        "<other><FromUserName>oX</FromUserName></other>",
        "<xml/>",
        "<xml><FromUserName>oX",
    ],
)
def test_malformed_pushes_are_400(live, pusher, body):
    assert_refused(pusher.post(body), 400)
    assert recorded(live) == (0, 0, 0)


def _wrong_shapes(reply: str) -> list[dict]:
    base = {"FromUserName": "oSHAPE", "Event": "subscribe_msg_popup_event"}
    return [
        {**base, "Event": ["subscribe_msg_popup_event"]},
        {**base, "List": "accept"},
        {**base, "List": ["accept", 1, None]},
        {**base, "List": [{"TemplateId": [reply], "SubscribeStatusString": "accept"}]},
        {**base, "List": [{"TemplateId": {"id": reply}, "SubscribeStatusString": "accept"}]},
        {**base, "List": [{"TemplateId": reply, "SubscribeStatusString": ["accept"]}]},
        {**base, "List": {"List": "accept"}},
        {**base, "SubscribeMsgPopupEvent": {"List": [[{"TemplateId": reply}]]}},
        {"FromUserName": "oSHAPE", "Event": "subscribe_msg_sent_event", "List": [{"MsgID": {}}]},
        {
            "FromUserName": "oSHAPE",
            "Event": "subscribe_msg_sent_event",
            "List": [{"MsgID": 12, "ErrorStatus": ["x"], "ErrorCode": {"a": 1}}],
        },
        {"FromUserName": "oSHAPE", "Event": 42},
    ]


@pytest.mark.parametrize("index", range(11))
@pytest.mark.parametrize("encrypted", [False, True])
def test_fields_of_the_wrong_type_are_ignored_not_a_crash(live, pusher, index, encrypted):
    reply = live.app.config["WECHAT_TEMPLATES"].reply
    event = json.dumps(_wrong_shapes(reply)[index])
    answer = pusher.post_encrypted(event) if encrypted else pusher.post(event)
    assert answer.status_code == 200, answer.text[:300]
    assert answer.text == "success"
    assert recorded(live)[1] == 0  # no credit from a malformed item


def test_a_push_encrypted_for_another_app_is_refused(live, pusher):
    reply = live.app.config["WECHAT_TEMPLATES"].reply
    answer = pusher.post_encrypted(json.dumps(popup("oOTHER", reply)), appid="wx0123456789abcdef")
    assert_refused(answer, 403)
    assert recorded(live) == (0, 0, 0)


def test_encrypted_mode_without_a_key_configured_is_refused(live, pusher):
    reply = live.app.config["WECHAT_TEMPLATES"].reply
    live.app.config["WECHAT_PUSH_AES_KEY"] = None
    pusher.no_key = True
    assert_refused(pusher.post_encrypted(json.dumps(popup("oNOKEY", reply))), 403)
    assert recorded(live) == (0, 0, 0)


@pytest.mark.parametrize("timestamp", ["abc", "1e9", "-1", "99999999999999999999", ""])
def test_odd_timestamps_with_a_matching_signature_are_refused(live, pusher, timestamp):
    reply = live.app.config["WECHAT_TEMPLATES"].reply
    params = pusher.params(timestamp=timestamp or " ")
    if not timestamp:
        params["timestamp"] = ""
        params["signature"] = sign(pusher.token, "", params["nonce"])
    assert_refused(pusher.post(json.dumps(popup("oTS", reply)), params), 403)
    assert recorded(live) == (0, 0, 0)


def test_url_verification_needs_an_echostr(live, pusher):
    answer = pusher.get(pusher.params())
    assert_refused(answer, 400)
    assert answer.text != ""


def test_url_verification_never_serves_html(live, pusher):
    """echostr is not covered by the signature: whoever has one signed query could have our
    origin (the dashboard's!) serve their page, if the echo were HTML."""
    script = "<script>alert(document.cookie)</script>"
    answer = pusher.get({**pusher.params(), "echostr": script})
    assert answer.status_code == 200 and answer.text == script
    assert answer.headers["Content-Type"].startswith("text/plain")
    assert answer.headers["X-Content-Type-Options"] == "nosniff"


def test_an_old_signed_verification_query_is_refused(live, pusher):
    old = pusher.params(timestamp=str(int(time.time()) - 3600))
    assert_refused(pusher.get({**old, "echostr": "123456"}), 403)
