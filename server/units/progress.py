"""Which stage of an item is open now, when it is due and its colour (the rules themselves are
pure, in server/routing/stages.py; this reads the rows they need)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app

from server.models import Message, Transfer
from server.models.unit import TRANSFER_OPEN
from server.platform.clock import utcnow
from server.platform.db import db
from server.routing import workdays
from server.routing.stages import Deadlines, colour, stage_due


@dataclass(frozen=True)
class OpenStage:
    stage: str  # deputy | triage | unit_sign | unit_answer | second_answer
    due_at: datetime
    colour: str


def rules() -> Deadlines:
    return Deadlines.of(current_app.config)


def open_transfer(message_id: int) -> Transfer | None:
    return db.session.scalar(
        db.select(Transfer)
        .where(Transfer.message_id == message_id, Transfer.status.in_(TRANSFER_OPEN))
        .order_by(Transfer.id.desc())
        .limit(1)
    )


def latest_transfer(message_id: int) -> Transfer | None:
    return db.session.scalar(
        db.select(Transfer)
        .where(Transfer.message_id == message_id)
        .order_by(Transfer.id.desc())
        .limit(1)
    )


def transfer_stage(transfer: Transfer) -> tuple[str, datetime]:
    """A unit's open stage: signing first, then answering (whose deadline runs from handing)."""
    if transfer.status == "handed":
        return "unit_sign", transfer.sign_due_at
    return ("second_answer" if transfer.round > 1 else "unit_answer"), transfer.due_at


def open_stage(message: Message, now: datetime | None = None) -> OpenStage | None:
    """The stage waiting for someone on our side, or None (answered, finished, just received)."""
    calendar, deadlines = workdays.current(), rules()
    stage = due = None
    if message.status in ("routed", "followed_up"):
        assignment = message.active_assignment
        if assignment is not None:
            stage, due = "deputy", stage_due("deputy", assignment.created_at, calendar, deadlines)
    elif message.status == "reopened":
        since = message.rated_at or message.updated_at
        stage, due = "second_answer", stage_due("second_answer", since, calendar, deadlines)
    elif message.status == "unassigned":
        stage, due = "triage", stage_due("triage", message.created_at, calendar, deadlines)
    elif message.status == "returned":
        returned = latest_transfer(message.id)
        since = returned.returned_at if returned and returned.returned_at else message.updated_at
        stage, due = "triage", stage_due("triage", since, calendar, deadlines)
    elif message.status == "transferred":
        transfer = open_transfer(message.id)
        if transfer is not None:
            stage, due = transfer_stage(transfer)
    if stage is None:
        return None
    return OpenStage(stage, due, colour(due, now or utcnow(), calendar))
