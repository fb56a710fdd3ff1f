"""Similar past items: for the deputy answering an item (how were matters like this closed?),
and for a citizen about to submit (「附近已有类似反映」: they may join it instead).

Candidates are read with bounds (the newest `POOL` answered items of the same station or
category; the open and recent items of the same station), then scored in memory with the
clusters' measure (server/insight/similarity.py), so a lookup costs the same in a province as in
a county.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from server.insight import similarity
from server.models import Message, Reply, Supporter, WalkIn
from server.platform.clock import utcnow
from server.platform.db import db
from server.publish.redact import redact

POOL = 400  # newest answered candidates scored per lookup
# Looser than a cluster's SAME: "like this" is enough to be worth a look.
LIKE = 0.45
NEARBY_DAYS = 90
# Items a citizen may join: still being handled, or answered and not yet closed.
JOINABLE = ("received", "routed", "unassigned", "followed_up", "reopened", "transferred",
            "returned", "replied")  # fmt: skip
ANSWERED = ("replied", "closed")
GOOD = ("satisfied", "basically_satisfied")
_DIGITS = re.compile(r"\d{5,}")


@dataclass(frozen=True)
class Found:
    message: Message
    score: float
    answer: str | None


def excerpt(text: str, length: int = 60, names: Iterable[str] = ()) -> str:
    """What a citizen may see of someone else's item: the start, with what 双公开 takes out of
    a published text taken out here too (server/publish/redact.py: phones, ID numbers, bank
    cards, plates, names the citizen wrote, house numbers; `names`: recorded ones), and any
    other long number hidden. Redacted before it is cut, so no pattern is split at the cut
    and half left behind."""
    text = redact(text or "", names).text
    text = _DIGITS.sub(lambda m: "*" * len(m.group()), text)
    if len(text) <= length:
        return text
    cut = text[:length]
    if cut.rfind("〔") > cut.rfind("〕"):  # not half a placeholder (〔门…)
        cut = cut[: cut.rfind("〔")]
    return cut + "…"


def recorded_names(message_id: int) -> list[str]:
    """The walk-in visitor's name staff recorded for the item, if any (taken out of excerpts
    wherever the text repeats it)."""
    name = db.session.scalar(select(WalkIn.visitor_name).where(WalkIn.message_id == message_id))
    return [name] if name else []


def _answer(message: Message) -> str | None:
    answers = [r for r in message.replies if r.author_kind != "citizen"]
    return answers[-1].content if answers else None


def for_deputy(message: Message, limit: int) -> list[Found]:
    """Answered items of the same station or category with similar text, most useful first:
    the closest wording, then closed with 满意 before merely answered, same station and
    category before either alone."""
    query = (
        select(Message)
        .where(
            Message.id != message.id,
            Message.status.in_(ANSWERED),
            Message.merged_into_id.is_(None),
            or_(
                Message.station_id == message.station_id, Message.category_id == message.category_id
            ),
        )
        .order_by(Message.created_at.desc())
        .limit(POOL)
        .options(selectinload(Message.replies))
    )
    pool = list(db.session.scalars(query))
    mine = similarity.words_of(message.content)
    if not pool or not similarity.comparable(mine):
        return []
    scored = []
    for index, value in similarity.alike(
        mine, [similarity.words_of(m.content) for m in pool], LIKE
    ):
        other = pool[index]
        answer = _answer(other)
        if answer is None:
            continue
        useful = value
        useful += 0.1 * (other.status == "closed") + 0.1 * (other.rating in GOOD)
        useful += 0.05 * (other.station_id == message.station_id)
        useful += 0.05 * (other.category_id == message.category_id)
        scored.append((useful, other.id, Found(other, round(value, 3), answer)))
    scored.sort(key=lambda s: (-s[0], -s[1]))
    return [found for _, _, found in scored[:limit]]


def nearby(
    station_id: int | None, category_id: int | None, content: str, citizen_id: int, limit: int
) -> list[Found]:
    """Items at the same station, still open or recent, with similar text: what the citizen
    may join instead of filing again. Their own items, refused, merged and flagged ones are
    left out."""
    if station_id is None:
        return []
    mine = similarity.words_of(content)
    if not similarity.comparable(mine):
        return []
    query = (
        select(Message)
        .where(
            Message.station_id == station_id,
            Message.status.in_(JOINABLE),
            Message.merged_into_id.is_(None),
            Message.flagged.is_(False),
            Message.created_at >= utcnow() - timedelta(days=NEARBY_DAYS),
            or_(Message.citizen_id.is_(None), Message.citizen_id != citizen_id),
        )
        .order_by(Message.created_at.desc())
        .limit(POOL)
    )
    pool = list(db.session.scalars(query))
    found = similarity.alike(mine, [similarity.words_of(m.content) for m in pool], LIKE)
    ranked = sorted(
        found,
        key=lambda hit: (
            -(hit[1] + 0.1 * (pool[hit[0]].category_id == category_id)),
            -pool[hit[0]].id,
        ),
    )
    return [Found(pool[i], round(v, 3), None) for i, v in ranked[:limit]]


def supporters(message_id: int) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Supporter).where(Supporter.message_id == message_id)
    )


def latest_answer(message_id: int) -> str | None:
    return db.session.scalar(
        select(Reply.content)
        .where(Reply.message_id == message_id, Reply.author_kind != "citizen")
        .order_by(Reply.id.desc())
        .limit(1)
    )
