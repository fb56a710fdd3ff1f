"""Who owes the next step of an open item, by when, and its colour: pure rules over plain data.

An open item is in exactly one stage, named by its status (STAGES, as data). Each stage has a
holder (the accountable deputy, the station's staff, later a unit) and an allowance, in clock
hours or in working days, counted from the moment the stage started (`Message.stage_started_at`,
written by every move that hands the item to someone: server/models/lifecycle.py). A new stage
(a unit signing, a unit answering) is one more row here and its statuses in lifecycle.py.

三色: red once the deadline has passed, yellow when at most one working day is left (the
deadline's own working day included), green otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from server.routing.calendar import WorkCalendar

GREEN, YELLOW, RED = "green", "yellow", "red"
COLOUR_LABELS = {GREEN: "正常", YELLOW: "临期", RED: "逾期"}
DEPUTY, STAFF = "deputy", "staff"


@dataclass(frozen=True)
class Stage:
    """`name` is open while the item is in one of `statuses`; `holder` owes the next step
    within `config[setting]` hours or working days (`per`) of the stage's start."""

    name: str
    label: str
    statuses: tuple[str, ...]
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
    # 不满意 (or 「没解决」 at the call-back): the deputy answers again, with a fresh deadline.
    Stage(
        "deputy_reanswer", "代表重新答复", ("reopened",), DEPUTY, "DEPUTY_REANSWER_HOURS", "hours"
    ),
    # Nobody could be routed: station staff 分拣 it (assign, answer or refuse).
    Stage("triage", "联络站分拣", ("unassigned",), STAFF, "TRIAGE_WORKDAYS", "workdays"),
)
_BY_STATUS = {status: stage for stage in STAGES for status in stage.statuses}


def open_stage(status: str) -> Stage | None:
    """The stage an item in `status` is in; None when nobody on our side owes a step."""
    return _BY_STATUS.get(status)


def stage_due(
    stage: Stage, started_at: datetime, config: Mapping, calendar: WorkCalendar
) -> datetime:
    """The deadline of `stage` begun at `started_at` (aware UTC in, aware UTC out)."""
    allowance = config[stage.setting]
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
