"""What a deputy has in hand: the items assigned to them, their counts, and the 回电 number."""

from __future__ import annotations

from server.models import AWAITING_DEPUTY, Assignment, Deputy, Message
from server.models.audit import audit
from server.models.event import record
from server.platform.crypto import decrypt_phone
from server.platform.db import db
from server.platform.errors import not_found


def reveal_phone(deputy: Deputy, message: Message) -> str | None:
    """The full number for the 「回电」 button, once asked for; on the item's record like a
    staff reveal. Anonymous items never give it."""
    if message.anonymous:
        return None
    phone = decrypt_phone(message.contact_phone_enc)
    if phone:
        record("phone_viewed", message.id, "deputy", deputy.id, deputy=deputy.name)
        audit("phone_viewed", f"message:{message.id}", deputy_id=deputy.id, deputy=deputy.name)
        db.session.commit()
    return phone


def assigned_message(deputy: Deputy, message_id: int) -> Message:
    """A message currently assigned to this deputy; anything else is 404 (ids reveal nothing)."""
    message = db.session.scalar(
        db.select(Message)
        .join(Assignment, Assignment.message_id == Message.id)
        .where(
            Message.id == message_id,
            Assignment.deputy_id == deputy.id,
            Assignment.active.is_(True),
        )
    )
    if message is None:
        raise not_found("找不到这条留言，或它已不由您负责")
    return message


def inbox_counts(deputy: Deputy) -> dict[str, int]:
    rows = db.session.execute(
        db.select(Message.status, db.func.count())
        .join(Assignment, Assignment.message_id == Message.id)
        .where(Assignment.deputy_id == deputy.id, Assignment.active.is_(True))
        .group_by(Message.status)
    ).all()
    counts = {status: count for status, count in rows}
    counts["awaiting"] = sum(counts.get(s, 0) for s in AWAITING_DEPUTY)
    return counts
