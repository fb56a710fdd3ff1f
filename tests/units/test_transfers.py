"""Issue 14: the deputy hands an item to a handling unit; the unit signs, answers or returns it
through its integration API (a bearer key); the citizen is told, sees the path and rates it.
Real HTTP, a real RQ worker, the WeChat sandbox."""

from __future__ import annotations

from datetime import timedelta

from server import tasks
from server.models import BoardNotice, Event, Message, Notification, Transfer, UnitKey
from server.platform.clock import utcnow
from server.platform.db import db
from tests.support.helpers import assert_error, bind_deputy, citizen_with_consent, submit


def routed_item(live, world, consent=True):
    """A citizen's item routed to 王建国, whose phone is bound: (citizen, deputy, message id)."""
    deputy_openid, deputy_token = bind_deputy(live, world, "王建国")
    openid, token = citizen_with_consent(live) if consent else live.citizen()
    reply = live.app.config["WECHAT_TEMPLATES"].reply
    created = submit(live, token, world["scene"], subscribed=[reply])
    if consent:  # a second 允许 (on the item's page): one for the hand-over, one for the answer
        live.sandbox.consent(openid, reply)
        assert live.api("POST", "/subscriptions", token, json={"accepted": [reply]}).ok
    live.work()
    return (openid, token), (deputy_openid, deputy_token), created["id"]


def hand(live, deputy_token, message_id, unit_id, note="请核实路灯并维修", **extra):
    return live.api(
        "POST",
        f"/deputy/messages/{message_id}/transfer",
        deputy_token,
        json={"unit_id": unit_id, "note": note, **extra},
    )


def kinds(message_id):
    return [
        e.kind
        for e in db.session.scalars(
            db.select(Event).where(Event.message_id == message_id).order_by(Event.id)
        )
    ]


def test_transfer_sign_answer_notify_rate(live, world, units):
    (openid, token), (deputy_openid, deputy_token), mid = routed_item(live, world)
    key = units["keys"]["城管局"]

    listed = live.api("GET", "/deputy/units", deputy_token).json()["units"]
    assert {u["name"] for u in listed} == {"区城市管理局", "区住房和城乡建设局"}

    handed = hand(live, deputy_token, mid, units["ids"]["城管局"])
    assert handed.status_code == 201, handed.text
    body = handed.json()["transfer"]
    assert body["status"] == "handed" and body["unit"]["name"] == "区城市管理局"
    assert body["due_at"] and body["colour"] in ("green", "yellow")
    # Signed within a working day, answered within the unit's seven (what the citizen is told).
    assert body["stage"] == "unit_sign" and body["stage_due_at"] < body["due_at"]
    assert handed.json()["notice"] == "pending"
    live.work()
    (told,) = live.sandbox.sent(openid)
    assert told["data"]["thing3"]["value"].startswith("已转交承办单位，预计")
    assert told["data"]["name4"]["value"] == "区城市管理局"

    detail = live.api("GET", f"/messages/{mid}", token).json()
    assert detail["status"] == "transferred" and detail["stage"]["name"] == "unit_sign"
    assert detail["due_at"] and detail["colour"] in ("green", "yellow")
    texts = [s["stage"] for s in detail["stages"]]
    assert texts[0] == "已收到您的反映" and "由王建国代表受理" in texts
    assert any(t.startswith("转交区城市管理局办理（应于") for t in texts)

    inbox = live.api("GET", "/unit/transfers", key).json()["transfers"]
    assert [t["id"] for t in inbox] == [body["id"]]
    assert inbox[0]["message"]["content"] == "金竹西路的路灯坏了一个月了"
    assert inbox[0]["note"] == "请核实路灯并维修" and inbox[0]["deputy"] == "王建国"
    assert "contact_phone" not in inbox[0]["message"]  # units get the matter, not the person

    signed = live.api("POST", f"/unit/transfers/{body['id']}/sign", key)
    assert signed.status_code == 200 and signed.json()["transfer"]["status"] == "signed"
    assert_error(live.api("POST", f"/unit/transfers/{body['id']}/sign", key), 409)
    assert live.api("GET", f"/messages/{mid}", token).json()["stage"]["name"] == "unit_answer"

    answer = "已派人更换灯具，12月3日恢复照明。"
    answered = live.api(
        "POST",
        f"/unit/transfers/{body['id']}/answer",
        key,
        json={"content": answer, "result": "solved"},
    )
    assert answered.status_code == 200, answered.text
    assert answered.json()["transfer"]["status"] == "answered"
    live.work()
    sent = live.sandbox.sent(openid)
    assert len(sent) == 2 and sent[1]["data"]["name4"]["value"] == "区城市管理局"
    assert sent[1]["data"]["thing3"]["value"].startswith("已解决：")
    templates = live.app.config["WECHAT_TEMPLATES"]
    assert [m["template_id"] for m in live.sandbox.sent(deputy_openid)] == [
        templates.new_item,
        templates.reminder,  # the unit's answer, to the deputy who handed it on
    ]

    detail = live.api("GET", f"/messages/{mid}", token).json()
    assert detail["status"] == "replied" and detail["can_rate"] and detail["due_at"] is None
    (post,) = [t for t in detail["thread"] if t["kind"] == "reply"]
    assert post["author"] == "区城市管理局" and post["content"] == answer
    rated = live.api("POST", f"/messages/{mid}/rating", token, json={"score": "satisfied"})
    assert rated.status_code == 200 and rated.json()["status"] == "closed"
    texts = [s["stage"] for s in rated.json()["stages"]]
    assert texts[-4:] == ["区城市管理局已签收", "区城市管理局已答复", "已评价：满意", "已办结"]
    with live.app.app_context():
        moves = [k for k in kinds(mid) if k not in ("notified", "consent", "flagged")]
        assert moves == [
            "received",
            "routed",
            "transferred",
            "unit_signed",
            "unit_answered",
            "rated",
            "closed",
        ]
        notices = [
            (n.kind, n.status)
            for n in db.session.scalars(db.select(Notification).order_by(Notification.id))
        ]
        assert notices == [
            ("new_item", "sent"),
            ("transferred", "sent"),
            ("reply", "sent"),
            ("unit_answered", "sent"),
        ]


def test_unsatisfied_with_the_unit_reopens_with_the_unit_with_a_new_deadline(live, world, units):
    (_, token), (_, deputy_token), mid = routed_item(live, world)
    key = units["keys"]["城管局"]
    tid = hand(live, deputy_token, mid, units["ids"]["城管局"]).json()["transfer"]["id"]
    live.api(
        "POST", f"/unit/transfers/{tid}/answer", key, json={"content": "已处理", "result": "partly"}
    )
    with live.app.app_context():
        first_due = db.session.get(Transfer, tid).due_at
    rated = live.api(
        "POST", f"/messages/{mid}/rating", token, json={"score": "unsatisfied", "comment": "没修"}
    )
    assert rated.status_code == 200 and rated.json()["status"] == "transferred"
    assert rated.json()["stage"]["name"] == "unit_second_answer"
    again = live.api("GET", "/unit/transfers?status=signed", key).json()["transfers"]
    assert [(t["id"], t["round"]) for t in again] == [(tid, 2)]
    with live.app.app_context():
        row = db.session.get(Transfer, tid)
        assert row.due_at != first_due and row.answered_at is None
    # The unit answers again; the citizen rates the new answer.
    live.api(
        "POST", f"/unit/transfers/{tid}/answer", key, json={"content": "已修好", "result": "solved"}
    )
    assert (
        live.api("POST", f"/messages/{mid}/rating", token, json={"score": "satisfied"}).json()[
            "status"
        ]
        == "closed"
    )


def test_return_goes_back_to_triage_and_staff_can_hand_again(live, world, units):
    (_, token), (_, deputy_token), mid = routed_item(live, world)
    key = units["keys"]["城管局"]
    tid = hand(live, deputy_token, mid, units["ids"]["城管局"]).json()["transfer"]["id"]
    assert_error(live.api("POST", f"/unit/transfers/{tid}/return", key, json={"reason": " "}), 422)
    returned = live.api(
        "POST",
        f"/unit/transfers/{tid}/return",
        key,
        json={"reason": "不属于本单位职责，应由住建局办理"},
    )
    assert returned.status_code == 200 and returned.json()["transfer"]["status"] == "returned"
    detail = live.api("GET", f"/messages/{mid}", token).json()
    assert detail["status"] == "returned" and detail["stage"]["name"] == "triage"
    assert "承办单位退回，联络站重新分派" in [s["stage"] for s in detail["stages"]]
    # Gone from the unit's open work; answering or returning it again is refused.
    assert live.api("GET", "/unit/transfers?status=handed", key).json()["transfers"] == []
    assert_error(
        live.api(
            "POST", f"/unit/transfers/{tid}/answer", key, json={"content": "x", "result": "solved"}
        ),
        409,
    )
    # A second hand-over from triage works (here by the deputy, who is still accountable).
    again = hand(live, deputy_token, mid, units["ids"]["住建局"])
    assert again.status_code == 201, again.text
    with live.app.app_context():
        assert kinds(mid).count("transferred") == 2 and "unit_returned" in kinds(mid)


def test_a_unit_sees_only_its_own_transfers(live, world, units):
    _, (_, deputy_token), mid = routed_item(live, world)
    tid = hand(live, deputy_token, mid, units["ids"]["城管局"]).json()["transfer"]["id"]
    other = units["keys"]["住建局"]
    assert live.api("GET", "/unit/transfers", other).json()["transfers"] == []
    assert_error(live.api("GET", f"/unit/transfers/{tid}", other), 404, "not_found")
    for action, body in (("sign", None), ("answer", {"content": "x", "result": "solved"}),
                         ("return", {"reason": "x"})):  # fmt: skip
        assert_error(live.api("POST", f"/unit/transfers/{tid}/{action}", other, json=body), 404)
    with live.app.app_context():
        assert db.session.get(Transfer, tid).status == "handed"


def test_keys_missing_wrong_revoked_or_a_phone_token_are_401(live, world, units):
    (_, token), (_, deputy_token), _ = routed_item(live, world)
    key = units["keys"]["城管局"]
    assert live.api("GET", "/unit/transfers", key).status_code == 200
    assert_error(live.api("GET", "/unit/transfers"), 401, "unauthorized")
    assert_error(live.api("GET", "/unit/transfers", key + "x"), 401, "invalid_key")
    assert_error(live.api("GET", "/unit/transfers", token), 401, "invalid_key")  # a citizen's
    assert_error(live.api("GET", "/unit/transfers", deputy_token), 401, "invalid_key")
    with live.app.app_context():
        row = db.session.scalar(db.select(UnitKey).where(UnitKey.unit_id == units["ids"]["城管局"]))
        assert row.last_used_at is not None and key not in (row.key_hash, row.label)
        row.revoked_at = utcnow()
        db.session.commit()
    assert_error(live.api("GET", "/unit/transfers", key), 401, "invalid_key")
    # A unit key is not a mini-program token either.
    assert_error(live.api("GET", "/deputy/inbox", units["keys"]["住建局"]), 401)


def test_bad_transfers_are_refused_in_chinese_and_write_nothing(live, world, units):
    _, (_, deputy_token), mid = routed_item(live, world)
    assert_error(hand(live, deputy_token, mid, 999999), 422, field="unit_id")
    assert_error(hand(live, deputy_token, mid, "一"), 422, field="unit_id")
    assert_error(hand(live, deputy_token, mid, 18216320639646480384), 422, field="unit_id")
    assert_error(hand(live, deputy_token, mid, True), 422, field="unit_id")
    too_big = hand(live, deputy_token, mid, units["ids"]["城管局"], co_unit_ids=[2**40])
    assert_error(too_big, 422, field="co_unit_ids")
    assert_error(
        live.api("POST", f"/deputy/messages/{mid}/transfer", deputy_token, json={"note": "x"}),
        422,
        field="unit_id",
    )
    assert_error(hand(live, deputy_token, mid, units["ids"]["城管局"], note="长" * 501), 422)
    same = hand(
        live, deputy_token, mid, units["ids"]["城管局"], co_unit_ids=[units["ids"]["城管局"]]
    )
    assert_error(same, 422, field="co_unit_ids")
    with live.app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Transfer)) == 0
        assert db.session.get(Message, mid).status == "routed"
    first = hand(
        live, deputy_token, mid, units["ids"]["城管局"], co_unit_ids=[units["ids"]["住建局"]]
    )
    assert first.status_code == 201 and first.json()["transfer"]["co_units"] == [
        "区住房和城乡建设局"
    ]
    assert_error(hand(live, deputy_token, mid, units["ids"]["住建局"]), 409, "already_transferred")
    tid = first.json()["transfer"]["id"]
    key = units["keys"]["城管局"]
    bad = live.api(
        "POST", f"/unit/transfers/{tid}/answer", key, json={"content": "好", "result": "done"}
    )
    assert_error(bad, 422, field="result")
    assert_error(
        live.api(
            "POST", f"/unit/transfers/{tid}/answer", key, json={"content": "  ", "result": "solved"}
        ),
        422,
    )
    assert_error(live.api("GET", "/unit/transfers?status=lost", key), 422)
    assert_error(live.api("GET", "/unit/transfers/2147483648", key), 404)
    with live.app.app_context():
        assert db.session.get(Transfer, tid).status == "handed"


def test_the_stage_turns_red_once_the_deadline_passes(live, world, units, movable_clock):
    (_, token), (_, deputy_token), mid = routed_item(live, world)
    tid = hand(live, deputy_token, mid, units["ids"]["城管局"]).json()["transfer"]["id"]
    key = units["keys"]["城管局"]
    live.api("POST", f"/unit/transfers/{tid}/sign", key)
    with live.app.app_context():
        row = db.session.get(Transfer, tid)
        # Signing opened the answering stage: its deadline is now the item's.
        assert db.session.get(Message, mid).due_at == row.due_at
        late = row.due_at - utcnow() + timedelta(minutes=1)
    assert live.api("GET", f"/messages/{mid}", token).json()["colour"] != "red"
    movable_clock.move(seconds=late.total_seconds())  # the deadline has just passed
    assert live.api("GET", f"/messages/{mid}", token).json()["colour"] == "red"
    (listed,) = live.api("GET", "/unit/transfers", key).json()["transfers"]
    assert listed["colour"] == "red"
    inbox = live.api("GET", "/deputy/inbox", deputy_token).json()["items"]
    assert inbox[0]["colour"] == "red"


def test_a_unit_that_does_not_sign_is_reminded_then_the_station_then_the_committee(
    live, world, units, movable_clock
):
    """The escalation chain applies to a unit's stages like the deputy's: its staff are
    reminded in their inbox, then station staff, then the 代表工委; each step once."""
    (_, token), (_, deputy_token), mid = routed_item(live, world)
    tid = hand(live, deputy_token, mid, units["ids"]["城管局"]).json()["transfer"]["id"]
    with live.app.app_context():
        due = db.session.get(Transfer, tid).sign_due_at
        assert db.session.get(Message, mid).due_at == due  # signing's deadline is the item's
        late = due - utcnow() + timedelta(minutes=1)
    movable_clock.move(seconds=late.total_seconds())
    with live.app.app_context():
        first, second = tasks.sweep(), tasks.sweep()
        assert first["escalated"] == 2 and second["escalated"] == 0
        steps = [
            (e.data["step"], e.data["stage"], e.data["unit_id"])
            for e in db.session.scalars(
                db.select(Event).where(Event.message_id == mid, Event.kind == "escalated")
            )
        ]
        unit_id = units["ids"]["城管局"]
        assert steps == [("remind", "unit_sign", unit_id), ("station", "unit_sign", unit_id)]
        (to_unit,) = db.session.scalars(
            db.select(BoardNotice).where(BoardNotice.audience == "unit")
        ).all()
        assert to_unit.unit_id == unit_id and "承办单位签收" in to_unit.text
        assert db.session.get(Message, mid).overdue_at is not None
    assert live.api("GET", f"/messages/{mid}", token).json()["colour"] == "red"
    movable_clock.move(days=7)  # well past ESCALATE_COMMITTEE_WORKDAYS
    with live.app.app_context():
        assert tasks.sweep()["escalated"] == 1 and tasks.sweep()["escalated"] == 0
        committee = db.session.scalars(
            db.select(BoardNotice).where(BoardNotice.audience == "committee")
        ).all()
        assert [n.message_id for n in committee] == [mid]


def test_not_solved_at_the_call_back_goes_back_to_the_unit_that_answered(
    live, world, units, movable_clock
):
    (_, token), (_, deputy_token), mid = routed_item(live, world)
    key = units["keys"]["城管局"]
    tid = hand(live, deputy_token, mid, units["ids"]["城管局"]).json()["transfer"]["id"]
    assert live.api("POST", f"/unit/transfers/{tid}/sign", key).ok
    answered = live.api(
        "POST",
        f"/unit/transfers/{tid}/answer",
        key,
        json={"content": "已修复", "result": "solved"},
    )
    assert answered.status_code == 200, answered.text
    rated = live.api("POST", f"/messages/{mid}/rating", token, json={"score": "satisfied"})
    assert rated.json()["status"] == "closed"
    movable_clock.move(days=8)
    with live.app.app_context():
        tasks.sweep()
    answer = live.api("POST", f"/messages/{mid}/revisit", token, json={"solved": False})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["status"] == "transferred"
    assert body["stage"] == {
        "name": "unit_second_answer",
        "label": "承办单位再次答复",
        "holder": "unit",
    }
    assert body["colour"] in ("green", "yellow") and body["due_at"]
    with live.app.app_context():
        row = db.session.get(Transfer, tid)
        assert row.status == "signed" and row.round == 2
        assert db.session.get(Message, mid).due_at == row.due_at  # the unit's new deadline
    (listed,) = live.api("GET", "/unit/transfers?status=signed", key).json()["transfers"]
    assert listed["id"] == tid and listed["stage"] == "unit_second_answer"
