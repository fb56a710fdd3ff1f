"""A deputy's WeChat: invite codes and binding.

The rules: one valid invite per deputy at a time (a new one retires the older unused ones);
binding a deputy who is already bound to another WeChat needs an invite an administrator issued,
and tells the previous WeChat (a binding nobody asked for must not go unnoticed).
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import update

from server.models import Deputy, DeputyInvite, Notification
from server.models.audit import audit
from server.models.event import record
from server.notices.outbox import write_notice
from server.platform.clock import utcnow
from server.platform.db import db
from server.platform.errors import ApiError


def issue_invite(deputy: Deputy, by_admin: bool, hours: float | None = None) -> DeputyInvite:
    """A fresh single-use code for `deputy`; any code of theirs still valid stops working.
    Caller commits."""
    now = utcnow()
    db.session.execute(
        update(DeputyInvite)
        .where(
            DeputyInvite.deputy_id == deputy.id,
            DeputyInvite.used_at.is_(None),
            DeputyInvite.expires_at > now,
        )
        .values(expires_at=now)
    )
    hours = hours or current_app.config["INVITE_TTL_HOURS"]
    invite = DeputyInvite(
        deputy_id=deputy.id, expires_at=now + timedelta(hours=hours), issued_by_admin=by_admin
    )
    db.session.add(invite)
    db.session.flush()
    return invite


def bind(citizen_id: int, code: str) -> Deputy:
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
        db.select(Deputy).where(Deputy.citizen_id == citizen_id, Deputy.id != deputy.id)
    )
    if other is not None:
        raise ApiError(
            409, "already_bound", f"您的微信已绑定代表“{other.name}”，不能再绑定其他代表"
        )
    previous = deputy.citizen_id
    if previous is not None and previous != citizen_id and not invite.issued_by_admin:
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
        .values(used_at=now, used_by_id=citizen_id)
    )
    if claimed.rowcount != 1:
        db.session.rollback()
        raise ApiError(409, "invite_used", "该邀请码已被使用，请联系联络站工作人员重新生成")
    deputy.citizen_id = citizen_id
    deputy.bound_at = now
    record("deputy_bound", None, "deputy", deputy.id, citizen_id=citizen_id, replaced=previous)
    if previous is not None and previous != citizen_id:
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
