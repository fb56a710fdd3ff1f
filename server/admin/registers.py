"""The registers (台账) as .xlsx: 意见建议登记簿 (every item) and 接待登记簿 (walk-in visits),
for a date range and station with the same filters as the item list."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

from flask import abort, current_app, g, redirect, render_template, request, send_file, url_for
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
    RegisterExport,
    Station,
    Transfer,
    WalkIn,
)
from server.models.audit import audit
from server.platform.clock import local_text, local_today
from server.platform.crypto import decrypt_phone, mask_phone
from server.platform.db import db
from server.platform.queue import after_commit, enqueue_export


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
    transfers: dict[int, Transfer]  # the latest transfer (交办) per message


def _handed(c: Context, m: Message) -> Transfer | None:
    return c.transfers.get(m.id)


def _when(value) -> object:
    return excel_time(value) if value is not None else ""


# 意见建议登记簿, as data: a column is one row here (the unit columns 承办单位, 交办时间, 签收,
# 答复 read the item's latest transfer).
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
    Field(
        Column("承办单位", 16, wrap=True),
        lambda m, c: t.unit.name if (t := _handed(c, m)) is not None else "",
    ),
    Field(
        Column("交办时间", 17, number_format=DATETIME_FORMAT),
        lambda m, c: _when(t.handed_at) if (t := _handed(c, m)) is not None else "",
    ),
    Field(
        Column("签收", 17, number_format=DATETIME_FORMAT),
        lambda m, c: _when(t.signed_at) if (t := _handed(c, m)) is not None else "",
    ),
    Field(
        Column("答复", 17, number_format=DATETIME_FORMAT),
        lambda m, c: _when(t.answered_at) if (t := _handed(c, m)) is not None else "",
    ),
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
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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


def _transfers(messages: list[Message]) -> dict[int, Transfer]:
    """The latest transfer per message, read in chunks (with their units)."""
    ids = [m.id for m in messages]
    latest: dict[int, Transfer] = {}
    for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500)):
        rows = db.session.scalars(
            db.select(Transfer)
            .options(joinedload(Transfer.unit))
            .where(Transfer.message_id.in_(chunk))
            .order_by(Transfer.id)
        )
        latest.update({row.message_id: row for row in rows})
    return latest


def suggestion_rows(messages: list[Message], walk_ins: dict[int, WalkIn]) -> list[list]:
    context = Context(walk_ins, _reasons(messages), _supervised(messages), _transfers(messages))
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


def register_query(item_filter: ItemFilter, kind: str):
    return _query(item_filter, walk_ins_only=kind == "visits")


def load_walk_ins(ids: list[int]) -> dict[int, WalkIn]:
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
    return walk_ins


def sheet(kind: str) -> tuple[str, list[Column]]:
    """The sheet's name and columns of a kind of register."""
    return (KINDS[kind], VISIT_COLUMNS if kind == "visits" else SUGGESTION_COLUMNS)


def rows_of(kind: str, messages: list[Message]) -> list[list]:
    walk_ins = load_walk_ins([m.id for m in messages])
    if kind == "visits":
        return visit_rows(messages, walk_ins)
    return suggestion_rows(messages, walk_ins)


def load_chunk(ids: list[int]) -> list[Message]:
    """The items of these ids, loaded as the register needs them, in the register's order."""
    return _load(db.select(Message).where(Message.id.in_(ids)))


def download_name(kind: str, args: dict) -> str:
    start = args.get("date_from") or "最早"
    return f"{KINDS[kind]}-{start}-{args.get('date_to') or local_today().isoformat()}.xlsx"


def start_export(kind: str, item_filter: ItemFilter, title: str, total: int):
    """Too big for a request: a background job builds it (server/admin/register_exports.py)."""
    export = RegisterExport(
        kind=kind, staff_id=g.staff.id, args=item_filter.args(), title=title, total=total
    )
    db.session.add(export)
    db.session.flush()
    timeout = current_app.config["EXPORT_JOB_TIMEOUT"]
    after_commit(db.session(), enqueue_export, export.id, timeout)
    db.session.commit()
    return redirect(url_for("admin.register_export_page", export_id=export.id), 303)


@bp.get("/registers/<kind>.xlsx")
def register_export(kind: str):
    """A small export is built here and sent; a bigger one becomes a background job and the
    clerk is taken to its page (progress bar, then the download link)."""
    if kind not in KINDS:
        abort(404)
    item_filter = ItemFilter.from_args(request.args)
    if item_filter.errors:
        page = render_template("admin/registers.html", f=item_filter, **filter_choices(item_filter))
        return page, 422
    query = register_query(item_filter, kind)
    total = filters.count(query)
    if total > current_app.config["REGISTER_IMMEDIATE_ROWS"]:
        return start_export(kind, item_filter, _title(kind, item_filter), total)
    messages = _load(query)
    sheet_title, columns = sheet(kind)
    data = workbook(sheet_title, _title(kind, item_filter), columns, rows_of(kind, messages))
    audit("register_exported", kind, rows=len(messages), **item_filter.args())
    db.session.commit()
    return send_file(
        io.BytesIO(data),
        mimetype=XLSX_MIMETYPE,
        as_attachment=True,
        download_name=download_name(kind, item_filter.args()),
    )
