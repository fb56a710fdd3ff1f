"""Issue 3: the loop closes. Routed by a real RQ worker, answered by the deputy, pushed back."""

from __future__ import annotations

import uuid
from datetime import datetime

import pytest

from server import tasks
from server.models import Assignment, Event, Message, Notification
from server.platform.clock import LOCAL
from server.platform.db import db
from server.platform.queue import get_queue
from tests import factories
from tests.support.helpers import assert_error, bind_deputy, citizen_with_consent, count, submit


@pytest.mark.parametrize("scan", ["station", "deputy"])
def test_the_whole_loop(live, world, scan):
    deputy_openid, deputy_token = bind_deputy(live, world, "王建国")
    openid, token = citizen_with_consent(live)
    scene = world["scene"] if scan == "station" else world["scenes"]["王建国"]
    reply_template = live.api("GET", f"/scan/{scene}").json()["subscribe_templates"]["reply"]
    created = submit(live, token, scene, subscribed=[reply_template])

    live.work()  # route, then send the deputy's notice

    detail = live.api("GET", f"/messages/{created['id']}", token).json()
    assert detail["status"] == "routed" and detail["deputy"]["name"] == "王建国"
    (new_item,) = live.sandbox.sent(deputy_openid)
    assert new_item["template_id"] == live.app.config["WECHAT_TEMPLATES"].new_item
    assert new_item["data"]["character_string1"]["value"] == created["tracking_no"]
    assert new_item["page"] == f"pages/deputy/item/item?id={created['id']}"

    inbox = live.api("GET", "/deputy/inbox", deputy_token).json()
    assert [i["id"] for i in inbox["items"]] == [created["id"]]
    assert inbox["counts"]["awaiting"] == 1
    item = live.api("GET", f"/deputy/messages/{created['id']}", deputy_token).json()
    assert item["content"] == "金竹西路的路灯坏了一个月了"

    reply_text = "已联系街道城管科，路灯本周内修好，修好后请您再看看。谢谢您的反映！"
    answer = live.api(
        "POST",
        f"/deputy/messages/{created['id']}/replies",
        deputy_token,
        json={"content": reply_text},
    )
    assert answer.status_code == 201, answer.text
    live.work()

    (notice,) = live.sandbox.sent(openid)
    assert notice["template_id"] == reply_template
    assert notice["data"]["thing3"]["value"] == reply_text[:17] + "…"
    assert notice["data"]["name4"]["value"] == "王建国"
    assert notice["page"] == f"pages/detail/detail?id={created['id']}"
    detail = live.api("GET", f"/messages/{created['id']}", token).json()
    assert detail["status"] == "replied" and detail["can_rate"]
    assert [t["content"] for t in detail["thread"] if t["kind"] == "reply"] == [reply_text]

    rated = live.api(
        "POST", f"/messages/{created['id']}/rating", token, json={"score": "satisfied"}
    )
    assert rated.status_code == 200 and rated.json()["status"] == "closed"
    with live.app.app_context():
        kinds = [
            e.kind
            for e in db.session.scalars(
                db.select(Event).where(Event.message_id == created["id"]).order_by(Event.id)
            )
        ]
        assert kinds[0] == "received" and "routed" in kinds and kinds[-1] == "closed"
        notices = db.session.scalars(db.select(Notification).order_by(Notification.id)).all()
        assert [(n.kind, n.status) for n in notices] == [("new_item", "sent"), ("reply", "sent")]


def test_unsatisfied_reopens_and_tells_the_deputy_again(live, world):
    deputy_openid, deputy_token = bind_deputy(live, world, "王建国")
    openid, token = citizen_with_consent(live)
    created = submit(live, token, world["scene"])
    live.work()
    live.api(
        "POST",
        f"/deputy/messages/{created['id']}/replies",
        deputy_token,
        json={"content": "已处理"},
    )
    live.work()
    assert_error(
        live.api("POST", f"/messages/{created['id']}/rating", token, json={"score": "great"}), 422
    )
    answer = live.api(
        "POST",
        f"/messages/{created['id']}/rating",
        token,
        json={"score": "unsatisfied", "comment": "路灯还是不亮"},
    )
    assert answer.status_code == 200 and answer.json()["status"] == "reopened"
    live.work()
    kinds = [m["template_id"] for m in live.sandbox.sent(deputy_openid)]
    templates = live.app.config["WECHAT_TEMPLATES"]
    assert kinds == [templates.new_item, templates.reminder]
    assert_error(
        live.api("POST", f"/messages/{created['id']}/rating", token, json={"score": "satisfied"}),
        409,
        "cannot_rate",
    )
    follow = live.api(
        "POST", f"/messages/{created['id']}/followups", token, json={"content": "今晚还是黑的"}
    )
    assert follow.status_code == 201
    assert [t["author"] for t in follow.json()["thread"] if t["kind"] == "followup"] == ["我"]


def test_no_consent_means_no_notice_but_the_reply_is_in_the_thread(live, world):
    _, deputy_token = bind_deputy(live, world, "王建国")
    openid, token = live.citizen()  # never tapped 允许
    created = submit(live, token, world["scene"])
    live.work()
    answer = live.api(
        "POST",
        f"/deputy/messages/{created['id']}/replies",
        deputy_token,
        json={"content": "已处理"},
    )
    # Known when the answer is saved, and said so: no credit, no notice.
    assert answer.json()["notice"] == "no_consent"
    live.work()
    assert live.sandbox.sent(openid) == []
    assert live.sandbox.stats()["calls"].get("/cgi-bin/message/subscribe/send", 0) == 1  # deputy's
    detail = live.api("GET", f"/messages/{created['id']}", token).json()
    assert [t["content"] for t in detail["thread"] if t["kind"] == "reply"] == ["已处理"]
    with live.app.app_context():
        notice = db.session.scalar(db.select(Notification).where(Notification.kind == "reply"))
        assert notice.status == "no_consent" and notice.attempts == 0  # never sent to WeChat
    live.work()  # nothing left to retry
    with live.app.app_context():
        assert (
            db.session.scalar(db.select(Notification).where(Notification.kind == "reply")).attempts
            == 0
        )


def test_wechat_says_43101_even_though_we_counted_a_credit(live, world):
    _, deputy_token = bind_deputy(live, world, "王建国")
    openid, token = live.citizen()
    reply_template = live.app.config["WECHAT_TEMPLATES"].reply
    # The mini-program reports an accept that WeChat never recorded (a stale or forged report).
    created = submit(live, token, world["scene"], subscribed=[reply_template])
    live.work()
    live.api(
        "POST", f"/deputy/messages/{created['id']}/replies", deputy_token, json={"content": "好的"}
    )
    live.work()
    with live.app.app_context():
        notice = db.session.scalar(db.select(Notification).where(Notification.kind == "reply"))
        assert (notice.status, notice.errcode, notice.attempts) == ("no_consent", 43101, 1)
    credits = live.api("POST", "/subscriptions", token, json={"accepted": []}).json()["credits"]
    assert credits[reply_template] == 0


def test_deputy_without_wechat_is_not_notified_but_sees_it_after_binding(live, world):
    openid, token = live.citizen()
    created = submit(live, token, world["scene"])
    live.work()
    with live.app.app_context():
        notice = db.session.scalar(db.select(Notification))
        assert notice.status == "no_recipient"
    _, deputy_token = bind_deputy(live, world, "王建国")
    inbox = live.api("GET", "/deputy/inbox", deputy_token).json()
    assert [i["id"] for i in inbox["items"]] == [created["id"]]


def test_replying_to_someone_elses_item_is_404(live, world):
    _, wang_token = bind_deputy(live, world, "王建国")
    _, li_token = bind_deputy(live, world, "李秀兰")
    _, token = live.citizen()
    created = submit(live, token, world["scene"])
    live.work()
    answer = live.api(
        "POST", f"/deputy/messages/{created['id']}/replies", li_token, json={"content": "我来"}
    )
    assert_error(answer, 404, "not_found")
    assert_error(live.api("GET", f"/deputy/messages/{created['id']}", li_token), 404)
    assert live.api("GET", "/deputy/inbox", li_token).json()["items"] == []
    # A citizen is not a deputy at all.
    assert_error(live.api("GET", "/deputy/inbox", token), 403, "not_a_deputy")
    assert_error(
        live.api("POST", f"/deputy/messages/{created['id']}/replies", token, json={"content": "x"}),
        403,
    )
    blank = live.api(
        "POST", f"/deputy/messages/{created['id']}/replies", wang_token, json={"content": "  "}
    )
    assert_error(blank, 422)
    transfer = live.api(
        "POST",
        f"/deputy/messages/{created['id']}/transfer",
        li_token,
        json={"unit_id": 1, "note": "请办理"},
    )
    assert_error(transfer, 404, "not_found")  # only the accountable deputy hands it on


def test_invite_codes_are_single_use_and_expire(live, world):
    bind_deputy(live, world, "王建国")
    _, other = live.citizen()
    reused = live.api(
        "POST", "/deputy/bind", other, json={"invite_code": world["invites"]["王建国"]}
    )
    assert_error(reused, 409, "invite_used")
    with live.app.app_context():
        from server.models import Deputy

        expired = factories.invite(db.session.get(Deputy, world["ids"]["李秀兰"]), hours=-1).code
        db.session.commit()
    assert_error(
        live.api("POST", "/deputy/bind", other, json={"invite_code": expired}),
        410,
        "invite_expired",
    )
    assert_error(live.api("POST", "/deputy/bind", other, json={"invite_code": "NOPE1234"}), 404)
    assert_error(live.api("POST", "/deputy/bind", other, json={}), 422, field="invite_code")
    # A WeChat identity answers for one deputy only.
    _, wang_token = live.citizen()
    live.api("POST", "/deputy/bind", wang_token, json={"invite_code": world["invites"]["陈志强"]})
    with live.app.app_context():
        from server.models import Deputy

        again = factories.invite(db.session.get(Deputy, world["ids"]["李秀兰"])).code
        db.session.commit()
    assert_error(
        live.api("POST", "/deputy/bind", wang_token, json={"invite_code": again}),
        409,
        "already_bound",
    )


def _message_at(world, local_day: datetime, content="路灯坏了", category="城乡建设") -> int:
    """A message written on a given day (Asia/Shanghai), straight into the database."""
    message = Message(
        tracking_no=uuid.uuid4().hex[:14],
        channel="station_code",
        station_id=world["station_id"],
        category_id=factories.category(category).id,
        content=content,
        status="received",
        created_at=local_day.replace(tzinfo=LOCAL),
    )
    db.session.add(message)
    db.session.commit()
    return message.id


def _routed_to(message_id) -> tuple[int, str]:
    assignment = db.session.scalar(db.select(Assignment).where(Assignment.message_id == message_id))
    return assignment.deputy_id, assignment.rule


def test_roster_decides_on_the_day_the_citizen_wrote(ctx, live):
    with live.app.app_context():
        st = factories.station()
        factories.deputy("王建国", stations=[st])
        li = factories.deputy("李秀兰", stations=[st])
        factories.shift(st, li, "monthly", [6, 16, 26])  # 逢六
        db.session.commit()
        world, li_id = {"station_id": st.id}, li.id
        on_16th = _message_at(world, datetime(2026, 11, 16, 10, 0))
        on_17th = _message_at(world, datetime(2026, 11, 17, 10, 0))
        # 23:30 on the 15th in Beijing is still the 15th, though UTC says 15:30.
        late_15th = _message_at(world, datetime(2026, 11, 15, 23, 30))
        for message_id in (on_16th, on_17th, late_15th):
            tasks.route_message(message_id)
        assert _routed_to(on_16th) == (li_id, "on_duty")
        assert _routed_to(on_17th)[1] == "resident"  # nobody on duty: resident fallback
        assert _routed_to(late_15th)[1] == "resident"


def test_fixed_days_and_weekdays(ctx, live):
    with live.app.app_context():
        st = factories.station()
        ten = factories.deputy("十日", stations=[st])
        monday = factories.deputy("周一", stations=[st])
        factories.deputy("驻站", stations=[st])
        factories.shift(st, ten, "monthly", [10, 20])
        factories.shift(st, monday, "weekly", [1])
        db.session.commit()
        world = {"station_id": st.id}
        cases = {
            datetime(2026, 11, 20, 9): (ten.id, "on_duty"),  # a Friday, the 20th
            datetime(2026, 11, 23, 9): (monday.id, "on_duty"),  # a Monday
        }
        for day, expected in cases.items():
            message_id = _message_at(world, day)
            tasks.route_message(message_id)
            assert _routed_to(message_id) == expected


def test_expertise_then_load_then_round_robin(ctx, live):
    with live.app.app_context():
        st = factories.station()
        a = factories.deputy("甲", expertise=["教科文卫"], stations=[st])
        b = factories.deputy("乙", expertise=["城建环保"], stations=[st])
        c = factories.deputy("丙", stations=[st])
        db.session.commit()
        world, ids = {"station_id": st.id}, (a.id, b.id, c.id)
        day = datetime(2026, 11, 17, 9)  # nobody on duty: all residents
        school = _message_at(world, day, category="教育")
        tasks.route_message(school)
        assert _routed_to(school) == (ids[0], "resident")
        # Three more of a category nobody specialises in: the load spreads, one each.
        spread = [_message_at(world, day, category="其他") for _ in range(3)]
        for message_id in spread:
            tasks.route_message(message_id)
        assert sorted(_routed_to(m)[0] for m in spread) == sorted(ids)


def test_nobody_to_route_to_is_unassigned_for_staff(ctx, live):
    with live.app.app_context():
        st = factories.station("空站")
        db.session.commit()
        message_id = _message_at({"station_id": st.id}, datetime(2026, 11, 17, 9))
        assert tasks.route_message(message_id) == "unassigned"
        assert db.session.get(Message, message_id).status == "unassigned"
        assert tasks.route_message(message_id) == "already_routed"


def test_routing_twice_assigns_and_notifies_once(live, world):
    deputy_openid, _ = bind_deputy(live, world, "王建国")
    _, token = live.citizen()
    created = submit(live, token, world["scene"])
    with live.app.app_context():
        get_queue().enqueue(tasks.route_message, created["id"])  # a duplicate job
    live.work()
    with live.app.app_context():
        assert tasks.route_message(created["id"]) == "already_routed"  # and once more by hand
        assert count(Assignment, Assignment.message_id == created["id"]) == 1
        assert count(Notification) == 1
    assert len(live.sandbox.sent(deputy_openid)) == 1
