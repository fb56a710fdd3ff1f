"""回访: REVISIT_DAYS (calendar days) after closing, the citizen is asked 「问题解决了吗？」.

Closed is not solved. The sweep asks once per item (a conditional UPDATE on revisit_asked_at
claims it): by subscribe message when the citizen has a consent credit left, else the
mini-program shows the question the next time they open the item (GET /messages/<id>:
`revisit`); a walk-in visitor, who has no WeChat with us, is on the dashboard's call-back list
and staff record the answer. 「没解决」 reopens the item with whoever last held it (the
assignment stays active when an item is closed), with a new deadline (the move restarts the
stage clock); 「解决了」 leaves it closed. Both are counted apart from 已办结.

One answer, one prompt: an answer left unrated SOLVED_ASK_AFTER_HOURS gets its own
「问题解决了吗？点此评价」 (server/handling/solved.py); if the citizen then rates it and the item
closes, the call-back is not pushed again for that same answer — it waits in the mini-program
(channel `app`). A new answer (after 不满意 or 「没解决」) may be asked about again.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, update

from server.handling.solved import solved_key
from server.models import Message, Notification, Reply
from server.models.event import record
from server.models.lifecycle import move
from server.notices.outbox import queue_notice, reachable
from server.platform.clock import utcnow
from server.platform.db import db
from server.units.transfers import answered_by_unit, reopen_with_unit

REVISIT_QUESTION = "问题解决了吗？"
# A 「问题解决了吗」 prompt that reached nobody did not ask: the call-back may still be pushed.
UNTOLD = ("no_consent", "no_recipient", "failed")
BATCH = 500


class NotAnswerable(Exception):
    """No call-back question is open for this item, in Chinese."""


def answerable(message: Message) -> bool:
    return (
        message.revisit_asked_at is not None
        and message.revisit_answered_at is None
        and message.status == "closed"
    )


def ask_due(now: datetime) -> int:
    """Ask every item closed REVISIT_DAYS ago that was not asked yet; returns how many."""
    days = current_app.config["REVISIT_DAYS"]
    if days <= 0:
        return 0
    cutoff = now - timedelta(days=days)
    ids = list(
        db.session.scalars(
            db.select(Message.id)
            .where(
                Message.status == "closed",
                Message.revisit_asked_at.is_(None),
                Message.closed_at <= cutoff,
            )
            .order_by(Message.id)
            .limit(BATCH)
        )
    )
    asked = 0
    for message_id in ids:
        claimed = db.session.execute(
            update(Message)
            .where(Message.id == message_id, Message.revisit_asked_at.is_(None))
            .values(revisit_asked_at=now)
        )
        if not claimed.rowcount:
            continue  # another sweep asked it
        message = db.session.get(Message, message_id)
        channel = _ask(message)
        record("revisit_asked", message_id, "system", None, channel=channel)
        asked += 1
    db.session.commit()
    return asked


def asked_already(message: Message) -> bool:
    """Whether the citizen was already sent 「问题解决了吗」 about the item's latest answer (the
    prompt SOLVED_ASK_AFTER_HOURS after an answer left unrated: server/handling/solved.py).
    One answer gets one prompt: the call-back then waits in the mini-program instead."""
    latest = db.session.scalar(
        db.select(func.max(Reply.id)).where(
            Reply.message_id == message.id, Reply.author_kind != "citizen"
        )
    )
    if latest is None:
        return False
    return (
        db.session.scalar(
            db.select(Notification.id).where(
                Notification.dedupe_key == solved_key(latest),
                Notification.status.not_in(UNTOLD),
            )
        )
        is not None
    )


def _ask(message: Message) -> str:
    """How the question reaches the citizen: wechat, app (next time they open it) or call."""
    if message.citizen_id is None:
        return "call"  # a walk-in: on the dashboard's call-back list
    if asked_already(message) or not reachable(message.citizen_id, "revisit"):
        return "app"
    queue_notice(
        "revisit",
        f"revisit-{message.id}",
        message,
        message.citizen_id,
        reply=f"您反映的事项已办结，{REVISIT_QUESTION}请在小程序中告诉我们",
        deputy="联络站",
        replied_at=utcnow(),
    )
    return "wechat"


def answer(
    message: Message, solved: bool, actor: str, actor_id: int | None, note: str = ""
) -> None:
    """Record the answer (the citizen's, or staff's for a walk-in); 「没解决」 reopens the item
    with its last holder, who is told. The caller commits."""
    if not answerable(message):
        if message.revisit_answered_at is not None:
            raise NotAnswerable("这次回访已经回答过了")
        raise NotAnswerable("该事项目前没有待回答的回访")
    now = utcnow()
    claimed = db.session.execute(
        update(Message)
        .where(Message.id == message.id, Message.revisit_answered_at.is_(None))
        .values(revisit_answered_at=now)
        .execution_options(synchronize_session=False)
    )
    if not claimed.rowcount:
        raise NotAnswerable("这次回访已经回答过了")
    message.revisit_answered_at = now
    # The answer itself is a move (the status stays closed): the summary rows count it per
    # station and deputy (server/models/tally.py), and its Event is the record.
    move(
        message,
        "revisit_answer",
        actor,
        actor_id,
        values={"revisit_solved": solved},
        solved=solved,
        note=note,
    )
    if solved:
        return
    by_unit = _unit_answered_last(message)
    if by_unit is not None:
        # A unit gave the last answer: it is the unit's to do again (its inbox), with a new
        # deadline; the deputy who handed it on is told below.
        event_id = reopen_with_unit(message, by_unit, actor_id, {}, actor=actor, reason="revisit")
    else:
        event_id = move(message, "revisit_reopen", actor, actor_id, reason="revisit")
    assignment = message.active_assignment
    if assignment is None:
        return  # answered by the station itself: staff see it among open work
    queue_notice(
        "reopened",
        f"revisit-reopen-{event_id}",
        message,
        assignment.deputy.citizen_id,
        deputy_id=assignment.deputy_id,
        note="回访群众表示问题没有解决，请重新办理",
    )


def _unit_answered_last(message: Message):
    """The unit's answered transfer, when the item's latest answer was a unit's."""
    latest = db.session.scalar(
        db.select(Reply.id)
        .where(Reply.message_id == message.id, Reply.author_kind != "citizen")
        .order_by(Reply.id.desc())
        .limit(1)
    )
    return answered_by_unit(message, latest) if latest is not None else None
