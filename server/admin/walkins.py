"""接待登记: a clerk types what a visitor said at the station; every channel lands in one ledger."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from flask import current_app, flash, g, redirect, render_template, request, url_for

from server.admin import actions, bp, scope
from server.admin.forms import MIN_DATE, parse_id, parse_int, text
from server.intake import web
from server.models import Category, Message, WalkIn
from server.platform.clock import LOCAL, utcnow
from server.platform.db import db

PHONE = re.compile(r"^[0-9+\- ]{5,20}$")


def _form_page(values: dict, errors: dict, status: int = 200):
    station_id = parse_int(values.get("station_id"))
    stations = scope.visible_stations(active_only=True)
    return render_template(
        "admin/walkin_form.html",
        values=values,
        errors=errors,
        stations=stations,
        deputies=scope.visible_deputies(active_only=True),
        categories=list(
            db.session.scalars(
                db.select(Category).where(Category.active.is_(True)).order_by(Category.sort_order)
            )
        ),
        station_id=station_id or (stations[0].id if len(stations) == 1 else None),
        now_local=utcnow().astimezone(LOCAL).strftime("%Y-%m-%dT%H:%M"),
    ), status


@bp.get("/walk-ins")
def walkin_list():
    query = scope.scope_messages(
        db.select(Message, WalkIn)
        .join(WalkIn, WalkIn.message_id == Message.id)
        .order_by(WalkIn.visited_at.desc(), Message.id.desc())
        .limit(50)
    )
    return render_template("admin/walkins.html", rows=db.session.execute(query).all())


@bp.get("/walk-ins/new")
def walkin_new():
    return _form_page({}, {})


def _visited_at(value: str, errors: dict) -> datetime:
    if not value:
        return utcnow()
    try:
        local = datetime.fromisoformat(value).replace(tzinfo=LOCAL)
    except ValueError:
        errors["visited_at"] = "接待时间格式有误"
        return utcnow()
    # Checked before any comparison: year 1 cannot even be converted to UTC (a 500).
    if local.date() < MIN_DATE:
        errors["visited_at"] = f"接待时间不能早于 {MIN_DATE.year} 年"
        return utcnow()
    if local > utcnow() + timedelta(minutes=5):
        errors["visited_at"] = "接待时间不能晚于现在"
    return local


@bp.post("/walk-ins/new")
def walkin_create():
    form = request.form
    errors: dict[str, str] = {}
    station_id = parse_int(form.get("station_id"))
    if station_id is None:
        errors["station_id"] = "请选择联络站"
    else:
        scope.station_or_404(station_id)
    category_id = parse_int(form.get("category_id"))
    category = db.session.get(Category, category_id) if category_id else None
    if category is None:
        errors["category_id"] = "请选择类别"
    limit = current_app.config["CONTENT_MAX_CHARS"]
    content = text(form, "content", "反映内容", limit, required=True, errors=errors)
    name = text(form, "visitor_name", "来访人姓名", 50, errors=errors)
    phone = text(form, "visitor_phone", "联系电话", 20, errors=errors)
    if phone and not PHONE.match(phone):
        errors["visitor_phone"] = "联系电话只能包含数字，例如 13812345678"
    count_text = (form.get("visitor_count") or "").strip()
    count = parse_int(count_text) if count_text else 1
    if not count or count > 999:
        errors["visitor_count"] = "来访人数应为 1 到 999"
    received_by, error = parse_id(form.get("received_by_id"))
    if error:
        errors["received_by_id"] = f"接待代表：{error}"
    elif received_by is not None:
        scope.deputy_or_404(received_by)
    address = text(form, "address", "问题地点", 200, errors=errors)
    on_spot = form.get("on_spot") == "1"
    answer = text(form, "answer", "当场答复内容", 1000, required=on_spot, errors=errors)
    visited_at = _visited_at((form.get("visited_at") or "").strip(), errors)
    if errors:
        return _form_page(form, errors, 422)
    visit = actions.Visit(
        station_id=station_id,
        category_id=category.id,
        content=content,
        visitor_name=name,
        visitor_phone=phone,
        visitor_count=count,
        received_by_id=received_by,
        visited_at=visited_at,
        address=address,
        answer=answer if on_spot else "",
    )
    # The visitor's slip carries the same secret follow link as the web form's answer page.
    token, digest = web.new_follow_token()
    message = actions.create_walk_in(visit, g.staff, follow_token_hash=digest)
    flash(web.follow_url(token), "slip")
    if message.status == "received":
        flash(f"来访登记已保存（编号 {message.tracking_no}），正在交办代表", "success")
    else:
        flash(f"来访登记已保存（编号 {message.tracking_no}），已当场答复办结", "success")
    return redirect(url_for("admin.item", message_id=message.id))


@bp.get("/walk-ins/callbacks")
def walkin_callbacks():
    """回访 call-back list: walk-in visitors asked 「问题解决了吗？」 who have not answered yet
    (they have no WeChat with us: staff phone them and record the answer)."""
    query = scope.scope_messages(
        db.select(Message, WalkIn)
        .join(WalkIn, WalkIn.message_id == Message.id)
        .where(
            Message.status == "closed",
            Message.revisit_asked_at.is_not(None),
            Message.revisit_answered_at.is_(None),
        )
        .order_by(Message.revisit_asked_at, Message.id)
        .limit(200)
    )
    return render_template("admin/callbacks.html", rows=db.session.execute(query).all())


@bp.post("/items/<int:message_id>/revisit")
def revisit_record(message_id: int):
    """Staff record what a walk-in visitor said on the call-back."""
    message = scope.message_or_404(message_id)
    solved = request.form.get("solved")
    back = url_for("admin.item", message_id=message.id)
    if solved not in ("0", "1"):
        flash("请选择“解决了”或“没解决”", "error")
        return redirect(back)
    try:
        actions.record_revisit(message, g.staff, solved == "1")
    except actions.ActionError as exc:
        flash(str(exc), "error")
        return redirect(back)
    flash("已记录回访结果" + ("" if solved == "1" else "，事项已重新交回办理"), "success")
    return redirect(back)
