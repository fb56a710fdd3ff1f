"""Reference data every database needs: the categories and the working-day calendar.
The demo ./scripts/run shows is server/demo/."""

from __future__ import annotations

from datetime import date

from server.models import (
    DEFAULT_CATEGORIES,
    DEFAULT_RULES,
    DEFAULT_SCOPE,
    CalendarDay,
    Category,
    PointRule,
    ScopeRule,
)
from server.platform.db import db


def seed_categories() -> int:
    existing = set(db.session.scalars(db.select(Category.name)))
    added = 0
    for order, (name, expertise) in enumerate(DEFAULT_CATEGORIES):
        if name not in existing:
            db.session.add(Category(name=name, expertise=expertise, sort_order=order))
            added += 1
    db.session.commit()
    return added


def seed_scope() -> int:
    """The 「不在受理范围」 guidance, once: a database that has any rule keeps its own."""
    if db.session.scalar(db.select(db.func.count()).select_from(ScopeRule)):
        return 0
    for order, (topic, where) in enumerate(DEFAULT_SCOPE):
        db.session.add(ScopeRule(topic=topic, where=where, sort_order=order))
    db.session.commit()
    return len(DEFAULT_SCOPE)


RULES_FROM = date(2000, 1, 1)


def seed_point_rules() -> int:
    """The default 履职积分 rules, once: a database that has any rule keeps its own (staff
    edit them on /admin/points/rules)."""
    if db.session.scalar(db.select(db.func.count()).select_from(PointRule)):
        return 0
    for item, (label, points, cap) in DEFAULT_RULES.items():
        db.session.add(
            PointRule(
                item=item, label=label, points=points, cap_per_quarter=cap, active_from=RULES_FROM
            )
        )
    db.session.commit()
    return len(DEFAULT_RULES)


# chinesecalendar's English names, as the State Council's notice calls the holidays.
PACKAGE_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利纪念日",
}


def package_days() -> dict[date, tuple[str, str]]:
    """Every holiday and make-up workday chinesecalendar knows: day -> (kind, name)."""
    import chinese_calendar

    days = {}
    for day, name in chinese_calendar.holidays.items():
        days[day] = ("holiday", PACKAGE_NAMES.get(name, "节假日"))
    for day, name in chinese_calendar.workdays.items():
        days[day] = ("workday", PACKAGE_NAMES.get(name, "") + "调休")
    return days


def seed_calendar() -> int:
    """Fill in each year chinesecalendar knows that has no calendar yet; returns the days added.

    A year that has any day already (seeded before, or entered by a clerk) is left exactly as
    it is, so a second run adds nothing and a clerk's corrections, additions and removals are
    never undone by a re-seed."""
    from server.routing import workdays

    have = {day.year for day in db.session.scalars(db.select(CalendarDay.day))}
    added = 0
    for day, (kind, name) in sorted(package_days().items()):
        if day.year not in have:
            db.session.add(CalendarDay(day=day, kind=kind, name=name, source="chinesecalendar"))
            added += 1
    db.session.commit()
    workdays.clear()
    return added
