"""The overview's summary rows (server/models/tally.py) stay equal to a rebuild from the items,
whatever moves, edits and inserts happened, on every backend."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from server.models import (
    Category,
    Citizen,
    DailyCount,
    DayTotal,
    Deputy,
    Message,
    MonthCount,
    Station,
    StatusCount,
    tally,
)
from server.models.lifecycle import MOVES, MoveConflict, move
from server.platform.db import db

NOW = datetime(2026, 5, 6, 4, 0, tzinfo=UTC)


def _rows(model, keys: int) -> set:
    return {
        tuple(row)
        for row in db.session.execute(db.select(*model.__table__.c))
        if any(row[keys:])  # a row whose counters went back to zero equals no row
    }


def snapshot() -> tuple[set, ...]:
    return (
        _rows(DailyCount, 4),
        _rows(StatusCount, 3),
        _rows(MonthCount, 3),
        _rows(DayTotal, 2),
    )


def rebuilt() -> tuple[set, ...]:
    tally.rebuild(db.session.connection())
    return snapshot()


@pytest.fixture
def items(ctx):
    category_ids = [c.id for c in db.session.scalars(db.select(Category).limit(3))]
    stations = [Station(name=f"站{i}") for i in range(3)]
    deputies = [Deputy(name=f"代表{i}", level="县") for i in range(4)]
    citizen = Citizen(openid="o-tally")
    db.session.add_all([*stations, *deputies, citizen])
    db.session.flush()
    rng = random.Random(18)
    made = []
    for i in range(40):
        created = NOW - timedelta(hours=rng.randrange(0, 24 * 40))  # across days and months
        made.append(
            Message(
                tracking_no=f"S{i:05d}",
                channel="station_code",
                station_id=rng.choice([s.id for s in stations] + [None]),
                category_id=rng.choice(category_ids),
                citizen_id=citizen.id,
                content="路灯不亮",
                status="received",
                created_at=created,
            )
        )
    db.session.add_all(made)
    db.session.commit()
    return {"rng": rng, "messages": made, "deputies": [d.id for d in deputies]}


def test_random_moves_keep_the_rows_equal_to_a_rebuild(items):
    rng, deputies = items["rng"], items["deputies"]
    for _ in range(400):
        message = rng.choice(items["messages"])
        choices = [m for m in MOVES if m.source == message.status]
        if not choices:
            continue
        step = rng.choice(choices)
        values = {}
        if step.name in ("route", "reassign"):
            values = {"assigned_deputy_id": rng.choice(deputies), "routed_at": NOW}
        elif step.name == "answer":
            values = {"first_replied_at": message.first_replied_at or NOW}
        elif step.name in ("close", "reopen"):
            values = {"rating": rng.choice(["satisfied", "basically_satisfied", "unsatisfied"])}
        elif step.name == "revisit_answer":
            values = {"revisit_solved": rng.choice([True, False])}
        elif step.name == "reject":
            values = {"assigned_deputy_id": None}
        move(message, step.name, next(iter(step.actors)), values=values, at=NOW)
        if rng.random() < 0.1:
            # Edits through the ORM count too (a rating on a closed item, a moved category).
            message.rating = rng.choice([None, "satisfied", "unsatisfied"])
            message.created_at -= timedelta(days=rng.randrange(3))
        if rng.random() < 0.2:
            db.session.rollback()  # nothing of a rolled-back move stays in the rows either
        else:
            db.session.commit()
    maintained = snapshot()
    assert all(maintained)
    assert maintained == rebuilt()


def test_a_refused_or_conflicting_move_counts_nothing(items):
    message = items["messages"][0]
    before = snapshot()
    stale = type("Row", (), {"id": message.id, "status": "routed"})()
    with pytest.raises(MoveConflict):
        move(stale, "answer", "staff", model=Message)
    db.session.rollback()
    assert snapshot() == before


def test_the_intake_insert_is_counted(live, world):
    from tests.support.helpers import citizen_with_consent, submit

    _, token = citizen_with_consent(live)
    submit(live, token, world["scenes"]["金竹"])
    with live.app.app_context():
        received = db.session.scalar(db.select(db.func.sum(StatusCount.n)))
        assert received == db.session.scalar(db.select(db.func.count(Message.id))) >= 1
        assert snapshot() == rebuilt()


def test_the_rebuild_command_gives_the_same_rows(items, ctx):
    maintained = snapshot()
    # Damage the rows (as a restore from an older backup would), then rebuild.
    db.session.execute(db.delete(StatusCount))
    db.session.commit()
    result = ctx.test_cli_runner().invoke(args=["stats", "rebuild"], catch_exceptions=False)
    assert "已重算汇总" in result.output
    db.session.expire_all()
    assert snapshot() == maintained


def test_orm_changes_before_a_move_are_counted(items):
    # As a walk-in answered on the spot does: inserted, then given its deputy through the
    # ORM (a column never loaded before), then answered and closed through move().
    message = Message(
        tracking_no="S-walk",
        channel="walk_in",
        station_id=items["messages"][0].station_id,
        category_id=items["messages"][0].category_id,
        content="来访",
        status="received",
        created_at=NOW,
    )
    db.session.add(message)
    db.session.flush()
    message.assigned_deputy_id = items["deputies"][0]
    message.routed_at = NOW
    move(message, "answer", "staff", values={"first_replied_at": NOW}, at=NOW)
    move(message, "close", "staff", values={"closed_at": NOW}, at=NOW)
    db.session.commit()
    counted = db.session.scalar(
        db.select(StatusCount.n).where(
            StatusCount.status == "closed", StatusCount.deputy_id == items["deputies"][0]
        )
    )
    assert counted == 1
    kept = snapshot()
    again = rebuilt()
    assert kept[0] - again[0] == again[0] - kept[0] == set()
    assert kept == again


def test_the_coarser_rows_are_the_daily_rows_rolled_up(items):
    """month_counts and day_totals, kept by the same moves, equal the daily rows summed by
    month x station x deputy and by day x category: the overview may read either."""
    rng, deputies = items["rng"], items["deputies"]
    for message in items["messages"][:30]:
        move(
            message,
            "route",
            "system",
            values={"assigned_deputy_id": rng.choice(deputies), "routed_at": NOW},
            at=NOW,
        )
        if rng.random() < 0.5:
            move(message, "answer", "deputy", values={"first_replied_at": NOW}, at=NOW)
    db.session.commit()
    daily, _, months, day_totals = snapshot()
    by_month: dict = {}
    by_day: dict = {}
    for day, station, deputy, category, *counts in daily:
        for target, key in (
            (by_month, (day.replace(day=1), station, deputy)),
            (by_day, (day, category)),
        ):
            sums = target.setdefault(key, [0] * len(counts))
            for i, n in enumerate(counts):
                sums[i] += n
    assert months == {(*k, *v) for k, v in by_month.items()}
    assert day_totals == {(*k, *v) for k, v in by_day.items()}
    assert sum(row[3] for row in months) == len(items["messages"])  # received, every item
