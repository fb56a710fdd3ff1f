"""What a deputy does: bind their WeChat and read their inbox (answers: server/handling/)."""

from __future__ import annotations

from sqlalchemy import update

from server.admin.audit import audit
from server.api.auth import Caller
from server.events import record
from server.models import (
    AWAITING_DEPUTY,
    Assignment,
    Deputy,
    DeputyInvite,
    Message,
    Notification,
)
from server.notices.outbox import write_notice
from server.platform.clock import utcnow
from server.platform.crypto import decrypt_phone
from server.platform.db import db
from server.platform.errors import ApiError, not_found


def bind(citizen: Caller, code: str) -> Deputy:
    """Spend a single-use invite code; the caller's WeChat now answers as that deputy."""
    code = (code or "").strip().upper()
    invite = db.session.scalar(db.select(DeputyInvite).where(DeputyInvite.code == code))
    if invite is None:
        raise ApiError(404, "invite_not_found", "邀请码不存在，请核对后重新输入")
    now = utcnow()
    if invite.used_at is not None:
        raise ApiError(409, "invite_used", "该邀请码已被使用，请联系联络站工作人员重新生成")
    if invite.expires_at <= now:
        raise ApiError(410, "invite_expired", "该邀请码已过期，请联系联络站工作人员重新生成")
    deputy = db.session.get(Deputy, invite.deputy_id)
    if deputy is None or not deputy.active:
        raise ApiError(409, "deputy_inactive", "该代表账号已停用，请联系联络站工作人员")
    other = db.session.scalar(
        db.select(Deputy).where(Deputy.citizen_id == citizen.id, Deputy.id != deputy.id)
    )
    if other is not None:
        raise ApiError(
            409, "already_bound", f"您的微信已绑定代表“{other.name}”，不能再绑定其他代表"
        )
    previous = deputy.citizen_id
    if previous is not None and previous != citizen.id and not invite.issued_by_admin:
        # Whoever spends a code becomes the deputy: taking a bound deputy from their WeChat (and
        # their items, and the citizens' phones) is an administrator's decision, not a clerk's.
        raise ApiError(
            409,
            "rebind_needs_admin",
            "该代表已绑定其他微信。更换绑定需要系统管理员生成的邀请码，请联系联络站",
        )
    # Conditional: of two phones racing with one code, exactly one wins.
    claimed = db.session.execute(
        update(DeputyInvite)
        .where(DeputyInvite.id == invite.id, DeputyInvite.used_at.is_(None))
        .values(used_at=now, used_by_id=citizen.id)
    )
    if claimed.rowcount != 1:
        db.session.rollback()
        raise ApiError(409, "invite_used", "该邀请码已被使用，请联系联络站工作人员重新生成")
    deputy.citizen_id = citizen.id
    deputy.bound_at = now
    record("deputy_bound", None, "deputy", deputy.id, citizen_id=citizen.id, replaced=previous)
    if previous is not None and previous != citizen.id:
        _rebound(deputy, invite, previous)
    db.session.commit()
    return deputy


def _rebound(deputy: Deputy, invite: DeputyInvite, previous: int) -> Notification | None:
    """The deputy moved to another WeChat (the new binding already took effect: the old one is
    a citizen again from this commit on). On record for administrators, and the old WeChat is
    told, so a binding nobody asked for does not go unnoticed."""
    audit("deputy_rebound", f"deputy:{deputy.id}", previous=previous, invite_id=invite.id)
    return write_notice(
        "rebound",
        f"rebound-{invite.id}",
        previous,
        {
            "tracking_no": f"D{deputy.id}",
            "summary": f"{deputy.name}代表的账号已绑定到另一个微信",
            "created_at": utcnow(),
            "note": "如非本人操作，请立即联系联络站",
        },
        deputy_id=deputy.id,
    )


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
