"""Issue 14 (part B): 三色 in the API, the escalation chain once per step, 督办."""

from __future__ import annotations

from server import tasks
from server.models import BoardNotice, Event, Message, Notification
from server.platform.db import db
from tests.support.helpers import bind_deputy, count, submit

TWO_WEEKS = 14 * 24.0  # a deadline far enough out to be green whatever weekday the test runs


def escalations(message_id: int) -> list[str]:
    return [
        e.data["step"]
        for e in db.session.scalars(
            db.select(Event)
            .where(Event.message_id == message_id, Event.kind == "escalated")
            .order_by(Event.id)
        )
    ]


def test_green_then_red_once_the_deadline_passes(live, world, movable_clock):
    live.app.config["DEPUTY_ANSWER_HOURS"] = TWO_WEEKS
    _, deputy_token = bind_deputy(live, world, "王建国")
    _, token = live.citizen()
    created = submit(live, token, world["scene"])
    live.work()
    mine = live.api("GET", f"/messages/{created['id']}", token).json()
    assert mine["colour"] == "green" and mine["due_at"]
    assert mine["stage"] == {"name": "deputy_answer", "label": "代表答复", "holder": "deputy"}
    inbox = live.api("GET", "/deputy/inbox", deputy_token).json()
    assert inbox["items"][0]["colour"] == "green"
    assert inbox["items"][0]["due_at"] == mine["due_at"]

    movable_clock.move(days=15)
    with live.app.app_context():
        tasks.sweep()
    mine = live.api("GET", f"/messages/{created['id']}", token).json()
    assert mine["colour"] == "red"
    item = live.api("GET", f"/deputy/messages/{created['id']}", deputy_token).json()
    assert item["colour"] == "red" and item["overdue"] is True

    # Answered: nobody owes a step, so there is no deadline and no colour.
    answer = live.api(
        "POST", f"/deputy/messages/{created['id']}/replies", deputy_token, json={"content": "已修"}
    )
    assert answer.status_code == 201, answer.text
    mine = live.api("GET", f"/messages/{created['id']}", token).json()
    assert mine["colour"] is None and mine["due_at"] is None and mine["stage"] is None


def test_each_escalation_step_is_taken_once_when_the_sweep_runs_twice(live, world, movable_clock):
    deputy_openid, _ = bind_deputy(live, world, "王建国")
    _, token = live.citizen()
    created = submit(live, token, world["scene"])
    live.work()
    templates = live.app.config["WECHAT_TEMPLATES"]

    movable_clock.move(hours=25)  # past the deputy's 24 hours: reminder and station at once
    with live.app.app_context():
        first, second = tasks.sweep(), tasks.sweep()
        assert first["escalated"] == 2 and second["escalated"] == 0
        assert escalations(created["id"]) == ["remind", "station"]
        message = db.session.get(Message, created["id"])
        assert message.overdue_at is not None
        station_notices = list(db.session.scalars(db.select(BoardNotice)))
        assert [(n.audience, n.station_id) for n in station_notices] == [
            ("station", world["station_id"])
        ]
        assert message.tracking_no in station_notices[0].text
    live.work()
    sent = live.sandbox.sent(deputy_openid)
    assert [m["template_id"] for m in sent] == [templates.new_item, templates.reminder]
    assert sent[1]["data"]["thing4"]["value"].startswith("已逾期")  # red, said in the reminder

    movable_clock.move(days=7)  # more than two working days past the deadline, any week
    with live.app.app_context():
        first, second = tasks.sweep(), tasks.sweep()
        assert first["escalated"] == 1 and second["escalated"] == 0
        assert escalations(created["id"]) == ["remind", "station", "committee"]
        assert count(BoardNotice, BoardNotice.audience == "committee") == 1
        assert count(Notification, Notification.kind == "reminder") == 1
    live.work()
    assert len(live.sandbox.sent(deputy_openid)) == 2  # the deputy was reminded once


def test_a_new_holder_starts_the_chain_afresh(live, world, movable_clock):
    bind_deputy(live, world, "王建国")
    _, token = live.citizen()
    created = submit(live, token, world["scene"])
    live.work()
    movable_clock.move(hours=25)
    with live.app.app_context():
        tasks.sweep()
    with live.app.app_context():
        from server.models.lifecycle import move

        message = db.session.get(Message, created["id"])
        before = message.stage_started_at
        move(message, "reassign", "staff", None)
        db.session.commit()
        assert message.stage_started_at > before and message.due_at is None
        tasks.sweep()
        message = db.session.get(Message, created["id"])
        assert message.due_at > movable_clock.now()
        assert escalations(created["id"]) == ["remind", "station"]  # nothing new yet


def test_an_unassigned_item_escalates_to_station_staff(live, movable_clock):
    from tests import factories

    with live.app.app_context():
        station = factories.station()  # nobody on duty, nobody resident
        db.session.commit()
        scene, station_id = station.scene, station.id
    _, token = live.citizen()
    created = submit(live, token, scene)
    live.work()
    mine = live.api("GET", f"/messages/{created['id']}", token).json()
    assert mine["status"] == "unassigned" and mine["stage"]["holder"] == "staff"
    with live.app.app_context():
        tasks.sweep()  # stamps the deadline: the end of the next working day
        due = db.session.get(Message, created["id"]).due_at
    movable_clock.move(seconds=(due - movable_clock.now()).total_seconds() + 60)
    with live.app.app_context():
        tasks.sweep(), tasks.sweep()
        assert escalations(created["id"]) == ["remind", "station"]
        assert count(BoardNotice, BoardNotice.station_id == station_id) == 2
        assert count(Notification, Notification.kind == "reminder") == 0
