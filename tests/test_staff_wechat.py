"""Issue 14: escalation reaches station staff and the 代表工委 by WeChat where they can be
reached. A staff account is bound to a WeChat with a one-time code from the dashboard (绑定微信),
entered in the mini-program; escalation notices then go through the outbox with the channel
fallback (subscribe message, else the official account by unionid); unbound staff keep the
dashboard's board notice only. Real HTTP, the WeChat sandbox, a moved clock."""

from __future__ import annotations

import re
from datetime import timedelta

from server import tasks
from server.models import AuditLog, BoardNotice, Message, Notification, StaffUser, Station
from server.platform.db import db
from tests.factories import make_staff
from tests.support.helpers import Staff, assert_error, make_items
from tests.test_official_account import follow, production_consent, pushes  # noqa: F401


def bind_code(clerk: Staff) -> str:
    page = clerk.post("/admin/account/wechat", {"action": "issue"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'src="data:image/png;base64,' in html  # the QR of the code
    return re.search(r'<code class="bind-code">([^<]+)</code>', html).group(1)


def staff_row(username: str) -> StaffUser:
    return db.session.scalar(db.select(StaffUser).where(StaffUser.username == username))


def test_a_code_binds_once_and_bad_codes_are_refused(live, signed_in, movable_clock):
    clerk = signed_in("jinzhu")
    page = clerk.get("/admin/account/wechat").get_data(as_text=True)
    assert 'data-bound="0"' in page and "尚未绑定微信" in page
    code = bind_code(clerk)
    assert code not in clerk.get("/admin/account/wechat").get_data(as_text=True)  # shown once
    _, token = live.citizen("金竹联络员")
    for bad, status in (("", 422), ("   ", 422), ("S" + "A" * 8, 404), ("X" * 40, 422)):
        assert_error(live.api("POST", "/staff/bind", token, json={"code": bad}), status)
    assert_error(live.api("POST", "/staff/bind", token, json={}), 422)
    assert_error(live.api("POST", "/staff/bind", json={"code": code}), 401)  # no WeChat sign-in
    with live.app.app_context():
        assert staff_row("jinzhu").wechat_citizen_id is None  # nothing written by the refusals

    bound = live.api("POST", "/staff/bind", token, json={"code": code.lower()})
    assert bound.status_code == 200, bound.text
    assert bound.json()["staff"] == {
        "name": "金竹联络员",
        "role": "station_staff",
        "role_label": "联络站工作人员",
    }
    assert bound.json()["subscribe_templates"]["reminder"]
    _, other = live.citizen("别人")
    assert_error(live.api("POST", "/staff/bind", other, json={"code": code}), 404)  # used
    with live.app.app_context():
        row = staff_row("jinzhu")
        assert row.wechat_citizen_id is not None and row.wechat_code_hash is None
        actions = db.session.scalars(db.select(AuditLog.action).order_by(AuditLog.id)).all()
        assert "staff_wechat_code_issued" in actions and "staff_wechat_bound" in actions
    page = clerk.get("/admin/account/wechat").get_data(as_text=True)
    assert 'data-bound="1"' in page

    # A code past STAFF_WECHAT_CODE_MINUTES no longer works.
    late = bind_code(signed_in("chengdong"))
    movable_clock.move(minutes=live.app.config["STAFF_WECHAT_CODE_MINUTES"], seconds=1)
    assert_error(live.api("POST", "/staff/bind", other, json={"code": late}), 410, "code_expired")

    clerk = signed_in("jinzhu")  # the moved clock may have ended the session
    assert clerk.post("/admin/account/wechat", {"action": "what"}).status_code == 422
    assert clerk.post("/admin/account/wechat", {"action": "unbind"}).status_code == 302
    with live.app.app_context():
        assert staff_row("jinzhu").wechat_citizen_id is None
    # Signed out, the page is not there.
    assert live.app.test_client().get("/admin/account/wechat").status_code in (302, 401)


def test_escalation_reaches_bound_staff_by_wechat_and_the_board_stays_for_the_rest(
    live,
    signed_in,
    stations,
    production_consent,  # noqa: F811
    pushes,  # noqa: F811
    movable_clock,
):
    with live.app.app_context():
        jinzhu = db.session.get(Station, stations["stations"]["金竹"])
        make_staff("jinzhu2", stations=[jinzhu], name="金竹二号")  # never bound
        make_staff("weiyuan", "committee", name="代表工委")
        db.session.commit()
    # 金竹's clerk follows the official account; the 代表工委 has a reminder credit instead.
    clerk_openid, clerk_token = live.citizen("金竹联络员")
    answer = live.api(
        "POST", "/staff/bind", clerk_token, json={"code": bind_code(signed_in("jinzhu"))}
    )
    assert answer.status_code == 200, answer.text
    oa_openid = follow(live, clerk_openid)
    committee_openid, committee_token = live.citizen("工委")
    committee_code = bind_code(Staff(live.app, "weiyuan"))
    assert live.api("POST", "/staff/bind", committee_token, json={"code": committee_code}).ok
    live.sandbox.consent(committee_openid, production_consent.reminder)
    assert live.api(
        "POST", "/subscriptions", committee_token, json={"accepted": [production_consent.reminder]}
    ).ok

    make_items(live, stations)  # one item at 金竹 (王建国), one at 城东
    with live.app.app_context():
        tasks.sweep()  # stamps each open stage's due_at
        due = db.session.scalar(db.select(db.func.max(Message.due_at)))
        late = due - movable_clock.now() + timedelta(minutes=1)
    movable_clock.move(seconds=late.total_seconds())  # past the deputy's deadline
    with live.app.app_context():
        assert tasks.sweep()["escalated"] >= 2
        tasks.sweep()  # a second sweep tells nobody again
        to_staff = db.session.scalars(
            db.select(Notification).where(Notification.kind == "escalated")
        ).all()
        jinzhu_id = staff_row("jinzhu").wechat_citizen_id
        assert [(n.citizen_id, n.channel) for n in to_staff] == [(jinzhu_id, "oa")]
        # The board notice is there for everyone at the station, bound or not.
        boards = db.session.scalars(
            db.select(BoardNotice).where(BoardNotice.audience == "station")
        ).all()
        assert {b.station_id for b in boards} >= {stations["stations"]["金竹"]}
    live.work()
    (sent,) = live.sandbox.oa_sent(oa_openid)
    assert sent["template_id"] == live.app.config["WECHAT_OA"].reminder
    assert "请督办" in sent["data"]["thing4"]
    assert sent["miniprogram"]["pagepath"] == "pages/mine/mine"

    movable_clock.move(days=7)  # past ESCALATE_COMMITTEE_WORKDAYS
    with live.app.app_context():
        tasks.sweep()
        tasks.sweep()
        committee = db.session.scalars(
            db.select(Notification).where(
                Notification.kind == "escalated",
                Notification.citizen_id == staff_row("weiyuan").wechat_citizen_id,
            )
        ).all()
        assert len(committee) == 2  # both items reached the 代表工委's step, each once
        assert (
            db.session.scalar(
                db.select(db.func.count())
                .select_from(BoardNotice)
                .where(BoardNotice.audience == "committee")
            )
            == 2
        )
    live.work()
    prompts = live.sandbox.sent(committee_openid)
    assert [m["template_id"] for m in prompts] == [production_consent.reminder]
    assert "超期未办" in prompts[0]["data"]["thing4"]["value"]
    with live.app.app_context():
        # One credit: the first by subscribe message; the second told truthfully that it
        # reached nobody (no credit left, not following the official account).
        statuses = db.session.scalars(
            db.select(Notification.status).where(
                Notification.kind == "escalated",
                Notification.citizen_id == staff_row("weiyuan").wechat_citizen_id,
            )
        ).all()
        assert sorted(statuses) == ["no_consent", "sent"]
    # Nothing went to the unbound clerk's (nonexistent) WeChat, nor to 城东's staff.
    with live.app.app_context():
        assert (
            db.session.scalar(
                db.select(db.func.count())
                .select_from(Notification)
                .where(Notification.kind == "escalated")
            )
            == 3
        )
