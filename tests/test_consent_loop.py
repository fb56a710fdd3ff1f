"""Issue 16: enough consent for the whole loop — three templates per tap, spent in order."""

from __future__ import annotations

from datetime import timedelta

from server import tasks
from server.models import Notification, Reply
from server.platform.clock import utcnow
from server.platform.db import db
from tests.factories import make_staff
from tests.support.helpers import Staff, bind_deputy, submit


def loop_templates(live) -> list[str]:
    templates = live.app.config["WECHAT_TEMPLATES"]
    return [templates.reply, templates.progress, templates.solved]


def citizen_allowing(live, templates: list[str]) -> tuple[str, str]:
    openid, token = live.citizen("张大爷")
    for template_id in templates:
        live.sandbox.consent(openid, template_id)
    return openid, token


def answer(live, token, message_id, content):
    reply = live.api(
        "POST", f"/deputy/messages/{message_id}/replies", token, json={"content": content}
    )
    assert reply.status_code in (200, 201), reply.text
    live.work()
    return reply.json()["notice"]


def answered_days_ago(live, message_id: int, hours: float) -> None:
    with live.app.app_context():
        for reply in db.session.scalars(db.select(Reply).where(Reply.message_id == message_id)):
            reply.created_at = utcnow() - timedelta(hours=hours)
        db.session.commit()


def test_the_scan_names_the_three_templates_in_order(live, world):
    scan = live.api("GET", f"/scan/{world['scene']}").json()
    templates = live.app.config["WECHAT_TEMPLATES"]
    # The mini-program asks for them in the loop's order (utils/subscribe.js CITIZEN_KEYS).
    assert scan["subscribe_templates"] == {
        "reply": templates.reply,
        "progress": templates.progress,
        "solved": templates.solved,
        # 接待提醒: asked on its own tap (「提醒我」), never with the three above.
        "reception": templates.reception,
    }


def test_answer_second_answer_and_solved_each_spend_their_credit(live, world):
    _, deputy = bind_deputy(live, world, "王建国")
    reply_id, progress_id, solved_id = loop_templates(live)
    openid, token = citizen_allowing(live, [reply_id, progress_id, solved_id])
    created = submit(live, token, world["scene"], subscribed=[reply_id, progress_id, solved_id])
    live.work()
    assert answer(live, deputy, created["id"], "已联系城管") == "pending"
    follow_up = live.api(
        "POST", f"/messages/{created['id']}/followups", token, json={"content": "还没修"}
    )
    assert follow_up.status_code in (200, 201), follow_up.text
    live.work()
    # The reply credit went on the first answer: the second goes out on the progress credit,
    # with the progress template's own fields.
    assert answer(live, deputy, created["id"], "明天上午修") == "pending"
    sent = live.sandbox.sent(openid)
    assert [m["template_id"] for m in sent] == [reply_id, progress_id]
    assert sent[1]["data"]["phrase3"]["value"] == "已答复"
    assert sent[1]["data"]["thing4"]["value"] == "明天上午修"

    answered_days_ago(live, created["id"], hours=73)
    with live.app.app_context():
        first, again = tasks.sweep(), tasks.sweep()
    assert (first["asked_solved"], again["asked_solved"]) == (1, 0)
    live.work()
    sent = live.sandbox.sent(openid)
    assert [m["template_id"] for m in sent] == [reply_id, progress_id, solved_id]
    assert sent[2]["data"]["thing3"]["value"] == "问题解决了吗？点此评价"
    assert sent[2]["page"] == f"pages/detail/detail?id={created['id']}"

    # Every credit spent: the next answer is recorded as not notified, and said so.
    live.api("POST", f"/messages/{created['id']}/followups", token, json={"content": "又坏了"})
    live.work()
    assert answer(live, deputy, created["id"], "再派人看") == "no_consent"
    assert len(live.sandbox.sent(openid)) == 3


def test_the_rating_prompt_never_takes_an_answers_credit(live, world):
    _, deputy = bind_deputy(live, world, "王建国")
    reply_id, progress_id, _ = loop_templates(live)
    openid, token = citizen_allowing(live, [reply_id, progress_id])
    created = submit(live, token, world["scene"], subscribed=[reply_id, progress_id])
    live.work()
    answer(live, deputy, created["id"], "已处理")
    answered_days_ago(live, created["id"], hours=73)
    with live.app.app_context():
        tasks.sweep()
        notice = db.session.scalar(db.select(Notification).where(Notification.kind == "solved"))
        assert (notice.status, notice.channel) == ("no_consent", None)
    live.work()
    assert len(live.sandbox.sent(openid)) == 1
    # the progress credit is still there for the next answer
    credits = live.api("POST", "/subscriptions", token, json={"accepted": []}).json()["credits"]
    assert credits[progress_id] == 1


def test_no_rating_prompt_before_its_time_or_after_a_rating(live, world):
    _, deputy = bind_deputy(live, world, "王建国")
    templates = loop_templates(live)
    openid, token = citizen_allowing(live, templates)
    created = submit(live, token, world["scene"], subscribed=templates)
    live.work()
    answer(live, deputy, created["id"], "已处理")
    answered_days_ago(live, created["id"], hours=71)
    with live.app.app_context():
        assert tasks.sweep()["asked_solved"] == 0
    rated = live.api(
        "POST", f"/messages/{created['id']}/rating", token, json={"score": "satisfied"}
    )
    assert rated.status_code == 200, rated.text
    answered_days_ago(live, created["id"], hours=100)
    with live.app.app_context():
        assert tasks.sweep()["asked_solved"] == 0


def test_the_item_page_says_whether_the_next_notice_reaches_the_citizen(live, world):
    _, deputy = bind_deputy(live, world, "王建国")
    reply_id, progress_id, _ = loop_templates(live)
    openid, token = citizen_allowing(live, [reply_id])
    created = submit(live, token, world["scene"], subscribed=[reply_id])
    live.work()
    with live.app.app_context():
        make_staff("admin2", "admin", name="管理员")
        db.session.commit()
    staff = Staff(live.app, "admin2")
    page = staff.get(f"/admin/items/{created['id']}").get_data(as_text=True)
    assert 'data-next-notice="mp"' in page
    answer(live, deputy, created["id"], "已处理")
    page = staff.get(f"/admin/items/{created['id']}").get_data(as_text=True)
    assert 'data-next-notice=""' in page and "不会收到微信通知" in page
