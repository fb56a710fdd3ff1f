"""The lifecycle against the database: every allowed move works and is recorded, a refused move
writes nothing, and two hands moving one item at once can't both win (the table: tests/unit/)."""

from __future__ import annotations

import pytest

from server.models import Event, Message
from server.models.lifecycle import (
    MOVES,
    MoveConflict,
    MoveRefused,
    move,
)
from server.platform.clock import utcnow
from server.platform.db import db
from tests import factories


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
