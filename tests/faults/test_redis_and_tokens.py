"""Issue 2, broken cases: Redis down during a submission; WeChat tokens that go bad."""

from __future__ import annotations

import pytest

from server.models import Message
from server.platform.clock import local_today
from server.platform.db import db
from server.platform.queue import get_queue
from server.wechat.client import GuardedWeChatClient, WeChatError, call, get_client
from tests import factories


@pytest.fixture
def scene(live):
    with live.app.app_context():
        st = factories.station()
        dep = factories.deputy("王建国", stations=[st])
        factories.shift(st, dep, "weekly", [local_today().isoweekday()])
        db.session.commit()
        value = st.scene
        db.session.remove()
    return value


def test_redis_down_still_accepts_and_keeps_the_message(live, scene, private_redis):
    _, token = live.citizen()
    private_redis.stop()
    body = {"scene": scene, "category": "交通出行", "content": "公交站牌被撞歪了"}
    response = live.api(
        "POST", "/messages", token, json=body, headers={"Idempotency-Key": "redis-down-1"}
    )
    assert response.status_code == 201, response.text
    with live.app.app_context():
        message = db.session.get(Message, response.json()["id"])
        assert message.status == "received"
    private_redis.start()
    with live.app.app_context():
        assert get_queue().count == 0  # nothing was queued: the sweep (issue 3) finds the row


def test_token_expiry_is_refetched_once(live):
    with live.app.app_context():
        client = get_client()
        openid = live.new_user()
        call(client.wxa.code_to_session, live.sandbox.login_code(openid))  # makes the user active
        before = live.sandbox.stats()["calls"]["/cgi-bin/stable_token"]
        live.sandbox.control("POST", "expire_tokens")
        body = {"version": 2, "openid": openid, "scene": 2, "content": "路灯坏了"}
        result = call(client.wxa._post, "wxa/msg_sec_check", data=body)
        assert result["result"]["suggest"] == "pass"
        calls = live.sandbox.stats()["calls"]
        assert calls["/cgi-bin/stable_token"] == before + 1  # refetched exactly once
        assert calls["/wxa/msg_sec_check"] == 2  # 42001, then the retry


def test_token_rejected_forever_fails_cleanly(live):
    with live.app.app_context():
        client = get_client()
        live.sandbox.faults(error_rate=1, errcode=40001, paths=["/cgi-bin/message/subscribe/send"])
        with pytest.raises(WeChatError) as caught:
            call(client.post, "message/subscribe/send", data={"touser": "x"})
        assert caught.value.errcode == 40001
        calls = live.sandbox.stats()["calls"]
        assert calls["/cgi-bin/message/subscribe/send"] == 2  # the call, and one retry
        assert calls["/cgi-bin/stable_token"] <= 2


def test_token_cache_is_shared_through_redis(live):
    with live.app.app_context():
        first = get_client()
        first.fetch_access_token()
        config = live.app.config
        second = GuardedWeChatClient(
            config["WECHAT_APPID"],
            config["WECHAT_SECRET"],
            base_url=config["WECHAT_SANDBOX_URL"],
            session=first.session,
            timeout=2,
        )
        fetched = live.sandbox.stats()["calls"]["/cgi-bin/stable_token"]
        openid = live.new_user()
        call(second.wxa.code_to_session, live.sandbox.login_code(openid))
        assert live.sandbox.stats()["calls"]["/cgi-bin/stable_token"] == fetched


def test_wechat_timeout_is_a_transient_error(live):
    with live.app.app_context():
        client = GuardedWeChatClient(
            live.app.config["WECHAT_APPID"],
            live.app.config["WECHAT_SECRET"],
            base_url=live.app.config["WECHAT_SANDBOX_URL"],
            timeout=0.3,
        )
        live.sandbox.faults(latency_ms=1500)
        with pytest.raises(WeChatError) as caught:
            call(client.fetch_access_token)
        assert caught.value.errcode is None and caught.value.transient


def test_processes_with_their_own_cache_never_evict_each_others_token(live):
    """Two processes that do not share Redis (two deployments of one appid, a script) each
    fetch a token: with stable_token both get the same one, and both keep working."""
    with live.app.app_context():
        config = live.app.config

        def own_client() -> GuardedWeChatClient:
            return GuardedWeChatClient(
                config["WECHAT_APPID"],
                config["WECHAT_SECRET"],
                base_url=config["WECHAT_SANDBOX_URL"],
                timeout=2,
            )

        first, second = own_client(), own_client()
        one = first.fetch_access_token()["access_token"]
        two = second.fetch_access_token()["access_token"]
        assert one == two
        openid = live.new_user()
        for client in (first, second):
            call(client.wxa.code_to_session, live.sandbox.login_code(openid))
        assert live.sandbox.stats()["calls"].get("/cgi-bin/token", 0) == 0
