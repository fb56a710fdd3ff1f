"""Shift check-ins (the deputy's tap and the clerk's confirmation), the points rules edited on
the dashboard with a change from a date, and the quarter's table — all over real HTTP, the
real database and the WeChat sandbox, with the clock moved instead of waited for."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest

from server.models import AuditLog, Event, PointRule, ShiftCheckIn
from server.performance import periods
from server.performance import points as engine
from server.platform.clock import LOCAL, local_today, utcnow
from server.platform.db import db
from server.routing import duty
from tests import factories
from tests.support.helpers import bind_deputy, count, submit


def next_morning(clock, hour: int = 10) -> datetime:
    """Move the clock to the next 10:00 in Beijing; return it."""
    now = utcnow().astimezone(LOCAL)
    target = datetime.combine(now.date(), time(hour), LOCAL)
    if target <= now:
        target += timedelta(days=1)
    clock.move(seconds=(target - now).total_seconds())
    return target


def on_duty(live, world, name: str, day) -> None:
    with live.app.app_context():
        st = db.session.get(factories.Station, world["stations"]["金竹"])
        dep = db.session.get(factories.Deputy, world["ids"][name])
        factories.shift(st, dep, "dates", [day.isoformat()])
        db.session.commit()
    duty.clear()


def table_totals(page: str) -> dict[str, int]:
    import re

    rows = re.findall(r'data-name="([^"]+)" data-total="(\d+)"', page)
    return {name: int(total) for name, total in rows}


@pytest.fixture
def morning(live, world, movable_clock):
    at = next_morning(movable_clock)
    on_duty(live, world, "王建国", at.date())
    return at


def test_a_deputy_checks_in_once_on_a_duty_day_only(live, world, morning, movable_clock):
    _, wang = bind_deputy(live, world, "王建国")
    _, li = bind_deputy(live, world, "李秀兰")

    today = live.api("GET", "/deputy/duty/today", wang).json()
    assert [s["checked_in"] for s in today["stations"]] == [False]
    refused = live.api("POST", "/deputy/checkin", li, json={})
    assert (
        refused.status_code == 422
        and "不是您在联络站的值班日" in refused.json()["error"]["message"]
    )
    other = live.api(
        "POST", "/deputy/checkin", wang, json={"station_id": world["stations"]["城东"]}
    )
    assert other.status_code == 404 and "不在这个联络站值班" in other.json()["error"]["message"]
    bad = live.api("POST", "/deputy/checkin", wang, json={"station_id": "金竹"})
    assert bad.status_code == 422
    citizen = live.citizen("张大爷")[1]
    assert live.api("POST", "/deputy/checkin", citizen, json={}).status_code == 403

    movable_clock.move(hours=12)  # 22:00: the duty day is over
    late = live.api("POST", "/deputy/checkin", wang, json={})
    assert late.status_code == 422 and "签到时间" in late.json()["error"]["message"]
    movable_clock.move(hours=-12)
    with live.app.app_context():
        assert count(ShiftCheckIn) == 0 and count(Event, Event.kind == "shift_attended") == 0

    first = live.api("POST", "/deputy/checkin", wang, json={})
    assert first.status_code == 201, first.text
    assert first.json()["already"] is False and first.json()["station"]["name"].startswith("金竹")
    again = live.api("POST", "/deputy/checkin", wang, json={})
    assert again.status_code == 200 and again.json()["already"] is True
    assert again.json()["id"] == first.json()["id"]
    assert live.api("GET", "/deputy/duty/today", wang).json()["stations"][0]["checked_in"]
    with live.app.app_context():
        assert count(ShiftCheckIn) == 1
        events = db.session.scalars(db.select(Event).where(Event.kind == "shift_attended")).all()
        assert len(events) == 1 and events[0].data["deputy_id"] == world["ids"]["王建国"]
        assert events[0].actor == "deputy" and events[0].data["date"] == morning.date().isoformat()


def test_a_clerk_confirms_attendance_within_their_station(live, world, signed_in, morning):
    clerk, other = signed_in("jinzhu"), signed_in("chengdong")
    page = f"/admin/stations/{world['stations']['金竹']}/attendance"
    li, zhao = world["ids"]["李秀兰"], world["ids"]["赵丽华"]
    today = local_today().isoformat()
    assert "确认代表到站值班" in clerk.get(page).get_data(as_text=True)

    bad = [
        ({"deputy_id": li, "on_date": (local_today() + timedelta(days=1)).isoformat()}, "尚未到来"),
        ({"deputy_id": li, "on_date": "2026-13-01"}, "日期格式"),
        ({"deputy_id": li, "on_date": "1999-01-01"}, "日期应在"),
        ({"deputy_id": li, "on_date": (local_today() - timedelta(days=200)).isoformat()}, "最近"),
        ({"deputy_id": zhao, "on_date": today}, "不是本联络站的驻站代表"),
        ({"deputy_id": "x", "on_date": today}, "选择的内容无效"),
        ({"on_date": today}, "请选择代表"),
    ]
    for data, words in bad:
        answer = clerk.post(page, data)
        assert answer.status_code == 422 and words in answer.get_data(as_text=True), data
    assert other.get(page).status_code == 404
    assert other.post(page, {"deputy_id": li, "on_date": today}).status_code == 404
    assert signed_in("security").get(page).status_code == 403
    with live.app.app_context():
        assert count(ShiftCheckIn) == 0

    assert clerk.post(page, {"deputy_id": li, "on_date": today}).status_code == 302
    again = clerk.post(page, {"deputy_id": li, "on_date": today}, follow_redirects=True)
    assert "已有签到记录" in again.get_data(as_text=True)
    with live.app.app_context():
        rows = db.session.scalars(db.select(ShiftCheckIn)).all()
        assert [(r.deputy_id, r.source) for r in rows] == [(li, "staff")]
        assert count(Event, Event.kind == "shift_attended") == 1
        assert count(AuditLog, AuditLog.action == "shift_confirmed") == 1


def test_points_from_the_record_with_a_rule_changed_mid_quarter(
    live, world, signed_in, morning, movable_clock
):
    admin, clerk = signed_in("admin"), signed_in("jinzhu")
    _, wang = bind_deputy(live, world, "王建国")
    assert live.api("POST", "/deputy/checkin", wang, json={}).status_code == 201
    attendance = f"/admin/stations/{world['stations']['金竹']}/attendance"
    today = local_today()
    clerk.post(attendance, {"deputy_id": world["ids"]["李秀兰"], "on_date": today.isoformat()})

    _, citizen = live.citizen("张大爷")
    item = submit(live, citizen, world["scenes"]["金竹"], content="金竹西路路灯坏了一个月")
    live.work()
    movable_clock.move(hours=2)
    reply = live.api(
        "POST", f"/deputy/messages/{item['id']}/replies", wang, json={"content": "已联系修复"}
    )
    assert reply.status_code == 201, reply.text
    rated = live.api("POST", f"/messages/{item['id']}/rating", citizen, json={"score": "satisfied"})
    assert rated.status_code in (200, 201), rated.text
    admin, clerk = signed_in("admin"), signed_in("jinzhu")  # the clock moved: sign in again

    # 王建国: shift 3 + answered 2 + on time 1 + first response 1 + satisfied 2; 李秀兰: shift 3.
    period = periods.parse(str(today.year))
    table = f"/admin/points?period={period.code}&station_id={world['stations']['金竹']}"
    assert table_totals(clerk.get(table).get_data(as_text=True)) == {
        "王建国": 9,
        "李秀兰": 3,
        "陈志强": 0,
    }

    # The rule: bad input changes nothing, only an administrator may change it.
    rules = "/admin/points/rules/shift_attended"
    tomorrow = (today + timedelta(days=1)).isoformat()
    with live.app.app_context():
        before = count(PointRule)
    for data, words in [
        ({"points": "abc", "cap": "", "active_from": tomorrow}, "分值应为 0 到 100"),
        ({"points": "500", "cap": "", "active_from": tomorrow}, "分值应为 0 到 100"),
        ({"points": "5", "cap": "-1", "active_from": tomorrow}, "季度上限"),
        ({"points": "5", "cap": "", "active_from": ""}, "请填写生效日期"),
        ({"points": "5", "cap": "", "active_from": "2000-01-02"}, "不能早于今天"),
    ]:
        answer = admin.post(rules, data)
        assert answer.status_code == 422 and words in answer.get_data(as_text=True), data
    assert clerk.post(rules, {"points": "5", "active_from": tomorrow}).status_code == 403
    assert admin.post("/admin/points/rules/nonsense", {"points": "5"}).status_code == 404
    with live.app.app_context():
        assert count(PointRule) == before

    changed = admin.post(rules, {"points": "10", "cap": "", "active_from": tomorrow})
    assert changed.status_code == 302
    with live.app.app_context():
        assert count(PointRule) == before + 1
        log = db.session.scalars(
            db.select(AuditLog).where(AuditLog.action == "point_rule_changed")
        ).one()
        assert log.data["points"] == 10 and log.data["before"] == {"points": 3, "cap": 36}
    assert "历史规则" in admin.get("/admin/points/rules").get_data(as_text=True)

    # The next day: 王建国 is confirmed at 10 points; yesterday's shifts stay at 3.
    movable_clock.move(days=1)
    clerk = signed_in("jinzhu")
    clerk.post(attendance, {"deputy_id": world["ids"]["王建国"], "on_date": tomorrow})
    page = clerk.get(table).get_data(as_text=True)
    assert table_totals(page) == {"王建国": 19, "李秀兰": 3, "陈志强": 0}
    detail = clerk.get(f"/admin/points/deputies/{world['ids']['王建国']}?period={period.code}")
    text = detail.get_data(as_text=True)
    assert 'id="points-total">19<' in text and "到站接待值班（每次）：3 分" in text
    assert "到站接待值班（每次）：10 分" in text and "群众评价满意" in text

    # A recalculation from the events alone gives the same numbers, whatever order they come.
    with live.app.app_context():
        events = engine.load(period)
        hours = float(live.app.config["DEPUTY_ANSWER_HOURS"])
        again = engine.score(engine.facts_from_events(reversed(events), hours), engine.rules())
        assert {d: engine.total(ls) for d, ls in again.items()} == {
            world["ids"]["王建国"]: 19,
            world["ids"]["李秀兰"]: 3,
        }
        assert {d: engine.total(ls) for d, ls in engine.compute(period, hours).items()} == {
            d: engine.total(ls) for d, ls in again.items()
        }


def test_bad_period_unknown_deputy_and_no_permission(live, world, signed_in):
    clerk = signed_in("jinzhu")
    bad = clerk.get("/admin/points?period=2026Q9")
    assert bad.status_code == 400 and "期间格式不正确" in bad.get_data(as_text=True)
    assert clerk.get("/admin/points/deputies/999999").status_code == 404
    zhao = world["ids"]["赵丽华"]  # 城东's deputy: outside this clerk's station
    assert clerk.get(f"/admin/points/deputies/{zhao}").status_code == 404
    assert clerk.get(f"/admin/points?station_id={world['stations']['城东']}").status_code == 404
    assert signed_in("security").get("/admin/points").status_code == 403
    assert signed_in("auditor").get("/admin/points/rules").status_code == 403
    assert signed_in("admin").get("/admin/points").status_code == 200


def test_a_walk_in_counts_for_the_deputy_who_received_the_visitor(live, world, signed_in):
    from tests.support.helpers import walk_in

    clerk = signed_in("jinzhu")
    li = world["ids"]["李秀兰"]
    assert walk_in(clerk, world, received_by_id=str(li), answer="当场答复：已登记").status_code in (
        302,
        303,
    )
    assert walk_in(clerk, world, content="无接待代表的来访登记").status_code in (302, 303)
    period = periods.current_quarter()
    page = clerk.get(f"/admin/points?period={period.code}").get_data(as_text=True)
    assert table_totals(page)["李秀兰"] == 2
    detail = clerk.get(f"/admin/points/deputies/{li}?period={period.code}").get_data(as_text=True)
    assert "接待来访群众（每批）：2 分" in detail and "来访 #" in detail
    assert "答复群众反映" not in detail  # the station answered on the spot, not the deputy
