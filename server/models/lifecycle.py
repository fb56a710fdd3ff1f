"""The life of a message, as data: its statuses, the named sets, and every allowed move.

A message's status changes in one place, `move()`, and only along a row of MOVES. Each move is
one conditional UPDATE on the status the caller read (`... WHERE id = ? AND status = ?`), so of
two hands acting at once (a worker and a clerk, two clerks) exactly one wins and the other is
told the item changed under it; and each move records its Event row in the same transaction.
New stages (units, suggestions, call-backs) add statuses and rows here, not code paths.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, inspect, select, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql.elements import ClauseElement

from server.models import tally
from server.models.event import record
from server.platform.clock import utcnow
from server.platform.db import db, execute

# What people see for each status.
STATUS_LABELS = {
    "received": "已受理",  # stored, routing queued
    "unassigned": "待分派",  # nobody to route to: staff must assign
    "routed": "办理中",  # a deputy is accountable and owes an answer
    "followed_up": "追问待答复",  # the citizen asked again after an answer
    "replied": "已答复",
    "reopened": "重新办理",  # the citizen was not satisfied with the answer
    "transferred": "承办单位办理中",  # handed to a unit, which signs and answers
    "returned": "退回待分拣",  # the unit returned it: staff re-hand or answer
    "closed": "已办结",
    "rejected": "不予受理",
}

# Waiting for someone on our side to act (staff, a deputy, a unit): open work.
OPEN = (
    "received",
    "unassigned",
    "routed",
    "followed_up",
    "reopened",
    "transferred",
    "returned",
)
# Waiting for the accountable person's answer: a deputy's load, the 待办 of their inbox.
AWAITING_REPLY = ("routed", "followed_up", "reopened", "transferred")
# Nothing more happens unless the citizen comes back (a rating may still reopen a closed item).
FINISHED = ("closed", "rejected")
# Not finished: open work, or answered and waiting for the citizen.
LIVE = (*OPEN, "replied")

CITIZEN, DEPUTY, STAFF, SYSTEM, UNIT = "citizen", "deputy", "staff", "system", "unit"
# Who may hand an item to a unit: from the deputy's stage, or from staff triage.
TRANSFERABLE = ("unassigned", "routed", "followed_up", "reopened", "returned")


@dataclass(frozen=True)
class Move:
    """One allowed step: `name` from `source` to `target` (None: the status stays, the step is
    still recorded), by one of `actors`, recorded as an Event of kind `event`."""

    name: str
    source: str
    target: str | None
    actors: frozenset[str]
    event: str


def _rows(name: str, sources, target, actors, event: str) -> list[Move]:
    return [Move(name, s, target, frozenset(actors), event) for s in sources]


MOVES: tuple[Move, ...] = (
    # Routing: a received item gets its accountable deputy, or waits for staff.
    *_rows("route", ["received"], "routed", [SYSTEM], "routed"),
    *_rows("no_deputy", ["received"], "unassigned", [SYSTEM], "unassigned"),
    # Staff hand it to another deputy: an answered item goes back to work; open work stays.
    *_rows(
        "reassign",
        ["received", "unassigned", "replied", "returned"],
        "routed",
        [STAFF],
        "reassigned",
    ),
    *_rows("reassign", AWAITING_REPLY, None, [STAFF], "reassigned"),
    # An answer, by the accountable deputy or by the station itself; a second answer is fine.
    *_rows("answer", LIVE, "replied", [DEPUTY, STAFF], "replied"),
    # A question after an answer puts the item back in front of whoever answers it.
    *_rows("follow_up", ["replied"], "followed_up", [CITIZEN], "followup"),
    *_rows("follow_up", OPEN, None, [CITIZEN], "followup"),
    # 不满意: the latest answer is judged, whoever closed the item and whether or not the
    # citizen asked something after it.
    *_rows("reopen", ["replied", "followed_up", "closed"], "reopened", [CITIZEN], "reopened"),
    # 交办: the accountable deputy or staff hand it to a unit; the unit signs (the status
    # stays), answers (the citizen may rate it) or returns it to staff triage (分拣).
    *_rows("transfer", TRANSFERABLE, "transferred", [DEPUTY, STAFF], "transferred"),
    *_rows("unit_sign", ["transferred"], None, [UNIT], "unit_signed"),
    *_rows("unit_answer", ["transferred"], "replied", [UNIT], "unit_answered"),
    *_rows("unit_return", ["transferred"], "returned", [UNIT], "unit_returned"),
    # 不满意 with a unit's answer: back to that unit, with a new deadline; 「没解决」 at the
    # call-back (回访, staff for a walk-in) does the same from a closed item.
    *_rows("unit_reopen", ["replied", "followed_up"], "transferred", [CITIZEN], "reopened"),
    *_rows("unit_reopen", ["closed"], "transferred", [CITIZEN, STAFF], "reopened"),
    *_rows("close", LIVE, "closed", [CITIZEN, STAFF, SYSTEM], "closed"),
    *_rows("reject", LIVE, "rejected", [STAFF], "rejected"),
    # A duplicate of an earlier item: refused in its own way, linked to the item it joins.
    *_rows("merge", LIVE, "rejected", [STAFF], "merged"),
    # The call-back (回访) some days after closing: its answer is recorded on the closed item
    # (the summary rows count solved / not solved), and 「没解决」 then puts it back with its
    # last holder.
    *_rows("revisit_answer", ["closed"], None, [CITIZEN, STAFF], "revisit_answered"),
    *_rows("revisit_reopen", ["closed"], "reopened", [CITIZEN, STAFF], "reopened"),
)
_BY_KEY = {(m.name, m.source): m for m in MOVES}
# Moves that hand the item to someone without changing its status: its stage's clock restarts
# as it does on every change of status (server/routing/stages.py reads stage_started_at).
# A unit signing keeps the status but opens its answering stage (server/routing/stages.py).
RESTART_CLOCK = frozenset({"reassign", "unit_sign"})
MOVE_NAMES = tuple(dict.fromkeys(m.name for m in MOVES))


class MoveRefused(Exception):
    """This move is not allowed from the item's status (or not for this actor)."""

    def __init__(self, name: str, status: str, message: str | None = None):
        self.name, self.status = name, status
        super().__init__(message or refusal_text(status))


class MoveConflict(Exception):
    """The status changed between reading the item and moving it."""

    def __init__(self) -> None:
        super().__init__("这件事项刚刚被其他人或系统处理过，请刷新后再操作")


def refusal_text(status: str) -> str:
    if status == "closed":
        return "该事项已办结"
    if status == "rejected":
        return "该事项不予受理"
    return f"该事项当前为“{STATUS_LABELS.get(status, status)}”，不能进行此操作"


def step(name: str, status: str, actor: str) -> Move:
    """The row that allows `name` from `status` by `actor`; MoveRefused if there is none."""
    found = _BY_KEY.get((name, status))
    if found is None or actor not in found.actors:
        raise MoveRefused(name, status)
    return found


def allowed(name: str, status: str, actor: str) -> bool:
    try:
        step(name, status, actor)
    except MoveRefused:
        return False
    return True


_UPDATES: dict = {}


def _conditional_update(table):
    """UPDATE table SET ... WHERE id = :_id AND status = :_from (the move's only check)
    RETURNING the state the summary rows count."""
    statement = _UPDATES.get(table)
    if statement is None:
        statement = _UPDATES[table] = (
            update(table)
            .where(table.c.id == bindparam("_id"), table.c.status == bindparam("_from"))
            .returning(*(table.c[name] for name in tally.State._fields))
        )
    return statement


_LOCKED: dict = {}


def _locked_state(table):
    """The counted state of the row, locked (FOR UPDATE; SQLite's transaction is the lock)."""
    statement = _LOCKED.get(table)
    if statement is None:
        statement = _LOCKED[table] = (
            select(*(table.c[name] for name in tally.State._fields))
            .where(table.c.id == bindparam("_id"), table.c.status == bindparam("_from"))
            .with_for_update()
        )
    return statement


def move(
    message,
    name: str,
    actor: str,
    actor_id: int | None = None,
    *,
    values=None,
    at: datetime | None = None,
    model=None,
    before: tally.State | None = None,
    **data,
):
    """Move `message` along `name` in the caller's transaction; returns the Event id.

    `values` are other columns written by the same UPDATE (closed_at, routed_at ...); `data`
    goes into the Event. The caller commits. Raises MoveRefused or MoveConflict (after which
    the caller must roll back: nothing of the move was written). `at` backdates the move (only
    the demo's history, which replays the past through the same table). `message` may be a
    plain object with `id` and `status` (the routing job reads rows, not ORM objects): `model`
    names its table then. `before`: the row's counted state, when the caller has just read it
    and no other move can change it meanwhile (routing: only this move leaves `received`);
    otherwise it is read under a row lock.
    """
    found = step(name, message.status, actor)
    target = found.target or message.status
    now = at or utcnow()
    columns = {"status": target, "updated_at": now}
    if target != message.status or name in RESTART_CLOCK:
        # A new holder or a new stage: a new deadline, stamped by the sweep (due_at) and
        # computed on the fly until then (or given by the caller in `values`: a unit's deadlines
        # are its transfer's); each escalation step is keyed by this start.
        columns.update(stage_started_at=now, due_at=None)
    columns.update(values or {})
    table = (model or type(message)).__table__
    state_columns = [table.c[name] for name in tally.State._fields]
    mapped = inspect(message, raiseerr=False) is not None
    if mapped:
        # Changes the caller made through the ORM go first (and are counted at that flush), as
        # an ORM UPDATE would have flushed them.
        db.session.flush()
    params = {"_id": message.id, "_from": message.status}
    if before is None:
        # The summary rows need the state before and after (server/models/tally.py); the row
        # lock keeps a concurrent change (two reassigns keep the status) from slipping in.
        before = execute(_locked_state(table), params).first()
        if before is None:
            raise MoveConflict()
    if any(isinstance(value, ClauseElement) for value in columns.values()):
        statement = update(table).where(
            table.c.id == bindparam("_id"), table.c.status == bindparam("_from")
        )
        after = execute(statement.values(**columns).returning(*state_columns), params).first()
    else:
        # The SET clause comes from the parameters' names: one statement per table, compiled
        # once per set of columns.
        after = execute(_conditional_update(table), {**params, **columns}).first()
    if after is None:
        raise MoveConflict()
    tally.count_change(tally.State(*before), tally.State(*after))
    # Keep the object in step without marking it dirty (no second UPDATE at flush).
    for key, value in columns.items():
        if mapped:
            set_committed_value(message, key, value)
        elif hasattr(message, key):
            setattr(message, key, value)
    return record(found.event, message.id, actor, actor_id, at=at, **data)
