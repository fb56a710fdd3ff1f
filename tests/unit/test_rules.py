"""Pure rules, table-driven: rosters, routing choice, notice shortening."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from server.notices.layouts import build_data, shorten
from server.routing import roster, rules

S = roster.Shift


@pytest.mark.parametrize(
    ("shift", "day", "expected"),
    [
        (S(1, "monthly", (6, 16, 26)), date(2026, 11, 16), True),  # 逢六
        (S(1, "monthly", (6, 16, 26)), date(2026, 11, 17), False),
        (S(1, "monthly", (6, 16, 26)), date(2026, 12, 6), True),
        (S(1, "monthly", (10, 20)), date(2026, 11, 20), True),  # fixed days
        (S(1, "monthly", (10, 20)), date(2026, 11, 21), False),
        (S(1, "monthly", (31,)), date(2026, 11, 30), False),  # November has no 31st
        (S(1, "weekly", (1, 3)), date(2026, 11, 23), True),  # Monday
        (S(1, "weekly", (1, 3)), date(2026, 11, 24), False),  # Tuesday
        (S(1, "weekly", (7,)), date(2026, 11, 22), True),  # Sunday is 7
        (S(1, "dates", ("2026-11-22",)), date(2026, 11, 22), True),
        (S(1, "dates", ("2026-11-22",)), date(2026, 11, 23), False),
        (S(1, "monthly", (16,), starts_on=date(2026, 12, 1)), date(2026, 11, 16), False),
        (S(1, "monthly", (16,), ends_on=date(2026, 10, 31)), date(2026, 11, 16), False),
        (S(1, "monthly", (16,), date(2026, 11, 16), date(2026, 11, 16)), date(2026, 11, 16), True),
    ],
)
def test_is_on_duty(shift, day, expected):
    assert roster.is_on_duty(shift, day) is expected


def test_on_duty_lists_each_deputy_once_in_roster_order():
    shifts = [S(3, "weekly", (1,)), S(1, "monthly", (23,)), S(3, "dates", ("2026-11-23",))]
    assert roster.on_duty(shifts, date(2026, 11, 23)) == [3, 1]
    assert roster.on_duty(shifts, date(2026, 11, 24)) == []


def test_reception_days_and_descriptions():
    shifts = [S(1, "monthly", (6, 16, 26))]
    assert roster.reception_days(shifts, date(2026, 11, 17), limit=3) == [
        date(2026, 11, 26),
        date(2026, 12, 6),
        date(2026, 12, 16),
    ]
    assert roster.describe("monthly", [26, 6, 16]) == "每月6日、16日、26日（逢六）"
    assert roster.describe("monthly", [10, 20]) == "每月10日、20日"
    assert roster.describe("weekly", [3, 1]) == "每周一、周三"


@pytest.mark.parametrize(
    ("kind", "days", "field"),
    [
        ("monthly", [32], "days"),
        ("monthly", [True], "days"),
        ("monthly", [0], "days"),
        ("monthly", [], "days"),
        ("weekly", [8], "days"),
        ("dates", ["2026-13-01"], "days"),
        ("yearly", [1], "kind"),
    ],
)
def test_validate_shift_rejects(kind, days, field):
    errors = roster.validate_shift(kind, days, None, None)
    assert field in errors and any("\u4e00" <= c <= "\u9fff" for c in errors[field])


def test_validate_shift_dates_order():
    errors = roster.validate_shift("monthly", [6], date(2026, 12, 1), date(2026, 11, 1))
    assert "ends_on" in errors
    assert roster.validate_shift("monthly", [6, 16, 26], None, None) == {}


def test_month_calendar():
    calendar = roster.month_calendar([S(1, "monthly", (6, 16, 26)), S(2, "weekly", (1,))], 2026, 2)
    assert len(calendar) == 28
    assert calendar[date(2026, 2, 16)] == [1, 2]  # a Monday and a 16th


C = rules.Candidate
T0 = datetime(2026, 1, 1, tzinfo=UTC)
T1 = datetime(2026, 1, 2, tzinfo=UTC)


@pytest.mark.parametrize(
    ("candidates", "tags", "expected"),
    [
        ([C(1, frozenset()), C(2, frozenset({"城建环保"}))], {"城建环保"}, 2),  # expertise
        ([C(1, frozenset(), 0), C(2, frozenset({"城建环保"}), 5)], {"城建环保"}, 2),  # over load
        ([C(1, frozenset(), 3), C(2, frozenset(), 1)], {"城建环保"}, 2),  # fewest open
        ([C(1, frozenset(), 1, T1), C(2, frozenset(), 1, T0)], set(), 2),  # longest ago
        ([C(1, frozenset(), 1, T0), C(2, frozenset(), 1, None)], set(), 2),  # never assigned
        ([C(2, frozenset()), C(1, frozenset())], set(), 1),  # all equal: lowest id
    ],
)
def test_choose(candidates, tags, expected):
    assert rules.choose(candidates, frozenset(tags)).deputy_id == expected


def test_decide_walks_the_rules_in_order():
    scanned, duty, resident = C(9, frozenset()), C(5, frozenset()), C(7, frozenset())
    pick = rules.decide
    assert pick({"scanned_deputy": [scanned], "on_duty": [duty]}, frozenset()) == rules.Decision(
        9, "scanned_deputy"
    )
    assert pick({"scanned_deputy": [], "on_duty": [duty], "resident": [resident]}, frozenset()) == (
        rules.Decision(5, "on_duty")
    )
    assert pick({"on_duty": [], "resident": [resident]}, frozenset()) == rules.Decision(
        7, "resident"
    )
    assert pick({"on_duty": [], "resident": []}, frozenset()) is None


@pytest.mark.parametrize(
    ("value", "kind", "expected"),
    [
        ("短内容", "thing", "短内容"),
        ("一" * 20, "thing", "一" * 20),
        (
            "一二三四五六七八九十一二三四五六七八九十一",
            "thing",
            "一二三四五六七八九十一二三四五六七…",
        ),
        ("第一行\n第二行\t结尾", "thing", "第一行 第二行 结尾"),
        ("", "thing", "无"),
        ("26112212345678", "character_string", "26112212345678"),
        ("编号 AB-12", "character_string", "AB-12"),
        ("王建国", "name", "王建国"),
        ("欧阳诸葛长长长长长长长名", "name", "欧阳诸葛长长长长长长"),
        (datetime(2026, 11, 22, 7, 1, tzinfo=UTC), "time", "2026年11月22日 15:01"),
    ],
)
def test_shorten(value, kind, expected):
    assert shorten(value, kind) == expected


def test_build_data_fits_every_limit():
    data = build_data(
        "reply",
        {
            "tracking_no": "26112212345678",
            "summary": "金竹西路的路灯坏了一个月了，晚上出行很不方便，请代表帮忙反映",
            "reply": "已联系街道城管科，\n本周内维修。",
            "deputy": "王建国",
            "replied_at": datetime(2026, 11, 22, 7, 1, tzinfo=UTC),
        },
    )
    assert data["thing2"].endswith("…") and len(data["thing2"]) == 18
    assert "\n" not in data["thing3"]
    assert data["time5"] == "2026年11月22日 15:01"
