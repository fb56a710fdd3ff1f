"""Handling units on the dashboard: administrators keep the list (contacts, answer time,
integration keys); staff hand items to a unit from the item page (交办, also 分拣 of items
nobody could take or a unit returned); a unit's own accounts (role `unit_staff`) see only the
items handed to their unit, and sign, answer or return them here."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for

from server.admin import bp
from server.admin.auth import admin_only, requires
from server.admin.forms import parse_int, text
from server.models import RESULTS, TRANSFER_STATUSES, Transfer, Unit, UnitKey
from server.models.audit import audit
from server.notices import board
from server.platform.clock import utcnow
from server.platform.db import db
from server.platform.errors import ApiError
from server.routing import workdays
from server.routing.deadlines import transfer_stage
from server.routing.stages import colour
from server.units import keys, transfers

ANSWER_DAYS_MAX = 60
PER_PAGE = 50


# -- the list of units (administrators) ------------------------------------------------------


@bp.get("/units")
@admin_only
def unit_list():
    units = list(db.session.scalars(db.select(Unit).order_by(Unit.active.desc(), Unit.id)))
    counts = dict(
        db.session.execute(
            db.select(Transfer.unit_id, db.func.count())
            .where(Transfer.status.in_(("handed", "signed")))
            .group_by(Transfer.unit_id)
        ).all()
    )
    return render_template("admin/units.html", units=units, open_counts=counts)


def _read(form, unit: Unit | None) -> tuple[dict, dict]:
    errors: dict[str, str] = {}
    values = {
        "name": text(form, "name", "单位名称", 64, required=True, errors=errors),
        "contact_person": text(form, "contact_person", "联系人", 32, errors=errors),
        "contact_phone": text(form, "contact_phone", "联系电话", 32, errors=errors),
        "contact_email": text(form, "contact_email", "电子邮箱", 120, errors=errors),
        "answer_days": (form.get("answer_days") or "").strip(),
        "active": form.get("active") == "1",
    }
    days = parse_int(values["answer_days"])
    if days is None or not 1 <= days <= ANSWER_DAYS_MAX:
        errors["answer_days"] = f"答复时限应为 1 至 {ANSWER_DAYS_MAX} 个工作日"
    else:
        values["answer_days"] = days
    if values["contact_email"] and "@" not in values["contact_email"]:
        errors["contact_email"] = "电子邮箱格式不对"
    if "name" not in errors:
        taken = db.session.scalar(db.select(Unit.id).where(Unit.name == values["name"]))
        if taken and (unit is None or taken != unit.id):
            errors["name"] = f"已有名为“{values['name']}”的承办单位"
    return values, errors


def _form(unit: Unit | None, values: dict, errors: dict, status: int = 200, new_key=None):
    return render_template(
        "admin/unit_form.html",
        unit=unit,
        values=values,
        errors=errors,
        new_key=new_key,
        keys=list(unit.keys) if unit else [],
    ), status


FIELDS = ("name", "contact_person", "contact_phone", "contact_email", "answer_days", "active")


def _values(unit: Unit) -> dict:
    return {name: getattr(unit, name) for name in FIELDS}


def _apply(unit: Unit, values: dict) -> None:
    for name in ("name", "contact_person", "contact_phone", "contact_email", "answer_days"):
        setattr(unit, name, values[name])
    unit.active = values["active"]


@bp.route("/units/new", methods=["GET", "POST"])
@admin_only
def unit_new():
    if request.method == "GET":
        return _form(None, {"answer_days": 7, "active": True}, {})
    values, errors = _read(request.form, None)
    if errors:
        return _form(None, values, errors, 422)
    unit = Unit()
    _apply(unit, values)
    db.session.add(unit)
    db.session.flush()
    audit("unit_created", f"unit:{unit.id}", name=unit.name)
    db.session.commit()
    flash(f"已新建承办单位 {unit.name}", "success")
    return redirect(url_for("admin.unit_edit", unit_id=unit.id))


def _unit_or_404(unit_id: int) -> Unit:
    unit = db.session.get(Unit, unit_id)
    if unit is None:
        abort(404)
    return unit


@bp.route("/units/<int:unit_id>", methods=["GET", "POST"])
@admin_only
def unit_edit(unit_id: int):
    unit = _unit_or_404(unit_id)
    if request.method == "GET":
        values = _values(unit)
        return _form(unit, values, {})
    values, errors = _read(request.form, unit)
    if errors:
        return _form(unit, values, errors, 422)
    _apply(unit, values)
    audit("unit_updated", f"unit:{unit.id}", name=unit.name, answer_days=unit.answer_days)
    db.session.commit()
    flash(f"已保存承办单位 {unit.name}", "success")
    return redirect(url_for("admin.unit_edit", unit_id=unit.id))


@bp.post("/units/<int:unit_id>/keys")
@admin_only
def unit_key_issue(unit_id: int):
    """A new integration key, shown on this one answer only (never in a flash: that cookie is
    readable by whoever holds it)."""
    unit = _unit_or_404(unit_id)
    errors: dict[str, str] = {}
    label = text(request.form, "label", "密钥用途", 64, required=True, errors=errors)
    values = _values(unit)
    if errors:
        return _form(unit, values, errors, 422)
    row, plain = keys.issue_key(unit, label)
    audit("unit_key_issued", f"unit:{unit.id}", key_id=row.id, label=label)
    db.session.commit()
    return _form(unit, values, {}, 200, new_key=plain)


@bp.post("/units/<int:unit_id>/keys/<int:key_id>/revoke")
@admin_only
def unit_key_revoke(unit_id: int, key_id: int):
    unit = _unit_or_404(unit_id)
    row = db.session.get(UnitKey, key_id)
    if row is None or row.unit_id != unit.id:
        abort(404)
    keys.revoke_key(row)
    audit("unit_key_revoked", f"unit:{unit.id}", key_id=row.id, label=row.label)
    db.session.commit()
    flash(f"已停用密钥“{row.label}”，使用它的系统将无法再访问", "success")
    return redirect(url_for("admin.unit_edit", unit_id=unit.id))


# -- a unit's own inbox (unit_staff) ---------------------------------------------------------


def _unit_staff_only() -> int:
    if g.staff is None or g.staff.role != "unit_staff" or g.staff.unit_id is None:
        abort(403)
    return g.staff.unit_id


@bp.get("/unit/")
@requires("unit")
def unit_inbox():
    unit_id = _unit_staff_only()
    status = request.args.get("status") or ""
    query = db.select(Transfer).where(Transfer.unit_id == unit_id)
    if status in TRANSFER_STATUSES:
        query = query.where(Transfer.status == status)
    else:  # a withdrawn item (refused, merged, closed by the station) is no longer its work
        query = query.where(Transfer.status != "withdrawn")
    rows = list(db.session.scalars(query.order_by(Transfer.id.desc()).limit(PER_PAGE)))
    return render_template(
        "admin/unit_inbox.html",
        rows=rows,
        status=status,
        # The escalation chain's reminders and 督办 for this unit (server/notices/board.py).
        notices=board.for_unit(unit_id, limit=10),
        colour_of=_colour_of,
        stage_of=_stage_of,
        TRANSFER_STATUSES=TRANSFER_STATUSES,
    )


def _own(transfer_id: int) -> Transfer:
    unit_id = _unit_staff_only()
    row = db.session.get(Transfer, transfer_id)
    if row is None or row.unit_id != unit_id:
        abort(404)  # another unit's: as if it did not exist
    return row


def _transfer_page(row: Transfer, errors=None, values=None, status: int = 200):
    return render_template(
        "admin/unit_transfer.html",
        t=row,
        m=row.message,
        stage=_stage_of(row),
        errors=errors or {},
        values=values or {},
        RESULTS=RESULTS,
    ), status


@bp.get("/unit/transfers/<int:transfer_id>")
@requires("unit")
def unit_transfer(transfer_id: int):
    return _transfer_page(_own(transfer_id))


def _act(row: Transfer, action: str, done: str, **kwargs):
    by = g.staff.display_name or g.staff.username
    try:
        if action == "sign":
            transfers.sign(row, by=by)
        elif action == "answer":
            transfers.answer(row, kwargs["content"], kwargs["result"], by=by)
        else:
            transfers.return_(row, kwargs["reason"], by=by)
    except ApiError as exc:
        db.session.rollback()
        return _transfer_page(db.session.get(Transfer, row.id), {action: exc.message},
                              request.form, exc.status)  # fmt: skip
    audit(f"unit_{'returned' if action == 'return' else action + 'ed'}", f"transfer:{row.id}",
          message_id=row.message_id)  # fmt: skip
    db.session.commit()
    flash(done, "success")
    return redirect(url_for("admin.unit_transfer", transfer_id=row.id))


@bp.post("/unit/transfers/<int:transfer_id>/sign")
@requires("unit")
def unit_sign(transfer_id: int):
    return _act(_own(transfer_id), "sign", "已签收")


@bp.post("/unit/transfers/<int:transfer_id>/answer")
@requires("unit")
def unit_answer(transfer_id: int):
    row = _own(transfer_id)
    errors: dict[str, str] = {}
    content = text(request.form, "content", "答复内容", 2000, required=True, errors=errors)
    result = request.form.get("result") or ""
    if result not in RESULTS:
        errors["result"] = "请选择办理结果"
    if errors:
        return _transfer_page(row, errors, request.form, 422)
    return _act(row, "answer", "答复已提交，群众和代表会收到通知", content=content, result=result)


@bp.post("/unit/transfers/<int:transfer_id>/return")
@requires("unit")
def unit_return(transfer_id: int):
    row = _own(transfer_id)
    errors: dict[str, str] = {}
    reason = text(request.form, "reason", "退回理由", 500, required=True, errors=errors)
    if errors:
        return _transfer_page(row, errors, request.form, 422)
    return _act(row, "return", "已退回联络站", reason=reason)


def _stage_of(row: Transfer) -> tuple[str | None, object]:
    """The open stage's name and deadline of a transfer (server/routing/stages.py)."""
    if not row.open:
        return None, None
    stage, due = transfer_stage(row)
    return (stage.name if stage is not None else None), due


def _colour_of(due) -> str | None:
    """三色 of a transfer's open stage (server/routing/stages.py: colour)."""
    return colour(due, utcnow(), workdays.current())
