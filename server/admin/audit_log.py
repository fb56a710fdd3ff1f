"""操作记录: the audit log as a supervisor reads it, filtered by action and by person.

Rows store codes (`message:12`, `session=…`, `old_code=…`) so they stay exact; this turns a page
of them into Chinese: targets become names and links (looked up once per page), data keys
become words, ids and session tokens that mean nothing to a person are left out.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import render_template, request, url_for

from server.admin import bp
from server.admin.audit import ACTION_LABELS, ITEM_ACTIONS
from server.admin.auth import admin_only
from server.admin.present import NOTICE_KIND_LABELS
from server.models import (
    CHANNEL_LABELS,
    ROLES,
    STATUS_LABELS,
    AuditLog,
    Category,
    Deputy,
    Message,
    StaffUser,
    Station,
)
from server.platform.db import db
from server.platform.text import MAX_ID

# Data keys and how each reads; a value of None means "only the value" (e.g. a flag).
DATA_LABELS = {
    "name": "名称",
    "code": "编码",
    "old_code": "原编码",
    "deputy": "代表",
    "rule": "值班规则",
    "rows": "导出条数",
    "format": "格式",
    "username": "用户名",
    "role": "角色",
    "password": None,
    "reason": "理由",
    "note": "说明",
    "into": "合并到",
    "solved": "问题是否解决",
    "to_deputy": "改派给",
    "content": "答复内容",
    "notice_kind": "通知",
    "photos": "照片张数",
    "photo": "照片",
    "on_the_spot": None,
    "rebind": "可更换已绑定的微信",
    # The working-day calendar (节假日 page).
    "kind": "类型",
    "source": "来源",
    "added": "新增天数",
    "changed": "修改天数",
    "unchanged": "未变天数",
    "days": "日期",
}
# Internal references: exact in the row, meaningless on the page.
HIDDEN = {
    "session",
    "shift_id",
    "deputy_id",
    "invite_id",
    "notification_id",
    "reply_id",
    "previous",  # the WeChat identity a deputy was bound to before
}
# The register export's filters (ItemFilter.args()).
FILTER_LABELS = {
    "station": "联络站",
    "deputy": "代表",
    "status": "状态",
    "category": "类别",
    "channel": "渠道",
    "notice": "微信通知",
    "overdue": "只看逾期",
    "date_from": "起",
    "date_to": "止",
    "q": "关键词",
}
TARGET_KINDS = {"message": Message, "station": Station, "deputy": Deputy, "user": StaffUser}
REGISTERS = {"suggestions": "意见建议登记簿", "visits": "接待登记簿"}
FORMATS = {"png": "PNG 图片", "pdf": "PDF", "zip": "压缩包（全部海报）"}


@dataclass
class Target:
    text: str
    url: str | None = None


def _split(target: str) -> tuple[str, str]:
    kind, _, value = (target or "").partition(":")
    return kind, value


def _names(rows: list[AuditLog]) -> dict[tuple[str, int], Target]:
    """Every message, station, deputy and account the page mentions, one query per kind."""
    wanted: dict[str, set[int]] = {kind: set() for kind in TARGET_KINDS}
    for row in rows:
        kind, value = _split(row.target)
        if kind in wanted and value.isdigit() and row.action != "login_failed":
            wanted[kind].add(int(value))
        if row.action == "register_exported":
            for key in ("station", "deputy"):
                value = str((row.data or {}).get(key, ""))
                if value.isdigit():
                    wanted[key].add(int(value))
    found: dict[tuple[str, int], Target] = {}
    if wanted["message"]:
        for id_, number in db.session.execute(
            db.select(Message.id, Message.tracking_no).where(Message.id.in_(wanted["message"]))
        ):
            found["message", id_] = Target(f"事项 {number}", url_for("admin.item", message_id=id_))
    for kind, model, endpoint in (
        ("station", Station, "admin.station_edit"),
        ("deputy", Deputy, "admin.deputy_edit"),
    ):
        if wanted[kind]:
            for id_, name in db.session.execute(
                db.select(model.id, model.name).where(model.id.in_(wanted[kind]))
            ):
                key = f"{kind}_id"
                found[kind, id_] = Target(name, url_for(endpoint, **{key: id_}))
    if wanted["user"]:
        for user in db.session.scalars(
            db.select(StaffUser).where(StaffUser.id.in_(wanted["user"]))
        ):
            found["user", user.id] = Target(
                f"账号 {user.username}", url_for("admin.user_edit", user_id=user.id)
            )
    return found


def _target(row: AuditLog, names: dict) -> Target:
    kind, value = _split(row.target)
    if row.action == "login_failed":
        return Target(f"用户名“{value}”")
    if kind == "session":
        return Target("")
    if value.isdigit() and (kind, int(value)) in names:
        return names[kind, int(value)]
    if kind in TARGET_KINDS:
        what = {"message": "事项", "station": "联络站", "deputy": "代表", "user": "账号"}[kind]
        return Target(f"{what}（已删除）")
    if kind == "job":
        return Target("后台任务")
    if kind == "notice":
        return Target("微信通知")
    if row.target in REGISTERS:
        return Target(REGISTERS[row.target])
    if row.target == "all":
        return Target("全部联络站和代表")
    return Target("")


def _filter_text(data: dict, names: dict) -> str:
    parts = []
    for key, label in FILTER_LABELS.items():
        value = data.get(key)
        if value in (None, ""):
            continue
        if key in ("station", "deputy") and str(value).isdigit():
            found = names.get((key, int(value)))
            value = found.text if found else "（已删除）"
        elif key == "category" and str(value).isdigit():
            value = db.session.scalar(db.select(Category.name).where(Category.id == int(value)))
        elif key == "status":
            value = STATUS_LABELS.get(value, "待答复" if value == "open" else value)
        elif key == "channel":
            value = CHANNEL_LABELS.get(value, value)
        elif key == "overdue":
            parts.append(label)
            continue
        parts.append(f"{label} {value}")
    return "筛选：" + "，".join(parts) if parts else ""


def _value(key: str, value) -> str:
    if key == "role":
        return ROLES.get(value, "")
    if key == "notice_kind":
        return NOTICE_KIND_LABELS.get(value, "微信通知")
    if key == "format":
        return FORMATS.get(value, value)
    if key == "photo":
        return f"第 {value} 张"
    return str(value)


def details(row: AuditLog, names: dict) -> list[str]:
    data = row.data or {}
    if row.action == "register_exported":
        text = [f"导出条数：{data.get('rows', 0)}"]
        filters = _filter_text(data, names)
        return text + ([filters] if filters else [])
    out = []
    for key, value in data.items():
        if key in HIDDEN or key in FILTER_LABELS or value in (None, "", False):
            continue
        if key == "password":
            out.append("修改了密码")
        elif key == "on_the_spot":
            out.append("当场答复办结")
        elif key == "photos" and not value:
            continue
        elif key in DATA_LABELS:
            out.append(f"{DATA_LABELS[key]}：{_value(key, value)}")
    return out


@dataclass
class Line:
    row: AuditLog
    action: str
    target: Target
    details: list[str]


def _action(row: AuditLog) -> str:
    return ACTION_LABELS.get(row.action, "其他操作")


def present(rows: list[AuditLog]) -> list[Line]:
    names = _names(rows)
    return [Line(row, _action(row), _target(row, names), details(row, names)) for row in rows]


PER_PAGE = 100


def _number(value: str | None) -> int | None:
    """A positive id or page number from the query; anything else (crafted or not) is None."""
    value = (value or "").strip()
    if not (value.isascii() and value.isdigit()) or not 0 < int(value) <= MAX_ID:
        return None
    return int(value)


@bp.get("/audit")
@admin_only
def audit_log():
    action = request.args.get("action", "")
    action = action if action in ACTION_LABELS or action == "items" else ""
    staff_id = _number(request.args.get("staff"))
    page = _number(request.args.get("page")) or 1
    query = db.select(AuditLog)
    if action == "items":
        query = query.where(AuditLog.action.in_(ITEM_ACTIONS))
    elif action:
        query = query.where(AuditLog.action == action)
    if staff_id is not None:
        query = query.where(AuditLog.staff_id == staff_id)
    total = db.session.scalar(query.with_only_columns(db.func.count(AuditLog.id)))
    rows = list(
        db.session.scalars(
            query.order_by(AuditLog.id.desc()).limit(PER_PAGE).offset((page - 1) * PER_PAGE)
        )
    )
    return render_template(
        "admin/audit.html",
        lines=present(rows),
        total=total,
        page=page,
        pages=max(1, -(-total // PER_PAGE)),
        action=action,
        staff_id=staff_id,
        args={k: v for k, v in (("action", action), ("staff", staff_id)) if v},
        actions=ACTION_LABELS,
        people=list(db.session.scalars(db.select(StaffUser).order_by(StaffUser.id))),
    )
