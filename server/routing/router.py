"""Routing against the database: gather candidates for rules.py, record the decision."""

from __future__ import annotations

from sqlalchemy import func

from server.models import AWAITING_DEPUTY, Assignment, Deputy, Message, StationMember
from server.models.event import record
from server.models.lifecycle import MoveConflict, move
from server.notices.outbox import queue_notice
from server.platform.clock import local_today, utcnow
from server.platform.db import db
from server.routing import rules
from server.routing.duplicates import near_duplicate_of
from server.routing.duty import on_duty_deputies


def _candidates(deputies: list[Deputy]) -> list[rules.Candidate]:
    active = [d for d in deputies if d.active]
    if not active:
        return []
    ids = [d.id for d in active]
    open_counts = dict(
        db.session.execute(
            db.select(Message.assigned_deputy_id, func.count())
            .where(Message.assigned_deputy_id.in_(ids), Message.status.in_(AWAITING_DEPUTY))
            .group_by(Message.assigned_deputy_id)
        ).all()
    )
    return [
        rules.Candidate(
            deputy_id=d.id,
            expertise=frozenset(d.expertise or ()),
            open_items=open_counts.get(d.id, 0),
            last_assigned_at=d.last_assigned_at,
        )
        for d in active
    ]


def residents(station_id: int) -> list[Deputy]:
    return list(
        db.session.scalars(
            db.select(Deputy)
            .join(StationMember, StationMember.deputy_id == Deputy.id)
            .where(StationMember.station_id == station_id, Deputy.active.is_(True))
            .order_by(Deputy.id)
        )
    )


def candidates_by_rule(message: Message) -> dict:
    """Each rule's candidates, as functions: rules.decide asks only as far as it needs to."""
    out: dict = {}
    if message.target_deputy_id is not None:
        out["scanned_deputy"] = lambda: _candidates(
            [db.session.get(Deputy, message.target_deputy_id)]
        )
    if message.station_id is not None:
        # The roster of the day the citizen wrote (Asia/Shanghai), even if routing runs later.
        day = local_today(message.created_at)
        out["on_duty"] = lambda: _candidates(on_duty_deputies(message.station_id, day))
        out["resident"] = lambda: _candidates(residents(message.station_id))
    return out


def assign(message: Message, deputy: Deputy, rule: str, actor: str = "system", actor_id=None):
    """Make `deputy` accountable for `message` and write their notice; the move that caused it
    records the event. Caller commits."""
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


def route(message_id: int) -> str:
    """Route one received message; returns the rule that decided, or why nothing was done.

    Everything that only reads (the near-duplicate check above all) happens before the first
    write, so no write lock is held while texts are compared; the move itself is conditional
    on the status still being `received`, so of two runs exactly one routes.
    """
    message = db.session.get(Message, message_id)
    if message is None or message.status != "received":
        db.session.rollback()
        return "already_routed"
    duplicate_of = near_duplicate_of(message)
    category_tags = frozenset(message.category.expertise or ())
    decision = rules.decide(candidates_by_rule(message), category_tags)
    deputy = db.session.get(Deputy, decision.deputy_id) if decision else None
    # End the read (nothing written: objects stay as read). On SQLite every transaction holds
    # the write lock, so the writes below are one short transaction of their own.
    db.session.commit()
    try:
        if duplicate_of is not None:
            message.flagged = True
            record("flagged", message.id, "system", None, reason="near_duplicate", of=duplicate_of)
        if decision is None:
            move(message, "no_deputy", "system", reason="没有可交办的代表")
            db.session.commit()
            return "unassigned"
        move(
            message,
            "route",
            "system",
            values={"routed_at": utcnow()},
            deputy_id=deputy.id,
            deputy=deputy.name,
            rule=decision.rule,
        )
        assign(message, deputy, decision.rule)
        db.session.commit()
    except MoveConflict:
        db.session.rollback()
        return "already_routed"
    return decision.rule
