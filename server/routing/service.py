"""Routing against the database: gather candidates for rules.py, record the decision."""

from __future__ import annotations

from sqlalchemy import func, update

from server.events import record
from server.extensions import db
from server.models import AWAITING_DEPUTY, Assignment, Deputy, Message, StationMember
from server.routing import rules
from server.routing.duplicates import near_duplicate_of
from server.routing.duty import on_duty_deputies
from server.timeutil import local_today, utcnow
from server.wechat.notices import queue_notice


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


def claim_for_routing(message_id: int) -> bool:
    """received -> routed for exactly one job run; a second run finds nothing to do."""
    result = db.session.execute(
        update(Message)
        .where(Message.id == message_id, Message.status == "received")
        .values(status="routed", routed_at=utcnow(), updated_at=utcnow())
    )
    return result.rowcount == 1


def assign(message: Message, deputy: Deputy, rule: str, actor: str = "system", actor_id=None):
    """Make `deputy` accountable for `message` and queue their notice. Caller commits."""
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
    record(
        "routed", message.id, actor, actor_id, deputy_id=deputy.id, deputy=deputy.name, rule=rule
    )
    return assignment, queue_notice(
        "new_item", f"assign-{assignment.id}", message, deputy.citizen_id, deputy_id=deputy.id
    )


def route(message_id: int) -> tuple[str, int | None]:
    """Route one received message. Returns (outcome, notification id to send or None)."""
    if not claim_for_routing(message_id):
        db.session.rollback()
        return "already_routed", None
    message = db.session.get(Message, message_id)
    duplicate_of = near_duplicate_of(message)
    if duplicate_of is not None:
        message.flagged = True
        record("flagged", message.id, "system", None, reason="near_duplicate", of=duplicate_of)
    category_tags = frozenset(message.category.expertise or ())
    decision = rules.decide(candidates_by_rule(message), category_tags)
    if decision is None:
        message.status = "unassigned"
        record("unassigned", message.id, "system", None, reason="没有可交办的代表")
        db.session.commit()
        return "unassigned", None
    deputy = db.session.get(Deputy, decision.deputy_id)
    _, notice = assign(message, deputy, decision.rule)
    db.session.commit()
    return decision.rule, notice.id if notice is not None and notice.status == "pending" else None
