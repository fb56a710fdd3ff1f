"""The thread: an answer (a deputy's or the station's) and the citizen's follow-up."""

from __future__ import annotations

from server.handling.decisions import rejection
from server.models import Deputy, Message, Notification, Reply
from server.models.lifecycle import FINISHED, MoveRefused, move
from server.notices.outbox import queue_notice
from server.platform.clock import utcnow
from server.platform.db import db

STATION = "联络站"  # who signs an answer the station gives itself


def answer(
    message: Message,
    content: str,
    actor: str,
    actor_id: int | None,
    deputy: Deputy | None = None,
    **event_data,
) -> tuple[Reply, Notification | None]:
    """Post an answer and write the citizen's notice. Returns (answer, notice); no notice for a
    walk-in, who has no WeChat identity with us."""
    now = utcnow()
    post = Reply(
        message_id=message.id,
        author_kind="deputy" if deputy else "staff",
        deputy_id=deputy.id if deputy else None,
        content=content,
        created_at=now,
    )
    message.replies.append(post)
    db.session.flush()
    values = {} if message.first_replied_at else {"first_replied_at": now}
    move(message, "answer", actor, actor_id, values=values, reply_id=post.id, **event_data)
    _tell_duplicates(message, post, now)
    if message.citizen_id is None:
        return post, None  # a walk-in: the station calls the visitor back
    notice = queue_notice(
        "reply",
        f"reply-{post.id}",
        message,
        message.citizen_id,
        reply=content,
        deputy=deputy.name if deputy else STATION,
        replied_at=now,
    )
    return post, notice


def _tell_duplicates(message: Message, post: Reply, now) -> None:
    """The citizens whose duplicates were merged into this item follow it: they are told it
    has an answer (not the answer itself: it was written to someone else)."""
    duplicates = db.session.scalars(
        db.select(Message).where(
            Message.merged_into_id == message.id, Message.citizen_id.is_not(None)
        )
    )
    for duplicate in duplicates:
        queue_notice(
            "merged",
            f"merged-reply-{post.id}-{duplicate.id}",
            duplicate,
            duplicate.citizen_id,
            reply="您关注的较早反映已有答复，请查看",
            deputy=STATION,
            replied_at=now,
        )


def follow_up_refusal(message: Message) -> str:
    if message.status == "rejected":
        refused = rejection(message) or {}
        text = "该反映不予受理"
        if refused.get("reason"):
            text += f"：{refused['reason']}"
        if refused.get("where"):
            text += f"。建议：{refused['where']}"
        return text + "。如有新情况，请重新提交"
    return "该反映已办结，如有新情况请重新提交"


def follow_up(message: Message, content: str, citizen_id: int) -> Reply:
    """The citizen asks again or adds something. After an answer this puts the item back in
    front of whoever answers it; either way they are told."""
    if message.status in FINISHED:
        raise MoveRefused("follow_up", message.status, follow_up_refusal(message))
    post = Reply(message_id=message.id, author_kind="citizen", content=content, created_at=utcnow())
    message.replies.append(post)
    db.session.flush()
    move(message, "follow_up", "citizen", citizen_id, reply_id=post.id)
    assignment = message.active_assignment
    if assignment is not None:
        queue_notice(
            "followup",
            f"followup-{post.id}",
            message,
            assignment.deputy.citizen_id,
            deputy_id=assignment.deputy_id,
            note=f"群众追问：{content}",
        )
    return post
