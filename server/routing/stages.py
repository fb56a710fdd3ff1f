"""Who owes the next step of an open item, by when, and its colour: pure rules over plain data.

An open item is in exactly one stage (STAGES, as data), named by its status and, while a unit
has it, by the unit's step on its transfer (handed: it signs; signed: it answers; a second round
after 不满意: it answers again). Each stage has a holder (the accountable deputy, the station's
staff, a unit) and an allowance, in clock hours or in working days, counted from the moment the
stage started (`Message.stage_started_at`, written by every move that hands the item on:
server/models/lifecycle.py). The escalation chain (server/routing/deadlines.py) and 三色 apply
to every row alike, unit stages included.

Allowances (server/settings.py):
- `deputy_answer`: DEPUTY_ANSWER_HOURS clock hours (a deputy's phone works on Sundays too);
- `second_answer`: after the citizen's 不满意 or 「没解决」, SECOND_ANSWER_WORKDAYS working days
  for whoever answers again — one model for deputies and units (working days, as 12345 counts);
- `triage`: staff hand on an item nobody could take, or one a unit returned, TRIAGE_WORKDAYS;
- `unit_sign`: the unit signs for it, UNIT_SIGN_WORKDAYS;
- `unit_answer`: a 重点督办 deadline if one was set, else the category kind's
  (UNIT_ANSWER_WORKDAYS_BY_KIND), else the unit's own `answer_days`, else UNIT_ANSWER_WORKDAYS
  (`Deadlines.unit_answer` picks; `stage_due(..., days=)` takes the pick);
- `unit_second_answer`: the unit answers again after 不满意, SECOND_ANSWER_WORKDAYS.
Working days follow server/routing/calendar.py (the arrival day never counts; the deadline is
the end of the Nth working day, Beijing time).

三色: red once the deadline has passed, yellow when at most one working day is left (the
deadline's own working day included), green otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from server.routing.calendar import WorkCalendar

GREEN, YELLOW, RED = "green", "yellow", "red"
COLOUR_LABELS = {GREEN: "正常", YELLOW: "临期", RED: "逾期"}
COLOURS = COLOUR_LABELS
DEPUTY, STAFF, UNIT = "deputy", "staff", "unit"


@dataclass(frozen=True)
class Stage:
    """`name` is open while the item is in one of `keys` (a status, or `transferred/<the
    transfer's step>` while a unit has it); `holder` owes the next step within
    `config[setting]` hours or working days (`per`) of the stage's start."""

    name: str
    label: str
    keys: tuple[str, ...]
    holder: str
    setting: str
    per: str  # "hours" | "workdays"


STAGES: tuple[Stage, ...] = (
    Stage(
        "deputy_answer",
        "代表答复",
        ("routed", "followed_up"),
        DEPUTY,
        "DEPUTY_ANSWER_HOURS",
        "hours",
    ),
    # 不满意 (or 「没解决」 at the call-back): answered again, with a fresh deadline.
    Stage(
        "second_answer",
        "不满意后再次办理",
        ("reopened",),
        DEPUTY,
        "SECOND_ANSWER_WORKDAYS",
        "workdays",
    ),
    # Nobody could be routed, or a unit returned it: station staff 分拣 it.
    Stage("triage", "联络站分拣", ("unassigned", "returned"), STAFF, "TRIAGE_WORKDAYS", "workdays"),
    Stage(
        "unit_sign",
        "承办单位签收",
        ("transferred/handed",),
        UNIT,
        "UNIT_SIGN_WORKDAYS",
        "workdays",
    ),
    Stage(
        "unit_answer",
        "承办单位答复",
        ("transferred/signed", "transferred"),
        UNIT,
        "UNIT_ANSWER_WORKDAYS",
        "workdays",
    ),
    Stage(
        "unit_second_answer",
        "承办单位再次答复",
        ("transferred/again",),
        UNIT,
        "SECOND_ANSWER_WORKDAYS",
        "workdays",
    ),
)
STAGE_NAMES = {stage.name: stage for stage in STAGES}
_BY_KEY = {key: stage for stage in STAGES for key in stage.keys}
# The statuses in which somebody on our side owes a step.
STAGE_STATUSES = tuple(dict.fromkeys(key.split("/")[0] for key in _BY_KEY))


def open_stage(status: str, unit_step: str | None = None, round_: int = 1) -> Stage | None:
    """The stage an item in `status` is in (with a unit: its transfer's status and round);
    None when nobody on our side owes a step."""
    if status == "transferred" and unit_step is not None:
        step = "again" if unit_step == "signed" and round_ > 1 else unit_step
        return _BY_KEY.get(f"transferred/{step}")
    return _BY_KEY.get(status)


@dataclass(frozen=True)
class Deadlines:
    """How a unit's answer time is picked (from the app config: `Deadlines.of(config)`)."""

    unit_answer_days: int = 7
    by_kind: Mapping[str, int] = field(default_factory=dict)
    priority_days: int = 3

    @classmethod
    def of(cls, config: Mapping) -> Deadlines:
        return cls(
            unit_answer_days=config["UNIT_ANSWER_WORKDAYS"],
            by_kind=dict(config["UNIT_ANSWER_WORKDAYS_BY_KIND"]),
            priority_days=config["UNIT_PRIORITY_WORKDAYS"],
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
    stage: Stage | str,
    started_at: datetime,
    config: Mapping,
    calendar: WorkCalendar,
    days: int | None = None,
) -> datetime:
    """The deadline of `stage` (a row or its name) begun at `started_at` (aware UTC in, aware
    UTC out); `days` overrides the configured allowance (a unit's picked answer time)."""
    if isinstance(stage, str):
        if stage not in STAGE_NAMES:
            raise ValueError(f"unknown stage {stage!r}")
        stage = STAGE_NAMES[stage]
    allowance = days if days else config[stage.setting]
    if stage.per == "hours":
        return started_at + timedelta(hours=float(allowance))
    return calendar.add_working_days(started_at, int(allowance))


def colour(due_at: datetime | None, now: datetime, calendar: WorkCalendar) -> str | None:
    """green / yellow (at most one working day left) / red (overdue); None without a deadline."""
    if due_at is None:
        return None
    if now >= due_at:
        return RED
    if calendar.working_days_left(now, due_at) <= 1:
        return YELLOW
    return GREEN
