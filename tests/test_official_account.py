"""Issue 16: the official account as the second channel — one choice per notice, on the record."""

from __future__ import annotations

import dataclasses
import time

import pytest
from sqlalchemy import event

from server.models import Event, Notification, OfficialFollower
from server.platform.db import db
from tests.factories import make_staff
from tests.support.helpers import Staff, submit


@pytest.fixture
def production_consent(live):
    """Templates as on real WeChat without long-term approval: every notice needs a credit."""
    templates = live.app.config["WECHAT_TEMPLATES"]
    live.app.config["WECHAT_TEMPLATES"] = dataclasses.replace(templates, long_term=frozenset())
    return live.app.config["WECHAT_TEMPLATES"]


@pytest.fixture
def pushes(live):
    """The sandbox pushes both apps' events to our callback, as a deployment configures it."""
    token = live.app.config["WECHAT_PUSH_TOKEN"]
    live.sandbox.control(
        "POST", "push", json={"url": f"{live.url}/wechat/callback", "token": token}
    )
    yield
    live.sandbox.control("POST", "push", json={})


def follow(live, openid: str, follows: bool = True) -> str:
    """The person follows the official account; returns their openid there once we know it."""
    oa_openid = live.sandbox.follow_oa(openid, follows)["oa_openid"]
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        with live.app.app_context():
            row = db.session.get(OfficialFollower, oa_openid)
            if row is not None and row.follows == follows and (row.unionid or not follows):
                db.session.remove()
                return oa_openid
            db.session.remove()
        time.sleep(0.02)
    raise AssertionError("the follow push never reached the callback")


def bind_without_consent(live, world, name: str) -> tuple[str, str]:
    openid, token = live.citizen(name)
    answer = live.api("POST", "/deputy/bind", token, json={"invite_code": world["invites"][name]})
    assert answer.status_code == 200, answer.text
    return openid, token


def notices(kind: str) -> list[Notification]:
    return list(
        db.session.scalars(
            db.select(Notification).where(Notification.kind == kind).order_by(Notification.id)
        )
    )


def test_a_following_deputy_gets_the_new_item_on_the_official_account(
    live, world, production_consent, pushes
):
    deputy_openid, _ = bind_without_consent(live, world, "王建国")
    oa_openid = follow(live, deputy_openid)
    _, token = live.citizen()
    created = submit(live, token, world["scene"], content="菜市场门口的下水道堵了")
    live.work()
    [sent] = live.sandbox.oa_sent(oa_openid)
    assert sent["template_id"] == live.app.config["WECHAT_OA"].new_item
    assert sent["data"]["character_string1"] == created["tracking_no"]
    assert all(len(value) <= 20 for value in sent["data"].values())
    assert sent["miniprogram"]["pagepath"] == f"pages/deputy/item/item?id={created['id']}"
    assert live.sandbox.sent(deputy_openid) == []  # no subscribe credit: not tried there
    with live.app.app_context():
        [notice] = notices("new_item")
        assert (notice.channel, notice.status, notice.msgid) == ("oa", "sent", str(sent["msgid"]))


def test_a_citizen_gets_the_second_answer_on_the_official_account(
    live, world, production_consent, pushes
):
    _, deputy_token = bind_without_consent(live, world, "王建国")
    openid, token = live.citizen()
    live.sandbox.consent(openid, production_consent.reply)
    created = submit(live, token, world["scene"], subscribed=[production_consent.reply])
    oa_openid = follow(live, openid)
    live.work()
    reply = f"/deputy/messages/{created['id']}/replies"
    live.api("POST", reply, deputy_token, json={"content": "已联系城管"})
    live.work()
    assert len(live.sandbox.sent(openid)) == 1  # the credit went on the first answer
    follow_up = live.api(
        "POST", f"/messages/{created['id']}/followups", token, json={"content": "还是没修好"}
    )
    assert follow_up.status_code in (200, 201), follow_up.text
    live.work()
    answer = live.api("POST", reply, deputy_token, json={"content": "明天上午修"})
    assert answer.json()["notice"] == "pending"  # said truthfully: it will reach them
    live.work()
    [on_oa] = live.sandbox.oa_sent(oa_openid)
    assert on_oa["template_id"] == live.app.config["WECHAT_OA"].reply
    assert on_oa["data"]["thing3"] == "明天上午修"
    assert len(live.sandbox.sent(openid)) == 1
    with live.app.app_context():
        assert [(n.channel, n.status) for n in notices("reply")] == [
            ("mp", "sent"),
            ("oa", "sent"),
        ]


def test_no_credit_and_no_follow_is_recorded_not_notified(live, world, production_consent):
    _, deputy_token = bind_without_consent(live, world, "王建国")
    openid, token = live.citizen()
    created = submit(live, token, world["scene"])
    live.work()
    answer = live.api(
        "POST", f"/deputy/messages/{created['id']}/replies", deputy_token, json={"content": "好"}
    )
    assert answer.json()["notice"] == "no_consent"
    live.work()
    assert live.sandbox.oa_sent() == [] and live.sandbox.sent(openid) == []
    with live.app.app_context():
        [notice] = notices("reply")
        assert (notice.channel, notice.status, notice.attempts) == (None, "no_consent", 0)
        assert "公众号" in notice.errmsg


def test_without_an_official_account_no_follower_is_ever_looked_up(
    live, world, production_consent, pushes
):
    deputy_openid, _ = bind_without_consent(live, world, "王建国")
    follow(live, deputy_openid)  # follows, but this deployment has no official account
    live.app.config["WECHAT_OA"] = None
    statements: list[str] = []
    with live.app.app_context():
        engine = db.engine

    def seen(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        _, token = live.citizen()
        submit(live, token, world["scene"])
        live.work()
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert statements and not [s for s in statements if "oa_followers" in s]
    assert live.sandbox.oa_sent() == []
    with live.app.app_context():
        [notice] = notices("new_item")
        assert (notice.channel, notice.status) == (None, "no_consent")


def test_an_unfollow_we_missed_is_learnt_from_43004(live, world, production_consent, pushes):
    deputy_openid, _ = bind_without_consent(live, world, "王建国")
    oa_openid = follow(live, deputy_openid)
    live.sandbox.control("POST", "push", json={})  # the unfollow push is lost
    live.sandbox.follow_oa(deputy_openid, False)
    _, token = live.citizen()
    submit(live, token, world["scene"])
    live.work()
    assert live.sandbox.oa_sent() == []
    with live.app.app_context():
        [notice] = notices("new_item")
        assert (notice.channel, notice.status, notice.errcode) == ("oa", "no_consent", 43004)
        assert db.session.get(OfficialFollower, oa_openid).follows is False


def test_the_unfollow_push_is_recorded(live, world, production_consent, pushes):
    deputy_openid, _ = bind_without_consent(live, world, "王建国")
    follow(live, deputy_openid)
    follow(live, deputy_openid, follows=False)
    _, token = live.citizen()
    submit(live, token, world["scene"])
    live.work()
    assert live.sandbox.oa_sent() == []
    assert live.sandbox.stats()["calls"].get("/cgi-bin/message/template/send", 0) == 0
    with live.app.app_context():
        [notice] = notices("new_item")
        assert (notice.channel, notice.status) == (None, "no_consent")


def test_the_dashboard_shows_the_channel(live, world, production_consent, pushes):
    deputy_openid, _ = bind_without_consent(live, world, "王建国")
    follow(live, deputy_openid)
    _, token = live.citizen()
    created = submit(live, token, world["scene"])
    live.work()
    with live.app.app_context():
        make_staff("admin2", "admin", name="管理员")
        db.session.commit()
    page = Staff(live.app, "admin2").get(f"/admin/items/{created['id']}").get_data(as_text=True)
    assert 'data-channel="oa"' in page and "公众号模板消息" in page


def test_a_refused_subscribe_message_goes_on_the_official_account(live, world, pushes):
    # The sandbox's new-item template is long-term: we count no credits, so only WeChat knows
    # the deputy never accepted it (43101). A follower gets it on the official account instead.
    deputy_openid, _ = bind_without_consent(live, world, "王建国")
    oa_openid = follow(live, deputy_openid)
    _, token = live.citizen()
    submit(live, token, world["scene"])
    live.work()
    [sent] = live.sandbox.oa_sent(oa_openid)
    assert sent["template_id"] == live.app.config["WECHAT_OA"].new_item
    with live.app.app_context():
        [notice] = notices("new_item")
        assert (notice.channel, notice.status, notice.attempts) == ("oa", "sent", 1)
        outcomes = [
            (e.data["status"], e.data.get("errcode"))
            for e in db.session.scalars(
                db.select(Event).where(Event.kind == "notified").order_by(Event.id)
            )
        ]
        assert outcomes == [("no_consent", 43101), ("sent", None)]  # every attempt on record


def test_a_refused_subscribe_message_without_a_follow_stays_not_notified(live, world):
    bind_without_consent(live, world, "王建国")
    _, token = live.citizen()
    submit(live, token, world["scene"])
    live.work()
    assert live.sandbox.oa_sent() == []
    with live.app.app_context():
        [notice] = notices("new_item")
        assert (notice.channel, notice.status, notice.errcode) == ("mp", "no_consent", 43101)
