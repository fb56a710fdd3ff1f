"""Issue 14 (part B): the call-back (回访) N days after closing, once, and 「没解决」 reopens."""

from __future__ import annotations

import re

from server import tasks
from server.models import Event, Message, Notification
from server.platform.db import db
from tests.support.helpers import (
    assert_error,
    bind_deputy,
    citizen_with_consent,
    count,
    submit,
    walk_in,
)


def answered_and_closed(live, world, token) -> dict:
    """An item the deputy answered and the citizen rated 满意 (closed)."""
    _, deputy_token = bind_deputy(live, world, "王建国")
    reply = live.app.config["WECHAT_TEMPLATES"].reply
    created = submit(live, token, world["scene"], subscribed=[reply])
    live.work()
    answer = live.api(
        "POST", f"/deputy/messages/{created['id']}/replies", deputy_token, json={"content": "已修"}
    )
    assert answer.status_code == 201, answer.text
    rated = live.api(
        "POST",
        f"/messages/{created['id']}/rating",
        token,
        json={"score": "satisfied", "subscribed": [reply]},  # a credit left for the 回访
    )
    assert rated.status_code == 200 and rated.json()["status"] == "closed", rated.text
    live.work()
    return created


def test_the_revisit_is_sent_once_n_days_after_closing(live, world, movable_clock):
    openid, token = citizen_with_consent(live)
    live.sandbox.consent(openid, live.app.config["WECHAT_TEMPLATES"].reply)  # a second 允许
    created = answered_and_closed(live, world, token)
    sent_before = len(live.sandbox.sent(openid))

    movable_clock.move(days=6)
    with live.app.app_context():
        assert tasks.sweep()["revisits"] == 0  # not yet
    assert live.api("GET", f"/messages/{created['id']}", token).json()["revisit"] is None

    movable_clock.move(days=1, minutes=1)
    with live.app.app_context():
        first, second = tasks.sweep(), tasks.sweep()
        assert first["revisits"] == 1 and second["revisits"] == 0
        assert count(Notification, Notification.kind == "revisit") == 1
        assert count(Event, Event.kind == "revisit_asked") == 1
    live.work()
    sent = live.sandbox.sent(openid)
    assert len(sent) == sent_before + 1
    assert "问题解决了吗" in sent[-1]["data"]["thing3"]["value"]
    detail = live.api("GET", f"/messages/{created['id']}", token).json()
    assert detail["revisit"]["question"] == "问题解决了吗？"
    assert detail["revisit"]["can_answer"] is True and detail["revisit"]["answered"] is False


def test_not_solved_reopens_with_the_last_holder_and_a_new_deadline(live, world, movable_clock):
    _, token = live.citizen()  # no credit left: the question waits in the mini-program
    created = answered_and_closed(live, world, token)
    movable_clock.move(days=8)
    with live.app.app_context():
        tasks.sweep()
        assert count(Notification, Notification.kind == "revisit") == 0
    detail = live.api("GET", f"/messages/{created['id']}", token).json()
    assert detail["revisit"]["can_answer"] is True

    # Bad answers: a Chinese 422, nothing written.
    for body in ({}, {"solved": "maybe"}, {"solved": 1}):
        assert_error(live.api("POST", f"/messages/{created['id']}/revisit", token, json=body), 422)
    other = live.citizen("别人")[1]
    assert_error(
        live.api("POST", f"/messages/{created['id']}/revisit", other, json={"solved": False}), 404
    )

    answer = live.api("POST", f"/messages/{created['id']}/revisit", token, json={"solved": False})
    assert answer.status_code == 200, answer.text
    reopened = answer.json()
    assert reopened["status"] == "reopened" and reopened["deputy"]["name"] == "王建国"
    assert reopened["colour"] in ("green", "yellow") and reopened["due_at"]
    assert reopened["revisit"]["solved"] is False and reopened["revisit"]["can_answer"] is False
    # Once only.
    again = live.api("POST", f"/messages/{created['id']}/revisit", token, json={"solved": True})
    assert_error(again, 409, "cannot_revisit")
    with live.app.app_context():
        message = db.session.get(Message, created["id"])
        assert message.due_at is None and message.stage_started_at >= message.revisit_answered_at
        assert count(Notification, Notification.kind == "reopened") == 1  # the deputy is told
        tasks.sweep()
        assert db.session.get(Message, created["id"]).due_at > movable_clock.now()


def test_a_walk_in_is_on_the_call_back_list_and_staff_record_the_answer(
    live, signed_in, stations, movable_clock
):
    clerk = signed_in("jinzhu")
    assert (
        walk_in(clerk, stations, on_spot="1", answer="当场答复：已联系物业疏通").status_code == 302
    )
    movable_clock.move(days=8)
    with live.app.app_context():
        assert tasks.sweep()["revisits"] == 1
        message_id = db.session.scalar(db.select(Message.id).where(Message.channel == "walk_in"))
    clerk = signed_in("jinzhu")  # the clock moved past the session
    page = clerk.get("/admin/walk-ins/callbacks").get_data(as_text=True)
    assert f'data-message="{message_id}"' in page
    # The other station's clerk sees nobody on it, and cannot record the answer.
    other = signed_in("chengdong")
    assert f'data-message="{message_id}"' not in other.get("/admin/walk-ins/callbacks").get_data(
        as_text=True
    )
    assert other.post(f"/admin/items/{message_id}/revisit", {"solved": "1"}).status_code == 404
    bad = clerk.post(f"/admin/items/{message_id}/revisit", {"solved": "x"}, follow_redirects=True)
    assert "请选择" in bad.get_data(as_text=True)
    done = clerk.post(f"/admin/items/{message_id}/revisit", {"solved": "1"}, follow_redirects=True)
    assert "已记录回访结果" in done.get_data(as_text=True)
    page = clerk.get("/admin/walk-ins/callbacks").get_data(as_text=True)
    assert f'data-message="{message_id}"' not in page
    with live.app.app_context():
        message = db.session.get(Message, message_id)
        assert message.revisit_solved is True and message.status == "closed"
    overview = signed_in("admin").get("/admin/").get_data(as_text=True)
    assert 'data-metric="solved">1<' in overview


def _answered_closed_at(live, stations, deputy_token, token, station="金竹") -> int:
    created = submit(live, token, stations["scenes"][station])
    live.work()
    answer = live.api(
        "POST", f"/deputy/messages/{created['id']}/replies", deputy_token, json={"content": "已修"}
    )
    assert answer.status_code == 201, answer.text
    rated = live.api(
        "POST", f"/messages/{created['id']}/rating", token, json={"score": "satisfied"}
    )
    assert rated.json()["status"] == "closed", rated.text
    return created["id"]


def test_revisit_answers_are_counted_per_station_and_deputy_and_rebuilt_alike(
    live, signed_in, stations, movable_clock
):
    """解决了 / 没解决 live in the summary rows (kept by the move that records the answer), per
    station and per deputy, on the overview's tables; `flask stats rebuild` gives the same."""
    from server.models import DailyCount

    _, deputy_token = bind_deputy(live, stations, "王建国")
    tokens = [live.citizen(f"群众{i}")[1] for i in range(3)]
    ids = [_answered_closed_at(live, stations, deputy_token, t) for t in tokens]
    movable_clock.move(days=8)
    with live.app.app_context():
        assert tasks.sweep()["revisits"] == 3
    for mid, token, solved in zip(ids[:2], tokens[:2], (True, False), strict=True):
        answer = live.api("POST", f"/messages/{mid}/revisit", token, json={"solved": solved})
        assert answer.status_code == 200, answer.text
    # A refused second answer counts nothing.
    again = live.api("POST", f"/messages/{ids[0]}/revisit", tokens[0], json={"solved": False})
    assert_error(again, 409, "cannot_revisit")

    def counted():
        rows = db.session.execute(
            db.select(
                DailyCount.station_id,
                DailyCount.deputy_id,
                db.func.sum(DailyCount.solved),
                db.func.sum(DailyCount.not_solved),
            ).group_by(DailyCount.station_id, DailyCount.deputy_id)
        ).all()
        # A row whose counters are all zero equals no row.
        return {(s, d): (int(a), int(b)) for s, d, a, b in rows if a or b}

    with live.app.app_context():
        jinzhu, wang = stations["stations"]["金竹"], stations["ids"]["王建国"]
        kept = counted()
        assert kept[(jinzhu, wang)] == (1, 1)
        assert sum(a for a, _ in kept.values()) == 1 and sum(b for _, b in kept.values()) == 1
        kinds = db.session.scalars(
            db.select(Event.kind).where(Event.message_id == ids[1]).order_by(Event.id)
        ).all()
        assert kinds[-2:] == ["revisit_answered", "reopened"]
        # Damaged rows (an old backup restored), then the rebuild command: the same numbers.
        db.session.execute(db.update(DailyCount).values(solved=0, not_solved=7))
        db.session.commit()
        result = live.app.test_cli_runner().invoke(args=["stats", "rebuild"])
        assert result.exit_code == 0, result.output
        db.session.expire_all()
        assert counted() == kept
    overview = signed_in("jinzhu").get("/admin/").get_data(as_text=True)
    station_row = re.search(r'<tr data-station="金竹[^"]*">(.*?)</tr>', overview, re.S).group(1)
    assert 'data-metric="revisit">1 / 1<' in station_row
    deputy_row = re.search(r'<tr data-deputy="王建国">(.*?)</tr>', overview, re.S).group(1)
    assert 'data-metric="revisit">1 / 1<' in deputy_row
    assert 'data-metric="solved">1<' in overview and 'data-metric="not_solved" class="warn">1<' in (
        overview
    )
    # Another station's clerk sees none of it.
    elsewhere = signed_in("chengdong").get("/admin/").get_data(as_text=True)
    assert 'data-metric="revisit">1 / 1<' not in elsewhere


def test_one_answer_gets_one_solved_prompt_not_two(live, world, movable_clock):
    """An answer left unrated SOLVED_ASK_AFTER_HOURS gets 「问题解决了吗？点此评价」; rated and
    closed after that, the 回访 REVISIT_DAYS later is not pushed again for the same answer: it
    waits in the mini-program. Credits for both are left, so only the rule stops the second."""
    templates = live.app.config["WECHAT_TEMPLATES"]
    openid, token = live.citizen("张大爷")
    for template_id in (templates.reply, templates.reply, templates.solved):
        live.sandbox.consent(openid, template_id)
    _, deputy_token = bind_deputy(live, world, "王建国")
    created = submit(live, token, world["scene"], subscribed=[templates.reply, templates.solved])
    assert live.api("POST", "/subscriptions", token, json={"accepted": [templates.reply]}).ok
    live.work()
    mid = created["id"]
    answer = live.api(
        "POST", f"/deputy/messages/{mid}/replies", deputy_token, json={"content": "已修"}
    )
    assert answer.status_code == 201, answer.text
    live.work()

    movable_clock.move(hours=live.app.config["SOLVED_ASK_AFTER_HOURS"] + 1)
    with live.app.app_context():
        assert tasks.sweep()["asked_solved"] == 1 and tasks.sweep()["asked_solved"] == 0
    live.work()
    rated = live.api("POST", f"/messages/{mid}/rating", token, json={"score": "satisfied"})
    assert rated.json()["status"] == "closed", rated.text

    movable_clock.move(days=live.app.config["REVISIT_DAYS"], minutes=1)
    with live.app.app_context():
        assert tasks.sweep()["revisits"] == 1 and tasks.sweep()["revisits"] == 0
        (asked,) = db.session.scalars(
            db.select(Event).where(Event.message_id == mid, Event.kind == "revisit_asked")
        ).all()
        assert asked.data["channel"] == "app"
        assert count(Notification, Notification.kind == "revisit") == 0
    # The reply credit the call-back would have spent is still there.
    credits = live.api("POST", "/subscriptions", token, json={"accepted": []}).json()["credits"]
    assert credits[templates.reply] == 1
    live.work()
    prompts = [
        m for m in live.sandbox.sent(openid) if "问题解决了吗" in m["data"]["thing3"]["value"]
    ]
    assert [m["template_id"] for m in prompts] == [templates.solved]
    # The question is still there to answer, in the mini-program.
    detail = live.api("GET", f"/messages/{mid}", token).json()
    assert detail["revisit"]["can_answer"] is True


def test_a_prompt_that_reached_nobody_does_not_stop_the_call_back(live, world, movable_clock):
    """No credit for the rating prompt (it reached nobody): the 回访 is still pushed, once."""
    templates = live.app.config["WECHAT_TEMPLATES"]
    openid, token = live.citizen("张大爷")
    for template_id in (templates.reply, templates.reply):
        live.sandbox.consent(openid, template_id)
    _, deputy_token = bind_deputy(live, world, "王建国")
    created = submit(live, token, world["scene"], subscribed=[templates.reply])
    assert live.api("POST", "/subscriptions", token, json={"accepted": [templates.reply]}).ok
    live.work()
    mid = created["id"]
    live.api("POST", f"/deputy/messages/{mid}/replies", deputy_token, json={"content": "已修"})
    live.work()
    movable_clock.move(hours=live.app.config["SOLVED_ASK_AFTER_HOURS"] + 1)
    with live.app.app_context():
        assert tasks.sweep()["asked_solved"] == 1
        notice = db.session.scalar(db.select(Notification).where(Notification.kind == "solved"))
        assert notice.status == "no_consent"
    live.api("POST", f"/messages/{mid}/rating", token, json={"score": "satisfied"})
    movable_clock.move(days=live.app.config["REVISIT_DAYS"], minutes=1)
    with live.app.app_context():
        assert tasks.sweep()["revisits"] == 1
        assert count(Notification, Notification.kind == "revisit") == 1
    live.work()
    prompts = [
        m for m in live.sandbox.sent(openid) if "问题解决了吗" in m["data"]["thing3"]["value"]
    ]
    assert len(prompts) == 1
