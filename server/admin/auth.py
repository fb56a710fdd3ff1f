"""Signing in and out, who is signed in, and the checks every dashboard request passes.

Signing in: the password, then — when the account has a second factor — a code from its
authenticator app (server/identity/totp.py) before the session is made. An account whose role
requires a second factor and has none yet, or whose password has expired, is signed in to its
own account pages only until it enrols or changes the password. Every other page needs the
permission its view names (`requires`), looked up in server/admin/scope.py's table.
"""

from __future__ import annotations

import secrets
from functools import wraps

from flask import (
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.security import check_password_hash, generate_password_hash

from server.admin import bp, throttle
from server.admin.csrf import check_csrf, csrf_token
from server.admin.scope import home_url, may, needed
from server.identity import passwords, totp
from server.models import AuditLog, StaffUser
from server.models.audit import audit
from server.platform.clock import utcnow
from server.platform.db import db
from server.platform.text import MAX_ID, UNWANTED_CHARS

# Pages anyone may open; everything else needs a signed-in, active account.
PUBLIC_ENDPOINTS = {"admin.login", "admin.login_code"}
# What an account that must first enrol a second factor or change its password may open.
RESTRICTED_ENDPOINTS = {"admin.account_password", "admin.account_totp", "admin.logout"}
# How long the code step may follow the password step.
CODE_STEP_SECONDS = 300
# Checked against when the username is unknown, so both cases take as long (no user probing).
_DUMMY_HASH = generate_password_hash("not-a-password")


def _signed_out(message: str):
    session.clear()
    if request.path.endswith(".json") or request.accept_mimetypes.best == "application/json":
        return jsonify({"error": {"code": "signed_out", "message": message}}), 401
    flash(message, "warning")
    return redirect(url_for("admin.login", next=request.full_path.rstrip("?")))


# A line break in a redirect target would be a header injection (werkzeug refuses it: a 500).
_BREAKS = frozenset("\r\n\x00\x85\u2028\u2029")
CRAFTED_MESSAGE = "请求中含有无法识别的字符（如控制字符），请返回重新操作"


def _crafted():
    """A Chinese answer for input no page of ours sends, before any view sees it; None if the
    request is fine. Field-level mistakes are each form's own business (forms.py)."""
    for value in (request.view_args or {}).values():
        if isinstance(value, int) and value > MAX_ID:
            abort(404)  # ids are 32-bit columns: no such row, and no driver could bind it
    values = [*request.args.items(multi=True)]
    if request.method == "POST":
        # Form text goes through forms.text(), which names the field; NUL breaks PostgreSQL
        # for any value, checked or not.
        form = [(key, value) for key, value in request.form.items(multi=True) if "\x00" in value]
        values += form
    for key, value in values:
        if UNWANTED_CHARS.search(key) or UNWANTED_CHARS.search(value):
            return render_template("admin/error.html", code=400, message=CRAFTED_MESSAGE), 400
    for target in (request.args.get("next"), request.form.get("next")):
        if target and _BREAKS & set(target):
            return render_template("admin/error.html", code=400, message="跳转地址无效"), 400
    return None


@bp.before_request
def load_staff():
    check_csrf()
    g.staff = None
    crafted = _crafted()
    if crafted is not None:
        return crafted
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    staff_id = session.get("staff_id")
    if staff_id is None:
        return _signed_out("请先登录")
    now = utcnow().timestamp()
    config = current_app.config
    if now - session.get("seen_at", 0) > config["ADMIN_IDLE_MINUTES"] * 60:
        return _signed_out("长时间未操作，已自动退出，请重新登录")
    if now - session.get("login_at", 0) > config["ADMIN_SESSION_HOURS"] * 3600:
        return _signed_out("登录已超过有效时间，请重新登录")
    staff = db.session.get(StaffUser, staff_id)
    # A password change or a disabled account ends every session signed in before it.
    if staff is None or not staff.active or session.get("pw") != staff.password_hash[-12:]:
        return _signed_out("账号已停用或密码已修改，请重新登录")
    if _ended(staff.id, session.get("sid")):
        return _signed_out("已退出登录，请重新登录")
    session["seen_at"] = now
    g.staff = staff
    return _gate(staff)


def _gate(staff: StaffUser):
    """The account's own pages first when it must act; then the view's permission."""
    if request.endpoint not in RESTRICTED_ENDPOINTS:
        if session.get("must_change"):
            flash("密码已过期或需要更换，请先设置新密码", "warning")
            return redirect(url_for("admin.account_password"))
        if totp.required(staff) and not totp.enrolled(staff):
            flash("您的角色必须使用动态口令登录，请先绑定身份验证器", "warning")
            return redirect(url_for("admin.account_totp"))
    view = current_app.view_functions.get(request.endpoint or "")
    permission = needed(getattr(view, "permission", "dashboard"), request.method)
    if not may(permission, staff):
        if request.endpoint == "admin.overview":
            return redirect(home_url(staff))
        if permission == "act" and may("dashboard", staff):
            # The 代表工委 oversees: it reads every station and presses (督办), it does not act.
            return render_template("admin/error.html", code=403, message=READ_ONLY), 403
        abort(403)
    return None


READ_ONLY = "代表工委账号只能查看和督办，不能办理事项或修改设置"


def _ended(staff_id: int, sid: str | None) -> bool:
    """Signed out of this session already. The session lives in a signed cookie, and clearing it
    in the browser does not end a copy of it (a shared PC, a proxy's log): the sign-out is
    recorded (the audit log's "logout" row names the session) and checked on every request."""
    if not sid:
        return True  # signed in before sessions had ids: sign in again, once
    ended = db.session.scalar(
        db.select(AuditLog.id)
        .where(
            AuditLog.staff_id == staff_id,
            AuditLog.action == "logout",
            AuditLog.target == f"session:{sid}",
        )
        .limit(1)
    )
    return ended is not None


def requires(permission: str):
    """The view needs this permission (server/admin/scope.py `ROLE_PERMISSIONS`); checked for
    every request before the view runs (`_gate`), and here again."""

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not may(permission):
                abort(403)
            return view(*args, **kwargs)

        wrapper.permission = permission
        return wrapper

    return decorate


# Pages for the system administrator: accounts, stations, deputies, settings.
admin_only = requires("manage")


def _safe_next(target: str | None, staff: StaffUser | None = None) -> str:
    if target and target.startswith("/admin") and not _BREAKS & set(target):
        return target
    return home_url(staff)


def _start_session(staff: StaffUser, via: str) -> str:
    session.clear()  # a fresh session on sign-in: nothing carried over from before
    now = utcnow().timestamp()
    session.permanent = True
    sid = secrets.token_urlsafe(12)  # names this session, so signing out can end it for good
    session.update(
        staff_id=staff.id, login_at=now, seen_at=now, pw=staff.password_hash[-12:], sid=sid
    )
    if passwords.expired(staff):
        session["must_change"] = True
    csrf_token()
    audit("login", f"user:{staff.id}", staff_id=staff.id, session=sid, second_factor=via)
    return sid


@bp.route("/login", methods=["GET", "POST"])
def login():
    csrf_token()  # the form needs one before anyone is signed in
    if request.method == "GET":
        if session.get("staff_id"):
            return redirect(url_for("admin.overview"))
        return render_template("admin/login.html", username="", error=None)
    username = (request.form.get("username") or "").strip()
    password = request.form.get("password") or ""
    ip = request.remote_addr or ""
    minutes = current_app.config["LOGIN_LOCK_MINUTES"]
    attempt = throttle.begin(username, ip)  # counted before the check: no race past the limit
    if not attempt.allowed:
        error = f"登录失败次数过多，请 {minutes} 分钟后再试，或联系管理员"
        if attempt.by_address:
            error = f"本网络登录失败次数过多，请 {minutes} 分钟后再试，或联系管理员"
        return render_template("admin/login.html", username=username, error=error), 429
    staff = db.session.scalar(db.select(StaffUser).where(StaffUser.username == username))
    ok = check_password_hash(staff.password_hash if staff else _DUMMY_HASH, password)
    if not ok or staff is None or not staff.active:
        left = attempt.left
        audit("login_failed", f"user:{username[:50]}", staff_id=staff.id if staff else None)
        db.session.commit()
        error = "用户名或密码不正确"
        if staff is not None and not staff.active and ok:
            error = "该账号已停用，请联系管理员"
        if left == 0:
            error = f"登录失败次数过多，请 {minutes} 分钟后再试，或联系管理员"
            return render_template("admin/login.html", username=username, error=error), 429
        if left <= 2:
            error += f"（还可以再试 {left} 次）"
        return render_template("admin/login.html", username=username, error=error), 401
    throttle.succeeded(username, ip)
    next_target = request.args.get("next")
    if totp.enrolled(staff):
        # The password was right; the session is made only once the code is too.
        session.clear()
        session.update(code_for=staff.id, code_at=utcnow().timestamp(), next=next_target or "")
        csrf_token()
        return redirect(url_for("admin.login_code"))
    _start_session(staff, "")
    db.session.commit()
    return redirect(_safe_next(next_target, staff))


@bp.route("/login/code", methods=["GET", "POST"])
def login_code():
    """The second step: the authenticator app's code. Wrong and replayed codes count as failed
    sign-ins (the same lockout as passwords)."""
    csrf_token()
    staff_id = session.get("code_for")
    started = session.get("code_at", 0)
    if staff_id is None:
        return redirect(url_for("admin.login"))  # no password step (a signed-in session stays)
    if utcnow().timestamp() - started > CODE_STEP_SECONDS:
        session.clear()
        flash("请重新输入用户名和密码", "warning")
        return redirect(url_for("admin.login"))
    staff = db.session.get(StaffUser, staff_id)
    if staff is None or not staff.active:
        session.clear()
        return redirect(url_for("admin.login"))
    if request.method == "GET":
        return render_template("admin/login_code.html", error=None)
    ip = request.remote_addr or ""
    minutes = current_app.config["LOGIN_LOCK_MINUTES"]
    attempt = throttle.begin(staff.username, ip)
    if not attempt.allowed:
        session.clear()
        error = f"登录失败次数过多，请 {minutes} 分钟后再试，或联系安全管理员"
        return render_template("admin/login.html", username=staff.username, error=error), 429
    error = totp.check(staff, request.form.get("code") or "")
    if error:
        audit("login_failed", f"user:{staff.username[:50]}", staff_id=staff.id, step="code")
        db.session.commit()
        return render_template("admin/login_code.html", error=error), 401
    throttle.succeeded(staff.username, ip)
    next_target = session.get("next") or None
    _start_session(staff, "totp")
    db.session.commit()
    return redirect(_safe_next(next_target, staff))


@bp.post("/logout")
@requires("self")
def logout():
    audit("logout", f"session:{session.get('sid')}")
    db.session.commit()
    session.clear()
    flash("已退出登录", "info")
    return redirect(url_for("admin.login"))
