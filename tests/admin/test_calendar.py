"""The working-day calendar on the dashboard: a year's list and grid, one day added or removed,
next year's schedule pasted, bad input answered in Chinese with nothing saved, every change in
the audit log and in force at once; the overview's banner; holidays on the roster calendar."""

from __future__ import annotations

import re
from datetime import date

import pytest

from server.models import AuditLog, CalendarDay, Deputy, StaffUser, Station
from server.platform.clock import local_today
from server.platform.db import db
from server.seed import seed_calendar
from tests import factories

SCHEDULE_2027 = """# 国务院办公厅关于2027年部分节假日安排的通知
2027-01-01 元旦 休
2027-02-06 至 2027-02-12 春节 休
２０２７－０２－０５　春节　休
2027/2/20 春节调休 班
2027年2月21日 班

2027-10-01 ～ 2027-10-07 国庆节 放假
2027-09-26 国庆节调休 上班
"""


def _count(year: int | None = None) -> int:
    query = db.select(db.func.count()).select_from(CalendarDay)
    if year is not None:
        query = query.where(CalendarDay.day.between(date(year, 1, 1), date(year, 12, 31)))
    return db.session.scalar(query)


def _audit(action: str) -> list[AuditLog]:
    return list(
        db.session.scalars(db.select(AuditLog).where(AuditLog.action == action).order_by("id"))
    )


def _text(answer) -> str:
    return answer.get_data(as_text=True)


def test_the_page_shows_a_year_and_says_when_one_is_missing(live, signed_in):
    with live.app.app_context():
        seed_calendar()
    admin = signed_in()
    page = _text(admin.get("/admin/calendar?year=2026"))
    assert "本年已录入：放假 <strong>33</strong> 天，调休上班 <strong>6</strong> 天" in page
    assert re.search(r'data-day="2026-02-14">.*?周六.*?班.*?春节调休', page, re.S)
    assert re.search(r'data-day="2026-10-01">.*?周四.*?休.*?国庆节', page, re.S)
    assert "国务院安排（chinesecalendar）" in page
    assert page.count('class="month"') == 12
    unknown = _text(admin.get("/admin/calendar?year=2027"))
    assert "2027 年的节假日安排尚未录入，期限暂按周末计算" in unknown
    assert "2027 年还没有录入任何放假或调休的日子" in unknown
    assert "2027-02-14 调休 班" in unknown  # the format is explained on the page


@pytest.mark.parametrize("year", ["1", "9999", "abc", "２０２６", "-5", "2026-02"])
def test_a_bad_year_in_the_address_is_a_clear_error(live, signed_in, year):
    answer = signed_in().get(f"/admin/calendar?year={year}")
    assert answer.status_code == 400
    page = _text(answer)
    assert "年份应在 2000 到 2099 之间，已显示今年" in page
    assert f"{local_today().year} 年节假日与调休" in page


def test_only_administrators_may_see_or_change_the_calendar(live, signed_in):
    clerk = signed_in("jinzhu")
    assert clerk.get("/admin/calendar").status_code == 403
    answer = clerk.post("/admin/calendar/days", {"day": "2027-01-01", "kind": "holiday"})
    assert answer.status_code == 403
    assert clerk.post("/admin/calendar/paste", {"schedule": SCHEDULE_2027}).status_code == 403
    with live.app.app_context():
        assert _count() == 0
    assert "/admin/calendar" not in _text(clerk.get("/admin/"))  # not in the menu either
    assert 'href="/admin/calendar"' in _text(signed_in().get("/admin/"))


def test_a_day_added_and_removed_is_audited_and_in_force_at_once(live, signed_in):
    admin = signed_in()
    # Read the calendar first, so a cache that an edit failed to clear would show.
    assert live.api("GET", "/calendar?year=2027").json()["known"] is False
    answer = admin.post(
        "/admin/calendar/days?year=2027", {"day": "2027-01-01", "kind": "holiday", "name": "元旦"}
    )
    assert answer.status_code == 302 and answer.headers["Location"].endswith("?year=2027")
    page = _text(admin.get("/admin/calendar?year=2027"))
    assert "已录入 2027-01-01（周五）休：元旦" in page
    api = live.api("GET", "/calendar?year=2027").json()
    assert api == {"year": 2027, "holidays": ["2027-01-01"], "workdays": [], "known": True}
    with live.app.app_context():
        row = db.session.get(CalendarDay, date(2027, 1, 1))
        admin_id = db.session.scalar(db.select(StaffUser.id).where(StaffUser.username == "admin"))
        assert (row.kind, row.name, row.source, row.updated_by) == (
            "holiday",
            "元旦",
            "staff",
            admin_id,
        )
        (added,) = _audit("calendar_day_added")
        assert added.target == "calendar:2027-01-01" and added.staff_id == admin_id
        assert added.data == {"kind": "holiday", "name": "元旦"}

    # A make-up Saturday, name left empty: a default name.
    assert (
        admin.post("/admin/calendar/days", {"day": "2027-02-20", "kind": "workday"}).status_code
        == 302
    )
    assert live.api("GET", "/calendar?year=2027").json()["workdays"] == ["2027-02-20"]

    answer = admin.post("/admin/calendar/days/2027-01-01/delete")
    assert answer.status_code == 302
    assert "已删除 2027-01-01（周五）休：元旦" in _text(admin.get("/admin/calendar?year=2027"))
    assert live.api("GET", "/calendar?year=2027").json()["holidays"] == []
    with live.app.app_context():
        assert db.session.get(CalendarDay, date(2027, 1, 1)) is None
        (removed,) = _audit("calendar_day_removed")
        assert removed.data == {"kind": "holiday", "name": "元旦", "source": "staff"}
    assert admin.post("/admin/calendar/days/2027-01-01/delete").status_code == 404
    assert admin.post("/admin/calendar/days/2027-13-01/delete").status_code == 404
    assert "删除节假日/调休" in _text(signed_in("auditor").get("/admin/audit"))


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        ({"day": "2027-02-30", "kind": "holiday"}, "day", "2027-02-30 不是有效日期"),
        ({"day": "0001-01-01", "kind": "holiday"}, "day", "年份应在 2000 到 2099 之间"),
        ({"day": "9999-12-31", "kind": "holiday"}, "day", "年份应在 2000 到 2099 之间"),
        ({"day": "春节", "kind": "holiday"}, "day", "看不懂日期"),
        ({"day": "", "kind": "holiday"}, "day", "请填写日期"),
        ({"day": "2027-01-01 元旦", "kind": "holiday"}, "day", "日期格式应为 2027-02-16"),
        ({"day": "2027-01-05", "kind": "workday"}, "day", "是周二，本来就上班"),
        ({"day": "2027-01-02", "kind": "maybe"}, "kind", "请选择“休”（放假）或“班”（调休上班）"),
        ({"day": "2027-01-02", "kind": "holiday", "name": "很" * 17}, "name", "不能超过 16 个字"),
        ({"day": "2027-01-02", "kind": "holiday", "name": "元\x01旦"}, "name", "无法识别的字符"),
    ],
)
def test_a_bad_day_is_refused_in_chinese_and_nothing_is_saved(
    live, signed_in, form, field, message
):
    admin = signed_in()
    answer = admin.post("/admin/calendar/days", form)
    assert answer.status_code == 422
    page = _text(answer)
    assert re.search(rf'id="{field}-error" role="alert">[^<]*{re.escape(message)}', page), page
    with live.app.app_context():
        assert _count() == 0 and _audit("calendar_day_added") == []


def test_a_day_entered_twice_is_refused(live, signed_in):
    with live.app.app_context():
        seed_calendar()
    answer = signed_in().post(
        "/admin/calendar/days", {"day": "2026-02-17", "kind": "holiday", "name": "春节"}
    )
    assert answer.status_code == 422
    assert "2026-02-17 已录入为“休”（春节），如需修改请先在列表中删除" in _text(answer)
    with live.app.app_context():
        assert db.session.get(CalendarDay, date(2026, 2, 17)).source == "chinesecalendar"


def test_next_years_schedule_is_pasted(live, signed_in):
    admin = signed_in()
    assert live.api("GET", "/calendar?year=2027").json()["known"] is False
    answer = admin.post("/admin/calendar/paste?year=2027", {"schedule": SCHEDULE_2027})
    assert answer.status_code == 302 and answer.headers["Location"].endswith("?year=2027")
    page = _text(admin.get("/admin/calendar?year=2027"))
    assert "已读入 19 天：新增 19 天，修改 0 天，未变 0 天" in page
    assert "本年已录入：放假 <strong>16</strong> 天，调休上班 <strong>3</strong> 天" in page
    body = live.api("GET", "/calendar?year=2027").json()
    assert body["known"] is True
    assert body["workdays"] == ["2027-02-20", "2027-02-21", "2027-09-26"]
    assert body["holidays"][:9] == [
        "2027-01-01",
        "2027-02-05",
        "2027-02-06",
        "2027-02-07",
        "2027-02-08",
        "2027-02-09",
        "2027-02-10",
        "2027-02-11",
        "2027-02-12",
    ]
    assert body["holidays"][-1] == "2027-10-07"
    with live.app.app_context():
        assert db.session.get(CalendarDay, date(2027, 2, 21)).name == "调休上班"  # no name given
        assert db.session.get(CalendarDay, date(2027, 2, 5)).name == "春节"  # full-width line
        (pasted,) = _audit("calendar_pasted")
        assert pasted.target == "calendar:2027"
        assert (pasted.data["added"], pasted.data["changed"]) == (19, 0)
        assert pasted.data["days"]["2027-02-20"] == "班 春节调休"

    # The same schedule again changes nothing; a corrected line changes one day.
    admin.post("/admin/calendar/paste", {"schedule": SCHEDULE_2027})
    assert "新增 0 天，修改 0 天，未变 19 天" in _text(admin.get("/admin/calendar?year=2027"))
    admin.post("/admin/calendar/paste", {"schedule": "2027-01-01 新年 休"})
    assert "新增 0 天，修改 1 天，未变 0 天" in _text(admin.get("/admin/calendar?year=2027"))
    with live.app.app_context():
        assert db.session.get(CalendarDay, date(2027, 1, 1)).name == "新年"
        assert _count(2027) == 19 and len(_audit("calendar_pasted")) == 3
    # A clerk's year is never touched by a re-seed.
    with live.app.app_context():
        seed_calendar()
        assert _count(2027) == 19
        assert db.session.get(CalendarDay, date(2027, 1, 1)).name == "新年"


GOOD = "\n2027-01-01 元旦 休"  # a good line after the bad one: saved only if all are good


@pytest.mark.parametrize(
    ("schedule", "message"),
    [
        (
            "春节放假七天，请大家注意安全" + GOOD,
            "第 1 行（春节放假七天，请大家注意安全）：看不懂日期",
        ),
        (
            "2027-02-16 春节 休\n2027-02-16 春节 休",
            "第 2 行（2027-02-16 春节 休）：2027-02-16 在第 1 行已经写过",
        ),
        ("2027-02-10 至 2027-02-16 春节 休\n2027-02-16 春节 休", "2027-02-16 在第 1 行已经写过"),
        ("0001-01-01 元旦 休" + GOOD, "0001-01-01：年份应在 2000 到 2099 之间"),
        ("9999-01-01 元旦 休" + GOOD, "9999-01-01：年份应在 2000 到 2099 之间"),
        ("2027-02-30 春节 休" + GOOD, "2027-02-30 不是有效日期"),
        ("2027-02-16 春节" + GOOD, "行末请写“休”（放假）或“班”（调休上班）"),
        ("2027-02-16 春节休" + GOOD, "行末请写“休”（放假）或“班”（调休上班）"),
        ("2027-02-16 调休 班" + GOOD, "2027-02-16 是周二，本来就上班"),
        ("2027-02-16 至 2027-02-10 春节 休" + GOOD, "结束日期早于开始日期"),
        ("2027-01-01 至 2027-12-31 全年 休", "一段日期最多 31 天"),
        ("2027-02-15 至 21日 春节 休" + GOOD, "一段日期请把结束日期写完整"),
        ("2027-02-16 " + "很" * 17 + " 休" + GOOD, "名称不能超过 16 个字"),
        ("# 只有注释\n\n", "没有读到任何日期"),
        ("\n" * 401 + GOOD, "行数太多"),
        ("2027-01-01 元旦 休\n" * 1500, "内容太长"),
    ],
)
def test_a_bad_schedule_is_refused_line_by_line_and_nothing_is_saved(
    live, signed_in, schedule, message
):
    answer = signed_in().post("/admin/calendar/paste", {"schedule": schedule})
    assert answer.status_code == 422
    page = _text(answer)
    assert "有错误，没有保存任何内容" in page
    assert message in page, page
    if len(schedule) < 1000:
        assert schedule.splitlines()[0] in page  # what was pasted stays in the box
    with live.app.app_context():
        assert _count() == 0 and _audit("calendar_pasted") == []


def test_many_bad_lines_are_listed_up_to_a_limit(live, signed_in):
    answer = signed_in().post("/admin/calendar/paste", {"schedule": "乱写\n" * 25})
    page = _text(answer)
    assert answer.status_code == 422
    assert "第 20 行" in page and "第 21 行" not in page and "……另有 5 行有误" in page


def test_the_overview_warns_while_a_year_is_missing(live, signed_in):
    admin, clerk = signed_in(), signed_in("jinzhu")
    this_year = local_today().year
    warning = f"{this_year} 年的节假日安排尚未录入，期限暂按周末计算"
    page = _text(admin.get("/admin/"))
    assert warning in page
    assert f'href="/admin/calendar?year={this_year}">去录入' in page
    assert warning + "，请联系管理员录入" in _text(clerk.get("/admin/"))  # no link they can't use
    # This year and next entered: no warning, whatever month it is.
    schedule = f"{this_year}-10-01 国庆节 休\n{this_year + 1}-01-01 元旦 休"
    assert admin.post("/admin/calendar/paste", {"schedule": schedule}).status_code == 302
    assert "节假日安排尚未录入" not in _text(admin.get("/admin/"))
    assert "节假日安排尚未录入" not in _text(clerk.get("/admin/"))


def test_the_roster_calendar_shows_a_holiday_as_cancelled(live, signed_in, world):
    with live.app.app_context():
        seed_calendar()
        station = world["stations"]["金竹"]
        li = db.session.get(Deputy, world["ids"]["李秀兰"])
        factories.shift(db.session.get(Station, station), li, "monthly", [6, 16, 26])
        db.session.commit()
    page = _text(signed_in().get(f"/admin/stations/{station}/roster?month=2026-02"))

    def cell(day: int) -> str:
        match = re.search(rf'<td class="[^"]*" data-day="{day}">(.*?)</td>', page, re.S)
        assert match, day
        return match.group(1)

    assert "休（春节）" in cell(16) and "接待取消" in cell(16) and "李秀兰" not in cell(16)
    assert "李秀兰" in cell(26) and "休" not in cell(26)
    # A festival day nobody was due (the world's 王建国 is on duty on today's weekday).
    quiet = next(
        d for d in range(17, 24) if date(2026, 2, d).isoweekday() != local_today().isoweekday()
    )
    assert "休（春节）" in cell(quiet) and "接待取消" not in cell(quiet)
    assert "休" not in cell(14)  # the 调休 Saturday is a working day
