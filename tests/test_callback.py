"""Issue 3: WeChat's message push reaches /wechat/callback, checked and recorded."""

from __future__ import annotations

import secrets
import time

import pytest
from wechatpy.crypto import WeChatCrypto

from server.models import Citizen, ConsentCredit, Event
from server.platform.db import db
from tests.support.push import AES_KEY, popup_xml, sign


@pytest.fixture
def push(live):
    live.app.config["WECHAT_PUSH_AES_KEY"] = AES_KEY
    token = live.app.config["WECHAT_PUSH_TOKEN"]

    def post(
        body: str,
        *,
        aes: bool = False,
        timestamp: str | None = None,
        nonce: str | None = None,
        bad: bool = False,
    ):
        timestamp = timestamp or str(int(time.time()))
        nonce = nonce or secrets.token_hex(6)
        # A key configured means safe mode: WeChat then sends every push encrypted.
        live.app.config["WECHAT_PUSH_AES_KEY"] = AES_KEY if aes else None
        params = {"timestamp": timestamp, "nonce": nonce, "openid": "o-any"}
        params["signature"] = sign(token, timestamp, nonce) if not bad else "0" * 40
        if aes:
            crypto = WeChatCrypto(token, AES_KEY, live.app.config["WECHAT_APPID"])
            encrypted = crypto.encrypt_message(body, nonce, timestamp)
            import xmltodict

            envelope = xmltodict.parse(encrypted)["xml"]
            params.update(encrypt_type="aes", msg_signature=envelope["MsgSignature"])
            body = (
                "<xml><ToUserName><![CDATA[gh_123]]></ToUserName>"
                f"<Encrypt><![CDATA[{envelope['Encrypt']}]]></Encrypt></xml>"
            )
        return live.http.post(f"{live.url}/wechat/callback", params=params, data=body.encode())

    return post


def credits(live, openid, template_id):
    with live.app.app_context():
        citizen = db.session.scalar(db.select(Citizen).where(Citizen.openid == openid))
        if citizen is None:
            return None
        row = db.session.get(ConsentCredit, (citizen.id, template_id))
        return row.credits if row else 0


def test_url_verification_echoes_and_bad_signature_is_403(live):
    token = live.app.config["WECHAT_PUSH_TOKEN"]
    timestamp, nonce = str(int(time.time())), "n1"
    ok = live.http.get(
        f"{live.url}/wechat/callback",
        params={
            "signature": sign(token, timestamp, nonce),
            "timestamp": timestamp,
            "nonce": nonce,
            "echostr": "hello123",
        },
    )
    assert ok.status_code == 200 and ok.text == "hello123"
    bad = live.http.get(
        f"{live.url}/wechat/callback",
        params={"signature": "f" * 40, "timestamp": timestamp, "nonce": nonce, "echostr": "x"},
    )
    assert bad.status_code == 403


def test_aes_popup_event_records_a_credit(live, push):
    live.app.config["CONSENT_SOURCE"] = "push"
    reply = live.app.config["WECHAT_TEMPLATES"].reply
    openid = "oPUSH" + secrets.token_hex(8)
    answer = push(popup_xml(live.app, openid, reply), aes=True)
    assert answer.status_code == 200 and answer.text == "success"
    assert credits(live, openid, reply) == 1
    assert push(popup_xml(live.app, openid, reply), aes=True).status_code == 200
    assert credits(live, openid, reply) == 2
    push(popup_xml(live.app, openid, reply, "reject"), aes=True)
    assert credits(live, openid, reply) == 0


def test_popup_events_do_not_double_count_when_the_client_reports(live, push):
    reply = live.app.config["WECHAT_TEMPLATES"].reply
    openid = "oPUSH" + secrets.token_hex(8)
    assert push(popup_xml(live.app, openid, reply)).status_code == 200
    assert credits(live, openid, reply) == 0  # CONSENT_SOURCE=client: the mini-program counts
    with live.app.app_context():
        assert db.session.scalar(db.select(Event).where(Event.kind == "consent")) is not None


def test_bad_signatures_stale_and_replayed_pushes_are_refused(live, push):
    reply = live.app.config["WECHAT_TEMPLATES"].reply
    body = popup_xml(live.app, "oX", reply)
    assert push(body, bad=True).status_code == 403
    assert push(body, timestamp=str(int(time.time()) - 3600)).status_code == 403
    # A replay repeats the signed query exactly: the same timestamp and nonce. (Two calls that
    # each read the clock could straddle a second and be two different, honest pushes.)
    now = str(int(time.time()))
    assert push(body, timestamp=now, nonce="same-nonce").status_code == 200
    assert push(body, timestamp=now, nonce="same-nonce").status_code == 403
    # A forged Encrypt with a valid query signature: the msg_signature does not match.
    live.app.config.update(CONSENT_SOURCE="push", WECHAT_PUSH_AES_KEY=AES_KEY)
    token = live.app.config["WECHAT_PUSH_TOKEN"]
    timestamp, nonce = str(int(time.time())), "forged"
    forged = live.http.post(
        f"{live.url}/wechat/callback",
        params={
            "timestamp": timestamp,
            "nonce": nonce,
            "signature": sign(token, timestamp, nonce),
            "encrypt_type": "aes",
            "msg_signature": "0" * 40,
        },
        data=b"<xml><Encrypt><![CDATA[AAAA]]></Encrypt></xml>",
    )
    assert forged.status_code == 403
    live.app.config["WECHAT_PUSH_AES_KEY"] = None  # plain mode: the body is parsed
    assert (
        live.http.post(
            f"{live.url}/wechat/callback",
            params={
                "timestamp": timestamp,
                "nonce": "junk",
                "signature": sign(token, timestamp, "junk"),
            },
            data=b"{not xml",
        ).status_code
        == 400
    )


def test_the_sandbox_pushes_consents_to_our_callback(live):
    """End to end: a tap in the sandbox -> WeChat's push -> our credits (safe mode, JSON)."""
    live.app.config.update(CONSENT_SOURCE="push", WECHAT_PUSH_AES_KEY=AES_KEY)
    live.sandbox.control(
        "POST",
        "push",
        json={
            "url": f"{live.url}/wechat/callback",
            "token": live.app.config["WECHAT_PUSH_TOKEN"],
            "encoding_aes_key": AES_KEY,
            "format": "json",
        },
    )
    openid = live.new_user()
    reply = live.app.config["WECHAT_TEMPLATES"].reply
    live.sandbox.consent(openid, reply)
    for _ in range(100):
        if credits(live, openid, reply):
            break
        time.sleep(0.05)
    assert credits(live, openid, reply) == 1
