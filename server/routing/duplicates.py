"""Near-duplicate submissions: the same person sending the same text again and again.

Checked in the routing job, off the citizen's request path. A near-duplicate is still routed
(a second, more urgent message may be real) but flagged for staff, who can close it as spam.
"""

from __future__ import annotations

import difflib
import re
from datetime import timedelta

from server.extensions import db
from server.models import Message

SIMILARITY = 0.9
WINDOW = timedelta(hours=24)
LOOKBACK = 5
_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)


def normalize(text: str) -> str:
    return _NOISE.sub("", text or "").lower()


def similar(a: str, b: str) -> bool:
    a, b = normalize(a), normalize(b)
    if not a or not b:
        return False
    if a == b:
        return True
    if min(len(a), len(b)) / max(len(a), len(b)) < SIMILARITY:
        return False  # lengths alone rule it out; skip the quadratic comparison
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio() >= SIMILARITY


def near_duplicate_of(message: Message) -> int | None:
    """The id of an earlier message from the same citizen in the last day with nearly the same
    text, or None."""
    if message.citizen_id is None:
        return None
    earlier = db.session.execute(
        db.select(Message.id, Message.content)
        .where(
            Message.citizen_id == message.citizen_id,
            Message.id != message.id,
            Message.created_at >= message.created_at - WINDOW,
            Message.created_at <= message.created_at,
        )
        .order_by(Message.created_at.desc())
        .limit(LOOKBACK)
    ).all()
    return next((row.id for row in earlier if similar(row.content, message.content)), None)
