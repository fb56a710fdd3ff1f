"""The registers (台账) as .xlsx: 意见建议登记簿 (every item) and 接待登记簿 (walk-in visits),
for a date range and station with the same filters as the item list."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

from flask import abort, current_app, render_template, request, send_file
from sqlalchemy.orm import joinedload, selectinload

from server.admin import bp, filters, scope
from server.admin.filters import ItemFilter
from server.admin.items import filter_choices
from server.admin.present import mask_name
from server.admin.xlsx import DATETIME_FORMAT, HOURS_FORMAT, Column, excel_time, workbook
from server.models import (
    CHANNEL_LABELS,
    RATING_LABELS,
    Assignment,
    Event,
    Message,
    Station,
    WalkIn,
)
from server.models.audit import audit
from server.platform.clock import local_text, local_today
from server.platform.crypto import decrypt_phone, mask_phone
from server.platform.db import db


@dataclass(frozen=True)
class Field:
    """One register column and how a row's cell is read: value(message, context)."""

    column: Column
    value: Callable[[Message, Context], object]


@dataclass
class Context:
    """What the rows need beyond the messages, each read once for the whole export."""

    walk_ins: dict[int, WalkIn]
    reasons: dict[int, str]
    supervised: dict[int, int]  # 督办次数 per message


# 意见建议登记簿, as data: a column is one row here. The unit columns (承办单位, 交办时间, 签收,
# 答复) join as rows once units exist.
SUGGESTION_FIELDS: tuple[Field, ...] = (
    Field(Column("编号", 16), lambda m, c: m.tracking_no),
    Field(
        Column("收到时间", 17, number_format=DATETIME_FORMAT), lambda m, c: excel_time(m.created_at)
    ),
    Field(Column("渠道", 10), lambda m, c: CHANNEL_LABELS.get(m.channel, m.channel)),
    Field(
        Column("联络站", 22, wrap=True), lambda m, c: m.station.name if m.station else "代表直通"
    ),
    Field(Column("反映人", 18, wrap=True), lambda m, c: _reporter(m, c.walk_ins.get(m.id))),
    Field(Column("类别", 10), lambda m, c: m.category.name),
    Field(Column("内容", 50, wrap=True), lambda m, c: m.content),
    Field(Column("承办代表", 10), lambda m, c: _deputy(m)),
    Field(Column("办理情况", 40, wrap=True), lambda m, c: handling(m, c.reasons)),
    Field(
        Column("答复时间", 17, number_format=DATETIME_FORMAT),
        lambda m, c: excel_time(m.first_replied_at),
    ),
    Field(Column("用时", 10, number_format=HOURS_FORMAT), lambda m, c: _hours(m)),
    Field(Column("是否超期", 8), lambda m, c: "是" if m.overdue_at is not None else "否"),
    Field(Column("督办次数", 8), lambda m, c: c.supervised.get(m.id, 0)),
    Field(Column("满意度", 10), lambda m, c: RATING_LABELS.get(m.rating, "")),
    Field(Column("回访", 10), lambda m, c: _revisit(m)),
)
SUGGESTION_COLUMNS = [f.column for f in SUGGESTION_FIELDS]
VISIT_COLUMNS = [
    Column("编号", 16),
    Column("接待时间", 17, number_format=DATETIME_FORMAT),
    Column("联络站", 22, wrap=True),
    Column("来访人", 10),
    Column("联系电话", 15),
    Column("人数", 6),
    Column("接待代表", 10),
    Column("登记人", 10),
    Column("类别", 10),
    Column("反映内容", 50, wrap=True),
    Column("办理情况", 40, wrap=True),
    Column("答复时间", 17, number_format=DATETIME_FORMAT),
    Column("满意度", 10),
]
KINDS = {"suggestions": "意见建议登记簿", "visits": "接待登记簿"}


def _query(item_filter: ItemFilter, walk_ins_only: bool):
    query = item_filter.query()
    return query.where(Message.channel == "walk_in") if walk_ins_only else query


def _load(query) -> list[Message]:
    query = query.options(
        joinedload(Message.station),
        joinedload(Message.category),
        selectinload(Message.assignments).joinedload(Assignment.deputy),
        selectinload(Message.replies),
        selectinload(Message.ratings),
    )
    return list(db.session.scalars(query.order_by(Message.created_at, Message.id)).unique())


def _reasons(messages: list[Message]) -> dict[int, str]:
    ids = [m.id for m in messages if m.status == "rejected"]
    if not ids:
        return {}
    events = db.session.scalars(
        db.select(Event).where(Event.kind.in_(("rejected", "merged")), Event.message_id.in_(ids))
    )
    out = {}
    for event in events:
        data = event.data or {}
        where = f"；建议：{data['where']}" if data.get("where") else ""
        if event.kind == "merged":
            where = f"，并入 {data.get('into') or ''}"
        out[event.message_id] = (data.get("reason") or "") + where
    return out


def handling(message: Message, reasons: dict[int, str]) -> str:
    """办理情况: the status, then every answer with its date and the citizen's rating of that
    answer (a second answer after 不满意 is judged on its own), or the reason for refusing."""
    text = message.status_label
    if message.status == "rejected" and reasons.get(message.id):
        return f"{text}：{reasons[message.id]}"
    ratings = {r.reply_id: r for r in message.ratings}
    parts = []
    for number, answer in enumerate(message.answers):
        label = "答复" if number == 0 else f"第{number + 1}次答复"
        part = f"{label}（{local_text(answer.created_at, '%m-%d')}）：{answer.content[:300]}"
        rating = ratings.get(answer.id)
        if rating is not None:
            comment = f"，{rating.comment}" if rating.comment else ""
            part += f"〔群众评价：{rating.label}{comment}〕"
        parts.append(part)
    return "。".join([text, *parts]) if parts else text


def _deputy(message: Message) -> str:
    current = message.active_assignment
    return current.deputy.name if current else ""


def _hours(message: Message) -> float | None:
    if message.first_replied_at is None:
        return None
    return round((message.first_replied_at - message.created_at).total_seconds() / 3600, 1)


def _reporter(message: Message, walk_in: WalkIn | None) -> str:
    phone = mask_phone(decrypt_phone(message.contact_phone_enc))
    if message.anonymous:
        return "匿名"
    name = mask_name(walk_in.visitor_name) if walk_in else ""
    return " ".join(p for p in (name, phone) if p) or ("来访群众" if walk_in else "微信用户")


def _revisit(message: Message) -> str:
    if message.revisit_answered_at is not None:
        return "已解决" if message.revisit_solved else "未解决"
    return "待回访答复" if message.revisit_asked_at is not None else ""


def _supervised(messages: list[Message]) -> dict[int, int]:
    """督办次数 per message, counted by the database (Event rows `supervised`)."""
    ids = [m.id for m in messages]
    counts: dict[int, int] = {}
    for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500)):
        rows = db.session.execute(
            db.select(Event.message_id, db.func.count())
            .where(Event.kind == "supervised", Event.message_id.in_(chunk))
            .group_by(Event.message_id)
        )
        counts.update({message_id: n for message_id, n in rows})
    return counts


def suggestion_rows(messages: list[Message], walk_ins: dict[int, WalkIn]) -> list[list]:
    context = Context(walk_ins, _reasons(messages), _supervised(messages))
    return [[f.value(m, context) for f in SUGGESTION_FIELDS] for m in messages]


def visit_rows(messages: list[Message], walk_ins: dict[int, WalkIn]) -> list[list]:
    reasons = _reasons(messages)
    rows = []
    for m in messages:
        visit = walk_ins[m.id]
        rows.append(
            [
                m.tracking_no,
                excel_time(visit.visited_at),
                m.station.name if m.station else "",
                mask_name(visit.visitor_name) or "来访群众",
                mask_phone(decrypt_phone(m.contact_phone_enc)),
                visit.visitor_count,
                visit.received_by.name if visit.received_by else "",
                (visit.staff.display_name or visit.staff.username) if visit.staff else "",
                m.category.name,
                m.content,
                handling(m, reasons),
                excel_time(m.first_replied_at),
                RATING_LABELS.get(m.rating, ""),
            ]
        )
    return rows


def _default_range(args) -> dict:
    """This month, unless the form says otherwise."""
    values = dict(args.items())
    if not values.get("date_from") and not values.get("date_to"):
        today = local_today()
        values["date_from"] = today.replace(day=1).isoformat()
        values["date_to"] = today.isoformat()
    return values


@bp.get("/registers")
def register_page():
    item_filter = ItemFilter.from_args(_default_range(request.args))
    return render_template("admin/registers.html", f=item_filter, **filter_choices(item_filter))


def _title(kind: str, item_filter: ItemFilter) -> str:
    station = db.session.get(Station, item_filter.station_id) if item_filter.station_id else None
    where = station.name if station else ("全部联络站" if scope.is_admin() else "本人负责的联络站")
    start = item_filter.date_from.isoformat() if item_filter.date_from else "最早"
    end = item_filter.date_to.isoformat() if item_filter.date_to else "今天"
    return f"{KINDS[kind]}（{where}，{start} 至 {end}）"


@bp.get("/registers/<kind>.xlsx")
def register_export(kind: str):
    if kind not in KINDS:
        abort(404)
    item_filter = ItemFilter.from_args(request.args)
    if item_filter.errors:
        page = render_template("admin/registers.html", f=item_filter, **filter_choices(item_filter))
        return page, 422
    query = _query(item_filter, walk_ins_only=kind == "visits")
    total = filters.count(query)
    limit = current_app.config["REGISTER_MAX_ROWS"]
    if total > limit:
        too_many = (
            f"所选范围共有 {total:,} 条，超过一次导出的上限 {limit:,} 条。"
            "请缩短日期范围，或选择一个联络站后分别导出。"
        )
        page = render_template(
            "admin/registers.html", f=item_filter, too_many=too_many, **filter_choices(item_filter)
        )
        return page, 422
    messages = _load(query)
    ids = [m.id for m in messages]
    walk_ins = {}
    for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500)):
        walk_ins.update(
            {
                w.message_id: w
                for w in db.session.scalars(
                    db.select(WalkIn)
                    .options(joinedload(WalkIn.received_by), joinedload(WalkIn.staff))
                    .where(WalkIn.message_id.in_(chunk))
                )
            }
        )
    if kind == "visits":
        data = workbook(
            "接待登记簿", _title(kind, item_filter), VISIT_COLUMNS, visit_rows(messages, walk_ins)
        )
    else:
        rows = suggestion_rows(messages, walk_ins)
        data = workbook("意见建议登记簿", _title(kind, item_filter), SUGGESTION_COLUMNS, rows)
    audit("register_exported", kind, rows=len(messages), **item_filter.args())
    db.session.commit()
    start = item_filter.date_from.isoformat() if item_filter.date_from else "最早"
    name = f"{KINDS[kind]}-{start}-{(item_filter.date_to or local_today()).isoformat()}"
    return send_file(
        io.BytesIO(data),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        as_attachment=True,
        download_name=f"{name}.xlsx",
    )
