"""The WeChat sandbox over real HTTP, driven by wechatpy and requests as our server would."""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

import pytest
import requests
import xmltodict
import zxingcpp
from PIL import Image
from wechatpy import WeChatClient
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import APILimitedException, WeChatClientException
from wechatpy.utils import check_signature

from wechat_sandbox import defaults, sandbox_code_text
from wechat_sandbox.datatypes import EMPTY, EXCEEDS, INVALID, check_value
from wechat_sandbox.errors import WeChatError as SandboxError

REPLY = defaults.TEMPLATE_REPLY  # one_time
NEW_ITEM = defaults.TEMPLATE_NEW_ITEM  # long_term
ROOT = Path(__file__).resolve().parents[2]
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"


class SandboxClient(WeChatClient):
    """wechatpy's client with every base URL (and the hard-coded token URL) on the sandbox."""

    def __init__(self, base_url: str, appid: str = defaults.APPID, secret: str = defaults.SECRET):
        self.API_BASE_URL = f"{base_url}/cgi-bin/"
        super().__init__(appid, secret, timeout=5)
        self.wxa.API_BASE_URL = f"{base_url}/"
        self._token_url = f"{base_url}/cgi-bin/token"

    def fetch_access_token(self) -> dict:
        params = {"grant_type": "client_credential", "appid": self.appid, "secret": self.secret}
        return self._fetch_access_token(url=self._token_url, params=params)


@pytest.fixture
def client(sandbox) -> SandboxClient:
    return SandboxClient(sandbox.url)


def reply_data(**overrides: str) -> dict:
    values = {
        "character_string1": "LLZ-2026-000123",
        "thing2": "小区门口路灯不亮",
        "thing3": "已联系供电所，本周内修好",
        "name4": "王建国",
        "time5": "2026年11月22日 15:01",
        **overrides,
    }
    return {key: {"value": value} for key, value in values.items()}


def new_item_data() -> dict:
    values = {
        "character_string1": "LLZ-2026-000124",
        "thing2": "城建环保",
        "thing3": "河道有垃圾",
        "thing4": "东湖街道联络站",
        "time5": "2026-11-22 09:30",
    }
    return {key: {"value": value} for key, value in values.items()}


def errcode_of(call) -> tuple[int, str]:
    with pytest.raises(WeChatClientException) as info:
        call()
    return info.value.errcode, info.value.errmsg


def logged_in_user(sandbox, client: SandboxClient, nickname: str = "张三") -> str:
    openid = sandbox.new_user(nickname)
    client.wxa.code_to_session(sandbox.login_code(openid))
    return openid


# -- access token ----------------------------------------------------------------------------


def token_answer(sandbox, **params: str) -> dict:
    query = {"grant_type": "client_credential", "appid": defaults.APPID, "secret": defaults.SECRET}
    return requests.get(
        f"{sandbox.url}/cgi-bin/token", params={**query, **params}, timeout=5
    ).json()


def test_token_looks_like_wechats(sandbox):
    answer = token_answer(sandbox)
    assert answer["expires_in"] == 7200
    assert len(answer["access_token"]) >= 100
    assert answer["access_token"] != token_answer(sandbox)["access_token"]


@pytest.mark.parametrize(
    ("params", "errcode"),
    [
        ({"appid": "wx0000000000000000"}, 40013),
        ({"secret": "nope"}, 40001),
        ({"grant_type": "x"}, 40002),
    ],
)
def test_token_errors(sandbox, params, errcode):
    answer = token_answer(sandbox, **params)
    assert answer["errcode"] == errcode
    assert " rid: " in answer["errmsg"]


def test_paths_need_a_valid_token(sandbox):
    url = f"{sandbox.url}/cgi-bin/message/subscribe/send"
    assert requests.post(url, json={}, timeout=5).json()["errcode"] == 41001
    answer = requests.post(url, params={"access_token": "made-up"}, json={}, timeout=5)
    assert answer.status_code == 200
    assert answer.json()["errcode"] == 40001


# -- login -----------------------------------------------------------------------------------


def test_login_through_wechatpy(sandbox, client):
    openid = sandbox.new_user("张三")
    assert len(openid) == 28 and openid.startswith("o")
    session = client.wxa.code_to_session(sandbox.login_code(openid))
    assert session["openid"] == openid
    assert len(session["session_key"]) == 24


def test_unknown_code_is_40029(client):
    errcode, errmsg = errcode_of(lambda: client.wxa.code_to_session("not-a-code"))
    assert errcode == 40029
    assert errmsg.startswith("invalid code rid: ")


def test_reused_code_is_40163(sandbox, client):
    code = sandbox.login_code(sandbox.new_user())
    client.wxa.code_to_session(code)
    assert errcode_of(lambda: client.wxa.code_to_session(code))[0] == 40163


def test_old_code_is_40029(make_sandbox):
    sandbox = make_sandbox(CODE_TTL=0.05)
    code = sandbox.login_code(sandbox.new_user())
    time.sleep(0.1)
    assert errcode_of(lambda: SandboxClient(sandbox.url).wxa.code_to_session(code))[0] == 40029


def test_jscode2session_checks_the_app(sandbox):
    code = sandbox.login_code(sandbox.new_user())
    base = {"appid": defaults.APPID, "secret": defaults.SECRET, "js_code": code}
    base["grant_type"] = "authorization_code"
    url = f"{sandbox.url}/sns/jscode2session"
    assert requests.get(url, params={**base, "secret": "x"}, timeout=5).json()["errcode"] == 40125
    assert requests.get(url, params={**base, "appid": "wx1"}, timeout=5).json()["errcode"] == 40013
    # No access token needed; the code is still unused after the failed attempts.
    assert requests.get(url, params=base, timeout=5).json()["openid"]


def test_login_code_for_unknown_user_is_404(sandbox):
    answer = requests.post(f"{sandbox.url}/sandbox/login_code", json={"openid": "oNope"}, timeout=5)
    assert answer.status_code == 404
    assert answer.json()["error"]


# -- subscribe messages ----------------------------------------------------------------------


def test_one_time_consent_allows_exactly_one_message(sandbox, client):
    openid = sandbox.new_user()
    assert sandbox.consent(openid, REPLY)["credits"] == 1
    answer = client.wxa.send_subscribe_message(
        openid, REPLY, reply_data(), page="pages/detail/detail?id=7"
    )
    assert answer["errcode"] == 0 and isinstance(answer["msgid"], int)

    [sent] = sandbox.sent(openid)
    assert sent["msgid"] == answer["msgid"]
    assert sent["template_id"] == REPLY
    assert sent["data"] == reply_data()
    assert sent["page"] == "pages/detail/detail?id=7"
    assert (sent["miniprogram_state"], sent["lang"]) == ("formal", "zh_CN")
    assert sent["sent_at"].endswith("+00:00")

    errcode, errmsg = errcode_of(
        lambda: client.wxa.send_subscribe_message(openid, REPLY, reply_data())
    )
    assert errcode == 43101
    assert errmsg.startswith("user refuse to accept the msg")
    assert len(sandbox.sent(openid)) == 1


def test_each_accept_adds_a_credit_and_reject_keeps_them(sandbox, client):
    openid = sandbox.new_user()
    sandbox.consent(openid, REPLY)
    sandbox.consent(openid, REPLY)
    assert sandbox.consent(openid, REPLY, "reject")["credits"] == 2
    for _ in range(2):
        client.wxa.send_subscribe_message(openid, REPLY, reply_data())
    assert (
        errcode_of(lambda: client.wxa.send_subscribe_message(openid, REPLY, reply_data()))[0]
        == 43101
    )


def test_concurrent_sends_spend_each_credit_once(sandbox, client):
    openid = sandbox.new_user()
    for _ in range(5):
        sandbox.consent(openid, REPLY)
    client.fetch_access_token()

    def send(_: int) -> int:
        try:
            return client.wxa.send_subscribe_message(openid, REPLY, reply_data())["errcode"]
        except WeChatClientException as exc:
            return exc.errcode

    with ThreadPoolExecutor(max_workers=10) as pool:
        results = sorted(pool.map(send, range(12)))
    assert results == [0] * 5 + [43101] * 7
    assert len({m["msgid"] for m in sandbox.sent(openid)}) == 5


def test_long_term_template_after_one_accept(sandbox, client):
    openid = sandbox.new_user()
    send = partial(client.wxa.send_subscribe_message, openid, NEW_ITEM, new_item_data())
    assert errcode_of(send)[0] == 43101
    assert sandbox.consent(openid, NEW_ITEM)["accepted"] is True
    for _ in range(3):
        assert send()["errcode"] == 0
    assert sandbox.consent(openid, NEW_ITEM, "reject")["accepted"] is False
    assert errcode_of(send)[0] == 43101
    assert len(sandbox.sent(openid)) == 3


def test_state_and_lang_through_client_post(sandbox, client):
    openid = sandbox.new_user()
    sandbox.consent(openid, REPLY)
    body = {
        "touser": openid,
        "template_id": REPLY,
        "data": reply_data(),
        "miniprogram_state": "trial",
        "lang": "en_US",
    }
    client.post("message/subscribe/send", data=body)
    [sent] = sandbox.sent(openid)
    assert (sent["miniprogram_state"], sent["lang"], sent["page"]) == ("trial", "en_US", None)
    sandbox.consent(openid, REPLY)
    assert (
        errcode_of(lambda: client.post("message/subscribe/send", data={**body, "lang": "fr"}))[0]
        == 47001
    )


@pytest.mark.parametrize(
    ("overrides", "errmsg"),
    [
        ({"thing2": "一" * 21}, "argument invalid! data.thing2.value exceeds limit"),
        ({"thing3": "第一行\n第二行"}, "argument invalid! data.thing3.value invalid"),
        ({"time5": "明天下午"}, "argument invalid! data.time5.value invalid"),
        ({"time5": "2026-02-30 10:00"}, "argument invalid! data.time5.value invalid"),
        ({"name4": "王建国Wang"}, "argument invalid! data.name4.value invalid"),
        ({"character_string1": "编号12"}, "argument invalid! data.character_string1.value invalid"),
        ({"thing3": ""}, "argument invalid! data.thing3.value is empty"),
    ],
)
def test_bad_data_is_47003_naming_the_field(sandbox, client, overrides, errmsg):
    openid = sandbox.new_user()
    sandbox.consent(openid, REPLY)
    code, message = errcode_of(
        lambda: client.wxa.send_subscribe_message(openid, REPLY, reply_data(**overrides))
    )
    assert code == 47003
    assert message.startswith(errmsg + " rid: ")
    # A refused message spends no consent.
    assert client.wxa.send_subscribe_message(openid, REPLY, reply_data())["errcode"] == 0


def test_missing_and_extra_keywords_are_47003(sandbox, client):
    openid = sandbox.new_user()
    sandbox.consent(openid, REPLY)
    data = reply_data()
    del data["thing3"]
    code, message = errcode_of(lambda: client.wxa.send_subscribe_message(openid, REPLY, data))
    assert (code, message.split(" rid:")[0]) == (
        47003,
        "argument invalid! data.thing3.value is empty",
    )
    data = {**reply_data(), "thing9": {"value": "多余"}}
    code, message = errcode_of(lambda: client.wxa.send_subscribe_message(openid, REPLY, data))
    assert code == 47003 and "data.thing9" in message


def test_unknown_template_openid_and_page(sandbox, client):
    openid = sandbox.new_user()
    sandbox.consent(openid, REPLY)
    send = client.wxa.send_subscribe_message
    assert errcode_of(lambda: send(openid, "no-such-template", reply_data()))[0] == 40037
    assert errcode_of(lambda: send("oUnknownOpenid", REPLY, reply_data()))[0] == 40003
    assert errcode_of(lambda: send(openid, REPLY, reply_data(), page="pages/nope/nope"))[0] == 41030
    assert (
        errcode_of(lambda: send(openid, REPLY, reply_data(), page="/pages/detail/detail"))[0]
        == 41030
    )
    assert (
        send(openid, REPLY, reply_data(), page="pages/detail/detail?id=1&from=notice")["errcode"]
        == 0
    )


# -- data types (the rules, table-driven) ----------------------------------------------------


@pytest.mark.parametrize(
    ("data_type", "value", "problem"),
    [
        ("thing", "二十个字" * 5, None),
        ("thing", "二十个字" * 5 + "!", EXCEEDS),
        ("thing", "tab\there", INVALID),
        ("thing", "", EMPTY),
        ("thing", 12, INVALID),
        ("number", "3.14", None),
        ("number", "1" * 33, EXCEEDS),
        ("number", "12a", INVALID),
        ("letter", "abcXYZ", None),
        ("letter", "abc1", INVALID),
        ("symbol", "%#", None),
        ("symbol", "!!!!!!", EXCEEDS),
        ("symbol", "a", INVALID),
        ("character_string", "LLZ-2026_01#", None),
        ("character_string", "a b", INVALID),
        ("character_string", "x" * 33, EXCEEDS),
        ("phrase", "已回复", None),
        ("phrase", "已经回复了吗", EXCEEDS),
        ("phrase", "ok", INVALID),
        ("name", "阿卜杜·热合曼", None),
        ("name", "John Smith", None),
        ("name", "欧阳" * 6, EXCEEDS),
        ("name", "王Wang", INVALID),
        ("phone_number", "+86 138-0013-8000", None),
        ("phone_number", "1" * 18, EXCEEDS),
        ("phone_number", "call me", INVALID),
        ("amount", "¥12.50元", None),
        ("amount", "100", None),
        ("amount", "12345678901", EXCEEDS),
        ("amount", "12.5.1", INVALID),
        ("date", "2026年11月22日", None),
        ("date", "2026年1月2日", None),
        ("date", "2026-11-22", None),
        ("date", "2026-13-01", INVALID),
        ("date", "2026/11/22", INVALID),
        ("time", "15:01", None),
        ("time", "2026年11月22日 15:01", None),
        ("time", "2026-11-22 15:01", None),
        ("time", "2026-11-22 24:00", INVALID),
        ("time", "2026-11-22", INVALID),
        ("time", "15:01:30", INVALID),
    ],
)
def test_data_type_rules(data_type, value, problem):
    assert check_value(data_type, value) == problem


# -- mini-program codes ----------------------------------------------------------------------


def test_code_is_a_png_that_decodes_to_the_sandbox_text(sandbox, client):
    scene = "s=Ab9_x~!*'()"
    answer = client.wxa.get_wxa_code_unlimited(scene, width=500, page="pages/entry/entry")
    assert isinstance(answer, requests.Response)
    assert answer.headers["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(answer.content))
    assert image.format == "PNG" and image.size == (500, 500)
    [code] = zxingcpp.read_barcodes(image)
    assert code.text == sandbox_code_text("pages/entry/entry", scene)
    assert (
        code.text
        == "https://mp.weixin.qq.com/a/sandbox?page=pages/entry/entry&scene=s%3DAb9_x~%21%2A%27%28%29"
    )


def test_code_without_page_opens_the_home_page(client):
    answer = client.wxa.get_wxa_code_unlimited("k=1")
    [code] = zxingcpp.read_barcodes(Image.open(io.BytesIO(answer.content)))
    assert code.text == sandbox_code_text(None, "k=1")
    assert "page=pages/index/index&" in code.text


@pytest.mark.parametrize(
    ("body", "errcode"),
    [
        ({"scene": "x" * 33}, 40097),
        ({"scene": ""}, 40097),
        ({"scene": "有中文"}, 40097),
        ({"scene": "a b"}, 40097),
        ({"scene": "ok", "width": 279}, 40097),
        ({"scene": "ok", "width": 1281}, 40097),
        ({"scene": "ok", "page": "/pages/entry/entry"}, 40097),
        ({"scene": "ok", "page": "pages/entry/entry?a=1"}, 40097),
        ({"scene": "ok", "page": "pages/draft/draft"}, 41030),
        ({"scene": "ok", "page": "pages/entry/entry", "env_version": "beta"}, 40097),
    ],
)
def test_code_errors(client, body, errcode):
    assert errcode_of(lambda: client.wxa._post("wxa/getwxacodeunlimit", data=body))[0] == errcode


def test_unpublished_page_without_path_check(client):
    for body in (
        {"scene": "ok", "page": "pages/draft/draft", "check_path": False},
        {"scene": "ok", "page": "pages/draft/draft", "env_version": "develop"},
    ):
        answer = client.wxa._post("wxa/getwxacodeunlimit", data=body)
        [code] = zxingcpp.read_barcodes(Image.open(io.BytesIO(answer.content)))
        assert code.text == sandbox_code_text("pages/draft/draft", "ok")


# -- content check ---------------------------------------------------------------------------


def sec_check(client: SandboxClient, openid: str, content: str, **extra: object) -> dict:
    body = {"version": 2, "openid": openid, "scene": 2, "content": content, **extra}
    return client.wxa._post("wxa/msg_sec_check", data=body)


@pytest.mark.parametrize(
    ("content", "suggest", "label"),
    [
        ("小区门口的路灯坏了三天了", "pass", 100),
        ("有事加微信聊", "review", 21000),
        ("这里有赌博网站的广告", "risky", 20006),
    ],
)
def test_msg_sec_check_verdicts(sandbox, client, content, suggest, label):
    answer = sec_check(client, logged_in_user(sandbox, client), content)
    assert answer["errcode"] == 0
    assert answer["result"] == {"suggest": suggest, "label": label}
    assert answer["trace_id"] and answer["detail"][0]["suggest"] == suggest


def test_msg_sec_check_reads_the_title_too(sandbox, client):
    answer = sec_check(client, logged_in_user(sandbox, client), "正文没问题", title="代开发票")
    assert answer["result"]["suggest"] == "risky"


def test_msg_sec_check_errors(sandbox, client):
    openid = logged_in_user(sandbox, client)
    assert errcode_of(lambda: sec_check(client, sandbox.new_user(), "你好"))[0] == 61010
    assert errcode_of(lambda: sec_check(client, "oUnknown", "你好"))[0] == 40003
    assert errcode_of(lambda: sec_check(client, openid, "你好", version=1))[0] == 40097
    assert errcode_of(lambda: sec_check(client, openid, "你好", scene=5))[0] == 40097
    assert errcode_of(lambda: sec_check(client, openid, "字" * 2501))[0] == 40097


def test_msg_sec_check_needs_a_recent_login(make_sandbox):
    sandbox = make_sandbox(ACTIVE_TTL=0.1)
    client = SandboxClient(sandbox.url)
    openid = logged_in_user(sandbox, client)
    assert sec_check(client, openid, "你好")["result"]["suggest"] == "pass"
    time.sleep(0.15)
    assert errcode_of(lambda: sec_check(client, openid, "你好"))[0] == 61010


# -- phone number ----------------------------------------------------------------------------


def test_phone_number(sandbox, client):
    openid = sandbox.new_user()
    code = sandbox.control(
        "POST", "phone_code", json={"openid": openid, "phone": "+86 138 0013 8000"}
    )["code"]
    answer = client.wxa._post("wxa/business/getuserphonenumber", data={"code": code})
    info = answer["phone_info"]
    assert (info["phoneNumber"], info["purePhoneNumber"], info["countryCode"]) == (
        "13800138000",
        "13800138000",
        "86",
    )
    assert info["watermark"]["appid"] == defaults.APPID
    post = partial(client.wxa._post, "wxa/business/getuserphonenumber")
    assert errcode_of(partial(post, data={"code": code}))[0] == 40029
    assert errcode_of(partial(post, data={"code": "x"}))[0] == 40029


# -- tokens expire, faults -------------------------------------------------------------------


def test_expired_token_is_42001_and_wechatpy_refetches(sandbox, client):
    openid = logged_in_user(sandbox, client)
    old_token = client.access_token
    sandbox.control("POST", "expire_tokens")
    url = f"{sandbox.url}/wxa/msg_sec_check"
    body = {"version": 2, "openid": openid, "scene": 1, "content": "你好"}
    answer = requests.post(url, params={"access_token": old_token}, json=body, timeout=5).json()
    assert answer["errcode"] == 42001
    assert answer["errmsg"].startswith("access_token expired")

    assert sec_check(client, openid, "你好")["errcode"] == 0
    assert client.access_token != old_token
    assert sandbox.stats()["calls"]["/cgi-bin/token"] == 2


def test_fault_45009_raises_api_limited(sandbox, client):
    client.fetch_access_token()
    sandbox.faults(error_rate=1, errcode=45009)
    with pytest.raises(APILimitedException):
        client.wxa.get_wxa_code_unlimited("k=1")
    assert sandbox.stats()["faults"]["/wxa/getwxacodeunlimit"] == 1


def test_fault_times_stops_after_n(sandbox, client):
    openid = logged_in_user(sandbox, client)
    setting = sandbox.faults(errcode=-1, times=2, paths=["/wxa/msg_sec_check"])
    assert (setting["error_rate"], setting["times_left"]) == (1.0, 2)
    for _ in range(2):
        code, message = errcode_of(lambda: sec_check(client, openid, "你好"))
        assert (code, message.split(" rid:")[0]) == (-1, "system error")
    assert sec_check(client, openid, "你好")["errcode"] == 0
    stats = sandbox.stats()
    assert stats["calls"]["/wxa/msg_sec_check"] == 3
    assert stats["faults"] == {"/wxa/msg_sec_check": 2}
    assert sandbox.control("GET", "faults")["times_left"] == 0


def test_fault_paths_leave_other_paths_alone(sandbox, client):
    sandbox.faults(error_rate=1, errcode=45011, paths=["/wxa/"])
    openid = logged_in_user(sandbox, client)  # token and jscode2session still work
    assert errcode_of(lambda: sec_check(client, openid, "你好"))[0] == 45011


def test_latency_is_applied(sandbox, client):
    client.fetch_access_token()
    sandbox.faults(latency_ms=300)
    started = time.monotonic()
    client.wxa.get_wxa_code_unlimited("k=1")
    assert time.monotonic() - started >= 0.3
    assert sandbox.faults() == {
        "error_rate": 0.0,
        "errcode": -1,
        "latency_ms": 0.0,
        "paths": None,
        "times": None,
        "times_left": None,
    }


@pytest.mark.parametrize(
    "body",
    [
        {"error_rate": 2},
        {"error_rate": "half"},
        {"errcode": 0},
        {"errcode": "45009"},
        {"latency_ms": -1},
        {"paths": "/wxa/"},
        {"paths": ["wxa"]},
        {"times": 0},
        {"rate": 1},
        [1, 2],
    ],
)
def test_faults_reject_nonsense(sandbox, body):
    answer = requests.post(f"{sandbox.url}/sandbox/faults", json=body, timeout=5)
    assert answer.status_code == 400
    assert answer.json()["error"]


# -- the page, reset, control API ------------------------------------------------------------


def test_page_lists_users_and_messages_escaped(sandbox, client):
    openid = sandbox.new_user("<script>alert(1)</script>")
    sandbox.consent(openid, REPLY)
    client.wxa.send_subscribe_message(openid, REPLY, reply_data(thing3="<b>回复</b>"))
    answer = requests.get(f"{sandbox.url}/sandbox/", timeout=5)
    assert answer.headers["Content-Type"] == "text/html; charset=utf-8"
    html = answer.text
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;回复&lt;/b&gt;" in html
    assert "留言回复通知" in html and "沙箱" in html and openid in html
    assert "一次性订阅，剩余 0 次" in html
    assert "<link" not in html and "<script" not in html


def test_reset_forgets_everything(sandbox, client):
    openid = logged_in_user(sandbox, client)
    sandbox.consent(openid, NEW_ITEM)
    client.wxa.send_subscribe_message(openid, NEW_ITEM, new_item_data())
    sandbox.faults(latency_ms=1)
    sandbox.reset()
    assert sandbox.sent() == []
    assert sandbox.control("GET", "users") == {"users": []}
    assert sandbox.control("GET", "faults")["latency_ms"] == 0
    assert sandbox.stats()["calls"] == {}
    # Tokens are gone too: wechatpy meets 40001, fetches a new one and carries on.
    assert client.wxa.get_wxa_code_unlimited("k=1").status_code == 200


def test_consent_control_errors(sandbox):
    openid = sandbox.new_user()
    url = f"{sandbox.url}/sandbox/consent"
    cases = [
        ({"openid": openid, "template_id": "nope", "decision": "accept"}, 400),
        ({"openid": "oNope", "template_id": REPLY, "decision": "accept"}, 404),
        ({"openid": openid, "template_id": REPLY, "decision": "ban"}, 400),
    ]
    for body, status in cases:
        assert requests.post(url, json=body, timeout=5).status_code == status


# -- push ------------------------------------------------------------------------------------


def configure_push(sandbox, receiver, **extra: str) -> None:
    sandbox.control("POST", "push", json={"url": receiver.url, "token": "pushtoken123", **extra})


def test_push_plain_xml(sandbox, client, receiver):
    configure_push(sandbox, receiver)
    openid = sandbox.new_user()
    sandbox.consent(openid, REPLY)
    msgid = client.wxa.send_subscribe_message(openid, REPLY, reply_data())["msgid"]
    popup, sent = receiver.wait_for(2)
    for push in (popup, sent):
        args = push["args"]
        check_signature("pushtoken123", args["signature"], args["timestamp"], args["nonce"])
        assert "encrypt_type" not in args and args["openid"] == openid
        assert push["content_type"] == "text/xml"

    event = xmltodict.parse(popup["body"])["xml"]
    assert event["ToUserName"] == defaults.ORIGINAL_ID
    assert (event["FromUserName"], event["MsgType"], event["Event"]) == (
        openid,
        "event",
        "subscribe_msg_popup_event",
    )
    assert int(event["CreateTime"]) > 0
    assert event["SubscribeMsgPopupEvent"]["List"] == {
        "TemplateId": REPLY,
        "SubscribeStatusString": "accept",
        "PopupScene": "0",
    }
    event = xmltodict.parse(sent["body"])["xml"]
    assert event["Event"] == "subscribe_msg_sent_event"
    assert event["SubscribeMsgSentEvent"]["List"] == {
        "TemplateId": REPLY,
        "MsgID": str(msgid),
        "ErrorCode": "0",
        "ErrorStatus": "success",
    }


def test_push_aes_xml(sandbox, client, receiver):
    configure_push(sandbox, receiver, encoding_aes_key=AES_KEY)
    openid = sandbox.new_user()
    sandbox.consent(openid, NEW_ITEM, "reject")
    [push] = receiver.wait_for(1)
    args = push["args"]
    assert args["encrypt_type"] == "aes"
    check_signature("pushtoken123", args["signature"], args["timestamp"], args["nonce"])
    crypto = WeChatCrypto("pushtoken123", AES_KEY, defaults.APPID)
    plain = crypto.decrypt_message(
        push["body"], args["msg_signature"], args["timestamp"], args["nonce"]
    )
    event = xmltodict.parse(plain)["xml"]
    assert event["SubscribeMsgPopupEvent"]["List"]["SubscribeStatusString"] == "reject"
    assert event["SubscribeMsgPopupEvent"]["List"]["TemplateId"] == NEW_ITEM


def test_push_aes_json(sandbox, client, receiver):
    configure_push(sandbox, receiver, encoding_aes_key=AES_KEY, format="json")
    openid = sandbox.new_user()
    sandbox.consent(openid, REPLY)
    [push] = receiver.wait_for(1)
    args = push["args"]
    assert push["content_type"] == "application/json"
    envelope = json.loads(push["body"])
    assert envelope["ToUserName"] == defaults.ORIGINAL_ID
    crypto = WeChatCrypto("pushtoken123", AES_KEY, defaults.APPID)
    plain = crypto.decrypt_message(
        envelope, args["msg_signature"], args["timestamp"], args["nonce"]
    )
    event = json.loads(plain)
    assert event["Event"] == "subscribe_msg_popup_event"
    assert event["List"] == {
        "TemplateId": REPLY,
        "SubscribeStatusString": "accept",
        "PopupScene": "0",
    }


def test_push_failure_never_breaks_the_call(sandbox, client):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sandbox.control("POST", "push", json={"url": f"http://127.0.0.1:{port}/cb", "token": "abc"})
    openid = sandbox.new_user()
    assert sandbox.consent(openid, REPLY)["credits"] == 1
    assert client.wxa.send_subscribe_message(openid, REPLY, reply_data())["errcode"] == 0
    deadline = time.monotonic() + 5
    while sandbox.stats()["push"]["failed"] < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert sandbox.stats()["push"] == {"delivered": 0, "failed": 2}


@pytest.mark.parametrize(
    "body",
    [
        {"url": "ftp://x", "token": "abc"},
        {"url": "http://127.0.0.1/cb", "token": "sandbox-push-token"},
        {"url": "http://127.0.0.1/cb", "token": "abc", "encoding_aes_key": "short"},
        {"url": "http://127.0.0.1/cb", "token": "abc", "format": "yaml"},
    ],
)
def test_push_config_is_validated(sandbox, body):
    answer = requests.post(f"{sandbox.url}/sandbox/push", json=body, timeout=5)
    assert answer.status_code == 400 and answer.json()["error"]


# -- running it on its own -------------------------------------------------------------------


@pytest.mark.slow
def test_module_runs_and_logs_its_address():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "SANDBOX_PORT": str(port)}
    process = subprocess.Popen(
        [sys.executable, "-m", "wechat_sandbox"],
        cwd=ROOT,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stderr.readline()
        assert f"WeChat 沙箱 listening on http://127.0.0.1:{port}" in line
        deadline = time.monotonic() + 10
        while True:
            try:
                answer = requests.get(f"http://127.0.0.1:{port}/sandbox/stats", timeout=1)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline
                time.sleep(0.05)
        assert answer.json()["calls"] == {}
    finally:
        process.terminate()
        process.wait(timeout=10)


# -- cgi-bin/stable_token and cgi-bin/token's eviction -----------------------------------------


def _stable(sandbox, **body) -> dict:
    payload = {
        "grant_type": "client_credential",
        "appid": defaults.APPID,
        "secret": defaults.SECRET,
    }
    return requests.post(
        f"{sandbox.url}/cgi-bin/stable_token", json={**payload, **body}, timeout=5
    ).json()


def _plain(sandbox) -> str:
    query = {"grant_type": "client_credential", "appid": defaults.APPID, "secret": defaults.SECRET}
    return requests.get(f"{sandbox.url}/cgi-bin/token", params=query, timeout=5).json()[
        "access_token"
    ]


def test_stable_token_is_the_same_until_forced(sandbox):
    first = _stable(sandbox)
    again = _stable(sandbox, force_refresh=False)
    assert first["access_token"] == again["access_token"] and again["expires_in"] > 7000
    forced = _stable(sandbox, force_refresh=True)
    assert forced["access_token"] != first["access_token"]
    with pytest.raises(SandboxError) as caught:
        sandbox.state.check_token(first["access_token"])  # a forced refresh retires it at once
    assert caught.value.errcode == 42001
    assert _stable(sandbox, force_refresh=True)["errcode"] == 45011  # twice within 30 s


def test_stable_token_refuses_bad_credentials(sandbox):
    assert _stable(sandbox, secret="wrong")["errcode"] == 40001
    assert _stable(sandbox, appid="wx0000000000000000")["errcode"] == 40013
    assert _stable(sandbox, grant_type="password")["errcode"] == 40002


def test_the_official_account_has_stable_tokens_of_its_own(sandbox):
    oa = _stable(sandbox, appid=defaults.OA_APPID, secret=defaults.OA_SECRET)
    mini = _stable(sandbox)
    assert oa["access_token"] != mini["access_token"]
    sandbox.state.check_token(oa["access_token"], official=True)
    with pytest.raises(SandboxError) as caught:
        sandbox.state.check_token(oa["access_token"])  # not a mini-program token
    assert caught.value.errcode == 40001
    assert _stable(sandbox, appid=defaults.OA_APPID, secret="wrong")["errcode"] == 40001


def test_plain_token_retires_the_previous_one_after_five_minutes(sandbox):
    state = sandbox.state
    old = _plain(sandbox)
    stable = _stable(sandbox)["access_token"]
    _plain(sandbox)
    assert 0 < state.tokens[old] - time.time() <= 300  # still valid, for five minutes at most
    assert state.tokens[stable] - time.time() > 7000  # the two kinds of token keep apart
