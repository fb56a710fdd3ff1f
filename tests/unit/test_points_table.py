"""履职积分 from events (server/performance/points.py): pure, a table of events -> points,
with caps per quarter and a rule changed in the middle of a quarter."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from server.models.points import DEFAULT_RULES
from server.performance import periods
from server.performance.points import EventRow, Rule, by_item, facts_from_events, score, total

WANG, LI = 1, 2
T0 = datetime(2026, 10, 12, 1, 0, tzinfo=UTC)  # 09:00 Beijing, in 2026Q4
JAN = datetime(2027, 1, 5, 2, tzinfo=UTC)
NEW_YEAR = datetime(2026, 12, 31, 17, tzinfo=UTC)
_ids = iter(range(1, 10_000))


def ev(kind, message_id=None, actor="system", actor_id=None, hours=0.0, **data) -> EventRow:
    return EventRow(
        next(_ids), kind, message_id, actor, actor_id, data, T0 + timedelta(hours=hours)
    )


def rules(**overrides) -> list[Rule]:
    out = []
    for item, (label, points, cap) in DEFAULT_RULES.items():
        points, cap = overrides.get(item, (points, cap))
        out.append(Rule(None, item, label, points, cap, date(2000, 1, 1), None))
    return out


def routed_and_answered(m, deputy, answer_after, reply_id):
    return [
        ev("received", m, "citizen", 9, hours=-1, channel="station_code"),
        ev("routed", m, hours=0),
        ev("replied", m, "deputy", deputy, hours=answer_after, reply_id=reply_id),
    ]


def points_of(events, rule_rows=None, answer_hours=48.0):
    lines = score(facts_from_events(events, answer_hours), rule_rows or rules())
    return {d: by_item(ls) for d, ls in lines.items()}, {d: total(ls) for d, ls in lines.items()}


# (events, expected {deputy: {item: (count, points)}})
CASES = {
    "an answer within 24 h earns answered, on time and first response": (
        routed_and_answered(1, WANG, 3, 11),
        {WANG: {"answered": (1, 2), "answered_on_time": (1, 1), "first_response_24h": (1, 1)}},
    ),
    "a late answer earns only answered": (
        routed_and_answered(1, WANG, 60, 11),
        {WANG: {"answered": (1, 2)}},
    ),
    "a second answer to the same item earns nothing more": (
        [*routed_and_answered(1, WANG, 3, 11), ev("replied", 1, "deputy", WANG, 5, reply_id=12)],
        {WANG: {"answered": (1, 2), "answered_on_time": (1, 1), "first_response_24h": (1, 1)}},
    ),
    "the station's own answer earns no deputy anything": (
        [ev("routed", 1), ev("replied", 1, "staff", 5, 2, reply_id=11)],
        {},
    ),
    "satisfied and basically satisfied go to the answer's author": (
        [
            *routed_and_answered(1, WANG, 30, 11),
            ev("rated", 1, "citizen", 9, 31, score="satisfied", reply_id=11),
            *routed_and_answered(2, LI, 30, 21),
            ev("rated", 2, "citizen", 9, 32, score="basically_satisfied", reply_id=21),
            *routed_and_answered(3, LI, 30, 31),
            ev("rated", 3, "citizen", 9, 33, score="unsatisfied", reply_id=31),
        ],
        {
            WANG: {"answered": (1, 2), "answered_on_time": (1, 1), "rated_satisfied": (1, 2)},
            LI: {
                "answered": (2, 4),
                "answered_on_time": (2, 2),
                "rated_basically_satisfied": (1, 1),
            },
        },
    ),
    "handed to a unit and closed after its answer": (
        [
            ev("routed", 1),
            ev("transferred", 1, "deputy", WANG, 50),
            ev("unit_answered", 1, "unit", 3, 100),
            ev("closed", 1, "citizen", 9, 120),
            # closed without the unit ever answering: not solved by the unit
            ev("routed", 2),
            ev("transferred", 2, "deputy", WANG, 50),
            ev("closed", 2, "staff", 5, 60),
        ],
        {WANG: {"transfer_solved": (1, 2)}},
    ),
    "shifts, a walk-in, suggestions and their grade": (
        [
            ev("shift_attended", None, "deputy", WANG, 0, deputy_id=WANG, station_id=1, date="x"),
            ev("shift_attended", None, "staff", 5, 1, deputy_id=LI, station_id=1, date="x"),
            ev("shift_attended", None, "staff", 5, 2, deputy_id=LI, station_id=1, date="x"),
            ev("received", 7, "staff", 5, 3, channel="walk_in", received_by=LI),
            ev("received", 8, "staff", 5, 3, channel="walk_in", received_by=None),
            ev("suggestion.led", None, "deputy", WANG, 4, deputy_id=WANG, suggestion_id=1),
            ev("suggestion.seconded", None, "deputy", LI, 4, deputy_id=LI, suggestion_id=1),
            ev(
                "suggestion.answered",
                None,
                "system",
                None,
                9,
                deputy_id=WANG,
                suggestion_id=1,
                grade="A",
            ),
            ev(
                "suggestion.answered",
                None,
                "system",
                None,
                9,
                deputy_id=LI,
                suggestion_id=2,
                grade="C",
            ),
        ],  # fmt: skip
        {
            WANG: {
                "shift_attended": (1, 3),
                "suggestion_led": (1, 5),
                "suggestion_grade_a": (1, 5),
            },
            LI: {
                "shift_attended": (1, 3),
                "walkin_received": (1, 2),
                "suggestion_seconded": (1, 1),
            },
        },
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_events_give_the_expected_points(name):
    events, expected = CASES[name]
    items, totals = points_of(events)
    assert items == expected
    assert totals == {d: sum(p for _, p in row.values()) for d, row in expected.items()}


def test_the_cap_per_quarter_stops_the_count_and_a_new_quarter_starts_again():
    # 14 shifts of 3 points with a cap of 36: 12 count in full, the 13th and 14th earn nothing.
    shifts = [
        ev("shift_attended", None, "deputy", WANG, 24 * n, deputy_id=WANG, station_id=1, date=n)
        for n in range(14)
    ]
    items, _ = points_of(shifts)
    assert items[WANG]["shift_attended"] == (14, 36)
    # A cap that does not divide the points: the last fact earns what is left.
    items, _ = points_of(shifts[:3], rules(shift_attended=(3, 7)))
    assert items[WANG]["shift_attended"] == (3, 7)
    lines = score(facts_from_events(shifts[:3], 48), rules(shift_attended=(3, 7)))[WANG]
    assert [line.points for line in lines] == [3, 3, 1]
    assert "已达本季度上限 7 分" in lines[-1].reason
    # The next quarter has its own cap.
    data = {"deputy_id": WANG, "station_id": 1, "date": "j"}
    january = EventRow(999, "shift_attended", None, "deputy", WANG, data, JAN)
    items, _ = points_of([*shifts, january])
    assert items[WANG]["shift_attended"] == (15, 39)


def test_a_rule_changed_mid_quarter_applies_from_its_date():
    change = date(2026, 11, 1)
    old = Rule(1, "shift_attended", "值班", 3, 36, date(2000, 1, 1), change - timedelta(days=1))
    new = Rule(2, "shift_attended", "值班", 5, 12, change, None)
    at = [datetime(2026, 10, 20, 2, tzinfo=UTC), datetime(2026, 10, 27, 2, tzinfo=UTC)]
    at += [datetime(2026, 11, d, 2, tzinfo=UTC) for d in (3, 10, 17)]
    shifts = [
        EventRow(i, "shift_attended", None, "deputy", WANG, {"deputy_id": WANG, "date": i}, t)
        for i, t in enumerate(at)
    ]
    lines = score(facts_from_events(shifts, 48), [old, new])[WANG]
    # October at 3 each; November at 5 until the new cap (12) counts what October already used.
    assert [line.points for line in lines] == [3, 3, 5, 1, 0]
    assert [line.rule.id for line in lines] == [1, 1, 2, 2, 2]
    assert total(lines) == 12


def test_a_day_by_beijing_time_decides_the_rule_and_the_quarter():
    # 2026-12-31 17:00 UTC is 2027-01-01 01:00 in Beijing: next quarter's count.
    data = {"deputy_id": WANG, "date": 1}
    late = EventRow(1, "shift_attended", None, "deputy", WANG, data, NEW_YEAR)
    only_2027 = [Rule(1, "shift_attended", "值班", 3, None, date(2027, 1, 1), None)]
    lines = score(facts_from_events([late], 48), only_2027)[WANG]
    assert lines[0].points == 3 and lines[0].fact.on == date(2027, 1, 1)
    assert periods.quarter_key(lines[0].fact.on) == "2027Q1"


def test_no_rule_in_force_earns_nothing_with_a_reason():
    future = [Rule(1, "answered", "答复", 2, None, date(2030, 1, 1), None)]
    lines = score(facts_from_events(routed_and_answered(1, WANG, 1, 11), 48), future)[WANG]
    assert {line.points for line in lines} == {0}
    assert lines[0].reason == "该项当日未计分"


def test_the_order_of_the_events_read_does_not_change_the_result():
    events = [e for case in CASES.values() for e in case[0]]
    forward = points_of(events)
    backward = points_of(list(reversed(events)))
    assert forward == backward


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("2026Q4", date(2026, 10, 1), date(2026, 12, 31)),
        ("2026q1", date(2026, 1, 1), date(2026, 3, 31)),
        ("2026", date(2026, 1, 1), date(2026, 12, 31)),
    ],
)
def test_periods(text, first, last):
    period = periods.parse(text)
    assert (period.first, period.last) == (first, last)


@pytest.mark.parametrize("text", ["", "2026Q5", "26Q1", "2026-10", "1999Q1", "季度", "2026Q0"])
def test_bad_periods_are_refused_in_chinese(text):
    with pytest.raises(periods.BadPeriod, match="期间"):
        periods.parse(text)
