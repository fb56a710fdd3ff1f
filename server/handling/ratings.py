"""The citizen's rating of an answer. Every rating is kept with the answer it judged; 不满意
puts the item back with whoever answered (a deputy, the station, or a handling unit, with a new
deadline), 满意 and 基本满意 close it (if it is not closed yet)."""

from __future__ import annotations

from server.models import Message, Notification, Rating
from server.models.event import record
from server.models.lifecycle import move
from server.notices.outbox import queue_notice
from server.platform.clock import utcnow
from server.platform.db import db
from server.units.transfers import answered_by_unit, reopen_with_unit

# Answered: waiting for the citizen, asked about again (a "thank you" is a follow-up too), or
# closed by staff before the citizen got to it.
RATABLE = ("replied", "followed_up", "closed")
UNIT_REOPENED = "群众对单位答复不满意，已退回单位重新办理"


class NotRatable(Exception):
    """Nothing to rate now, in Chinese."""


def ratable(message: Message) -> bool:
    return (
        message.citizen_id is not None
        and message.status in RATABLE
        and message.unrated_answer is not None
    )


def rate(message: Message, citizen_id: int, score: str, comment: str | None) -> Notification | None:
    """Record the rating; returns the deputy's notice when 不满意 reopened the item."""
    judged = message.unrated_answer if message.status in RATABLE else None
    if judged is None:
        if message.answers and message.status in RATABLE:
            raise NotRatable("这条答复已经评价过了")
        raise NotRatable("收到答复后才能评价")
    now = utcnow()
    message.ratings.append(
        Rating(
            message_id=message.id,
            reply_id=judged.id,
            score=score,
            comment=comment,
            citizen_id=citizen_id,
            created_at=now,
        )
    )
    db.session.flush()
    latest = {"rating": score, "rating_comment": comment, "rated_at": now}
    record(
        "rated", message.id, "citizen", citizen_id, score=score, comment=comment, reply_id=judged.id
    )
    if score == "unsatisfied":
        by_unit = answered_by_unit(message, judged.id)
        if by_unit is not None:
            # The unit answered: it is the unit's to do again, with a new deadline; the
            # deputy is told what became of the item they handed on.
            event_id = reopen_with_unit(message, by_unit, citizen_id, latest)
        else:
            event_id = move(message, "reopen", "citizen", citizen_id, values=latest)
        assignment = message.active_assignment
        if assignment is None:
            return None  # answered by the station itself: staff see it among open work
        return queue_notice(
            "reopened",
            f"reopen-{event_id}",
            message,
            assignment.deputy.citizen_id,
            deputy_id=assignment.deputy_id,
            note="群众对单位答复不满意，已退回单位重新办理"
            if by_unit
            else "群众不满意，请重新办理",
        )
    if message.status == "closed":
        # Closed by staff before the citizen rated: the rating is recorded, the item stays.
        for key, value in latest.items():
            setattr(message, key, value)
        return None
    move(
        message, "close", "citizen", citizen_id, values={**latest, "closed_at": now}, reason="rated"
    )
    return None
