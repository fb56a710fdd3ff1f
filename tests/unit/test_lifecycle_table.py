"""The lifecycle table as data (no database): the named sets agree, and exactly the table's moves
are allowed (the database side is tests/test_lifecycle.py)."""

from __future__ import annotations

import itertools

import pytest

from server.models.lifecycle import (
    AWAITING_REPLY,
    FINISHED,
    MOVE_NAMES,
    MOVES,
    OPEN,
    STATUS_LABELS,
    MoveRefused,
    allowed,
    step,
)

ACTORS = ("citizen", "deputy", "staff", "system", "unit")


def test_the_named_sets_are_statuses_and_agree():
    assert set(OPEN) | {"replied"} | set(FINISHED) == set(STATUS_LABELS)
    assert set(AWAITING_REPLY) <= set(OPEN)
    assert not set(OPEN) & set(FINISHED)
    for m in MOVES:
        assert m.source in STATUS_LABELS and (m.target is None or m.target in STATUS_LABELS)


def test_no_move_leaves_a_finished_item_except_a_citizen_judging_an_answer():
    leaving = {(m.name, m.source) for m in MOVES if m.source in FINISHED and m.target}
    # 不满意 with an answer (a deputy's or a unit's), and 「没解决」 at the call-back (the citizen,
    # or staff for a walk-in).
    assert leaving == {
        ("reopen", "closed"),
        ("unit_reopen", "closed"),
        ("revisit_reopen", "closed"),
    }


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


# The handling units' stage, spelled out (not derived from MOVES, so a wrong row fails here).
UNIT_STAGE = [
    ("transfer", "routed", "deputy", "transferred"),
    ("transfer", "reopened", "deputy", "transferred"),
    ("transfer", "unassigned", "staff", "transferred"),
    ("transfer", "returned", "staff", "transferred"),
    ("unit_sign", "transferred", "unit", None),
    ("unit_answer", "transferred", "unit", "replied"),
    ("unit_return", "transferred", "unit", "returned"),
    ("unit_reopen", "replied", "citizen", "transferred"),
    ("unit_reopen", "closed", "citizen", "transferred"),
    ("reassign", "returned", "staff", "routed"),
    ("answer", "returned", "staff", "replied"),
]


@pytest.mark.parametrize(("name", "status", "actor", "target"), UNIT_STAGE)
def test_the_unit_stage(name, status, actor, target):
    assert step(name, status, actor).target == target


@pytest.mark.parametrize(
    ("name", "status", "actor"),
    [
        ("transfer", "transferred", "deputy"),  # a second open transfer
        ("transfer", "replied", "deputy"),
        ("transfer", "closed", "staff"),
        ("transfer", "routed", "unit"),
        ("transfer", "routed", "citizen"),
        ("unit_sign", "routed", "unit"),
        ("unit_sign", "transferred", "staff"),  # only the unit signs for itself
        ("unit_answer", "returned", "unit"),
        ("unit_answer", "transferred", "deputy"),
        ("unit_return", "replied", "unit"),
        ("unit_reopen", "rejected", "citizen"),
    ],
)
def test_the_unit_stage_refuses(name, status, actor):
    with pytest.raises(MoveRefused):
        step(name, status, actor)
