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
CONFIG = {"DEPUTY_ANSWER_HOURS": 24, "DEPUTY_REANSWER_HOURS": 12, "TRIAGE_WORKDAYS": 1}


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
    assert stage_due(open_stage("reopened"), bj(2026, 11, 4, 10), CONFIG, CAL) == bj(
        2026, 11, 4, 22
    )
    # Triage: one working day, the arrival day not counted; in on the 国庆 eve, out on the 8th.
    assert stage_due(open_stage("unassigned"), bj(2026, 9, 30, 15), CONFIG, CAL) == bj(
        2026, 10, 8, 23, 59
    ).replace(second=59)


def test_every_stage_status_is_open_and_in_one_stage_only():
    seen = [status for stage in STAGES for status in stage.statuses]
    assert len(seen) == len(set(seen))
    assert set(seen) <= set(OPEN) and set(seen) <= set(STATUS_LABELS)
    assert open_stage("replied") is None and open_stage("closed") is None
