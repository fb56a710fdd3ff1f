"""Issue 11, the loop's edges: follow-ups that reach the deputy, refusals the citizen can read,
ratings after a staff close, every rating kept, and notices that are reported truthfully.
Real HTTP, a real worker, the WeChat sandbox."""

from __future__ import annotations

import io

import openpyxl
from flask import g

from server.admin import stats
from server.models import Event, Message, Notification, Rating, StaffUser
from server.platform.clock import utcnow
from server.platform.db import db
from tests.support.helpers import assert_error, bind_deputy, citizen_with_consent, submit


def _reply(live, deputy_token, message_id, content):
    answer = live.api(
        "POST", f"/deputy/messages/{message_id}/replies", deputy_token, json={"content": content}
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


def _answered(live, world, consent=True):
    """A citizen's item, routed to 王建国 and answered by him once; notices all sent."""
    deputy_openid, deputy_token = bind_deputy(live, world, "王建国")
    openid, token = citizen_with_consent(live) if consent else live.citizen()
    reply = live.app.config["WECHAT_TEMPLATES"].reply
    created = submit(live, token, world["scenes"]["金竹"], subscribed=[reply] if consent else [])
    live.work()
    _reply(live, deputy_token, created["id"], "已联系城管，本周修好")
    live.work()
    return deputy_openid, deputy_token, openid, token, created["id"]


def _detail(live, token, message_id):
    answer = live.api("GET", f"/messages/{message_id}", token)
    assert answer.status_code == 200, answer.text
    return answer.json()


def _open_count(live, username="admin"):
    """The overview's count of open work, as the dashboard computes it for that account."""
    with live.app.test_request_context():
        g.staff = db.session.scalar(db.select(StaffUser).where(StaffUser.username == username))
        counts = stats.backlog(utcnow()).total
        db.session.remove()
    return counts["open"]


# -- 1. a follow-up reaches the accountable deputy ------------------------------------------------


def test_a_question_after_the_answer_puts_the_item_back_in_front_of_the_deputy(live, world):
    deputy_openid, deputy_token, openid, token, message_id = _answered(live, world)
    assert _open_count(live) == 0  # answered: waiting for the citizen, not for us

    followed = live.api(
        "POST", f"/messages/{message_id}/followups", token, json={"content": "哪天修？"}
    )
    assert followed.status_code == 201, followed.text
    assert followed.json()["status"] == "followed_up"
    assert followed.json()["status_label"] == "追问待答复"
    live.work()

    # The deputy is told, with the question in the notice, and has it in 待办 again.
    new_item, question = live.sandbox.sent(deputy_openid)
    assert question["page"] == f"pages/deputy/item/item?id={message_id}"
    assert question["data"]["thing4"]["value"] == "群众追问：哪天修？"
    inbox = live.api("GET", "/deputy/inbox?status=awaiting", deputy_token).json()
    assert [i["id"] for i in inbox["items"]] == [message_id]
    assert inbox["counts"]["awaiting"] == 1
    assert _open_count(live) == 1

    # The second answer ends the wait and reaches the citizen (they allowed it on the tap).
    _reply(live, deputy_token, message_id, "周四上午修")
    live.work()
    assert _detail(live, token, message_id)["status"] == "replied"
    assert live.api("GET", "/deputy/inbox?status=awaiting", deputy_token).json()["items"] == []


def test_a_follow_up_before_any_answer_tells_the_deputy_and_keeps_waiting(live, world):
    deputy_openid, _ = bind_deputy(live, world, "王建国")
    _, token = live.citizen()
    created = submit(live, token, world["scenes"]["金竹"])
    live.work()
    followed = live.api(
        "POST", f"/messages/{created['id']}/followups", token, json={"content": "补充：东头第三盏"}
    )
    assert followed.json()["status"] == "routed"
    live.work()
    assert [n["data"]["thing4"]["value"] for n in live.sandbox.sent(deputy_openid)[1:]] == [
        "群众追问：补充：东头第三盏"
    ]
    # Someone else's item, an empty question: refused, nothing written.
    _, stranger = live.citizen("路人")
    assert_error(
        live.api("POST", f"/messages/{created['id']}/followups", stranger, json={"content": "x"}),
        404,
    )
    assert_error(
        live.api("POST", f"/messages/{created['id']}/followups", token, json={"content": "  "}),
        422,
    )
    with live.app.app_context():
        assert (
            db.session.scalar(
                db.select(db.func.count()).select_from(Event).where(Event.kind == "followup")
            )
            == 1
        )


# -- 2. 不予受理 says why, where to go, and tells the citizen --------------------------------------


def test_a_refusal_tells_the_citizen_why_and_where_to_go(live, signed_in, world):
    _, _ = bind_deputy(live, world, "王建国")
    openid, token = citizen_with_consent(live)
    reply = live.app.config["WECHAT_TEMPLATES"].reply
    created = submit(
        live, token, world["scenes"]["金竹"], content="邻居欠我钱不还，法院判了", subscribed=[reply]
    )
    live.work()
    clerk = signed_in("jinzhu")

    # A refusal without a reason is sent back.
    missing = clerk.post(f"/admin/items/{created['id']}/reject", {"reason": " "})
    assert missing.status_code == 422 and "请填写不予受理的理由" in missing.get_data(as_text=True)

    done = clerk.post(
        f"/admin/items/{created['id']}/reject",
        {"reason": "属于已经法院判决的民事纠纷", "where": "请向执行法院申请强制执行"},
        follow_redirects=True,
    )
    assert "已标记为不予受理，将通过微信通知群众" in done.get_data(as_text=True)
    live.work()

    detail = _detail(live, token, created["id"])
    assert detail["status"] == "rejected"
    assert detail["rejection"] == {
        "reason": "属于已经法院判决的民事纠纷",
        "where": "请向执行法院申请强制执行",
    }
    assert not detail["can_follow_up"] and not detail["can_rate"]
    assert any(
        t["content"] == "不予受理：属于已经法院判决的民事纠纷。建议：请向执行法院申请强制执行"
        for t in detail["thread"]
    )
    (notice,) = live.sandbox.sent(openid)
    assert notice["data"]["thing3"]["value"].startswith("不予受理：属于已经法院判决")
    assert notice["page"] == f"pages/detail/detail?id={created['id']}"

    # Asking again is refused with what happened, not with "closed".
    error = assert_error(
        live.api("POST", f"/messages/{created['id']}/followups", token, json={"content": "?"}),
        409,
        "message_rejected",
    )
    assert "不予受理：属于已经法院判决的民事纠纷" in error["message"]
    assert "请向执行法院申请强制执行" in error["message"]
    # Refusing twice is a conflict, and nothing more is written.
    again = clerk.post(f"/admin/items/{created['id']}/reject", {"reason": "重复"})
    assert again.status_code == 409
    with live.app.app_context():
        assert (
            db.session.scalar(
                db.select(db.func.count()).select_from(Event).where(Event.kind == "rejected")
            )
            == 1
        )


def test_a_refusal_without_a_consent_credit_says_no_notice_will_go(live, signed_in, world):
    _, token = live.citizen()  # never tapped 允许
    created = submit(live, token, world["scenes"]["金竹"])
    live.work()
    done = signed_in("jinzhu").post(
        f"/admin/items/{created['id']}/reject",
        {"reason": "广告信息"},
        follow_redirects=True,
    )
    assert "群众没有剩余的微信订阅次数，不会收到微信通知" in done.get_data(as_text=True)
    assert _detail(live, token, created["id"])["rejection"] == {"reason": "广告信息", "where": ""}


# -- 3. an item closed by staff can still be rated ------------------------------------------------


def test_an_answer_can_be_rated_whoever_closed_the_item(live, signed_in, world):
    deputy_openid, _, _, token, message_id = _answered(live, world)
    clerk = signed_in("jinzhu")
    assert clerk.post(f"/admin/items/{message_id}/close", {"note": "已电话回访"}).status_code == 302
    detail = _detail(live, token, message_id)
    assert detail["status"] == "closed" and detail["can_rate"]

    rated = live.api("POST", f"/messages/{message_id}/rating", token, json={"score": "satisfied"})
    assert rated.status_code == 200, rated.text
    assert rated.json()["status"] == "closed" and rated.json()["rating"] == "satisfied"
    assert not rated.json()["can_rate"]
    error = assert_error(
        live.api("POST", f"/messages/{message_id}/rating", token, json={"score": "satisfied"}),
        409,
        "cannot_rate",
    )
    assert error["message"] == "这条答复已经评价过了"


def test_unsatisfied_after_a_staff_close_reopens_with_the_deputy(live, signed_in, world):
    deputy_openid, deputy_token, _, token, message_id = _answered(live, world)
    signed_in("jinzhu").post(f"/admin/items/{message_id}/close")
    rated = live.api("POST", f"/messages/{message_id}/rating", token, json={"score": "unsatisfied"})
    assert rated.json()["status"] == "reopened"
    live.work()
    assert (
        live.sandbox.sent(deputy_openid)[-1]["data"]["thing4"]["value"] == "群众不满意，请重新办理"
    )
    inbox = live.api("GET", "/deputy/inbox?status=awaiting", deputy_token).json()
    assert [i["id"] for i in inbox["items"]] == [message_id]


def test_nothing_to_rate_before_an_answer(live, signed_in, world):
    _, token = live.citizen()
    created = submit(live, token, world["scenes"]["金竹"])
    live.work()
    error = assert_error(
        live.api("POST", f"/messages/{created['id']}/rating", token, json={"score": "satisfied"}),
        409,
        "cannot_rate",
    )
    assert error["message"] == "收到答复后才能评价"
    # Closed by staff without any answer: still nothing to rate.
    signed_in("jinzhu").post(f"/admin/items/{created['id']}/close")
    assert not _detail(live, token, created["id"])["can_rate"]
    assert_error(
        live.api("POST", f"/messages/{created['id']}/rating", token, json={"score": "satisfied"}),
        409,
        "cannot_rate",
    )


# -- 4. every rating kept; the next notice reachable, or visibly not ----------------------------


def test_every_rating_is_kept_with_the_answer_it_judged(live, signed_in, world):
    templates = live.app.config["WECHAT_TEMPLATES"]
    deputy_openid, deputy_token, openid, token, message_id = _answered(live, world)
    # The one credit went with the first answer: the next answer could not reach them.
    assert _detail(live, token, message_id)["notice_reachable"] is False

    # On the 不满意 tap the mini-program asks for the next notice; they tap 允许.
    live.sandbox.consent(openid, templates.reply)
    rated = live.api(
        "POST",
        f"/messages/{message_id}/rating",
        token,
        json={"score": "unsatisfied", "comment": "路灯还是不亮", "subscribed": [templates.reply]},
    )
    assert rated.status_code == 200, rated.text
    assert rated.json()["status"] == "reopened" and rated.json()["notice_reachable"] is True
    live.work()

    second = _reply(live, deputy_token, message_id, "换了灯泡，今晚亮")
    assert second["notice"] == "pending"
    live.work()
    assert [n["data"]["thing3"]["value"] for n in live.sandbox.sent(openid)] == [
        "已联系城管，本周修好",
        "换了灯泡，今晚亮",
    ]
    rated = live.api("POST", f"/messages/{message_id}/rating", token, json={"score": "satisfied"})
    detail = rated.json()
    assert detail["status"] == "closed" and detail["rating"] == "satisfied"
    assert [(r["score"], r["comment"]) for r in detail["ratings"]] == [
        ("unsatisfied", "路灯还是不亮"),
        ("satisfied", None),
    ]
    events = [t["content"] for t in detail["thread"] if t["kind"] == "event"]
    assert "我的评价：不满意（路灯还是不亮）" in events and "我的评价：满意" in events
    with live.app.app_context():
        message = db.session.get(Message, message_id)
        answers = [r.id for r in message.answers]
        judged = [r.reply_id for r in db.session.scalars(db.select(Rating).order_by(Rating.id))]
        assert judged == answers  # each rating names the answer it judged
    # The register pairs each answer with its own rating.
    book = openpyxl.load_workbook(
        io.BytesIO(signed_in("jinzhu").get("/admin/registers/suggestions.xlsx").data)
    )
    sheet = book.active
    header = [c.value for c in sheet[2]]
    row = [c.value for c in sheet[3]]
    handling = row[header.index("办理情况")]
    assert handling.startswith("已办结。答复（")
    assert "已联系城管，本周修好〔群众评价：不满意，路灯还是不亮〕" in handling
    assert "第2次答复（" in handling and "换了灯泡，今晚亮〔群众评价：满意〕" in handling
    assert row[header.index("满意度")] == "满意"


def test_without_a_new_tap_the_second_answer_is_not_lost_silently(live, world):
    _, deputy_token, openid, token, message_id = _answered(live, world)
    rated = live.api("POST", f"/messages/{message_id}/rating", token, json={"score": "unsatisfied"})
    assert rated.json()["notice_reachable"] is False  # the mini-program says so, visibly
    live.work()
    second = _reply(live, deputy_token, message_id, "再看看")
    assert second["notice"] == "no_consent"  # known now, not a 43101 from WeChat later
    live.work()
    assert len(live.sandbox.sent(openid)) == 1
    with live.app.app_context():
        notice = db.session.scalars(
            db.select(Notification).where(Notification.kind == "reply").order_by(Notification.id)
        ).all()[-1]
        assert (notice.status, notice.attempts, notice.errcode) == ("no_consent", 0, None)
    # The deputy's new-item and 不满意 notices and the first answer: the second never went.
    assert live.sandbox.stats()["calls"].get("/cgi-bin/message/subscribe/send", 0) == 3


# -- 5. what staff are told about a notice is what will happen ---------------------------------


def test_a_staff_answer_says_truthfully_whether_the_citizen_will_be_notified(
    live, signed_in, world
):
    clerk = signed_in("jinzhu")
    _, silent_token = live.citizen()
    silent = submit(live, silent_token, world["scenes"]["金竹"])
    consenting_openid, consenting_token = citizen_with_consent(live)
    reply = live.app.config["WECHAT_TEMPLATES"].reply
    consenting = submit(
        live, consenting_token, world["scenes"]["金竹"], content="垃圾站太臭", subscribed=[reply]
    )
    live.work()

    page = clerk.get(f"/admin/items/{silent['id']}").get_data(as_text=True)
    assert "群众没有剩余的微信订阅次数，不会收到微信通知" in page
    done = clerk.post(
        f"/admin/items/{silent['id']}/reply", {"content": "已转告街道"}, follow_redirects=True
    )
    text = done.get_data(as_text=True)
    assert "答复已保存；群众没有剩余的微信订阅次数，不会收到微信通知" in text
    assert "并已通知群众" not in text

    done = clerk.post(
        f"/admin/items/{consenting['id']}/reply", {"content": "明天清运"}, follow_redirects=True
    )
    assert "答复已保存，将通过微信通知群众" in done.get_data(as_text=True)
    live.work()
    assert [n["data"]["name4"]["value"] for n in live.sandbox.sent(consenting_openid)] == ["联络站"]
    with live.app.app_context():
        statuses = {
            n.message_id: n.status
            for n in db.session.scalars(db.select(Notification).where(Notification.kind == "reply"))
        }
        assert statuses == {silent["id"]: "no_consent", consenting["id"]: "sent"}
