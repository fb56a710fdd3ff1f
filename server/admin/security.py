"""安全管理: the security administrator's page — the password and sign-in policy in force,
every account's password age and second factor, resetting a lost second factor, unlocking a
locked sign-in, the phone keys, and whether the audit chain holds. Nothing else: accounts are
the system administrator's, the audit log the audit administrator's (server/admin/scope.py).
"""

from __future__ import annotations

from datetime import timedelta

from flask import abort, current_app, flash, redirect, render_template, url_for

from server.admin import bp, throttle
from server.admin.audit_log import chain_status
from server.admin.auth import requires
from server.identity import passwords, totp
from server.intake.retention import recent_runs
from server.models import AuditLog, StaffUser
from server.models.audit import audit
from server.platform.clock import utcnow
from server.platform.db import db


def _failed_addresses(user: StaffUser) -> list[str]:
    """Where this username's sign-ins failed within the lock window: what a lock is keyed by."""
    since = utcnow() - timedelta(minutes=current_app.config["LOGIN_LOCK_MINUTES"])
    return sorted(
        set(
            db.session.scalars(
                db.select(AuditLog.ip).where(
                    AuditLog.action == "login_failed",
                    AuditLog.target == f"user:{user.username[:50]}",
                    AuditLog.created_at >= since,
                )
            )
        )
    )


@bp.get("/security")
@requires("security")
def security():
    config = current_app.config
    users = list(db.session.scalars(db.select(StaffUser).order_by(StaffUser.id)))
    rows = [
        {
            "user": user,
            "totp": totp.enrolled(user),
            "totp_required": totp.required(user),
            "expired": passwords.expired(user),
            "failures": len(_failed_addresses(user)),
        }
        for user in users
    ]
    policy = {
        "密码长度": f"至少 {config['PASSWORD_MIN_LENGTH']} 位",
        "字符种类": f"至少 {config['PASSWORD_MIN_CLASSES']} 种（小写、大写、数字、符号）",
        "有效期": f"{config['PASSWORD_MAX_AGE_DAYS']} 天"
        if config["PASSWORD_MAX_AGE_DAYS"]
        else "不限",
        "不得重复": f"最近 {config['PASSWORD_HISTORY']} 次",
        "登录失败锁定": (
            f"{config['LOGIN_MAX_FAILURES']} 次后锁定 {config['LOGIN_LOCK_MINUTES']} 分钟"
        ),
        "无操作自动退出": f"{config['ADMIN_IDLE_MINUTES']} 分钟",
        "必须使用动态口令的角色": "、".join(config["TOTP_REQUIRED_ROLES"]) or "无",
        "审计日志保存": (
            f"{config['AUDIT_RETENTION_DAYS']} 天" if config["AUDIT_RETENTION_DAYS"] else "永久"
        ),
        "手机号密钥（PHONE_KEYS）": f"{len(config['PHONE_KEYS'])} 个"
        if config["PHONE_KEYS"]
        else "未设置（由 SECRET_KEY 派生，仅限开发）",
    }
    return render_template(
        "admin/security.html",
        rows=rows,
        policy=policy,
        chain=chain_status(fresh=True),
        retention_days=config["RETENTION_DAYS"],
        unsubmitted_hours=config["UNSUBMITTED_PHOTO_HOURS"],
        retention=recent_runs(utcnow()),
    )


def _user_or_404(user_id: int) -> StaffUser:
    user = db.session.get(StaffUser, user_id)
    if user is None:
        abort(404)
    return user


@bp.post("/security/users/<int:user_id>/totp-reset")
@requires("security")
def security_totp_reset(user_id: int):
    user = _user_or_404(user_id)
    totp.reset(user)
    audit("totp_reset", f"user:{user.id}")
    db.session.commit()
    flash(f"已重置 {user.username} 的动态口令，该账号下次登录时重新绑定", "success")
    return redirect(url_for("admin.security"))


@bp.post("/security/users/<int:user_id>/unlock")
@requires("security")
def security_unlock(user_id: int):
    user = _user_or_404(user_id)
    addresses = _failed_addresses(user)
    throttle.unlock(user.username, addresses)
    audit("login_unlocked", f"user:{user.id}", unlocked=len(addresses))
    db.session.commit()
    flash(f"已解除 {user.username} 的登录锁定", "success")
    return redirect(url_for("admin.security"))
