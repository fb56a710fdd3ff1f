"""Near-duplicate submissions: the same person sending the same text again and again.

Checked in the routing job, off the citizen's request path and before routing writes anything.
A near-duplicate is still routed (a second, more urgent message may be real) but flagged for
staff with a link to the earlier item, so they can close it as a repeat.

The comparison is rapidfuzz's normalised Indel similarity (bit-parallel, linear in practice)
with a score cutoff, over at most COMPARED_CHARS characters of each text: a citizen cannot make
the worker spend more than a few milliseconds, whatever they write (difflib's SequenceMatcher
took 13.6 s on two crafted 2,000-character texts).
"""

from __future__ import annotations

import re
from datetime import timedelta

from rapidfuzz.distance import Indel
from sqlalchemy import bindparam, select

from server.models import Message
from server.platform.db import execute

SIMILARITY = 0.9
WINDOW = timedelta(hours=24)
LOOKBACK = 5
COMPARED_CHARS = 2000
_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)


_messages = Message.__table__
_EARLIER = (
    select(_messages.c.id, _messages.c.content)
    .where(
        _messages.c.citizen_id == bindparam("_citizen"),
        _messages.c.id != bindparam("_id"),
        _messages.c.created_at >= bindparam("_since"),
        _messages.c.created_at <= bindparam("_until"),
    )
    .order_by(_messages.c.created_at.desc())
    .limit(LOOKBACK)
)


def normalize(text: str) -> str:
    return _NOISE.sub("", text or "").lower()[:COMPARED_CHARS]


def similar(a: str, b: str) -> bool:
    a, b = normalize(a), normalize(b)
    if not a or not b:
        return False
    if a == b:
        return True
    return Indel.normalized_similarity(a, b, score_cutoff=SIMILARITY) >= SIMILARITY


def near_duplicate_of(message) -> int | None:
    """The id of an earlier message from the same citizen in the last day with nearly the same
    text, or None."""
    if message.citizen_id is None:
        return None
    params = {
        "_citizen": message.citizen_id,
        "_id": message.id,
        "_since": message.created_at - WINDOW,
        "_until": message.created_at,
    }
    earlier = execute(_EARLIER, params).all()
    return next((row.id for row in earlier if similar(row.content, message.content)), None)
