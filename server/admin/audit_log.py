"""操作记录: the audit log as the 审计管理员 reads it — searched by person, action, item (what it
was done to) and date, exported as .xlsx or CSV — and the chain check's banner.

Rows store codes (`message:12`, `session=…`, `old_code=…`) so they stay exact; this turns a page
of them into Chinese: targets become names and links (looked up once per page), data keys
become words, ids and session tokens that mean nothing to a person are left out.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, timedelta

from flask import Response, current_app, g, render_template, request, send_file, url_for

from server.admin import bp
from server.admin.audit import ACTION_LABELS, ITEM_ACTIONS
from server.admin.auth import requires
from server.admin.filters import local_day_start
from server.admin.present import NOTICE_KIND_LABELS
from server.admin.scope import may
from server.admin.xlsx import DATETIME_FORMAT, Column, excel_time, workbook
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
from server.models.audit import ChainCheck, verify_chain
from server.platform.cache import TTLCache
from server.platform.clock import local_today, to_local
from server.platform.db import db
from server.platform.text import MAX_ID

# Data keys and how each reads; a value of None means "only the value" (e.g. a flag).
DATA_LABELS = {
    "name": "名称",
    "code": "编码",
    "old_code": "原编码",
    "deputy": "代表",
    "rule": "值班规则",
    "day": "接待日",
    "reception_topic": "接待主题",
    "told": "通知人数",
    "rows": "导出条数",
    "quarter": "季度",
    "station": "联络站",
    "background": "后台生成",
    "year": "年度",
    "items": "关联事项数",
    "on": "重点督办",
    "format": "格式",
    "username": "用户名",
    "citizen_id": "微信用户编号",
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
    "second_factor": "第二因素",
    "step": "环节",
    # 履职积分 and 履职档案.
    "item": "积分项目",
    "points": "分值",
    "cap": "季度上限",
    "active_from": "生效日期",
    "before": "修改前",
    "on_date": "值班日期",
    "period": "期间",
    "fmt": "格式",
    "unlocked": "解除锁定的地址数",
    # Handling units.
    "answer_days": "答复时限（工作日）",
    "label": "密钥用途",
    "unit": "承办单位",
    # 双公开.
    "mode": "公开方式",
    "found": "自动隐去的个人信息处数",
    "fields": "修改的栏目",
    # 「不在受理范围」 (scope rules).
    "topic": "事项",
    "where": "建议去向",
    "changes": "修改",
}
# The fields an edit names in `changes` ({field: [before, after]}).
CHANGE_LABELS = {
    "topic": "事项",
    "where": "建议去向",
    "category_id": "适用类别编号",
    "sort_order": "排序",
    "active": "使用中",
}
# Internal references: exact in the row, meaningless on the page.
HIDDEN = {
    "session",
    "shift_id",
    "deputy_id",
    "invite_id",
    "notification_id",
    "reply_id",
    "key_id",
    "transfer_id",
    "message_id",
    "publication_id",
    "suggestion_id",
    "cluster_id",
    "unit_id",
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
    if kind.endswith("_publication"):
        return Target("代表建议的公开记录" if kind.startswith("suggestion") else "公开记录")
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
    if key in ("second_factor", "step"):
        return "动态口令"
    if key == "changes" and isinstance(value, dict):
        return "；".join(
            f"{CHANGE_LABELS.get(name, name)} {_plain(pair[0])} → {_plain(pair[1])}"
            for name, pair in value.items()
            if isinstance(pair, list) and len(pair) == 2
        )
    return str(value)


def _plain(value) -> str:
    if value is None or value == "":
        return "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def details(row: AuditLog, names: dict) -> list[str]:
    data = row.data or {}
    if row.action == "register_exported":
        text = [f"导出条数：{data.get('rows', 0)}"]
        if data.get("background"):
            text.append("后台生成")
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


def _openable(target: Target) -> Target:
    """A link only to pages the reader may open (the audit administrator opens no item)."""
    if target.url is None:
        return target
    needed = "manage" if target.url.startswith("/admin/users/") else "dashboard"
    return target if may(needed) else Target(target.text)


def present(rows: list[AuditLog]) -> list[Line]:
    names = _names(rows)
    return [
        Line(row, _action(row), _openable(_target(row, names)), details(row, names)) for row in rows
    ]


PER_PAGE = 100


def _number(value: str | None) -> int | None:
    """A positive id or page number from the query; anything else (crafted or not) is None."""
    value = (value or "").strip()
    if not (value.isascii() and value.isdigit()) or not 0 < int(value) <= MAX_ID:
        return None
    return int(value)


MAX_EXPORT_ROWS = 50_000


@dataclass
class Search:
    action: str = ""
    staff_id: int | None = None
    item: str = ""  # what it was done to: "message:12", a tracking number, a username
    date_from: date | None = None
    date_to: date | None = None
    errors: dict | None = None

    @classmethod
    def from_args(cls, args) -> Search:
        out = cls(errors={})
        action = args.get("action", "")
        out.action = action if action in ACTION_LABELS or action == "items" else ""
        out.staff_id = _number(args.get("staff"))
        out.item = (args.get("item") or "").strip()[:64]
        for name in ("date_from", "date_to"):
            raw = (args.get(name) or "").strip()
            if raw:
                try:
                    setattr(out, name, date.fromisoformat(raw))
                except ValueError:
                    out.errors[name] = "日期格式应为 2026-01-31"
        if out.date_from and out.date_to and out.date_to < out.date_from:
            out.errors["date_to"] = "结束日期不能早于开始日期"
        return out

    def args(self) -> dict:
        values = {
            "action": self.action,
            "staff": self.staff_id,
            "item": self.item,
            "date_from": self.date_from.isoformat() if self.date_from else "",
            "date_to": self.date_to.isoformat() if self.date_to else "",
        }
        return {k: v for k, v in values.items() if v}

    def apply(self, query):
        if self.action == "items":
            query = query.where(AuditLog.action.in_(ITEM_ACTIONS))
        elif self.action:
            query = query.where(AuditLog.action == self.action)
        if self.staff_id is not None:
            query = query.where(AuditLog.staff_id == self.staff_id)
        if self.item:
            query = query.where(AuditLog.target.in_(self._targets()))
        if self.date_from:
            query = query.where(AuditLog.created_at >= local_day_start(self.date_from))
        if self.date_to:
            query = query.where(
                AuditLog.created_at < local_day_start(self.date_to + timedelta(days=1))
            )
        return query

    def _targets(self) -> list[str]:
        """The item as typed (`message:12`), or what a tracking number, a station or deputy
        name or a username stands for."""
        item = self.item
        out = [item, f"user:{item}"]
        message_id = db.session.scalar(db.select(Message.id).where(Message.tracking_no == item))
        if message_id:
            out.append(f"message:{message_id}")
        for kind, model in (("station", Station), ("deputy", Deputy)):
            out += [
                f"{kind}:{i}"
                for i in db.session.scalars(db.select(model.id).where(model.name == item))
            ]
        user_id = db.session.scalar(db.select(StaffUser.id).where(StaffUser.username == item))
        if user_id:
            out.append(f"user:{user_id}")
        return out


# The chain is walked at most once a minute per process for the banner; `flask audit verify`
# and the audit page's own check walk it at once.
_chain_cache = TTLCache(ttl=60, max_entries=4)


def chain_status(fresh: bool = False) -> ChainCheck:
    key = current_app.config["SQLALCHEMY_DATABASE_URI"]
    if fresh:
        _chain_cache.clear()
    return _chain_cache.get(key, verify_chain)


def chain_banner() -> str | None:
    """The red banner's text for audit and security administrators when the chain is broken."""
    staff = getattr(g, "staff", None)
    if staff is None or not (may("audit", staff) or may("security", staff)):
        return None
    check = chain_status()
    return None if check.ok else check.describe() + "。请立即核查数据库访问记录。"


@bp.get("/audit")
@requires("audit")
def audit_log():
    search = Search.from_args(request.args)
    page = _number(request.args.get("page")) or 1
    query = search.apply(db.select(AuditLog)) if not search.errors else db.select(AuditLog)
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
        search=search,
        action=search.action,
        staff_id=search.staff_id,
        args=search.args(),
        actions=ACTION_LABELS,
        chain=chain_status(fresh=page == 1),
        people=list(db.session.scalars(db.select(StaffUser).order_by(StaffUser.id))),
    ), (422 if search.errors else 200)


EXPORT_COLUMNS = [
    Column("时间", 17, number_format=DATETIME_FORMAT),
    Column("人员", 14),
    Column("操作", 14),
    Column("对象", 24, wrap=True),
    Column("详情", 48, wrap=True),
    Column("IP", 16),
    Column("哈希", 20),
]


@bp.get("/audit/export")
@requires("audit")
def audit_export():
    search = Search.from_args(request.args)
    if search.errors:
        return render_template(
            "admin/error.html", code=422, message="；".join(search.errors.values())
        ), 422
    fmt = request.args.get("format", "xlsx")
    if fmt not in ("xlsx", "csv"):
        return render_template(
            "admin/error.html", code=400, message="导出格式只能是 xlsx 或 csv"
        ), 400
    query = search.apply(db.select(AuditLog)).order_by(AuditLog.id).limit(MAX_EXPORT_ROWS + 1)
    rows = list(db.session.scalars(query))
    if len(rows) > MAX_EXPORT_ROWS:
        message = f"符合条件的记录超过 {MAX_EXPORT_ROWS} 条，请缩短日期范围后分次导出"
        return render_template("admin/error.html", code=422, message=message), 422
    lines = present(rows)
    table = [
        [
            line.row.created_at,
            (line.row.staff.display_name or line.row.staff.username) if line.row.staff else "",
            line.action,
            line.target.text,
            "；".join(line.details),
            line.row.ip,
            line.row.hash or "",
        ]
        for line in lines
    ]
    from server.models.audit import audit

    audit("audit_exported", "audit", rows=len(rows), format=fmt, **search.args())
    db.session.commit()
    name = f"操作记录-{local_today().isoformat()}"
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([column.title for column in EXPORT_COLUMNS])
        for row in table:
            stamp = to_local(row[0]).strftime("%Y-%m-%d %H:%M:%S")
            writer.writerow([stamp, *(_csv_safe(value) for value in row[1:])])
        body = "\ufeff" + out.getvalue()  # a BOM: Excel on Windows opens UTF-8 as such
        return Response(
            body,
            mimetype="text/csv",
            headers={"Content-Disposition": f"attachment; filename*=UTF-8''{_quote(name)}.csv"},
        )
    data = workbook(
        "操作记录",
        "码上联络站 操作记录（审计日志）",
        EXPORT_COLUMNS,
        [[excel_time(row[0]), *row[1:]] for row in table],
    )
    return send_file(
        io.BytesIO(data),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        as_attachment=True,
        download_name=f"{name}.xlsx",
    )


def _csv_safe(value) -> str:
    """A cell starting with = + - @ would run as a formula in Excel: quote it."""
    text = str(value or "")
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name)
