"""Routing against the database: gather candidates for rules.py, record the decision.

The routing job runs once per message at the rate citizens write (a televised call-in is a
hundred a second), so it reads and writes with plain statements, not the ORM's unit of work:
one read of the message, one of the citizen's recent texts (near-duplicates), one of the
candidates with their open items; cached station rosters and categories; then one short write
transaction of a handful of statements.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, func, insert, select, update

from server.models import (
    AWAITING_DEPUTY,
    Assignment,
    Citizen,
    Deputy,
    Message,
    StationMember,
    tally,
)
from server.models.event import record
from server.models.lifecycle import MoveConflict, move
from server.notices.outbox import Written, queue_notice, write_notice
from server.platform.clock import local_today, utcnow
from server.platform.db import db, execute
from server.routing import duty, rules
from server.routing.duplicates import near_duplicate_of


@dataclass
class Routed:
    """What routing reads of a message: its status (the move is conditional on it) and what the
    rules, the duplicate check and the deputy's notice need."""

    id: int
    status: str
    station_id: int | None
    target_deputy_id: int | None
    category_id: int
    citizen_id: int | None
    created_at: datetime
    content: str
    tracking_no: str


_messages = Message.__table__
_ROUTED = select(
    _messages.c.id,
    _messages.c.status,
    _messages.c.station_id,
    _messages.c.target_deputy_id,
    _messages.c.category_id,
    _messages.c.citizen_id,
    _messages.c.created_at,
    _messages.c.content,
    _messages.c.tracking_no,
).where(_messages.c.id == bindparam("_id"))
_FLAG = update(_messages).where(_messages.c.id == bindparam("_id")).values(flagged=True)
_ASSIGN = insert(Assignment.__table__).returning(Assignment.__table__.c.id)
_deputies = Deputy.__table__
_LAST_ASSIGNED = update(_deputies).where(_deputies.c.id == bindparam("_id"))


@dataclass(frozen=True)
class Person:
    """A candidate deputy as the notice needs them: who answers as them in WeChat."""

    id: int
    name: str
    citizen_id: int | None
    openid: str | None


def _open_items():
    """A deputy's load: the items still waiting for their answer (an index range)."""
    return (
        select(func.count())
        .where(
            _messages.c.assigned_deputy_id == _deputies.c.id,
            _messages.c.status.in_(AWAITING_DEPUTY),
        )
        .correlate(_deputies)
        .scalar_subquery()
    )


_citizens = Citizen.__table__
_CANDIDATES = (
    select(
        _deputies.c.id,
        _deputies.c.name,
        _deputies.c.expertise,
        _deputies.c.last_assigned_at,
        _deputies.c.citizen_id,
        _citizens.c.openid,
        _open_items(),
    )
    .select_from(_deputies.outerjoin(_citizens, _citizens.c.id == _deputies.c.citizen_id))
    .where(_deputies.c.active.is_(True))
    .order_by(_deputies.c.id)
)
# Who each rule asks about, as the WHERE of the one candidates statement.
_WHO = {
    "ids": _CANDIDATES.where(_deputies.c.id.in_(bindparam("_ids", expanding=True))),
    "residents": _CANDIDATES.where(
        _deputies.c.id.in_(
            select(StationMember.deputy_id).where(StationMember.station_id == bindparam("_station"))
        )
    ),
}


def candidates(who: str, params: dict, people: dict[int, Person]) -> list[rules.Candidate]:
    """Active deputies (`who`: "ids" or "residents"), each with their load, in one statement;
    `people` learns who they are for the notice."""
    out = []
    for deputy_id, name, expertise, last, citizen_id, openid, open_items in execute(
        _WHO[who], params
    ):
        people[deputy_id] = Person(deputy_id, name, citizen_id, openid)
        out.append(
            rules.Candidate(
                deputy_id=deputy_id,
                expertise=frozenset(expertise or ()),
                open_items=open_items,
                last_assigned_at=last,
            )
        )
    return out


def _received_state(message: Routed) -> tally.State:
    """What the summary rows count of a message still `received` (nothing assigned, answered or
    rated yet): the move's conditional UPDATE on `received` makes this read still true."""
    return tally.State(
        message.created_at,
        message.station_id,
        None,
        message.category_id,
        "received",
        None,
        None,
        None,
        None,
    )


def candidates_by_rule(message: Routed, people: dict[int, Person]) -> dict:
    """Each rule's candidates, as functions: rules.decide asks only as far as it needs to."""
    out: dict = {}
    if message.target_deputy_id is not None:
        out["scanned_deputy"] = lambda: candidates(
            "ids", {"_ids": [message.target_deputy_id]}, people
        )
    if message.station_id is not None:
        # The roster of the day the citizen wrote (Asia/Shanghai), even if routing runs later.
        day = local_today(message.created_at)

        def on_duty():
            ids = duty.on_duty_ids(message.station_id, day)
            return candidates("ids", {"_ids": ids}, people) if ids else []

        out["on_duty"] = on_duty
        out["resident"] = lambda: candidates("residents", {"_station": message.station_id}, people)
    return out


def assign(message: Message, deputy: Deputy, rule: str, actor: str = "system", actor_id=None):
    """Make `deputy` accountable for `message` (staff reassigning) and write their notice; the
    move that caused it records the event. Caller commits."""
    now = utcnow()
    for previous in message.assignments:
        if previous.active:
            previous.active = False
            previous.ended_at = now
    assignment = Assignment(message_id=message.id, deputy_id=deputy.id, rule=rule, created_at=now)
    db.session.add(assignment)
    message.assigned_deputy_id = deputy.id
    deputy.last_assigned_at = now
    db.session.flush()
    return assignment, queue_notice(
        "new_item", f"assign-{assignment.id}", message, deputy.citizen_id, deputy_id=deputy.id
    )


def route(message_id: int) -> tuple[str, Written | None]:
    """Route one received message. Returns the rule that decided (or why nothing was done) and
    the deputy's new-item notice, written and committed but not sent: the caller (the routing
    job) makes its first attempt at once, and the sweep finds it if the process dies first.

    Everything that only reads (the near-duplicate check above all) happens before the first
    write, so no write lock is held while texts are compared; the move itself is conditional
    on the status still being `received`, so of two runs exactly one routes.
    """
    found = execute(_ROUTED, {"_id": message_id}).one_or_none()
    if found is None or found.status != "received":
        db.session.rollback()
        return "already_routed", None
    message = Routed(*found)
    duplicate_of = near_duplicate_of(message)
    category = duty.category(message.category_id)
    people: dict[int, Person] = {}
    decision = rules.decide(candidates_by_rule(message, people), category.tags)
    # End the read (nothing was written). On SQLite every transaction holds the write lock, so
    # the writes below are one short transaction of their own.
    db.session.commit()
    try:
        if duplicate_of is not None:
            execute(_FLAG, {"_id": message.id})
            record("flagged", message.id, "system", None, reason="near_duplicate", of=duplicate_of)
        if decision is None:
            move(
                message,
                "no_deputy",
                "system",
                model=Message,
                before=_received_state(message),
                reason="没有可交办的代表",
            )
            db.session.commit()
            return "unassigned", None
        deputy = people[decision.deputy_id]
        now = utcnow()
        move(
            message,
            "route",
            "system",
            model=Message,
            before=_received_state(message),
            values={"routed_at": now, "assigned_deputy_id": deputy.id},
            deputy_id=deputy.id,
            deputy=deputy.name,
            rule=decision.rule,
        )
        assignment = {
            "message_id": message.id,
            "deputy_id": deputy.id,
            "rule": decision.rule,
            "created_at": now,
        }
        assignment_id = execute(_ASSIGN, assignment).scalar_one()
        execute(_LAST_ASSIGNED, {"_id": deputy.id, "last_assigned_at": now})
        notice = write_notice(
            "new_item",
            f"assign-{assignment_id}",
            deputy.citizen_id,
            {
                "tracking_no": message.tracking_no,
                "category": category.name,
                "summary": message.content,
                "station": duty.station_name(message.station_id),
                "created_at": message.created_at,
            },
            message_id=message.id,
            deputy_id=deputy.id,
            send_now=True,
        )
        db.session.commit()
    except MoveConflict:
        db.session.rollback()
        return "already_routed", None
    if notice is not None and notice.channel == "mp":
        notice.openid = deputy.openid
    return decision.rule, notice
