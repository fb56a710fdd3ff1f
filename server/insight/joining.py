"""Joining an existing item (「附近已有类似反映」 → 我也反映): the citizen's voice is added to it
(a Supporter row) instead of a second item, and they receive its notices from then on
(server/notices/outbox.py: queue_notice writes each supporter a copy of the citizen's)."""

from __future__ import annotations

from sqlalchemy import select

from server.insight import similar
from server.insight.similar import JOINABLE
from server.models import Message, Supporter
from server.platform.clock import utcnow
from server.platform.db import db, dialect_insert, execute
from server.platform.errors import ApiError, not_found


def join(
    citizen_id: int, message_id: int, station_id: int | None, content: str, limit: int
) -> tuple[Message, bool]:
    """(the item, whether this call added the voice); joining twice is harmless.

    Only an item 「附近已有类似反映」 would offer for what the citizen wrote at the station they
    scanned may be joined: ids are not a way to read other people's items."""
    message = db.session.get(Message, message_id)
    if message is None or message.flagged or message.merged_into_id is not None:
        raise not_found("找不到这条反映")
    if message.station_id != station_id:
        raise not_found("找不到这条反映")
    if message.citizen_id == citizen_id:
        raise ApiError(409, "own_message", "这是您自己的反映，无需再次加入")
    if message.status not in JOINABLE:
        raise ApiError(
            409, "not_joinable", "这条反映已办结或不予受理，不能再加入；如仍有问题请重新反映"
        )
    offered = {f.message.id for f in similar.nearby(station_id, None, content, citizen_id, limit)}
    if message.id not in offered and not is_supporter(citizen_id, message.id):
        raise not_found("找不到这条反映")
    statement = (
        dialect_insert(Supporter)
        .on_conflict_do_nothing(index_elements=["message_id", "citizen_id"])
        .returning(Supporter.message_id)
    )
    added = execute(
        statement, {"message_id": message_id, "citizen_id": citizen_id, "created_at": utcnow()}
    ).scalar()
    db.session.commit()
    return message, added is not None


def supporter_ids(message_id: int) -> list[int]:
    return list(
        db.session.scalars(
            select(Supporter.citizen_id)
            .where(Supporter.message_id == message_id)
            .order_by(Supporter.citizen_id)
        )
    )


def is_supporter(citizen_id: int, message_id: int) -> bool:
    return (
        db.session.get(Supporter, {"message_id": message_id, "citizen_id": citizen_id}) is not None
    )
