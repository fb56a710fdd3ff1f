"""The demo seed (`flask seed-demo`, run by ./scripts/run): one consistent station whose notice
matches its roster, someone on duty today whatever the date, and weeks of realistic history
written once, through the loop's own rows, leaving nothing for the workers to send."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from server.demo import DEMO_SHIFT_NOTE, seed_demo
from server.models import (
    Assignment,
    AuditLog,
    BoardNotice,
    Citizen,
    DutyShift,
    Event,
    Message,
    Notification,
    Rating,
    Reply,
    StaffUser,
    Station,
    SuggestionItem,
    Transfer,
    WalkIn,
)
from server.platform.clock import local_today, utcnow
from server.platform.db import db
from server.routing import roster, workdays
from server.tasks.sweeper import run_sweep
from tests.support.helpers import csrf_of

MODELS = (Message, Assignment, Reply, Event, Notification, WalkIn, Citizen, AuditLog)


def counts() -> dict:
    return {
        m.__name__: db.session.scalar(db.select(db.func.count()).select_from(m)) for m in MODELS
    }


def shifts_of(name: str) -> list[DutyShift]:
    station = db.session.scalar(db.select(Station).where(Station.name == name))
    return list(db.session.scalars(db.select(DutyShift).where(DutyShift.station_id == station.id)))


def on_duty(name: str, day) -> list[int]:
    rows = shifts_of(name)
    return roster.on_duty([roster.Shift(s.deputy_id, s.kind, tuple(s.days)) for s in rows], day)


def test_the_station_notice_is_its_roster(ctx):
    # 2026-05-05 is not a 逢六 day: the demo adds one shift for today, and says so.
    seed_demo(now=datetime(2026, 5, 5, 2, 0, tzinfo=UTC))
    jinzhu = db.session.scalar(db.select(Station).where(Station.name == "金竹社区人大代表联络站"))
    assert "逢六" in jinzhu.reception_note and "6日、16日、26日" in jinzhu.reception_note
    regular = [s for s in shifts_of(jinzhu.name) if s.note != DEMO_SHIFT_NOTE]
    assert {s.kind for s in regular} == {"monthly"}
    assert sorted(d for s in regular for d in s.days) == roster.PRESETS["逢六"]
    (extra,) = [s for s in shifts_of(jinzhu.name) if s.note == DEMO_SHIFT_NOTE]
    assert extra.kind == "dates" and extra.days == ["2026-05-05"] and "演示" in extra.note
    assert on_duty(jinzhu.name, datetime(2026, 5, 5).date())
    chengdong = db.session.scalar(db.select(Station).where(Station.name == "城东街道代表之家"))
    assert "10 日、20 日" in chengdong.reception_note
    assert [(s.kind, s.days) for s in shifts_of(chengdong.name)] == [("monthly", [10, 20])]

    # On a 逢六 day the roster itself has someone: the extra shift goes away.
    seed_demo(now=datetime(2026, 5, 16, 2, 0, tzinfo=UTC))
    assert not [s for s in shifts_of(jinzhu.name) if s.note == DEMO_SHIFT_NOTE]
    assert len(on_duty(jinzhu.name, datetime(2026, 5, 16).date())) == 1
    # The next ordinary day: one extra shift again, for that day only.
    seed_demo(now=datetime(2026, 5, 17, 2, 0, tzinfo=UTC))
    (extra,) = [s for s in shifts_of(jinzhu.name) if s.note == DEMO_SHIFT_NOTE]
    assert extra.days == ["2026-05-17"]
    for day in range(1, 32):
        if day not in (6, 16, 17, 26):
            assert not on_duty(jinzhu.name, datetime(2026, 5, day).date()), day


def test_history_is_realistic_written_once_and_leaves_nothing_to_send(ctx):
    now = utcnow()
    seed_demo()
    done = utcnow()  # the sweep's passes over the history are taken at the end of the seed
    first = counts()
    messages = list(db.session.scalars(db.select(Message)))
    assert len(messages) >= 15
    statuses = {m.status for m in messages}
    assert {"closed", "replied", "reopened", "rejected", "routed"} <= statuses
    assert "received" not in statuses  # nothing for routing to pick up
    assert min(m.created_at for m in messages) <= now - timedelta(days=21)
    assert max(m.created_at for m in messages) <= now
    assert any(m.created_at >= now - timedelta(hours=24) for m in messages)  # today's figures
    ratings = {m.rating for m in messages if m.rating}
    assert {"satisfied", "basically_satisfied", "unsatisfied"} <= ratings
    walk_ins = list(db.session.scalars(db.select(WalkIn)))
    assert len(walk_ins) >= 3
    spot = [w for w in walk_ins if w.received_by_id and w.message.status == "closed"]
    assert any(
        a.rule == "walk_in" and a.deputy_id == w.received_by_id
        for w in spot
        for a in w.message.assignments
    )
    overdue = [m for m in messages if m.overdue_at is not None]
    # Overdue: past the deadline of a stage still open (the deputy's, or staff triage's).
    assert overdue and all(
        m.status in ("routed", "reopened", "followed_up", "unassigned") for m in overdue
    )
    notices = {n.status for n in db.session.scalars(db.select(Notification))}
    assert {"sent", "no_consent", "no_recipient", "failed"} <= notices
    assert not notices & {"pending", "retry", "sending"}
    for message in messages:  # every item's story starts where the loop starts it
        events = list(
            db.session.scalars(
                db.select(Event).where(Event.message_id == message.id).order_by(Event.created_at)
            )
        )
        kinds = [e.kind for e in events]
        assert kinds[0] == "received", message.content
        assert all(e.created_at <= done for e in events)
        if message.status == "closed" and message.citizen_id:
            assert "closed" in kinds

    # The sweep finds nothing to do: no reminders, no overdue marks, no lost work.
    assert set(run_sweep().values()) == {0}
    # A second run (every ./scripts/run) adds nothing.
    seed_demo()
    assert counts() == first


def test_history_is_not_written_into_a_station_that_already_has_items(ctx):
    seed_demo(now=datetime(2026, 5, 5, 2, 0, tzinfo=UTC))
    before = counts()
    db.session.execute(db.delete(Notification))
    db.session.execute(db.delete(BoardNotice))
    db.session.execute(db.delete(Event))
    db.session.execute(db.delete(WalkIn))
    db.session.execute(db.delete(Rating))
    db.session.execute(db.delete(Reply))
    db.session.execute(db.delete(Assignment))
    db.session.execute(db.delete(SuggestionItem))  # the demo's suggestion links two items
    keep = db.session.scalar(db.select(Message.id).limit(1))
    db.session.execute(db.delete(Message).where(Message.id != keep))
    db.session.commit()
    seed_demo()
    assert counts()["Message"] == 1 and before["Message"] > 1


def test_seed_demo_is_repeatable(live, tmp_path):
    out = tmp_path / "demo.json"
    runner = live.app.test_cli_runner()
    first = runner.invoke(args=["seed-demo", "--out", str(out)])
    assert first.exit_code == 0, first.output
    demo = json.loads(out.read_text())
    assert demo["stations"][0]["name"] == "金竹社区人大代表联络站"
    assert len(demo["deputies"]) == 4 and demo["admin"]["password"]
    second = runner.invoke(args=["seed-demo", "--out", str(out)])
    assert second.exit_code == 0, second.output
    again = json.loads(out.read_text())
    assert again["stations"] == demo["stations"]
    assert again["admin"]["password"] == demo["admin"]["password"]
    # 金竹's clerk (the third act publishes with it): made once, its password kept.
    assert demo["clerk"]["username"] == "jinzhu" and demo["clerk"]["password"]
    assert again["clerk"]["password"] == demo["clerk"]["password"]
    assert again["deputies"][0]["invite_code"] != demo["deputies"][0]["invite_code"]
    # At least two handling units, each with a working key; a second run issues fresh keys and
    # the earlier ones stop working (only their hashes were kept).
    assert len(again["units"]) >= 2
    assert [u["name"] for u in again["units"]] == [u["name"] for u in demo["units"]]
    for old, new in zip(demo["units"], again["units"], strict=True):
        assert old["key"] != new["key"]
        assert live.api("GET", "/unit/transfers", new["key"]).status_code == 200
        assert live.api("GET", "/unit/transfers", old["key"]).status_code == 401
    # One clerk login per unit (role unit_staff): printed once, kept in demo.json after that.
    logins = [u["login"] for u in demo["units"]]
    assert len({login["username"] for login in logins}) == len(demo["units"])
    assert all(login["password"] for login in logins)
    assert [u["login"] for u in again["units"]] == logins
    with live.app.app_context():
        for unit in demo["units"]:
            clerk = db.session.scalar(
                db.select(StaffUser).where(StaffUser.username == unit["login"]["username"])
            )
            assert (clerk.role, clerk.unit_id) == ("unit_staff", unit["id"])
        assert db.session.scalar(
            db.select(db.func.count()).select_from(StaffUser).where(StaffUser.role == "unit_staff")
        ) == len(demo["units"])  # the second run made none
        db.session.remove()
    scan = live.api("GET", f"/scan/{demo['stations'][0]['scene']}").json()
    with live.app.app_context():
        holiday = workdays.current().is_holiday(local_today())
    # The demo always has someone on duty today, unless today is a holiday (seeded with it).
    if holiday:
        assert scan["on_duty"] == []
    else:
        assert len(scan["on_duty"]) >= 1
    assert live.api("GET", "/calendar?year=2026").json()["known"] is True


def test_a_demo_unit_clerk_signs_in_and_sees_the_unit_inbox_only(live, tmp_path):
    """As the banner of ./scripts/run says: log in as a unit's clerk, land on its inbox."""
    out = tmp_path / "demo.json"
    assert live.app.test_cli_runner().invoke(args=["seed-demo", "--out", str(out)]).exit_code == 0
    demo = json.loads(out.read_text())
    first, second = demo["units"][0], demo["units"][1]
    client = live.app.test_client()
    token = csrf_of(client.get("/admin/login").get_data(as_text=True))
    wrong = client.post(
        "/admin/login",
        data={"username": first["login"]["username"], "password": "wrong", "csrf_token": token},
    )
    assert wrong.status_code != 302
    token = csrf_of(client.get("/admin/login").get_data(as_text=True))
    answer = client.post(
        "/admin/login",
        data={**first["login"], "csrf_token": token},
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)[:300]
    home = client.get("/admin/", follow_redirects=True)
    assert home.request.path == "/admin/unit/"
    page = home.get_data(as_text=True)
    assert "交办" in page or "签收" in page
    assert client.get("/admin/items").status_code == 403
    with live.app.app_context():
        theirs = db.session.scalars(
            db.select(Transfer.id).where(Transfer.unit_id == second["id"])
        ).all()
        db.session.remove()
    for transfer_id in theirs[:3]:  # another demo unit's history: not this clerk's
        assert client.get(f"/admin/unit/transfers/{transfer_id}").status_code == 404


def test_the_demo_history_has_its_quarterly_analysis(ctx):
    """The 季度分析 shows words on the first start: the history's quarters were analysed."""
    from server.insight.periods import Quarter
    from server.models import ClusterRun

    seed_demo()
    runs = list(db.session.scalars(db.select(ClusterRun)))
    assert runs and all(r.status == "done" for r in runs)
    assert Quarter.of(local_today()).key in {r.quarter for r in runs}
    assert sum(r.items for r in runs) == db.session.scalar(
        db.select(db.func.count()).select_from(Message).where(Message.merged_into_id.is_(None))
    )
    assert any(r.topics.get("all", {}).get("top") for r in runs)
    seed_demo()  # a second start analyses nothing again
    assert db.session.scalar(db.select(db.func.count()).select_from(ClusterRun)) == len(runs)
