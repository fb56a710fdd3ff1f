"""One's own account: change the password (also when it has expired), enrol the second factor,
bind a WeChat for escalation notices (绑定微信).

Every role may open these (`self`). The secret being enrolled lives in the signed session
cookie until a code from it is right; only then is it stored (encrypted) on the account.
"""

from __future__ import annotations

from flask import current_app, flash, g, redirect, render_template, request, session, url_for

from server.admin import bp
from server.admin.auth import requires
from server.admin.scope import home_url
from server.identity import passwords, staff_wechat, totp
from server.models.audit import audit
from server.platform.db import db


@bp.route("/account/password", methods=["GET", "POST"])
@requires("self")
def account_password():
    staff = g.staff
    errors: dict[str, str] = {}
    if request.method == "POST":
        current = request.form.get("current") or ""
        new = request.form.get("password") or ""
        if not staff.check_password(current):
            errors["current"] = "当前密码不正确"
        else:
            problem = passwords.problem(new, staff.username, staff)
            if problem:
                errors["password"] = problem
            elif new != (request.form.get("again") or ""):
                errors["again"] = "两次输入的新密码不一致"
        if not errors:
            passwords.set_password(staff, new)
            session["pw"] = staff.password_hash[-12:]  # this session stays signed in
            session.pop("must_change", None)
            audit("password_changed", f"user:{staff.id}")
            db.session.commit()
            flash("密码已修改", "success")
            return redirect(home_url(staff))
    status = 422 if errors else 200
    return render_template(
        "admin/account_password.html", errors=errors, password_rule=passwords.rule_text()
    ), status


@bp.route("/account/totp", methods=["GET", "POST"])
@requires("self")
def account_totp():
    staff = g.staff
    if totp.enrolled(staff):
        return render_template("admin/account_totp.html", enrolled=True)
    secret = session.get("totp_pending") or totp.new_secret()
    session["totp_pending"] = secret
    error = None
    if request.method == "POST":
        error = totp.enrol(staff, secret, request.form.get("code") or "")
        if error is None:
            session.pop("totp_pending", None)
            audit("totp_enrolled", f"user:{staff.id}")
            db.session.commit()
            flash("动态口令已绑定，下次登录时需要输入", "success")
            return redirect(home_url(staff))
        db.session.rollback()
    uri = totp.provisioning_uri(staff, secret)
    return render_template(
        "admin/account_totp.html",
        enrolled=False,
        qr=totp.qr_data_url(uri),
        secret=secret,
        error=error,
    ), (422 if error else 200)


@bp.route("/account/wechat", methods=["GET", "POST"])
@requires("self")
def account_wechat():
    """绑定微信: a one-time code (and its QR) the staff member enters or scans in the
    mini-program; escalation notices then also reach that WeChat (identity/staff_wechat.py)."""
    staff = g.staff
    code = None
    if request.method == "POST":
        action = request.form.get("action") or ""
        if action == "unbind":
            if staff.wechat_citizen_id is None:
                flash("当前账号没有绑定微信", "error")
                return redirect(url_for("admin.account_wechat"))
            staff_wechat.unbind(staff)
            audit("staff_wechat_unbound", f"user:{staff.id}")
            db.session.commit()
            flash("已解绑微信，超期提醒只在管理后台显示", "success")
            return redirect(url_for("admin.account_wechat"))
        if action != "issue":
            return render_template("admin/account_wechat.html", staff=staff, code=None,
                                   error="未知的操作"), 422  # fmt: skip
        code = staff_wechat.issue_code(staff)
        audit("staff_wechat_code_issued", f"user:{staff.id}")
        db.session.commit()
    # The code is shown on this answer only (never in a flash, never stored in plain).
    return render_template(
        "admin/account_wechat.html",
        staff=staff,
        code=code,
        qr=totp.qr_data_url(staff_wechat.scan_text(code)) if code else None,
        minutes=current_app.config["STAFF_WECHAT_CODE_MINUTES"],
        error=None,
    )
