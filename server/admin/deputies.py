"""Deputies: create and edit them, where they are resident, and invite codes to bind WeChat.

An invite's QR code holds the invite code itself (e.g. `K7M2Q9XA`), nothing else: the deputy's
mini-program reads it with wx.scanCode on the bind page, or the deputy types the same code shown
in large letters under the QR. Issuing a new invite retires the deputy's older unused ones.

A deputy who also serves other stations is not one station's to change: renaming, switching
off, re-coding and inviting them is for administrators (or staff of every station they serve).
An invite binds whoever spends it, so moving a deputy already bound to another WeChat needs an
administrator's invite (server/identity/binding.py), and station staff issue invites only for
deputies not bound yet.
"""

from __future__ import annotations

import io

import qrcode
from flask import (
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from sqlalchemy.exc import IntegrityError

from server.admin import bp, scope
from server.admin.forms import parse_id, parse_ids, parse_int, text
from server.admin.public_codes import check_code, fresh_code, scenes_changed
from server.identity.binding import issue_invite
from server.models import LEVELS, Deputy, DeputyInvite, StationMember
from server.models.audit import audit
from server.platform.clock import local_text, utcnow
from server.platform.db import db

# The professional groups named in the seeds (专业代表小组).
EXPERTISE = ("法制", "社会治理", "经济", "教科文卫", "农业农村", "城建环保")
SHARED_MESSAGE = (
    "该代表同时在其他联络站驻站：修改姓名、编码、在任状态或生成邀请码，"
    "需由系统管理员（或其全部驻站联络站的工作人员）操作"
)
BOUND_MESSAGE = (
    "该代表已绑定微信：为防止他人冒用，更换绑定的微信需由系统管理员生成邀请码，请联系系统管理员"
)


def may_manage(deputy: Deputy) -> bool:
    """Administrators, and staff of every station the deputy serves."""
    if scope.is_admin():
        return True
    return {m.station_id for m in deputy.memberships} <= set(scope.station_ids() or ())


def _refused(message: str):
    return render_template("admin/error.html", code=403, message=message), 403


@bp.get("/deputies")
def deputy_list():
    station_id, error = parse_id(request.args.get("station"))
    if error:
        abort(404)
    deputies = scope.visible_deputies()
    if station_id is not None:
        scope.station_or_404(station_id)
        deputies = [d for d in deputies if station_id in {m.station_id for m in d.memberships}]
    return render_template(
        "admin/deputies.html",
        deputies=deputies,
        stations=scope.visible_stations(),
        station_id=station_id,
    )


def _page(deputy: Deputy | None, values: dict, errors: dict, status: int = 200):
    invites = []
    if deputy is not None:
        invites = list(
            db.session.scalars(
                db.select(DeputyInvite)
                .where(DeputyInvite.deputy_id == deputy.id)
                .order_by(DeputyInvite.id.desc())
                .limit(5)
            )
        )
    return render_template(
        "admin/deputy_form.html",
        deputy=deputy,
        values=values,
        errors=errors,
        levels=LEVELS,
        expertise_choices=EXPERTISE,
        stations=scope.visible_stations(),
        invites=invites,
        now=utcnow(),
        may_manage=deputy is None or may_manage(deputy),
        may_invite=deputy is None or _invite_refusal(deputy) is None,
    ), status


def _read(form, deputy: Deputy | None) -> tuple[dict, dict]:
    errors: dict[str, str] = {}
    values = {
        "name": text(form, "name", "姓名", 50, required=True, errors=errors),
        "level": form.get("level") or "",
        "title": text(form, "title", "职务", 100, errors=errors),
        "expertise": [e for e in form.getlist("expertise") if e in EXPERTISE],
        "code": (form.get("code") or "").strip().lower(),
        "active": form.get("active") == "1",
    }
    values["station_ids"], error = parse_ids(form.getlist("station_ids"))
    if error:
        errors["station_ids"] = error
    if values["level"] not in LEVELS:
        errors["level"] = "请选择代表层级"
    visible = {s.id for s in scope.visible_stations()}
    if any(s not in visible for s in values["station_ids"]):
        abort(404)
    if not scope.is_admin() and not values["station_ids"]:
        errors["station_ids"] = "请至少选择一个驻站联络站"
    if values["code"]:
        error = check_code(Deputy, values["code"], deputy.id if deputy else None)
        if error:
            errors["code"] = error
    return values, errors


def _save(deputy: Deputy, values: dict) -> bool:
    deputy.name = values["name"]
    deputy.level = values["level"]
    deputy.title = values["title"]
    deputy.expertise = values["expertise"]
    deputy.active = values["active"]
    deputy.code = values["code"] or deputy.code or fresh_code(Deputy)
    db.session.flush()
    # Only the memberships this account can see are edited; others' stay as they are.
    visible = {s.id for s in scope.visible_stations()}
    wanted = set(values["station_ids"])
    for member in list(deputy.memberships):
        if member.station_id in visible and member.station_id not in wanted:
            deputy.memberships.remove(member)
    have = {m.station_id for m in deputy.memberships}
    for station_id in wanted - have:
        deputy.memberships.append(StationMember(station_id=station_id, deputy_id=deputy.id))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return False
    scenes_changed()
    return True


def _values(deputy: Deputy) -> dict:
    return {
        "name": deputy.name,
        "level": deputy.level,
        "title": deputy.title,
        "expertise": list(deputy.expertise or []),
        "station_ids": [m.station_id for m in deputy.memberships],
        "code": deputy.code,
        "active": deputy.active,
    }


@bp.route("/deputies/new", methods=["GET", "POST"])
def deputy_new():
    if request.method == "GET":
        station_id = parse_int(request.args.get("station"))
        return _page(None, {"active": True, "station_ids": [station_id] if station_id else []}, {})
    values, errors = _read(request.form, None)
    if errors:
        return _page(None, values, errors, 422)
    deputy = Deputy(name=values["name"], level=values["level"])
    db.session.add(deputy)
    if not _save(deputy, values):
        return _page(None, values, {"code": "该编码刚被占用，请换一个"}, 409)
    audit("deputy_created", f"deputy:{deputy.id}", name=deputy.name, code=deputy.code)
    db.session.commit()
    flash(f"已添加{deputy.name}代表", "success")
    return redirect(url_for("admin.deputy_edit", deputy_id=deputy.id))


@bp.route("/deputies/<int:deputy_id>", methods=["GET", "POST"])
def deputy_edit(deputy_id: int):
    deputy = scope.deputy_or_404(deputy_id)
    if request.method == "GET":
        return _page(deputy, _values(deputy), {})
    if not may_manage(deputy):
        return _refused(SHARED_MESSAGE)
    values, errors = _read(request.form, deputy)
    if errors:
        return _page(deputy, values, errors, 422)
    old_code = deputy.code
    if not _save(deputy, values):
        return _page(deputy, values, {"code": "该编码刚被占用，请换一个"}, 409)
    audit("deputy_updated", f"deputy:{deputy.id}", code=deputy.code, old_code=old_code)
    db.session.commit()
    note = "；编码已更改，请重新打印代表二维码" if deputy.code != old_code else ""
    flash(f"已保存{deputy.name}代表的信息{note}", "success")
    return redirect(url_for("admin.deputy_edit", deputy_id=deputy.id))


@bp.post("/deputies/<int:deputy_id>/code")
def deputy_new_code(deputy_id: int):
    deputy = scope.deputy_or_404(deputy_id)
    if not may_manage(deputy):
        return _refused(SHARED_MESSAGE)
    old_code, deputy.code = deputy.code, fresh_code(Deputy)
    audit("deputy_updated", f"deputy:{deputy.id}", code=deputy.code, old_code=old_code)
    db.session.commit()
    scenes_changed()
    flash(f"已重新生成编码：{deputy.code}。旧二维码已失效，请重新打印", "success")
    return redirect(url_for("admin.deputy_edit", deputy_id=deputy.id))


def _invite_refusal(deputy: Deputy) -> str | None:
    if scope.is_admin():
        return None
    if not may_manage(deputy):
        return SHARED_MESSAGE
    if deputy.citizen_id is not None:
        return BOUND_MESSAGE
    return None


@bp.post("/deputies/<int:deputy_id>/invites")
def invite_create(deputy_id: int):
    deputy = scope.deputy_or_404(deputy_id)
    refusal = _invite_refusal(deputy)
    if refusal:
        return _refused(refusal)
    if not deputy.active:
        flash("该代表已停用，不能生成邀请码", "error")
        return redirect(url_for("admin.deputy_edit", deputy_id=deputy.id))
    invite = issue_invite(deputy, by_admin=scope.is_admin())
    audit("invite_created", f"deputy:{deputy.id}", invite_id=invite.id, rebind=scope.is_admin())
    db.session.commit()
    return redirect(url_for("admin.invite_show", invite_id=invite.id))


def _invite_or_404(invite_id: int) -> DeputyInvite:
    invite = db.session.get(DeputyInvite, invite_id)
    if invite is None:
        abort(404)
    scope.deputy_or_404(invite.deputy_id)
    return invite


def invite_problem(invite: DeputyInvite) -> str | None:
    """Why this code can no longer bind anyone, as the page says it; None while it can."""
    if invite.used_at is not None:
        who = "该代表本人" if invite.used_by_id == invite.deputy.citizen_id else "一个微信用户"
        return f"该邀请码已于 {local_text(invite.used_at)} 被{who}使用，不能再次使用。"
    if invite.expires_at <= utcnow():
        return "该邀请码已过期（或已被新生成的邀请码替代），不能再使用。"
    return None


@bp.get("/invites/<int:invite_id>")
def invite_show(invite_id: int):
    invite = _invite_or_404(invite_id)
    return render_template(
        "admin/invite.html", invite=invite, deputy=invite.deputy, problem=invite_problem(invite)
    )


@bp.get("/invites/<int:invite_id>/qr.png")
def invite_qr(invite_id: int):
    invite = _invite_or_404(invite_id)
    if invite_problem(invite):
        abort(404)
    image = qrcode.make(invite.code, box_size=12, border=4)
    out = io.BytesIO()
    image.save(out, format="PNG")
    out.seek(0)
    response = send_file(out, mimetype="image/png", max_age=0)
    response.headers["Cache-Control"] = "no-store"
    return response
