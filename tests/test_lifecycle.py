"""The lifecycle table: every allowed move works against the database, every other is refused,
and two hands moving one item at once can't both win."""

from __future__ import annotations

import itertools

import pytest

from server.models import Event, Message
from server.models.lifecycle import (
    AWAITING_REPLY,
    FINISHED,
    MOVE_NAMES,
    MOVES,
    OPEN,
    STATUS_LABELS,
    MoveConflict,
    MoveRefused,
    allowed,
    move,
    step,
)
from server.platform.clock import utcnow
from server.platform.db import db
from tests import factories

ACTORS = ("citizen", "deputy", "staff", "system")


def test_the_named_sets_are_statuses_and_agree():
    assert set(OPEN) | {"replied"} | set(FINISHED) == set(STATUS_LABELS)
    assert set(AWAITING_REPLY) <= set(OPEN)
    assert not set(OPEN) & set(FINISHED)
    for m in MOVES:
        assert m.source in STATUS_LABELS and (m.target is None or m.target in STATUS_LABELS)


def test_no_move_leaves_a_finished_item_except_a_citizen_judging_an_answer():
    leaving = {(m.name, m.source) for m in MOVES if m.source in FINISHED}
    assert leaving == {("reopen", "closed")}


@pytest.mark.parametrize(
    ("name", "status", "actor"),
    list(itertools.product(MOVE_NAMES, STATUS_LABELS, ACTORS)),
)
def test_exactly_the_table_is_allowed(name, status, actor):
    expected = any(m.name == name and m.source == status and actor in m.actors for m in MOVES)
    assert allowed(name, status, actor) is expected
    if not expected:
        with pytest.raises(MoveRefused):
            step(name, status, actor)


def _message(status: str) -> Message:
    st = factories.station()
    message = Message(
        tracking_no=f"T{utcnow().timestamp():.6f}".replace(".", "")[:20],
        channel="station_code",
        station_id=st.id,
        category_id=factories.category("其他").id,
        content="路灯坏了",
        status=status,
    )
    db.session.add(message)
    db.session.commit()
    return message


@pytest.mark.parametrize("row", MOVES, ids=lambda m: f"{m.name}:{m.source}")
def test_every_allowed_move_works_and_is_recorded(ctx, row):
    message = _message(row.source)
    actor = sorted(row.actors)[0]
    event_id = move(message, row.name, actor, 7, note="表驱动")
    db.session.commit()
    target = row.target or row.source
    assert message.status == target
    db.session.expire_all()
    assert db.session.get(Message, message.id).status == target
    event = db.session.get(Event, event_id)
    assert (event.kind, event.actor, event.actor_id, event.data) == (
        row.event,
        actor,
        7,
        {"note": "表驱动"},
    )


def test_a_refused_move_writes_nothing(ctx):
    message = _message("closed")
    with pytest.raises(MoveRefused) as refused:
        move(message, "answer", "deputy", 1)
    assert str(refused.value) == "该事项已办结"
    db.session.rollback()
    assert db.session.get(Message, message.id).status == "closed"
    assert db.session.scalar(db.select(db.func.count()).select_from(Event)) == 0


def test_of_two_hands_acting_on_what_they_read_one_wins(ctx):
    message = _message("routed")
    stale = Message(id=message.id, status="routed")  # what a second clerk read a moment ago
    move(message, "reject", "staff", 1, reason="广告")
    db.session.commit()
    with pytest.raises(MoveConflict):
        move(stale, "close", "staff", 2)
    db.session.rollback()
    assert db.session.get(Message, message.id).status == "rejected"
    kinds = list(db.session.scalars(db.select(Event.kind)))
    assert kinds == ["rejected"]
