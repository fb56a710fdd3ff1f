"""Issue 12, items 7 and 8: the push callback with real WeChat credentials.

- With WECHAT_APPID set and WECHAT_PUSH_TOKEN unset, the sandbox's public token used to sign
  pushes that were believed (a forged reject zeroed a citizen's credits): now every push and
  every verification is refused, and the log says what to set.
- With an EncodingAESKey configured, a plain push was still accepted, and a signed verification
  query (printed in the access log) could carry a forged push for five minutes: now a push needs
  `msg_signature`, a verification spends its nonce, and the access log keeps no signature.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import time

import pytest
from wechatpy.crypto import WeChatCrypto

from server.models import Citizen, ConsentCredit
from server.notices import consent
from server.platform.db import db
from server.settings import SANDBOX, load_config
from tests.served import Gunicorn
from tests.support.push import AES_KEY, popup_xml

SANDBOX_PUSH_TOKEN = SANDBOX["push_token"]


def sign(token: str, *parts: str) -> str:
    return hashlib.sha1("".join(sorted([token, *parts])).encode()).hexdigest()


def signed_query(token: str, **extra) -> dict:
    timestamp, nonce = str(int(time.time())), secrets.token_hex(8)
    return {"timestamp": timestamp, "nonce": nonce, "signature": sign(token, timestamp, nonce)}


def citizen_with_credits(live, credits: int = 3) -> tuple[str, int]:
    openid = live.new_user("有订阅的群众")
    live.login(openid)
    reply = live.app.config["WECHAT_TEMPLATES"].reply
    with live.app.app_context():
        citizen = db.session.scalar(db.select(Citizen).where(Citizen.openid == openid))
        for _ in range(credits):
            consent.grant(citizen.id, reply)
        db.session.commit()
        citizen_id = citizen.id
        db.session.remove()
    return openid, citizen_id


def credits_of(live, citizen_id: int) -> int:
    reply = live.app.config["WECHAT_TEMPLATES"].reply
    with live.app.app_context():
        row = db.session.get(ConsentCredit, (citizen_id, reply))
        value = row.credits if row else 0
        db.session.remove()
    return value


def real_wechat_config(monkeypatch) -> dict:
    """What the settings are on a deployment with real credentials and no push token."""
    monkeypatch.setenv("WECHAT_APPID", "wx1234567890abcdef")
    monkeypatch.setenv("WECHAT_SECRET", "a-real-secret")
    monkeypatch.delenv("WECHAT_PUSH_TOKEN", raising=False)
    config = load_config({"SECRET_KEY": "x"})
    return {key: config[key] for key in ("WECHAT_SANDBOX", "WECHAT_PUSH_TOKEN")}


def test_real_credentials_have_no_default_push_token(monkeypatch):
    assert real_wechat_config(monkeypatch) == {"WECHAT_SANDBOX": False, "WECHAT_PUSH_TOKEN": None}
    monkeypatch.delenv("WECHAT_APPID")
    assert load_config({"SECRET_KEY": "x"})["WECHAT_PUSH_TOKEN"] == SANDBOX_PUSH_TOKEN


@pytest.mark.parametrize("token", [None, SANDBOX_PUSH_TOKEN], ids=["unset", "set to the public"])
def test_the_sandbox_token_opens_nothing_with_real_credentials(live, monkeypatch, caplog, token):
    openid, citizen_id = citizen_with_credits(live)
    live.app.config.update(real_wechat_config(monkeypatch), CONSENT_SOURCE="push")
    live.app.config["WECHAT_PUSH_TOKEN"] = token
    reply = live.app.config["WECHAT_TEMPLATES"].reply
    forged = popup_xml(live.app, openid, reply, "reject")
    url = f"{live.url}/wechat/callback"
    with caplog.at_level(logging.ERROR, logger="server.wechat.callback"):
        push = live.http.post(url, params=signed_query(SANDBOX_PUSH_TOKEN), data=forged.encode())
        check = live.http.get(url, params={**signed_query(SANDBOX_PUSH_TOKEN), "echostr": "e1"})
    assert push.status_code == 403 and check.status_code == 403
    assert "e1" not in check.text
    assert credits_of(live, citizen_id) == 3  # the forged reject changed nothing
    assert any("WECHAT_PUSH_TOKEN" in r.getMessage() for r in caplog.records), caplog.text


def test_a_configured_token_still_works_with_real_credentials(live, monkeypatch):
    openid, citizen_id = citizen_with_credits(live)
    live.app.config.update(real_wechat_config(monkeypatch), CONSENT_SOURCE="push")
    live.app.config["WECHAT_PUSH_TOKEN"] = "the-consoles-own-token"
    reply = live.app.config["WECHAT_TEMPLATES"].reply
    answer = live.http.post(
        f"{live.url}/wechat/callback",
        params=signed_query("the-consoles-own-token"),
        data=popup_xml(live.app, openid, reply).encode(),
    )
    assert answer.status_code == 200 and answer.text == "success"
    assert credits_of(live, citizen_id) == 4


def encrypted(live, token: str, plaintext: str, params: dict) -> tuple[dict, bytes]:
    crypto = WeChatCrypto(token, AES_KEY, live.app.config["WECHAT_APPID"])
    import xmltodict

    envelope = xmltodict.parse(
        crypto.encrypt_message(plaintext, params["nonce"], params["timestamp"])
    )["xml"]
    body = json.dumps({"ToUserName": "gh_1", "Encrypt": envelope["Encrypt"]}).encode()
    return {**params, "encrypt_type": "aes", "msg_signature": envelope["MsgSignature"]}, body


def test_with_a_key_configured_a_push_needs_msg_signature(live):
    openid, citizen_id = citizen_with_credits(live)
    live.app.config.update(CONSENT_SOURCE="push", WECHAT_PUSH_AES_KEY=AES_KEY)
    token = live.app.config["WECHAT_PUSH_TOKEN"]
    reply = live.app.config["WECHAT_TEMPLATES"].reply
    forged = popup_xml(live.app, openid, reply, "reject").encode()
    url = f"{live.url}/wechat/callback"
    plain = live.http.post(url, params=signed_query(token), data=forged)
    assert plain.status_code == 403
    no_signature = {**signed_query(token), "encrypt_type": "aes"}
    assert live.http.post(url, params=no_signature, data=forged).status_code == 403
    params, body = encrypted(live, token, popup_xml(live.app, openid, reply), signed_query(token))
    del params["msg_signature"]
    assert live.http.post(url, params=params, data=body).status_code == 403
    assert credits_of(live, citizen_id) == 3
    # The real thing still goes through.
    params, body = encrypted(live, token, popup_xml(live.app, openid, reply), signed_query(token))
    answer = live.http.post(url, params=params, data=body)
    assert answer.status_code == 200 and answer.text == "success"
    assert credits_of(live, citizen_id) == 4


def test_a_signed_verification_query_cannot_carry_a_push_afterwards(live):
    """Plain mode (no key): the verification GET spends its nonce, like a push does."""
    openid, citizen_id = citizen_with_credits(live)
    live.app.config["CONSENT_SOURCE"] = "push"
    token = live.app.config["WECHAT_PUSH_TOKEN"]
    reply = live.app.config["WECHAT_TEMPLATES"].reply
    url = f"{live.url}/wechat/callback"
    query = {**signed_query(token), "echostr": "check-1"}
    assert live.http.get(url, params=query).text == "check-1"
    forged = popup_xml(live.app, openid, reply, "reject").encode()
    assert live.http.post(url, params=query, data=forged).status_code == 403
    assert live.http.get(url, params=query).status_code == 403  # and no second echo
    assert credits_of(live, citizen_id) == 3


@pytest.fixture
def gunicorn(live, tmp_path):
    server = Gunicorn(live.app, tmp_path).start()
    yield server
    server.stop()


def test_the_access_log_keeps_no_signatures(live, gunicorn):
    token = live.app.config["WECHAT_PUSH_TOKEN"]
    query = {**signed_query(token), "echostr": "echo-secret-42"}
    answer = live.http.get(f"{gunicorn.url}/wechat/callback", params=query)
    assert answer.text == "echo-secret-42"
    photo = live.http.get(
        f"{gunicorn.url}/api/v1/uploads/0123abcd", params={"sig": "photo-secret-sig", "x": "1"}
    )
    assert photo.status_code == 404
    lines = gunicorn.access_lines(until="/api/v1/uploads/0123abcd")
    text = "\n".join(lines)
    assert "/wechat/callback?" in text and "/api/v1/uploads/0123abcd?" in text, text
    for secret in (query["signature"], query["nonce"], "echo-secret-42", "photo-secret-sig"):
        assert secret not in text, text
    assert f"timestamp={query['timestamp']}" in text and "x=1" in text  # the rest stays
