"""The official account (服务号) over real HTTP, driven by wechatpy as our server would."""

from __future__ import annotations

import pytest
import requests
import xmltodict
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException
from wechatpy.utils import check_signature

from wechat_sandbox import defaults

OA_REPLY = defaults.OA_TEMPLATE_REPLY


class OfficialClient(WeChatClient):
    """wechatpy's client for the official account, every URL on the sandbox."""

    def __init__(self, base_url: str, appid: str = defaults.OA_APPID, secret=defaults.OA_SECRET):
        self.API_BASE_URL = f"{base_url}/cgi-bin/"
        super().__init__(appid, secret, timeout=5)
        self._token_url = f"{base_url}/cgi-bin/token"

    def fetch_access_token(self) -> dict:
        params = {"grant_type": "client_credential", "appid": self.appid, "secret": self.secret}
        return self._fetch_access_token(url=self._token_url, params=params)


@pytest.fixture
def oa(sandbox) -> OfficialClient:
    return OfficialClient(sandbox.url)


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


def errcode_of(call) -> int:
    with pytest.raises(WeChatClientException) as caught:
        call()
    return caught.value.errcode


def test_a_follower_receives_a_template_message(sandbox, oa):
    openid = sandbox.new_user()
    follower = sandbox.follow_oa(openid)
    assert follower["oa_openid"] != openid and follower["unionid"]
    data = reply_data(first="您好", remark="谢谢")
    mini = {"appid": defaults.APPID, "pagepath": "pages/detail/detail?id=7"}
    answer = oa.message.send_template(follower["oa_openid"], OA_REPLY, data, mini_program=mini)
    assert answer["errcode"] == 0 and answer["msgid"]
    [sent] = sandbox.oa_sent(follower["oa_openid"])
    assert sent["openid"] == openid and sent["msgid"] == answer["msgid"]
    # first/remark are gone since 2023: WeChat drops them
    assert set(sent["data"]) == {"character_string1", "thing2", "thing3", "name4", "time5"}
    assert sent["miniprogram"]["pagepath"] == "pages/detail/detail?id=7"
    assert sandbox.sent() == []  # not a subscribe message


def test_a_21_character_value_is_refused(sandbox, oa):
    follower = sandbox.follow_oa(sandbox.new_user())
    send = oa.message.send_template
    assert len("一" * 20) == 20
    send(follower["oa_openid"], OA_REPLY, reply_data(thing3="一" * 20))
    assert (
        errcode_of(lambda: send(follower["oa_openid"], OA_REPLY, reply_data(thing3="一" * 21)))
        == 47003
    )
    assert (
        errcode_of(lambda: send(follower["oa_openid"], OA_REPLY, reply_data(thing3="两行\n文字")))
        == 47003
    )
    assert len(sandbox.oa_sent()) == 1


def test_unfollowed_bad_template_bad_openid(sandbox, oa):
    openid = sandbox.new_user()
    follower = sandbox.follow_oa(openid)
    sandbox.follow_oa(openid, follow=False)
    send = oa.message.send_template
    assert errcode_of(lambda: send(follower["oa_openid"], OA_REPLY, reply_data())) == 43004
    sandbox.follow_oa(openid)
    assert errcode_of(lambda: send(follower["oa_openid"], "nope", reply_data())) == 40037
    # a mini-program openid is not an official-account openid
    assert errcode_of(lambda: send(openid, OA_REPLY, reply_data())) == 40003
    bad_page = {"appid": defaults.APPID, "pagepath": "pages/secret/secret"}
    assert (
        errcode_of(
            lambda: send(follower["oa_openid"], OA_REPLY, reply_data(), mini_program=bad_page)
        )
        == 41030
    )
    assert sandbox.oa_sent() == []


def test_daily_quota(make_sandbox):
    sandbox = make_sandbox(OA_DAILY_QUOTA=2)
    oa = OfficialClient(sandbox.url)
    follower = sandbox.follow_oa(sandbox.new_user())
    for _ in range(2):
        oa.message.send_template(follower["oa_openid"], OA_REPLY, reply_data())
    assert (
        errcode_of(lambda: oa.message.send_template(follower["oa_openid"], OA_REPLY, reply_data()))
        == 45009
    )


def test_tokens_are_per_app(sandbox, oa):
    follower = sandbox.follow_oa(sandbox.new_user())
    mini_token = requests.get(
        f"{sandbox.url}/cgi-bin/token",
        params={
            "grant_type": "client_credential",
            "appid": defaults.APPID,
            "secret": defaults.SECRET,
        },
        timeout=5,
    ).json()["access_token"]
    answer = requests.post(
        f"{sandbox.url}/cgi-bin/message/template/send",
        params={"access_token": mini_token},
        json={"touser": follower["oa_openid"], "template_id": OA_REPLY, "data": reply_data()},
        timeout=5,
    ).json()
    assert answer["errcode"] == 40001
    wrong_secret = requests.get(
        f"{sandbox.url}/cgi-bin/token",
        params={
            "grant_type": "client_credential",
            "appid": defaults.OA_APPID,
            "secret": defaults.SECRET,
        },
        timeout=5,
    ).json()
    assert wrong_secret["errcode"] == 40001


def test_unionid_joins_both_apps(sandbox, oa):
    openid = sandbox.new_user()
    code = sandbox.login_code(openid)
    session = requests.get(
        f"{sandbox.url}/sns/jscode2session",
        params={
            "appid": defaults.APPID,
            "secret": defaults.SECRET,
            "js_code": code,
            "grant_type": "authorization_code",
        },
        timeout=5,
    ).json()
    follower = sandbox.follow_oa(openid)
    assert session["unionid"] == follower["unionid"]
    info = oa.user.get(follower["oa_openid"])
    assert (info["subscribe"], info["unionid"]) == (1, session["unionid"])
    sandbox.follow_oa(openid, follow=False)
    assert oa.user.get(follower["oa_openid"])["subscribe"] == 0
    assert errcode_of(lambda: oa.user.get("oA-nobody")) == 40003


def test_follow_and_unfollow_are_pushed(sandbox, receiver):
    sandbox.control("POST", "push", json={"url": receiver.url, "token": "pushtoken123"})
    openid = sandbox.new_user()
    follower = sandbox.follow_oa(openid)
    sandbox.follow_oa(openid)  # already following: no second event
    sandbox.follow_oa(openid, follow=False)
    follow, unfollow = receiver.wait_for(2)
    check_signature(
        "pushtoken123",
        follow["args"]["signature"],
        follow["args"]["timestamp"],
        follow["args"]["nonce"],
    )
    events = [xmltodict.parse(push["body"])["xml"] for push in (follow, unfollow)]
    assert [e["Event"] for e in events] == ["subscribe", "unsubscribe"]
    assert {e["ToUserName"] for e in events} == {defaults.OA_ORIGINAL_ID}
    assert {e["FromUserName"] for e in events} == {follower["oa_openid"]}
    assert len(receiver.requests) == 2


def test_follow_control_errors(sandbox):
    url = f"{sandbox.url}/sandbox/oa/follow"
    assert requests.post(url, json={"openid": "nobody"}, timeout=5).status_code == 404
    openid = sandbox.new_user()
    assert (
        requests.post(url, json={"openid": openid, "follow": "yes"}, timeout=5).status_code == 400
    )
