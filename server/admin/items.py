"""Items: the filtered list, one item's whole record, and what staff do to it."""

from __future__ import annotations

from flask import current_app, flash, g, redirect, render_template, request, url_for
from sqlalchemy.orm import joinedload, selectinload

from server.admin import actions, bp, filters, scope, timeline
from server.admin.auth import requires
from server.admin.filters import ItemFilter
from server.admin.forms import parse_id, parse_ids, parse_int, text
from server.models import (
    Assignment,
    Category,
    Deputy,
    Event,
    Message,
    Notification,
    Station,
    StationMember,
    Unit,
    WalkIn,
)
from server.models.audit import audit
from server.notices.outbox import reached_by
from server.platform.crypto import decrypt_phone, mask_phone
from server.platform.db import db
from server.platform.errors import ApiError
from server.publish.service import PUBLISHABLE_ITEM_STATUSES, publication_of
from server.units import transfers
from server.units.progress import latest_transfer

PER_PAGE = 20
# A keyword search counts its matches this far: past it the page says 超过 1000 件 (checking
# every match of a common word in a province's quarter costs ~0.3 s; the newest page, ~10 ms).
SEARCH_COUNT_CAP = 1000
# A province has ten thousand deputies: a list that long is no use to anyone (and weighs half a
# megabyte), so beyond this many the deputy list waits for a station to be chosen.
DEPUTY_CHOICES = 300


def filter_choices(item_filter: ItemFilter | None = None) -> dict:
    deputies = scope.deputy_query().order_by(Deputy.active.desc(), Deputy.name, Deputy.id)
    station_id = item_filter.station_id if item_filter else None
    if station_id is not None:
        members = db.select(StationMember.deputy_id).where(StationMember.station_id == station_id)
        deputies = deputies.where(Deputy.id.in_(members))
    many = db.session.scalar(
        db.select(db.func.count()).select_from(deputies.limit(DEPUTY_CHOICES + 1).subquery())
    )
    if many > DEPUTY_CHOICES:
        chosen = item_filter.deputy_id if item_filter else None
        deputies = deputies.where(Deputy.id == chosen)
    return {
        # id, name and active only: a province's three thousand stations as ORM objects cost
        # more than the rest of the page.
        "stations": db.session.execute(
            scope.station_query().with_only_columns(Station.id, Station.name, Station.active)
        ).all(),
        "deputies": list(db.session.scalars(deputies)),
        "deputies_need_station": many > DEPUTY_CHOICES,
        "categories": list(db.session.scalars(db.select(Category).order_by(Category.sort_order))),
        "STATUS_GROUPS": filters.STATUS_GROUPS,
        "NOTICE_CHOICES": filters.NOTICE_CHOICES,
    }


@bp.get("/items")
def item_list():
    item_filter = ItemFilter.from_args(request.args)
    page = max(1, parse_int(request.args.get("page"), 1))
    messages, total, more = [], 0, False
    if not item_filter.errors:
        query = item_filter.query()
        # A keyword's count stops past SEARCH_COUNT_CAP ("超过 1000 件"); the rest count exactly.
        total = filters.count(query, cap=SEARCH_COUNT_CAP if item_filter.q else None)
        more = bool(item_filter.q) and total > SEARCH_COUNT_CAP
        total = min(total, SEARCH_COUNT_CAP) if more else total
        messages = list(
            db.session.scalars(
                query.options(
                    joinedload(Message.station),
                    joinedload(Message.category),
                    selectinload(Message.assignments).joinedload(Assignment.deputy),
                )
                .order_by(Message.created_at.desc(), Message.id.desc())
                .limit(PER_PAGE)
                .offset((page - 1) * PER_PAGE)
            )
        )
    return render_template(
        "admin/items.html",
        f=item_filter,
        messages=messages,
        total=total,
        more=more,
        page=page,
        pages=max(1, -(-total // PER_PAGE)),
        masked_phone=lambda m: mask_phone(decrypt_phone(m.contact_phone_enc)),
        **filter_choices(item_filter),
    ), (422 if item_filter.errors else 200)


def _item_page(message: Message, errors=None, values=None, phone=None, status: int = 200):
    notices = list(
        db.session.scalars(
            db.select(Notification)
            .where(Notification.message_id == message.id)
            .order_by(Notification.id)
        )
    )
    deputies = {d.id: d for d in scope.visible_deputies(active_only=True)}
    notice_deputies = {
        d.id: d
        for d in db.session.scalars(
            db.select(Deputy).where(Deputy.id.in_([n.deputy_id for n in notices if n.deputy_id]))
        )
    }
    walk_in = db.session.scalar(db.select(WalkIn).where(WalkIn.message_id == message.id))
    supervised_count = db.session.scalar(
        db.select(db.func.count(Event.id)).where(
            Event.message_id == message.id, Event.kind == "supervised"
        )
    )
    merged = list(
        db.session.scalars(
            db.select(Message).where(Message.merged_into_id == message.id).order_by(Message.id)
        )
    )
    return render_template(
        "admin/item.html",
        m=message,
        supervised_count=supervised_count,
        merged=merged,
        walk_in=walk_in,
        timeline=timeline.timeline(message),
        flags=timeline.flags(message),
        notices=notices,
        notice_deputies=notice_deputies,
        deputies=list(deputies.values()),
        masked_phone=mask_phone(decrypt_phone(message.contact_phone_enc)),
        reachable=reached_by(message.citizen_id),
        phone=phone,
        errors=errors or {},
        values=values or {},
        units=list(
            db.session.scalars(db.select(Unit).where(Unit.active.is_(True)).order_by(Unit.id))
        ),
        transfer=latest_transfer(message.id),
        publication=publication_of("item", message.id),
        may_publish=scope.may("publish"),
        publishable=message.status in PUBLISHABLE_ITEM_STATUSES and bool(message.answers),
    ), status


@bp.get("/items/<int:message_id>")
def item(message_id: int):
    message = scope.message_or_404(message_id)
    # The page shows what a citizen wrote, where, and their photos: every look is on record.
    audit("item_viewed", f"message:{message.id}", photos=len(message.photos))
    db.session.commit()
    return _item_page(message)


def _done(message: Message, text_: str):
    flash(text_, "success")
    return redirect(url_for("admin.item", message_id=message.id))


@bp.post("/items/<int:message_id>/reassign")
def item_reassign(message_id: int):
    message = scope.message_or_404(message_id)
    deputy_id = parse_int(request.form.get("deputy_id"))
    note = (request.form.get("note") or "").strip()[:200]
    deputy = db.session.get(Deputy, deputy_id) if deputy_id else None
    if deputy is None or deputy.id not in {d.id for d in scope.visible_deputies()}:
        return _item_page(message, {"deputy_id": "请选择要改派的代表"}, request.form, status=422)
    try:
        notice = actions.reassign(message, deputy, g.staff, note)
    except actions.ActionError as exc:
        return _item_page(message, {"deputy_id": str(exc)}, request.form, status=409)
    return _done(message, f"已改派给{deputy.name}代表" + notice_outcome(notice, "该代表"))


@bp.post("/items/<int:message_id>/reject")
def item_reject(message_id: int):
    message = scope.message_or_404(message_id)
    errors: dict[str, str] = {}
    reason = text(request.form, "reason", "不予受理的理由", 200, required=True, errors=errors)
    where = text(request.form, "where", "建议去向", 200, errors=errors)
    if errors:
        return _item_page(message, errors, request.form, status=422)
    try:
        notice = actions.reject(message, g.staff, reason, where)
    except actions.ActionError as exc:
        return _item_page(message, {"reason": str(exc)}, request.form, status=409)
    return _done(message, "已标记为不予受理" + notice_outcome(notice, "群众"))


@bp.post("/items/<int:message_id>/supervise")
@requires("supervise")
def item_supervise(message_id: int):
    """督办 (station staff, administrators and the 代表工委)."""
    message = scope.message_or_404(message_id)
    errors: dict[str, str] = {}
    note = text(request.form, "supervise_note", "督办意见", 200, required=True, errors=errors)
    if errors:
        return _item_page(message, errors, request.form, status=422)
    try:
        notice = actions.supervise(message, g.staff, note)
    except actions.ActionError as exc:
        return _item_page(message, {"supervise_note": str(exc)}, request.form, status=409)
    who = "该代表" if notice is not None else "联络站"
    return _done(message, "已督办" + (notice_outcome(notice, who) if notice else "，已提醒联络站"))


@bp.post("/items/<int:message_id>/merge")
def item_merge(message_id: int):
    """A duplicate joins an earlier item, named by its tracking number."""
    message = scope.message_or_404(message_id)
    errors: dict[str, str] = {}
    number = text(request.form, "into", "较早反映的编号", 20, required=True, errors=errors)
    earlier = None
    if not errors:
        earlier = db.session.scalar(
            scope.scope_messages(db.select(Message).where(Message.tracking_no == number))
        )
        if earlier is None:
            errors["into"] = "找不到这个编号的反映（只能合并到本站可见的反映）"
    if errors:
        return _item_page(message, errors, request.form, status=422)
    try:
        notice = actions.merge(message, earlier, g.staff)
    except actions.ActionError as exc:
        return _item_page(message, {"into": str(exc)}, request.form, status=409)
    return _done(message, "已作为重复反映合并到较早的反映" + notice_outcome(notice, "群众"))


@bp.post("/items/<int:message_id>/close")
def item_close(message_id: int):
    message = scope.message_or_404(message_id)
    note = (request.form.get("note") or "").strip()[:200]
    try:
        actions.close(message, g.staff, note)
    except actions.ActionError as exc:
        return _item_page(message, {"note": str(exc)}, request.form, status=409)
    return _done(message, "已办结")


@bp.post("/items/<int:message_id>/reply")
def item_reply(message_id: int):
    message = scope.message_or_404(message_id)
    errors: dict[str, str] = {}
    content = text(request.form, "content", "答复内容", 1000, required=True, errors=errors)
    if errors:
        return _item_page(message, errors, request.form, status=422)
    try:
        notice = actions.staff_reply(message, g.staff, content)
    except actions.ActionError as exc:
        return _item_page(message, {"content": str(exc)}, request.form, status=409)
    return _done(message, "答复已保存" + notice_outcome(notice, "群众"))


def notice_outcome(notice: Notification | None, who: str) -> str:
    """What will really happen to the notice an action wrote, in the clerk's words."""
    if notice is None or notice.status == "no_recipient":
        if who == "群众":
            return "；该事项没有可通知的微信用户（来访登记请电话告知）"
        return f"；{who}尚未绑定微信，无法发送通知"
    if notice.status == "no_consent":
        return f"；{who}没有剩余的微信订阅次数，不会收到微信通知，可在小程序中查看"
    return f"，将通过微信通知{who}"


@bp.post("/items/<int:message_id>/transfer")
def item_transfer(message_id: int):
    """交办 (or 分拣 from triage): hand the item to a unit, with 协办 units and a 重点督办 time."""
    message = scope.message_or_404(message_id)
    errors: dict[str, str] = {}
    note = text(request.form, "note", "交办说明", 500, errors=errors)
    unit_id, error = parse_id(request.form.get("unit_id"))
    if error or unit_id is None:
        errors["unit_id"] = "请选择承办单位"
    co_ids, error = parse_ids(request.form.getlist("co_unit_ids"))
    if error:
        errors["co_unit_ids"] = error
    priority = request.form.get("priority") == "1"
    days = None
    if priority and (request.form.get("priority_days") or "").strip():
        days = parse_int(request.form.get("priority_days"))
        if days is None:
            errors["priority_days"] = "办理时限应为工作日天数，例如 3"
    if errors:
        return _item_page(message, errors, request.form, status=422)
    try:
        row, notice = transfers.transfer(
            message, unit_id, note, "staff", g.staff.id, co_unit_ids=co_ids, priority=priority,
            priority_days=days, by=g.staff.display_name or g.staff.username,
        )  # fmt: skip
    except ApiError as exc:
        db.session.rollback()
        field = next(iter(exc.fields or {}), "unit_id")
        return _item_page(message, {field: exc.fields[field] if exc.fields else exc.message},
                          request.form, status=exc.status)  # fmt: skip
    audit("item_transferred", f"message:{message.id}", unit=row.unit.name, transfer_id=row.id)
    db.session.commit()
    flash(f"已转交{row.unit.name}办理" + notice_outcome(notice, "群众"), "success")
    return redirect(url_for("admin.item", message_id=message.id))


@bp.post("/items/<int:message_id>/phone")
def item_phone(message_id: int):
    message = scope.message_or_404(message_id)
    return _item_page(message, phone=actions.reveal_phone(message, g.staff))


@bp.post("/notices/<int:notice_id>/retry")
def notice_retry(notice_id: int):
    notice = db.session.get(Notification, notice_id)
    message = scope.message_or_404(notice.message_id) if notice and notice.message_id else None
    if message is None:
        if notice is None or not scope.is_admin():
            return render_template("admin/error.html", code=404), 404
    back = request.form.get("next") or (
        url_for("admin.item", message_id=message.id) if message else url_for("admin.queue")
    )
    if not back.startswith("/admin"):
        back = url_for("admin.overview")
    try:
        actions.retry_notice(notice, g.staff)
    except actions.ActionError as exc:
        flash(str(exc), "error")
        return redirect(back)
    flash("已重新发送通知", "success")
    current_app.logger.info("notice %s retried by staff %s", notice.id, g.staff.id)
    return redirect(back)
