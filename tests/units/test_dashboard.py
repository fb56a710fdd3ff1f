"""Handling units on the dashboard: administrators keep units and their keys (a key is shown
once), staff hand items on from the item page and triage returned ones, and a unit's account
sees only its own unit's items — nothing else of the dashboard."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from server import tasks
from server.admin import registers
from server.models import BoardNotice, Event, Message, StaffUser, Transfer, Unit
from server.platform.clock import utcnow
from server.platform.db import db
from server.units.keys import issue_key
from tests import factories
from tests.support.helpers import Staff, assert_error, make_items, submit


@pytest.fixture
def desks(live, stations):
    """Two units, each with a clerk account of its own (role unit_staff)."""
    with live.app.app_context():
        a = factories.unit("区城市管理局")
        b = factories.unit("区住房和城乡建设局", answer_days=10)
        factories.make_staff("chengguan", role="unit_staff", name="城管局办理员", unit_id=a.id)
        factories.make_staff("zhujian", role="unit_staff", name="住建局办理员", unit_id=b.id)
        db.session.commit()
        ids = {"城管局": a.id, "住建局": b.id}
        db.session.remove()
    make_items(live, stations)
    live.work()
    with live.app.app_context():
        items = {m.content[:2]: m.id for m in db.session.scalars(db.select(Message))}
        db.session.remove()
    return {"units": ids, "items": items}


def hand_over(clerk: Staff, message_id: int, unit_id: int, **extra):
    return clerk.post(
        f"/admin/items/{message_id}/transfer", {"unit_id": unit_id, "note": "请核实", **extra}
    )


def test_admin_keeps_units_and_a_key_is_shown_once(live, signed_in, desks):
    admin = signed_in("admin")
    bad = admin.post("/admin/units/new", {"name": "", "answer_days": "0"})
    assert bad.status_code == 422
    page = bad.get_data(as_text=True)
    assert "请填写单位名称" in page and "答复时限应为 1 至 60 个工作日" in page
    taken = admin.post("/admin/units/new", {"name": "区城市管理局", "answer_days": "7"})
    assert taken.status_code == 422 and "已有名为" in taken.get_data(as_text=True)
    made = admin.post(
        "/admin/units/new",
        {"name": "区交通运输局", "contact_person": "赵科长", "answer_days": "5", "active": "1"},
    )
    assert made.status_code == 302
    with live.app.app_context():
        unit = db.session.scalar(db.select(Unit).where(Unit.name == "区交通运输局"))
        assert (unit.answer_days, unit.contact_person, unit.active) == (5, "赵科长", True)
        unit_id = unit.id
    no_label = admin.post(f"/admin/units/{unit_id}/keys", {"label": ""})
    assert no_label.status_code == 422
    issued = admin.post(f"/admin/units/{unit_id}/keys", {"label": "12345 热线系统"})
    assert issued.status_code == 200
    key = re.search(r'<code class="key">([^<]+)</code>', issued.get_data(as_text=True)).group(1)
    assert live.api("GET", "/unit/transfers", key).status_code == 200
    again = admin.get(f"/admin/units/{unit_id}").get_data(as_text=True)
    assert key not in again and "12345 热线系统" in again  # shown once, then only its label
    key_id = int(re.search(rf"/admin/units/{unit_id}/keys/(\d+)/revoke", again).group(1))
    assert admin.post(f"/admin/units/{unit_id}/keys/{key_id}/revoke").status_code == 302
    assert live.api("GET", "/unit/transfers", key).status_code == 401
    # Station staff do not manage units.
    clerk = signed_in("jinzhu")
    assert clerk.get("/admin/units").status_code == 403
    assert clerk.post(f"/admin/units/{unit_id}/keys", {"label": "偷偷签发"}).status_code == 403


def test_staff_hand_on_a_unit_answers_on_its_own_page_and_sees_nothing_else(live, signed_in, desks):
    jinzhu = signed_in("jinzhu")
    item = desks["items"]["金竹"]
    refused = hand_over(jinzhu, item, 999999)
    assert refused.status_code == 422 and "承办单位" in refused.get_data(as_text=True)
    assert (
        signed_in("chengdong")
        .post(f"/admin/items/{item}/transfer", {"unit_id": desks["units"]["城管局"]})
        .status_code
        == 404
    )  # another station's item
    done = hand_over(jinzhu, item, desks["units"]["城管局"], priority="1", priority_days="2")
    assert done.status_code == 302
    assert "已转交区城市管理局办理" in jinzhu.get(done.headers["Location"]).get_data(as_text=True)
    assert hand_over(jinzhu, item, desks["units"]["住建局"]).status_code == 409
    with live.app.app_context():
        row = db.session.scalar(db.select(Transfer).where(Transfer.message_id == item))
        assert row.priority and row.status == "handed"
        tid = row.id

    mine = Staff(live.app, "chengguan")
    assert mine.get("/admin/").status_code == 302  # straight to the unit's own inbox
    inbox = mine.get("/admin/unit/").get_data(as_text=True)
    assert "金竹西路的路灯坏了一个月了" in inbox and "重点督办" in inbox
    for page in ("/admin/items", f"/admin/items/{item}", "/admin/stations", "/admin/registers"):
        assert mine.get(page).status_code == 403, page
    assert mine.post(f"/admin/items/{item}/reply", {"content": "x"}).status_code == 403

    other = Staff(live.app, "zhujian")
    assert "金竹西路" not in other.get("/admin/unit/").get_data(as_text=True)
    assert other.get(f"/admin/unit/transfers/{tid}").status_code == 404
    assert other.post(f"/admin/unit/transfers/{tid}/sign").status_code == 404
    # Station staff and administrators are not a unit.
    assert jinzhu.get(f"/admin/unit/transfers/{tid}").status_code == 403

    assert mine.post(f"/admin/unit/transfers/{tid}/sign").status_code == 302
    empty = mine.post(f"/admin/unit/transfers/{tid}/answer", {"content": "", "result": ""})
    assert empty.status_code == 422
    text = empty.get_data(as_text=True)
    assert "请填写答复内容" in text and "请选择办理结果" in text
    answered = mine.post(
        f"/admin/unit/transfers/{tid}/answer", {"content": "已更换灯具", "result": "solved"}
    )
    assert answered.status_code == 302
    with live.app.app_context():
        assert db.session.get(Message, item).status == "replied"
    page = jinzhu.get(f"/admin/items/{item}").get_data(as_text=True)
    assert "区城市管理局 答复" in page and "已更换灯具" in page
    # The overview's per-unit table: handed, signed and answered on time, not yet rated.
    overview = jinzhu.get("/admin/").get_data(as_text=True)
    row = re.search(r'<tr data-unit="区城市管理局">(.*?)</tr>', overview, re.S).group(1)
    assert 'data-metric="handed">1<' in row and 'data-metric="signed_on_time">1<' in row
    assert 'data-metric="answered_on_time">1<' in row and 'data-metric="unit_satisfied">—<' in row
    assert 'data-metric="unit_solved">0<' in row and 'data-metric="unit_not_solved">0<' in row
    assert 'data-unit="区住房和城乡建设局"' not in overview  # nothing handed to it
    # The 回访 answer 「没解决」 (its own flow: tests/test_revisits.py) counts for the unit.
    with live.app.app_context():
        db.session.get(Message, item).revisit_solved = False
        db.session.commit()
    overview = jinzhu.get("/admin/").get_data(as_text=True)
    row = re.search(r'<tr data-unit="区城市管理局">(.*?)</tr>', overview, re.S).group(1)
    assert 'data-metric="unit_solved">0<' in row and 'data-metric="unit_not_solved">1<' in row
    elsewhere = signed_in("chengdong").get("/admin/").get_data(as_text=True)
    assert 'data-unit="区城市管理局"' not in elsewhere  # 金竹's item: not 城东's figures


def test_a_returned_item_waits_in_triage_and_is_handed_again(live, signed_in, desks):
    jinzhu = signed_in("jinzhu")
    item = desks["items"]["金竹"]
    hand_over(jinzhu, item, desks["units"]["城管局"])
    with live.app.app_context():
        tid = db.session.scalar(db.select(Transfer.id).where(Transfer.message_id == item))
    mine = Staff(live.app, "chengguan")
    assert mine.post(f"/admin/unit/transfers/{tid}/return", {"reason": ""}).status_code == 422
    assert (
        mine.post(f"/admin/unit/transfers/{tid}/return", {"reason": "应由住建局办理"}).status_code
        == 302
    )
    triage = jinzhu.get("/admin/items?status=triage").get_data(as_text=True)
    assert "金竹西路的路灯坏了一个月了" in triage and "城东菜市场" not in triage
    page = jinzhu.get(f"/admin/items/{item}").get_data(as_text=True)
    assert "分拣：转交承办单位" in page and "应由住建局办理" in page
    assert hand_over(jinzhu, item, desks["units"]["住建局"]).status_code == 302
    assert "金竹西路" not in jinzhu.get("/admin/items?status=triage").get_data(as_text=True)
    assert "金竹西路" in Staff(live.app, "zhujian").get("/admin/unit/").get_data(as_text=True)


def test_a_unit_account_needs_its_unit(live, signed_in, desks):
    admin = signed_in("admin")
    answer = admin.post(
        "/admin/users/new",
        {
            "username": "nounit",
            "display_name": "无单位",
            "role": "unit_staff",
            "active": "1",
            "password": "long-enough-1",
        },
    )
    assert answer.status_code == 422 and "所属的承办单位" in answer.get_data(as_text=True)
    made = admin.post(
        "/admin/users/new",
        {
            "username": "newunit",
            "display_name": "城管二号",
            "role": "unit_staff",
            "unit_id": desks["units"]["城管局"],
            "station_ids": "1",  # ignored: a unit's account has no station
            "active": "1",
            "password": "long-enough-1",
        },
    )
    assert made.status_code == 302
    with live.app.app_context():
        user = db.session.scalar(db.select(StaffUser).where(StaffUser.username == "newunit"))
        assert user.unit_id == desks["units"]["城管局"] and user.stations == []


def test_a_unit_late_to_sign_is_reminded_in_its_own_inbox_and_pressed_by_staff(
    live, signed_in, desks, movable_clock
):
    """The escalation chain and 督办 reach a unit's staff in their inbox, never another unit's;
    the register carries the unit columns."""
    jinzhu = signed_in("jinzhu")
    item = desks["items"]["金竹"]
    assert hand_over(jinzhu, item, desks["units"]["城管局"]).status_code == 302
    with live.app.app_context():
        row = db.session.scalar(db.select(Transfer).where(Transfer.message_id == item))
        late = row.sign_due_at - utcnow() + timedelta(minutes=1)
    movable_clock.move(seconds=late.total_seconds())
    with live.app.app_context():
        tasks.sweep()
    jinzhu = signed_in("jinzhu")  # the moved clock ended the earlier session
    empty = jinzhu.post(f"/admin/items/{item}/supervise", {"supervise_note": " "})
    assert empty.status_code == 422
    pressed = jinzhu.post(f"/admin/items/{item}/supervise", {"supervise_note": "请今天签收"})
    assert pressed.status_code == 302
    mine = Staff(live.app, "chengguan").get("/admin/unit/").get_data(as_text=True)
    assert "即将到期" in mine and "承办单位签收" in mine and "督办" in mine and "请今天签收" in mine
    assert 'data-colour="red"' in mine
    other = Staff(live.app, "zhujian").get("/admin/unit/").get_data(as_text=True)
    assert "请今天签收" not in other and "即将到期" not in other
    with live.app.app_context():
        events = db.session.scalars(
            db.select(Event).where(Event.message_id == item, Event.kind == "supervised")
        ).all()
        assert [e.data["holder"] for e in events] == ["区城市管理局"]
        message = db.session.get(Message, item)
        (cells,) = registers.suggestion_rows([message], {})
        row = dict(zip([c.title for c in registers.SUGGESTION_COLUMNS], cells, strict=True))
        assert row["承办单位"] == "区城市管理局" and row["签收"] == "" and row["是否超期"] == "是"
        assert row["督办次数"] == 1


@pytest.mark.parametrize("ending", ["reject", "close", "merge"])
def test_ending_an_item_withdraws_the_units_open_transfer(live, signed_in, stations, desks, ending):
    """Refused, merged into an earlier item or closed by staff while a unit holds it: the
    transfer is withdrawn in the same transaction, with an event and a note on the unit's
    board; the unit's inbox and its system no longer list it, and its actions are refused."""
    jinzhu = signed_in("jinzhu")
    earlier = desks["items"]["金竹"]
    item = earlier
    if ending == "merge":  # a later duplicate at the same station, handed on, then merged
        _, token = live.citizen("李阿姨")
        created = submit(live, token, stations["scenes"]["金竹"], content="金竹西路路灯不亮")
        live.work()
        item = created["id"]
    unit_id = desks["units"]["城管局"]
    assert hand_over(jinzhu, item, unit_id).status_code == 302
    with live.app.app_context():
        tid = db.session.scalar(db.select(Transfer.id).where(Transfer.message_id == item))
        key = issue_key(db.session.get(Unit, unit_id), "测试系统")[1]
        db.session.commit()
    assert [t["id"] for t in live.api("GET", "/unit/transfers", key).json()["transfers"]] == [tid]

    if ending == "reject":
        done = jinzhu.post(
            f"/admin/items/{item}/reject", {"reason": "属于诉讼事项", "where": "向法院起诉"}
        )
    elif ending == "close":
        done = jinzhu.post(f"/admin/items/{item}/close", {"note": "已当面答复"})
    else:
        with live.app.app_context():
            number = db.session.get(Message, earlier).tracking_no
        done = jinzhu.post(f"/admin/items/{item}/merge", {"into": number})
    assert done.status_code == 302, done.get_data(as_text=True)[:500]

    with live.app.app_context():
        row = db.session.get(Transfer, tid)
        message = db.session.get(Message, item)
        assert row.status == "withdrawn" and not row.open
        assert message.status == ("closed" if ending == "close" else "rejected")
        (event,) = db.session.scalars(
            db.select(Event).where(Event.message_id == item, Event.kind == "transfer_withdrawn")
        ).all()
        why = {"reject": "rejected", "close": "closed", "merge": "merged"}[ending]
        assert event.data["transfer_id"] == tid and event.data["why"] == why
        assert event.data["by"] == "金竹联络员"
        (note,) = db.session.scalars(
            db.select(BoardNotice).where(BoardNotice.kind == "withdrawn")
        ).all()
        assert note.unit_id == unit_id and message.tracking_no in note.text
    # Off the unit's open work, in its dashboard inbox and through its system.
    assert live.api("GET", "/unit/transfers", key).json()["transfers"] == []
    assert live.api("GET", "/unit/transfers?status=handed", key).json()["transfers"] == []
    (named,) = live.api("GET", "/unit/transfers?status=withdrawn", key).json()["transfers"]
    assert named["id"] == tid and named["status_label"] == "已撤回"
    mine = Staff(live.app, "chengguan")
    inbox = mine.get("/admin/unit/").get_data(as_text=True)
    assert f'/admin/unit/transfers/{tid}"' not in inbox and "已撤回" in inbox  # the board note
    assert_error(live.api("POST", f"/unit/transfers/{tid}/sign", key), 409)
    answer = {"content": "已处理", "result": "solved"}
    assert_error(live.api("POST", f"/unit/transfers/{tid}/answer", key, json=answer), 409)
    assert mine.post(f"/admin/unit/transfers/{tid}/sign").status_code == 409
    with live.app.app_context():
        assert db.session.get(Transfer, tid).status == "withdrawn"
        assert db.session.get(Message, item).status != "replied"


def test_an_item_without_a_transfer_ends_without_withdrawing_anything(live, signed_in, desks):
    jinzhu = signed_in("jinzhu")
    item = desks["items"]["金竹"]
    assert jinzhu.post(f"/admin/items/{item}/reject", {"reason": "重复"}).status_code == 302
    with live.app.app_context():
        kinds = db.session.scalars(db.select(Event.kind).where(Event.message_id == item)).all()
        assert "transfer_withdrawn" not in kinds and "rejected" in kinds
        assert db.session.scalar(db.select(db.func.count()).select_from(BoardNotice)) == 0
