"""Stage deadlines of every stage, the unit's included, and the three colours
(server/routing/stages.py): pure, over a calendar given as data and a clock the test moves.
The colour table and the stage table itself: tests/unit/test_stages.py."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from server import settings
from server.platform.clock import LOCAL
from server.routing.calendar import WorkCalendar
from server.routing.stages import Deadlines, colour, stage_due

# 春节 2026 as the State Council published it: 2-15 .. 2-23 off, Saturdays 2-14 and 2-28 worked.
SPRING = WorkCalendar(
    holidays={date(2026, 2, 15) + timedelta(days=i) for i in range(9)},
    workdays={date(2026, 2, 14), date(2026, 2, 28)},
    known_years={2026},
)
RULES = Deadlines(by_kind={"咨询": 2, "投诉": 15})
CONFIG = {
    "DEPUTY_ANSWER_HOURS": 24.0,
    "TRIAGE_WORKDAYS": 1,
    "UNIT_SIGN_WORKDAYS": 1,
    "UNIT_ANSWER_WORKDAYS": 7,
    "SECOND_ANSWER_WORKDAYS": 5,
}


def at(y, m, d, h=10, minute=0) -> datetime:
    return datetime(y, m, d, h, minute, tzinfo=LOCAL)


def local(value: datetime) -> datetime:
    return value.astimezone(LOCAL)


def test_a_unit_deadline_that_starts_on_a_holiday_counts_from_the_first_working_day():
    # Handed on 2-17 (初一, a holiday): the first working day after is Tuesday 2-24.
    due = stage_due("unit_sign", at(2026, 2, 17), CONFIG, SPRING)
    assert local(due) == datetime(2026, 2, 24, 23, 59, 59, tzinfo=LOCAL)
    seven = stage_due("unit_answer", at(2026, 2, 17), CONFIG, SPRING, days=7)
    # 2-24 .. 2-27 (4), Saturday 2-28 worked (5), Monday 3-2 (6), Tuesday 3-3 (7).
    assert local(seven).date() == date(2026, 3, 3)


def test_each_stage_has_its_own_length():
    start = at(2026, 3, 2, 9)  # a Monday
    assert stage_due("deputy_answer", start, CONFIG, SPRING) == start + timedelta(hours=24)
    assert local(stage_due("triage", start, CONFIG, SPRING)).date() == date(2026, 3, 3)
    assert local(stage_due("second_answer", start, CONFIG, SPRING)).date() == date(2026, 3, 9)
    assert local(stage_due("unit_second_answer", start, CONFIG, SPRING)).date() == date(2026, 3, 9)
    assert local(stage_due("unit_answer", start, CONFIG, SPRING)).date() == date(2026, 3, 11)
    with pytest.raises(ValueError):
        stage_due("nobody", start, CONFIG, SPRING)


@pytest.mark.parametrize(
    ("unit_days", "kind", "priority", "expected"),
    [
        (7, "", None, 7),  # the unit's own
        (None, "", None, 7),  # UNIT_ANSWER_WORKDAYS
        (10, "咨询", None, 2),  # the kind's, over the unit's
        (7, "投诉", None, 15),
        (7, "求助", None, 7),  # a kind without an override: the unit's
        (7, "投诉", 3, 3),  # 重点督办 first
    ],
)
def test_which_answer_time_applies(unit_days, kind, priority, expected):
    assert RULES.unit_answer(unit_days, kind, priority) == expected


def test_green_then_yellow_on_the_last_working_day_then_red():
    due = stage_due("unit_answer", at(2026, 3, 2), CONFIG, SPRING, days=3)  # Thursday 3-5
    assert colour(due, at(2026, 3, 3), SPRING) == "green"
    assert colour(due, at(2026, 3, 4, 18), SPRING) == "green"  # two working days left
    assert colour(due, at(2026, 3, 5, 8), SPRING) == "yellow"  # the last one
    assert colour(due, at(2026, 3, 5, 23, 59), SPRING) == "yellow"
    assert colour(due, due, SPRING) == "red"
    assert colour(due, at(2026, 3, 6, 0, 1), SPRING) == "red"
    assert colour(None, at(2026, 3, 6), SPRING) is None


def test_a_weekend_before_a_monday_deadline_is_already_yellow():
    due = datetime(2026, 3, 9, 23, 59, 59, tzinfo=LOCAL).astimezone(UTC)  # Monday
    assert colour(due, at(2026, 3, 6, 12), SPRING) == "green"  # Friday: Friday and Monday left
    assert colour(due, at(2026, 3, 7, 12), SPRING) == "yellow"  # Saturday: only Monday left


def test_deadlines_read_from_the_config():
    config = {
        "DEPUTY_ANSWER_HOURS": 12.0,
        "TRIAGE_WORKDAYS": 2,
        "UNIT_SIGN_WORKDAYS": 1,
        "UNIT_ANSWER_WORKDAYS": 5,
        "UNIT_ANSWER_WORKDAYS_BY_KIND": {"建议": 10},
        "UNIT_PRIORITY_WORKDAYS": 2,
        "SECOND_ANSWER_WORKDAYS": 4,
    }
    rules = Deadlines.of(config)
    assert rules.unit_answer(None, "建议") == 10 and rules.unit_answer(None) == 5
    start = at(2026, 3, 2, 9)
    assert stage_due("deputy_answer", start, config, SPRING) == start + timedelta(hours=12)
    assert local(stage_due("triage", start, config, SPRING)).date() == date(2026, 3, 4)


@pytest.mark.parametrize("raw", ["咨询", "咨询:0", "咨询:两天", ":3"])
def test_a_bad_kind_table_stops_the_start(raw):
    with pytest.raises(SystemExit):
        settings.read({"UNIT_ANSWER_WORKDAYS_BY_KIND": raw})
    assert settings.read({"UNIT_ANSWER_WORKDAYS_BY_KIND": "咨询:3, 投诉:20"})[
        "UNIT_ANSWER_WORKDAYS_BY_KIND"
    ] == {"咨询": 3, "投诉": 20}
