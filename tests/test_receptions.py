"""Issue 16 item 4: 接待预告 — staff publish reception days on the roster, citizens tap 「提醒我」,
a reminder goes out once the day before, and a cancelled day (a holiday entered in the
calendar, or staff) tells those who subscribed. Real database, Redis, sandbox over HTTP."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest

from server import tasks
from server.models import CalendarDay, Notification, Reception, ReceptionSubscription
from server.platform.clock import LOCAL, local_today, utcnow
from server.platform.db import db
from server.tasks.receptions import remind_receptions
from tests.support.helpers import assert_error, count
from tests.test_official_account import follow, pushes  # noqa: F401 (a fixture)


def _station_code(live, stations) -> str:
    return stations["scenes"]["金竹"].removeprefix("s.")


def publish(clerk, stations, day, **fields):
    data = {"day": day.isoformat(), "starts": "09:00", "ends": "11:30", **fields}
    return clerk.post(f"/admin/stations/{stations['stations']['金竹']}/receptions", data)


def reception_id(live, day) -> int:
    with live.app.app_context():
        rid = db.session.scalar(db.select(Reception.id).where(Reception.day == day))
        db.session.remove()
    return rid


def subscriber(live, name="张大爷"):
    """A citizen who taps 「提醒我」 and 允许 in WeChat's dialog (one 接待提醒 credit)."""
    openid, token = live.citizen(name)
    return openid, token


def tap_remind(live, openid, token, rid, accept=True):
    template = live.app.config["WECHAT_TEMPLATES"].reception
    if accept:
        live.sandbox.consent(openid, template)
    body = {"accepted": [template] if accept else []}
    return live.api("POST", f"/receptions/{rid}/reminder", token, json=body)


def move_to(movable_clock, day, hour: int) -> None:
    """Move the clock to `hour`:00 Beijing time on `day` (never backwards)."""
    target = datetime.combine(day, time(hour), LOCAL)
    delta = target - utcnow()
    assert delta > timedelta(0)
    movable_clock.move(seconds=delta.total_seconds())


def test_publish_show_subscribe_and_remind_once_the_day_before(
    live, stations, signed_in, movable_clock
):
    clerk = signed_in("jinzhu")
    day = local_today() + timedelta(days=7)  # 王建国's weekday: on the roster
    page = clerk.get(f"/admin/stations/{stations['stations']['金竹']}/receptions")
    assert page.status_code == 200 and day.isoformat() in page.get_data(as_text=True)
    answer = publish(clerk, stations, day, topic="教育专题接待", place="金竹社区服务中心二楼")
    assert answer.status_code == 302, answer.get_data(as_text=True)
    rid = reception_id(live, day)

    # Shown on the API, the scan answer, the landing page and the web form.
    code = _station_code(live, stations)
    listed = live.api("GET", f"/stations/{code}/receptions").json()
    (shown,) = listed["receptions"]
    assert shown["topic"] == "教育专题接待" and shown["deputies"] == ["王建国"]
    assert shown["place"] == "金竹社区服务中心二楼" and shown["day"] == day.isoformat()
    assert listed["template"] == live.app.config["WECHAT_TEMPLATES"].reception
    scan = live.api("GET", f"/scan/{stations['scenes']['金竹']}").json()
    assert [r["topic"] for r in scan["station"]["receptions"]] == ["教育专题接待"]
    assert scan["subscribe_templates"]["reception"] == listed["template"]
    web = live.app.test_client().get(f"/q/{stations['scenes']['金竹']}")
    assert "教育专题接待" in web.get_data(as_text=True)  # the web form, outside WeChat
    landing = live.app.test_client().get(
        f"/q/{stations['scenes']['金竹']}", headers={"User-Agent": "Mozilla/5.0 MicroMessenger/8.0"}
    )
    assert "接待预告" in landing.get_data(as_text=True)  # WeChat's own browser: the scan page
    assert "金竹社区服务中心二楼" in landing.get_data(as_text=True)

    openid, token = subscriber(live)
    first = tap_remind(live, openid, token, rid)
    assert first.status_code == 200, first.text
    assert first.json()["channel"] == "mp" and first.json()["reception"]["subscribed"] is True
    again = tap_remind(live, openid, token, rid, accept=False)  # a second tap: one subscription
    assert again.status_code == 200
    mine = live.api("GET", f"/stations/{code}/receptions", token).json()["receptions"][0]
    assert mine["subscribed"] is True
    with live.app.app_context():
        assert count(ReceptionSubscription) == 1

    # Two days before: nothing. The day before, before 09:00: nothing.
    move_to(movable_clock, day - timedelta(days=2), 10)
    with live.app.app_context():
        assert remind_receptions()["reminded"] == 0
    move_to(movable_clock, day - timedelta(days=1), 8)
    with live.app.app_context():
        assert remind_receptions()["reminded"] == 0
    # From 09:00 the day before: once, however often the pass runs and the clock moves on.
    move_to(movable_clock, day - timedelta(days=1), 10)
    with live.app.app_context():
        assert remind_receptions()["reminded"] == 1
        assert remind_receptions()["reminded"] == 0
    movable_clock.move(hours=3)
    with live.app.app_context():
        assert remind_receptions()["reminded"] == 0
        assert count(Notification, Notification.kind == "reception_reminder") == 1
    live.work()
    (sent,) = live.sandbox.sent(openid)
    assert sent["template_id"] == live.app.config["WECHAT_TEMPLATES"].reception
    assert sent["data"]["thing1"]["value"] == "教育专题接待"
    assert "09:00-11:30" in sent["data"]["thing3"]["value"]
    assert "明天" in sent["data"]["thing5"]["value"]


def test_a_holiday_entered_in_the_calendar_cancels_the_day_and_tells_subscribers(
    live, stations, signed_in
):
    clerk = signed_in("jinzhu")
    day = local_today() + timedelta(days=14)
    assert publish(clerk, stations, day, topic="社保专题接待").status_code == 302
    rid = reception_id(live, day)
    openid, token = subscriber(live)
    assert tap_remind(live, openid, token, rid).json()["channel"] == "mp"
    quiet, quiet_token = subscriber(live, "不订阅的人")

    admin = signed_in("admin")
    added = admin.post(
        "/admin/calendar/days", {"day": day.isoformat(), "kind": "holiday", "name": "调休"}
    )
    assert added.status_code == 302, added.get_data(as_text=True)
    with live.app.app_context():
        row = db.session.get(Reception, rid)
        assert row.status == "cancelled" and row.cancel_reason == "节假日休息"
        # The periodic pass finds nothing more to cancel or tell.
        assert tasks.receptions.remind_receptions()["cancelled"] == 0
        assert count(Notification, Notification.kind == "reception_cancelled") == 1
    live.work()
    (sent,) = live.sandbox.sent(openid)
    assert sent["data"]["thing5"]["value"] == "已取消：节假日休息"
    assert live.sandbox.sent(quiet) == []
    code = _station_code(live, stations)
    assert live.api("GET", f"/stations/{code}/receptions").json()["receptions"] == []
    # Subscribing to a cancelled day: 409, nothing written.
    assert_error(tap_remind(live, quiet, quiet_token, rid), 409)
    with live.app.app_context():
        assert count(ReceptionSubscription) == 1


def test_a_holiday_in_the_database_is_caught_by_the_periodic_pass(live, stations, signed_in):
    """A calendar changed outside the dashboard (the seed, a script) is caught within one
    RECEPTION_REMIND_INTERVAL."""
    clerk = signed_in("jinzhu")
    day = local_today() + timedelta(days=7)
    assert publish(clerk, stations, day).status_code == 302
    openid, token = subscriber(live)
    assert tap_remind(live, openid, token, reception_id(live, day)).status_code == 200
    with live.app.app_context():
        db.session.add(CalendarDay(day=day, kind="holiday", name="测试", source="staff"))
        db.session.commit()
        from server.routing import workdays

        workdays.clear()
        assert remind_receptions() == {"cancelled": 1, "reminded": 0}
        assert remind_receptions() == {"cancelled": 0, "reminded": 0}
    live.work()
    assert len(live.sandbox.sent(openid)) == 1


def test_staff_cancel_tells_subscribers_once(live, stations, signed_in):
    clerk = signed_in("jinzhu")
    day = local_today() + timedelta(days=7)
    assert publish(clerk, stations, day).status_code == 302
    rid = reception_id(live, day)
    openid, token = subscriber(live)
    assert tap_remind(live, openid, token, rid).status_code == 200
    live.sandbox.consent(openid, live.app.config["WECHAT_TEMPLATES"].reception)  # spare credit

    too_long = clerk.post(f"/admin/receptions/{rid}/cancel", {"reason": "原" * 15})
    assert too_long.status_code == 302
    with live.app.app_context():
        assert db.session.get(Reception, rid).status == "published"
    assert (
        clerk.post(f"/admin/receptions/{rid}/cancel", {"reason": "代表外出开会"}).status_code == 302
    )
    twice = clerk.post(
        f"/admin/receptions/{rid}/cancel", {"reason": "再取消"}, follow_redirects=True
    )
    assert "已经取消过了" in twice.get_data(as_text=True)
    live.work()
    (sent,) = live.sandbox.sent(openid)
    assert sent["data"]["thing5"]["value"] == "已取消：代表外出开会"
    # Another station's clerk can't see or cancel it.
    other = signed_in("chengdong")
    assert other.post(f"/admin/receptions/{rid}/cancel", {}).status_code == 404
    assert (
        other.get(f"/admin/stations/{stations['stations']['金竹']}/receptions").status_code == 404
    )

    # A cancelled day may be published again (new row, nobody subscribed yet).
    assert publish(clerk, stations, day, topic="改期接待").status_code == 302
    with live.app.app_context():
        assert count(Reception) == 1 and count(ReceptionSubscription) == 0


def test_bad_publications_are_refused_in_chinese_and_write_nothing(live, stations, signed_in):
    clerk = signed_in("jinzhu")
    today = local_today()
    day = today + timedelta(days=7)
    zhao = stations["ids"]["赵丽华"]  # 城东's deputy, not 金竹's
    with live.app.app_context():
        db.session.add(
            CalendarDay(day=today + timedelta(days=21), kind="holiday", name="测试", source="staff")
        )
        db.session.commit()
        from server.routing import workdays

        workdays.clear()
    cases = [
        ({"day": "2026-13-01"}, "日期格式"),
        ({"day": (today - timedelta(days=1)).isoformat()}, "已经过去"),
        ({"day": (today + timedelta(days=400)).isoformat()}, "天以内"),
        ({"day": (today + timedelta(days=21)).isoformat()}, "节假日"),
        ({"starts": "9点"}, "开始时间格式"),
        ({"ends": "08:00"}, "结束时间应晚于开始时间"),
        ({"topic": "教" * 21}, "不能超过 20 个字"),
        ({"place": "地" * 101}, "不能超过 100 个字"),
        ({"deputy_ids": str(zhao)}, "只能选择本联络站"),
        ({"deputy_ids": "abc"}, "代表选择有误"),
        # Not on the roster that day and nobody chosen: who would receive?
        ({"day": (today + timedelta(days=8)).isoformat()}, "请至少选择一位接待代表"),
    ]
    for fields, words in cases:
        data = {"day": day.isoformat(), "starts": "09:00", "ends": "11:30", **fields}
        answer = clerk.post(f"/admin/stations/{stations['stations']['金竹']}/receptions", data)
        assert answer.status_code == 422, (fields, answer.status_code)
        assert words in answer.get_data(as_text=True), fields
    with live.app.app_context():
        assert count(Reception) == 0
    assert publish(clerk, stations, day).status_code == 302
    duplicate = publish(clerk, stations, day, topic="第二场")
    assert duplicate.status_code == 409 and "已发布" in duplicate.get_data(as_text=True)
    with live.app.app_context():
        assert count(Reception) == 1
    # 代表工委 reads but may not publish.


def test_the_api_refuses_what_it_cannot_do(live, stations, signed_in):
    clerk = signed_in("jinzhu")
    day = local_today() + timedelta(days=7)
    assert publish(clerk, stations, day).status_code == 302
    rid = reception_id(live, day)
    assert_error(live.api("GET", "/stations/nosuchcode/receptions"), 404)
    assert_error(live.api("POST", f"/receptions/{rid}/reminder", json={"accepted": []}), 401)
    # A bad token reads the public list as anybody does.
    anybody = live.api("GET", f"/stations/{_station_code(live, stations)}/receptions", "bad")
    assert anybody.status_code == 200 and "subscribed" not in anybody.json()["receptions"][0]
    openid, token = subscriber(live)
    assert_error(live.api("POST", "/receptions/999999/reminder", token, json={}), 404)
    huge = "/receptions/99999999999999999999/reminder"  # beyond any id: 404, not a 500
    assert_error(live.api("POST", huge, token, json={}), 404)
    assert_error(live.api("DELETE", huge, token), 404)
    unknown = live.api("POST", f"/receptions/{rid}/reminder", token, json={"accepted": ["nope"]})
    assert_error(unknown, 422, field="accepted")
    with live.app.app_context():
        assert count(ReceptionSubscription) == 0
    # Without 允许 and without the official account: recorded, and told the truth.
    bare = tap_remind(live, openid, token, rid, accept=False)
    assert bare.status_code == 200 and bare.json()["channel"] is None
    assert "未允许" in bare.json()["notice"]
    assert live.api("DELETE", f"/receptions/{rid}/reminder", token).status_code == 204
    with live.app.app_context():
        assert count(ReceptionSubscription) == 0


def test_the_pass_is_a_periodic_job():
    assert (
        "receptions",
        "server.tasks.receptions.remind_receptions",
        "RECEPTION_REMIND_INTERVAL",
    ) in (tasks.PERIODIC)


@pytest.mark.usefixtures("pushes")
def test_a_follower_without_a_credit_is_reminded_on_the_official_account(
    live, stations, signed_in, movable_clock
):
    clerk = signed_in("jinzhu")
    day = local_today() + timedelta(days=7)
    assert publish(clerk, stations, day, topic="养老专题接待").status_code == 302
    openid, token = subscriber(live, "关注公众号的人")
    oa_openid = follow(live, openid)
    answer = tap_remind(live, openid, token, reception_id(live, day), accept=False)
    assert answer.json()["channel"] == "oa" and "公众号" in answer.json()["notice"]
    move_to(movable_clock, day - timedelta(days=1), 10)
    with live.app.app_context():
        assert remind_receptions()["reminded"] == 1
        assert remind_receptions()["reminded"] == 0
    live.work()
    assert live.sandbox.sent(openid) == []
    (sent,) = live.sandbox.oa_sent(oa_openid)
    assert sent["template_id"] == live.app.config["WECHAT_OA"].reception
    assert sent["data"]["thing1"] == "养老专题接待"
