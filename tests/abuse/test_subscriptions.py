"""Issue 12, item 9: one POST /subscriptions granted 1,000 credits and wrote 1,000 event rows.

A report of taps can grant no more than taps can: one credit per template per report (WeChat's
dialog allows one message per accept, at most 3 templates a dialog), and at most MAX_CREDITS
stored per template however many reports arrive.
"""

from __future__ import annotations

import uuid

from server.models import Citizen, ConsentCredit, Event
from server.notices.consent import MAX_CREDITS
from server.platform.db import db
from tests.support.helpers import assert_error


def _state(live, openid: str) -> tuple[dict, int]:
    with live.app.app_context():
        citizen = db.session.scalar(db.select(Citizen).where(Citizen.openid == openid))
        credits = {
            row.template_id: row.credits
            for row in db.session.scalars(
                db.select(ConsentCredit).where(ConsentCredit.citizen_id == citizen.id)
            )
        }
        events = db.session.scalar(
            db.select(db.func.count())
            .select_from(Event)
            .where(Event.kind == "consent", Event.actor_id == citizen.id)
        )
        db.session.remove()
    return credits, events


def test_a_thousand_accepts_in_one_report_are_one_credit(live):
    live.app.config["RATE_LIMIT_WRITE_CITIZEN"] = "1000/minute"
    openid, token = live.citizen()
    reply = live.app.config["WECHAT_TEMPLATES"].reply
    answer = live.api("POST", "/subscriptions", token, json={"accepted": [reply] * 1000})
    assert answer.status_code == 200, answer.text
    assert answer.json()["credits"][reply] == 1
    assert _state(live, openid) == ({reply: 1}, 1)


def test_more_templates_than_one_dialog_shows_are_refused(live):
    openid, token = live.citizen()
    templates = live.app.config["WECHAT_TEMPLATES"]
    four = [templates.reply, templates.new_item, templates.reminder, "tmpl-4"]
    error = assert_error(
        live.api("POST", "/subscriptions", token, json={"accepted": four}), 422, field="accepted"
    )
    assert "最多订阅 3 个" in str(error["fields"]["accepted"])
    too_long = live.api("POST", "/subscriptions", token, json={"accepted": ["x" * 65]})
    assert_error(too_long, 422, field="accepted")
    three = [templates.reply, templates.new_item, templates.reminder]
    assert live.api("POST", "/subscriptions", token, json={"accepted": three}).status_code == 200
    credits, events = _state(live, openid)
    assert credits[templates.reply] == 1 and events == 3


def test_the_stored_total_is_capped(live):
    live.app.config["RATE_LIMIT_WRITE_CITIZEN"] = "1000/minute"
    openid, token = live.citizen()
    reply = live.app.config["WECHAT_TEMPLATES"].reply
    for _ in range(MAX_CREDITS + 5):
        answer = live.api("POST", "/subscriptions", token, json={"accepted": [reply]})
        assert answer.status_code == 200
    assert answer.json()["credits"][reply] == MAX_CREDITS
    assert _state(live, openid)[0] == {reply: MAX_CREDITS}


def test_a_submission_reporting_a_thousand_accepts_grants_one(live, world):
    openid, token = live.citizen()
    reply = live.app.config["WECHAT_TEMPLATES"].reply
    answer = live.api(
        "POST",
        "/messages",
        token,
        json={
            "scene": world["scene"],
            "category": "其他",
            "content": "路灯坏了",
            "subscribed": [reply] * 1000,
        },
        headers={"Idempotency-Key": uuid.uuid4().hex},
    )
    assert answer.status_code == 201, answer.text
    assert _state(live, openid) == ({reply: 1}, 1)
