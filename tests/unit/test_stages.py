"""三色 and stage deadlines as a table (pure: no database, no Flask)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from server.models.lifecycle import OPEN, STATUS_LABELS
from server.platform.clock import LOCAL
from server.routing.calendar import WorkCalendar
from server.routing.stages import STAGES, colour, open_stage, stage_due

# 2026: 国庆 1–7 October a holiday; Sunday 27 September and Saturday 10 October worked (调休).
CAL = WorkCalendar(
    holidays={date(2026, 10, d) for d in range(1, 8)},
    workdays={date(2026, 9, 27), date(2026, 10, 10)},
    known_years={2026},
)
CONFIG = {
    "DEPUTY_ANSWER_HOURS": 24,
    "SECOND_ANSWER_WORKDAYS": 2,
    "TRIAGE_WORKDAYS": 1,
    "UNIT_SIGN_WORKDAYS": 1,
    "UNIT_ANSWER_WORKDAYS": 7,
}


def bj(y, m, d, h=12, mi=0):
    return datetime(y, m, d, h, mi, tzinfo=LOCAL).astimezone(UTC)


@pytest.mark.parametrize(
    ("now", "due", "expected"),
    [
        (bj(2026, 11, 2, 9), bj(2026, 11, 5, 23, 59), "green"),  # Mon, due Thu: 4 days
        (bj(2026, 11, 4, 9), bj(2026, 11, 5, 23, 59), "green"),  # Wed, due Thu: 2 days
        (bj(2026, 11, 5, 9), bj(2026, 11, 5, 23, 59), "yellow"),  # the deadline's own day
        (bj(2026, 11, 4, 23, 59), bj(2026, 11, 5, 9), "green"),  # two working days touched
        (bj(2026, 11, 6, 9), bj(2026, 11, 9, 23, 59), "green"),  # Fri, due Mon: Fri + Mon
        (bj(2026, 11, 7, 9), bj(2026, 11, 9, 23, 59), "yellow"),  # Sat, due Mon: only Mon left
        (bj(2026, 11, 8, 9), bj(2026, 11, 9, 23, 59), "yellow"),  # Sun
        # 国庆: on 30 September (Wed) an item due 8 October has 30 Sep + 8 Oct: green;
        (bj(2026, 9, 30, 9), bj(2026, 10, 8, 23, 59), "green"),
        # on 1 October (a holiday) only 8 October is left, a week away: yellow.
        (bj(2026, 10, 1, 9), bj(2026, 10, 8, 23, 59), "yellow"),
        (bj(2026, 10, 7, 20), bj(2026, 10, 8, 23, 59), "yellow"),
        # A deadline on the 调休 Saturday 10 October: Friday 9th and Saturday 10th left.
        (bj(2026, 10, 9, 9), bj(2026, 10, 10, 23, 59), "green"),
        (bj(2026, 11, 5, 23, 59), bj(2026, 11, 5, 23, 59), "red"),  # the very moment
        (bj(2026, 11, 6, 0, 1), bj(2026, 11, 5, 23, 59), "red"),
        (bj(2026, 12, 31, 0, 1), bj(2026, 11, 5, 23, 59), "red"),
    ],
)
def test_colour_table(now, due, expected):
    assert colour(due, now, CAL) == expected


def test_no_deadline_no_colour():
    assert colour(None, bj(2026, 11, 5), CAL) is None


def test_red_once_the_deadline_passes_as_time_moves():
    due = stage_due(open_stage("routed"), bj(2026, 11, 4, 10), CONFIG, CAL)
    assert due == bj(2026, 11, 5, 10)
    assert [colour(due, bj(2026, 11, 4, h), CAL) for h in (11, 23)] == ["green", "green"]
    assert colour(due, bj(2026, 11, 5, 9, 59), CAL) == "yellow"
    assert colour(due, bj(2026, 11, 5, 10, 0), CAL) == "red"


def test_stage_deadlines_in_hours_and_in_working_days():
    # 不满意: the second answer in working days (Wed 4 Nov + 2: the end of Friday 6 Nov).
    assert stage_due(open_stage("reopened"), bj(2026, 11, 4, 10), CONFIG, CAL) == bj(
        2026, 11, 6, 23, 59
    ).replace(second=59)
    # Triage: one working day, the arrival day not counted; in on the 国庆 eve, out on the 8th.
    assert stage_due(open_stage("unassigned"), bj(2026, 9, 30, 15), CONFIG, CAL) == bj(
        2026, 10, 8, 23, 59
    ).replace(second=59)


def test_every_stage_status_is_open_and_in_one_stage_only():
    seen = [key for stage in STAGES for key in stage.keys]
    assert len(seen) == len(set(seen))
    statuses = {key.split("/")[0] for key in seen}
    assert statuses <= set(OPEN) and statuses <= set(STATUS_LABELS)
    assert open_stage("replied") is None and open_stage("closed") is None


@pytest.mark.parametrize(
    ("status", "step", "round_", "name", "holder"),
    [
        ("routed", None, 1, "deputy_answer", "deputy"),
        ("followed_up", None, 1, "deputy_answer", "deputy"),
        ("reopened", None, 1, "second_answer", "deputy"),
        ("unassigned", None, 1, "triage", "staff"),
        ("returned", None, 1, "triage", "staff"),
        ("transferred", "handed", 1, "unit_sign", "unit"),
        ("transferred", "signed", 1, "unit_answer", "unit"),
        ("transferred", "signed", 2, "unit_second_answer", "unit"),
        ("transferred", None, 1, "unit_answer", "unit"),
    ],
)
def test_the_unit_stages_are_rows_of_the_same_table(status, step, round_, name, holder):
    stage = open_stage(status, step, round_)
    assert (stage.name, stage.holder) == (name, holder)


def test_a_unit_stage_is_red_after_its_deadline_like_any_other():
    # Handed on Friday 30 October: one working day to sign, the end of Monday 2 November.
    due = stage_due(open_stage("transferred", "handed"), bj(2026, 10, 30, 10), CONFIG, CAL)
    assert due == bj(2026, 11, 2, 23, 59).replace(second=59)
    assert colour(due, bj(2026, 10, 31), CAL) == "yellow"  # Saturday: only Monday left
    assert colour(due, bj(2026, 11, 3, 0, 1), CAL) == "red"
    # The unit's answer time given by the transfer (the kind's, 重点督办) overrides the default.
    assert stage_due("unit_answer", bj(2026, 11, 2, 10), CONFIG, CAL, days=2) == bj(
        2026, 11, 4, 23, 59
    ).replace(second=59)


def test_an_unknown_stage_name_is_refused():
    with pytest.raises(ValueError):
        stage_due("nobody", bj(2026, 11, 2), CONFIG, CAL)
