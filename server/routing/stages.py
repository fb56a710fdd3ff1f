"""Deadlines of every open stage, and the three colours: pure rules, no database, no Flask.

The stages of an item, each with its own clock (settings in server/settings.py):
- `deputy`: the accountable deputy takes it up or answers, DEPUTY_ANSWER_HOURS clock hours
  after it was handed to them (a deputy's phone works on Sundays too);
- `triage`: staff hand on an item nobody could take, or one a unit returned, TRIAGE_WORKDAYS;
- `unit_sign`: the unit signs for it, UNIT_SIGN_WORKDAYS;
- `unit_answer`: the unit answers: a 重点督办 deadline if one was set, else the category kind's
  (UNIT_ANSWER_WORKDAYS_BY_KIND: 咨询 2, 求助/建议 10, 投诉 15), else the unit's `answer_days`;
- `second_answer`: after the citizen's 不满意, SECOND_ANSWER_WORKDAYS for whoever answers again.
Working days follow server/routing/calendar.py (the arrival day never counts; the deadline is
the end of the Nth working day, Beijing time).

`colour`: red once the deadline has passed, yellow while at most one working day is left (the
deadline's own day, or a weekend or holiday right before it), green otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from server.routing.calendar import WorkCalendar

STAGES = {
    "deputy": "代表办理",
    "triage": "联络站分拣",
    "unit_sign": "承办单位签收",
    "unit_answer": "承办单位答复",
    "second_answer": "不满意后再次办理",
}
COLOURS = {"green": "正常", "yellow": "临期", "red": "超期"}


@dataclass(frozen=True)
class Deadlines:
    """The configured length of each stage (from the app config: `Deadlines.of(config)`)."""

    deputy_hours: float = 24.0
    triage_days: int = 1
    unit_sign_days: int = 1
    unit_answer_days: int = 7
    by_kind: Mapping[str, int] = field(default_factory=dict)
    priority_days: int = 3
    second_answer_days: int = 5

    @classmethod
    def of(cls, config: Mapping) -> Deadlines:
        return cls(
            deputy_hours=config["DEPUTY_ANSWER_HOURS"],
            triage_days=config["TRIAGE_WORKDAYS"],
            unit_sign_days=config["UNIT_SIGN_WORKDAYS"],
            unit_answer_days=config["UNIT_ANSWER_WORKDAYS"],
            by_kind=dict(config["UNIT_ANSWER_WORKDAYS_BY_KIND"]),
            priority_days=config["UNIT_PRIORITY_WORKDAYS"],
            second_answer_days=config["SECOND_ANSWER_WORKDAYS"],
        )

    def unit_answer(
        self, unit_days: int | None, kind: str = "", priority_days: int | None = None
    ) -> int:
        """Working days a unit has to answer: 重点督办 first, then the kind, then the unit's."""
        if priority_days:
            return priority_days
        if kind and kind in self.by_kind:
            return self.by_kind[kind]
        return unit_days or self.unit_answer_days


def stage_due(
    stage: str,
    start: datetime,
    calendar: WorkCalendar,
    rules: Deadlines,
    days: int | None = None,
) -> datetime:
    """When `stage`, begun at `start` (aware), is due. `days` is the unit's answer time for
    `unit_answer` (see Deadlines.unit_answer); other stages take their configured length."""
    if stage == "deputy":
        return start + timedelta(hours=rules.deputy_hours)
    lengths = {
        "triage": rules.triage_days,
        "unit_sign": rules.unit_sign_days,
        "unit_answer": days or rules.unit_answer_days,
        "second_answer": rules.second_answer_days,
    }
    if stage not in lengths:
        raise ValueError(f"unknown stage {stage!r}")
    return calendar.add_working_days(start, lengths[stage])


def colour(due_at: datetime | None, now: datetime, calendar: WorkCalendar) -> str | None:
    """green | yellow (at most one working day left) | red (overdue); None without a deadline."""
    if due_at is None:
        return None
    if now >= due_at:
        return "red"
    return "yellow" if calendar.working_days_left(now, due_at) <= 1 else "green"
