"""Staff accounts (the system administrator's job; the password policy is
server/identity/passwords.py, second factors and unlocks are the security administrator's)."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, session, url_for

from server.admin import bp
from server.admin.auth import admin_only
from server.admin.forms import parse_id, parse_ids, text
from server.identity import passwords
from server.models import ROLES, StaffUser, Station, Unit
from server.models.audit import audit
from server.platform.db import db


@bp.get("/users")
@admin_only
def user_list():
    users = db.session.scalars(db.select(StaffUser).order_by(StaffUser.id))
    return render_template("admin/users.html", users=list(users))


def _page(user: StaffUser | None, values: dict, errors: dict, status: int = 200):
    stations = db.session.scalars(db.select(Station).order_by(Station.id))
    return render_template(
        "admin/user_form.html",
        user=user,
        values=values,
        errors=errors,
        stations=list(stations),
        password_rule=passwords.rule_text(),
        units=list(db.session.scalars(db.select(Unit).order_by(Unit.id))),
    ), status


def _read(form, user: StaffUser | None) -> tuple[dict, dict]:
    errors: dict[str, str] = {}
    values = {
        "username": text(form, "username", "用户名", 64, required=user is None, errors=errors),
        "display_name": text(form, "display_name", "姓名", 64, required=True, errors=errors),
        "role": form.get("role", ""),
        "active": form.get("active") == "1",
        "password": form.get("password") or "",
    }
    values["station_ids"], error = parse_ids(form.getlist("station_ids"))
    if error:
        errors["station_ids"] = error
    if values["role"] not in ROLES:
        errors["role"] = "请选择角色"
    if values["role"] == "station_staff" and not values["station_ids"] and not error:
        errors["station_ids"] = "联络站工作人员至少要负责一个联络站"
    values["unit_id"], unit_error = parse_id(form.get("unit_id"))
    if values["role"] == "unit_staff":
        if (
            unit_error
            or values["unit_id"] is None
            or db.session.get(Unit, values["unit_id"]) is None
        ):
            errors["unit_id"] = "承办单位工作人员要选择所属的承办单位"
        values["station_ids"] = []  # a unit's account sees its unit's items, no station's
    else:
        values["unit_id"] = None
    if user is None:
        taken = db.session.scalar(
            db.select(StaffUser.id).where(StaffUser.username == values["username"])
        )
        if taken:
            errors["username"] = f"用户名“{values['username']}”已存在"
    if user is None or values["password"]:
        username = user.username if user else (values["username"] or "")
        problem = passwords.problem(values["password"], username, user)
        if problem:
            errors["password"] = problem
    if (
        user is not None
        and user.id == g.staff.id
        and (values["role"] != "admin" or not values["active"])
    ):
        errors["role"] = "不能停用自己或取消自己的管理员身份"
    return values, errors


def _apply(user: StaffUser, values: dict) -> None:
    user.display_name = values["display_name"]
    user.role = values["role"]
    user.active = values["active"]
    user.unit_id = values["unit_id"]
    user.stations = list(
        db.session.scalars(db.select(Station).where(Station.id.in_(values["station_ids"])))
    )
    if values["password"]:
        passwords.set_password(user, values["password"])


@bp.route("/users/new", methods=["GET", "POST"])
@admin_only
def user_new():
    if request.method == "GET":
        return _page(None, {"role": "station_staff", "active": True}, {})
    values, errors = _read(request.form, None)
    if errors:
        return _page(None, values, errors, 422)
    user = StaffUser(username=values["username"])
    _apply(user, values)
    db.session.add(user)
    db.session.flush()
    audit("user_created", f"user:{user.id}", username=user.username, role=user.role)
    db.session.commit()
    flash(f"已新建账号 {user.username}", "success")
    return redirect(url_for("admin.user_list"))


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@admin_only
def user_edit(user_id: int):
    user = db.session.get(StaffUser, user_id)
    if user is None:
        abort(404)
    if request.method == "GET":
        values = {
            "username": user.username,
            "display_name": user.display_name,
            "role": user.role,
            "station_ids": [s.id for s in user.stations],
            "unit_id": user.unit_id,
            "active": user.active,
        }
        return _page(user, values, {})
    values, errors = _read(request.form, user)
    if errors:
        return _page(user, values, errors, 422)
    _apply(user, values)
    if user.id == g.staff.id:
        session["pw"] = user.password_hash[-12:]  # changing one's own password keeps one signed in
    audit("user_updated", f"user:{user.id}", role=user.role, password=bool(values["password"]))
    db.session.commit()
    flash(f"已保存账号 {user.username}", "success")
    return redirect(url_for("admin.user_list"))
