"""The working-day calendar: the pure rules as tables (built from chinesecalendar's data), the
seeding, the loader, the public API route, and holidays on the roster and in routing."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import chinese_calendar
import pytest

from server import tasks
from server.models import Assignment, CalendarDay, Message
from server.platform.clock import LOCAL, local_today
from server.platform.db import db
from server.routing import roster, workdays
from server.routing.calendar import WorkCalendar
from server.seed import package_days, seed_calendar
from tests import factories

PACKAGE = package_days()
CAL = WorkCalendar(
    holidays={d for d, (kind, _) in PACKAGE.items() if kind == "holiday"},
    workdays={d for d, (kind, _) in PACKAGE.items() if kind == "workday"},
    known_years={d.year for d in PACKAGE},
    names={d: name for d, (_, name) in PACKAGE.items()},
)


def at(y: int, m: int, d: int, hour: int = 10, minute: int = 0) -> datetime:
    """A moment in Beijing time."""
    return datetime(y, m, d, hour, minute, tzinfo=LOCAL)


def end_of(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, 23, 59, 59, tzinfo=LOCAL).astimezone(UTC)


# -- the pure rules --------------------------------------------------------------------------


def test_the_calendar_agrees_with_chinesecalendar_on_every_day_it_knows():
    day, last = date(2004, 1, 1), date(2026, 12, 31)
    while day <= last:
        assert CAL.is_workday(day) is chinese_calendar.is_workday(day), day
        day += timedelta(days=1)
    assert CAL.known_years == frozenset(range(2004, 2027))


@pytest.mark.parametrize(
    ("day", "workday"),
    [
        (date(2026, 2, 14), True),  # Saturday, 春节 调休: worked
        (date(2026, 2, 28), True),  # Saturday, 春节 调休: worked
        (date(2026, 2, 16), False),  # Monday in 春节
        (date(2026, 2, 23), False),  # Monday, last day of 春节
        (date(2026, 2, 24), True),
        (date(2026, 9, 20), True),  # Sunday, 国庆 调休
        (date(2026, 10, 10), True),  # Saturday, 国庆 调休
        (date(2026, 10, 1), False),
        (date(2026, 11, 28), False),  # an ordinary Saturday
        (date(2027, 1, 1), True),  # 2027 unknown: a Friday is worked, 元旦 or not
        (date(2027, 1, 2), False),  # 2027 unknown: Saturday is off
    ],
)
def test_is_workday(day, workday):
    assert CAL.is_workday(day) is workday


def test_names_and_known_years():
    assert CAL.name_of(date(2026, 2, 17)) == "春节"
    assert CAL.name_of(date(2026, 2, 14)) == "春节调休"
    assert CAL.name_of(date(2026, 10, 3)) == "国庆节"
    assert CAL.is_holiday(date(2026, 10, 3)) and not CAL.is_holiday(date(2026, 11, 28))
    assert CAL.year_known(2026) and not CAL.year_known(2027) and CAL.year_known(2004)


@pytest.mark.parametrize(
    ("start", "n", "due"),
    [
        # Weekends: the arrival day never counts; the Nth working day after it ends the time.
        (at(2026, 11, 27), 1, end_of(2026, 11, 30)),  # Friday -> Monday
        (at(2026, 11, 28), 1, end_of(2026, 11, 30)),  # Saturday -> Monday
        (at(2026, 11, 29), 1, end_of(2026, 11, 30)),  # Sunday -> Monday
        (at(2026, 11, 30), 5, end_of(2026, 12, 7)),  # Monday + 5 -> next Monday
        (at(2026, 11, 30), 7, end_of(2026, 12, 9)),
        # 春节 2026: 2-15 to 2-23 off, Saturdays 2-14 and 2-28 worked.
        (at(2026, 2, 13), 1, end_of(2026, 2, 14)),  # Friday -> the 调休 Saturday
        (at(2026, 2, 13), 2, end_of(2026, 2, 24)),  # then the whole festival is skipped
        (at(2026, 2, 14, 17), 1, end_of(2026, 2, 24)),  # arrived on the 调休 Saturday
        (at(2026, 2, 24), 4, end_of(2026, 2, 28)),  # the second 调休 Saturday counts
        (at(2026, 2, 24), 5, end_of(2026, 3, 2)),
        (at(2026, 2, 10), 7, end_of(2026, 2, 26)),  # 11, 12, 13, 14, 24, 25, 26
        # A start on a holiday: counting begins with the first working day after it.
        (at(2026, 2, 17), 1, end_of(2026, 2, 24)),  # 初一
        (at(2026, 10, 3), 1, end_of(2026, 10, 8)),  # 国庆, a Saturday
        # 国庆 2026: 10-1 to 10-7 off, Sunday 9-20 and Saturday 10-10 worked; 中秋 9-25 to 27.
        (at(2026, 9, 30, 14), 1, end_of(2026, 10, 8)),
        (at(2026, 9, 18), 1, end_of(2026, 9, 20)),  # Friday -> the 调休 Sunday
        (at(2026, 9, 24), 1, end_of(2026, 9, 28)),  # Thursday -> after 中秋
        (at(2026, 10, 9), 1, end_of(2026, 10, 10)),  # Friday -> the 调休 Saturday
        (at(2026, 9, 30), 7, end_of(2026, 10, 15)),  # 8, 9, 10 (Saturday), 12, 13, 14, 15
        # An evening start gets the same deadline as a morning one: the hour never counts.
        (at(2026, 12, 3, 22, 30), 1, end_of(2026, 12, 4)),
        (at(2026, 12, 3, 8, 0), 1, end_of(2026, 12, 4)),
        # 07:00 Friday in Beijing is Thursday 23:00 UTC: the Beijing date decides.
        (datetime(2026, 12, 3, 23, 0, tzinfo=UTC), 1, end_of(2026, 12, 7)),
        # 23:30 Thursday in Beijing is Thursday 15:30 UTC: still Thursday.
        (datetime(2026, 12, 3, 15, 30, tzinfo=UTC), 1, end_of(2026, 12, 4)),
        # 2027 is unknown: weekends only (元旦 2027-01-01, a Friday, counts as worked).
        (at(2026, 12, 31), 1, end_of(2027, 1, 1)),
        (at(2026, 12, 31), 2, end_of(2027, 1, 4)),
        (at(2027, 2, 10), 7, end_of(2027, 2, 19)),  # 春节 2027 not known: no festival
    ],
)
def test_add_working_days(start, n, due):
    result = CAL.add_working_days(start, n)
    assert result == due
    assert result.utcoffset() == timedelta(0)  # UTC, for the database
    assert result.astimezone(LOCAL).time().isoformat() == "23:59:59"
    start_day = start.astimezone(LOCAL).date()
    assert CAL.working_days_between(start_day, result.astimezone(LOCAL).date()) == n


def test_unknown_year_is_weekends_only_and_says_so():
    unknown = WorkCalendar(set(), set(), set())
    assert not unknown.year_known(2027)
    assert unknown.add_working_days(at(2027, 2, 5), 1) == end_of(2027, 2, 8)
    assert unknown.add_working_days(at(2099, 12, 31), 1) == end_of(2100, 1, 1)  # no crash


@pytest.mark.parametrize("n", [0, -1, -7, True, 1.5, "3", None])
def test_add_working_days_refuses_what_is_not_a_positive_count(n):
    with pytest.raises(ValueError):
        CAL.add_working_days(at(2026, 12, 1), n)


def test_add_working_days_refuses_a_naive_start():
    with pytest.raises(ValueError):
        CAL.add_working_days(datetime(2026, 12, 1, 10), 1)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (date(2026, 2, 13), date(2026, 2, 24), 2),  # 14 (调休) and 24
        (date(2026, 2, 24), date(2026, 2, 13), -2),
        (date(2026, 2, 13), date(2026, 2, 13), 0),
        (date(2026, 2, 15), date(2026, 2, 23), 0),  # inside 春节
        (date(2026, 11, 27), date(2026, 11, 30), 1),
        (date(2026, 9, 30), date(2026, 10, 10), 3),  # 8, 9 and the 调休 Saturday
    ],
)
def test_working_days_between(a, b, expected):
    assert CAL.working_days_between(a, b) == expected


@pytest.mark.parametrize(
    ("now", "left"),
    [
        (at(2026, 11, 27, 15), 2),  # Friday (today still counts) and Monday
        (at(2026, 11, 28), 1),  # the weekend: Monday only
        (at(2026, 11, 30, 9), 1),  # the deadline's own day: the last one
        (at(2026, 11, 30, 23, 59), 1),
        (at(2026, 12, 1, 0, 1), -1),  # one working day late
        (at(2026, 12, 2), -2),
    ],
)
def test_working_days_left(now, left):
    due = CAL.add_working_days(at(2026, 11, 27), 1)  # Monday 2026-11-30 23:59:59
    assert CAL.working_days_left(now, due) == left


def test_working_days_left_after_a_friday_deadline_over_the_weekend():
    due = end_of(2026, 11, 27)
    assert CAL.working_days_left(at(2026, 11, 28), due) == 0
    assert CAL.working_days_left(at(2026, 11, 30), due) == -1


# -- the roster on holidays (pure) -----------------------------------------------------------

S = roster.Shift
SPRING = frozenset(d for d in CAL.holidays if d.year == 2026 and d.month == 2)


def test_a_reception_day_on_a_holiday_is_cancelled():
    shifts = [S(1, "monthly", (6, 16, 26)), S(2, "weekly", (1,))]
    assert roster.on_duty(shifts, date(2026, 2, 16)) == [1, 2]  # no holidays given
    assert roster.on_duty(shifts, date(2026, 2, 16), SPRING) == []  # 逢六 on 除夕: off
    assert roster.on_duty(shifts, date(2026, 2, 26), SPRING) == [1]
    assert roster.reception_days(shifts[:1], date(2026, 2, 10), holidays=SPRING) == [
        date(2026, 2, 26),
        date(2026, 3, 6),
    ]
    month = roster.month_calendar(shifts, 2026, 2, SPRING)
    assert month[date(2026, 2, 16)] == [] and month[date(2026, 2, 23)] == []
    assert month[date(2026, 2, 6)] == [1] and month[date(2026, 2, 9)] == [2]


# -- seeding and the loader (real database) --------------------------------------------------


def _count() -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(CalendarDay))


def test_seeding_twice_adds_nothing_and_keeps_staff_edits(ctx):
    assert seed_calendar() == len(PACKAGE) > 700
    assert _count() == len(PACKAGE)
    row = db.session.get(CalendarDay, date(2026, 2, 14))
    assert (row.kind, row.name, row.source) == ("workday", "春节调休", "chinesecalendar")
    # A clerk corrects a day, removes one and enters a year the package does not know.
    db.session.get(CalendarDay, date(2026, 10, 1)).name = "国庆"
    db.session.get(CalendarDay, date(2026, 10, 1)).source = "staff"
    db.session.delete(db.session.get(CalendarDay, date(2026, 10, 7)))
    db.session.add(CalendarDay(day=date(2027, 2, 8), kind="holiday", name="春节", source="staff"))
    db.session.commit()
    assert seed_calendar() == 0
    result = ctx.test_cli_runner().invoke(args=["calendar", "seed"])
    assert result.exit_code == 0, result.output
    assert "calendar days added: 0" in result.output and "2004-2026" in result.output
    assert _count() == len(PACKAGE)  # one removed, one added
    assert db.session.get(CalendarDay, date(2026, 10, 1)).name == "国庆"
    assert db.session.get(CalendarDay, date(2026, 10, 7)) is None
    assert db.session.get(CalendarDay, date(2027, 2, 8)).source == "staff"
    calendar = workdays.current()
    assert calendar.is_workday(date(2026, 10, 7)) is True  # a Wednesday, no longer a holiday
    assert calendar.year_known(2027) and not calendar.is_workday(date(2027, 2, 8))


def test_flask_seed_seeds_the_calendar_and_the_database_agrees_with_the_package(ctx):
    result = ctx.test_cli_runner().invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    assert f"calendar days added: {len(PACKAGE)}" in result.output
    calendar = workdays.current()
    day = date(2004, 1, 1)
    while day.year <= 2026:
        assert calendar.is_workday(day) is chinese_calendar.is_workday(day), day
        day += timedelta(days=1)
    assert calendar.name_of(date(2026, 2, 17)) == "春节"
    assert not calendar.year_known(2027)


def test_the_loader_caches_until_cleared(ctx):
    assert not workdays.current().year_known(2026)
    db.session.add(CalendarDay(day=date(2026, 12, 25), kind="holiday", name="测试", source="staff"))
    db.session.commit()
    assert not workdays.current().year_known(2026)  # this process's copy, until cleared
    workdays.clear()
    assert workdays.current().is_holiday(date(2026, 12, 25))


def test_which_year_is_missing(ctx):
    assert workdays.missing_year(date(2026, 6, 1)) == 2026  # nothing entered at all
    seed_calendar()
    assert workdays.missing_year(date(2026, 6, 1)) is None
    assert workdays.missing_year(date(2026, 10, 31)) is None
    assert workdays.missing_year(date(2026, 11, 1)) == 2027  # November: next year is due
    assert workdays.missing_year(date(2027, 3, 1)) == 2027
    db.session.add(CalendarDay(day=date(2027, 1, 1), kind="holiday", name="元旦"))
    db.session.commit()
    workdays.clear()
    assert workdays.missing_year(date(2026, 12, 1)) is None


# -- the API ---------------------------------------------------------------------------------


def test_calendar_api(live):
    with live.app.app_context():
        seed_calendar()
    answer = live.api("GET", "/calendar?year=2026")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["year"] == 2026 and body["known"] is True
    assert body["workdays"] == [
        "2026-01-04",
        "2026-02-14",
        "2026-02-28",
        "2026-05-09",
        "2026-09-20",
        "2026-10-10",
    ]
    assert len(body["holidays"]) == 33
    assert {"2026-02-17", "2026-10-01", "2026-10-07"} <= set(body["holidays"])
    assert body["holidays"] == sorted(body["holidays"])
    unknown = live.api("GET", "/calendar?year=2027").json()
    assert unknown == {"year": 2027, "holidays": [], "workdays": [], "known": False}
    default = live.api("GET", "/calendar").json()
    assert default["year"] == local_today().year


@pytest.mark.parametrize("year", ["1", "9999", "1999", "2100", "abc", "2026.5", "", "二〇二六"])
def test_calendar_api_refuses_a_bad_year(live, year):
    answer = live.api("GET", f"/calendar?year={year}")
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert error["code"] == "validation_error" and "year" in error["fields"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in error["message"])


# -- routing and the scan on holidays (real database) ----------------------------------------


def _message_on(station_id: int, moment: datetime) -> int:
    message = Message(
        tracking_no=uuid.uuid4().hex[:14],
        channel="station_code",
        station_id=station_id,
        category_id=factories.category("城乡建设").id,
        content="路灯坏了",
        status="received",
        created_at=moment,
    )
    db.session.add(message)
    db.session.commit()
    return message.id


def test_a_spring_festival_reception_day_falls_back_to_the_residents(ctx):
    seed_calendar()
    st = factories.station()
    resident = factories.deputy("王建国", stations=[st])
    li = factories.deputy("李秀兰", stations=[st])
    factories.shift(st, li, "monthly", [6, 16, 26])  # 逢六
    db.session.commit()
    on_festival = _message_on(st.id, at(2026, 2, 16))  # 逢六, and 春节
    after = _message_on(st.id, at(2026, 2, 26))
    for message_id in (on_festival, after):
        tasks.route_message(message_id)

    def routed(message_id):
        row = db.session.scalar(db.select(Assignment).where(Assignment.message_id == message_id))
        return row.deputy_id, row.rule

    assert routed(on_festival)[1] == "resident"
    assert routed(on_festival)[0] in (resident.id, li.id)
    assert routed(after) == (li.id, "on_duty")


def test_the_scan_skips_a_reception_day_that_is_a_holiday(live):
    with live.app.app_context():
        st = factories.station()
        li = factories.deputy("李秀兰", stations=[st])
        factories.shift(st, li, "monthly", [6, 16, 26])
        db.session.commit()
        scene = st.scene
        shifts = [S(li.id, "monthly", (6, 16, 26))]
    today = local_today()
    first, second = roster.reception_days(shifts, today, limit=2)
    before = live.api("GET", f"/scan/{scene}").json()
    assert before["station"]["reception_days"][:2] == [first.isoformat(), second.isoformat()]
    with live.app.app_context():
        db.session.add(CalendarDay(day=first, kind="holiday", name="测试假日", source="staff"))
        db.session.commit()
    workdays.clear()
    after = live.api("GET", f"/scan/{scene}").json()
    assert first.isoformat() not in after["station"]["reception_days"]
    assert after["station"]["reception_days"][0] == second.isoformat()
    if first == today:
        assert after["on_duty"] == []  # today's reception is cancelled
