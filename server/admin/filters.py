"""The item filters, shared by the item list and the register exports (same words, same rows)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import exists

from server.admin import scope
from server.admin.forms import parse_date, parse_id
from server.admin.present import NOT_NOTIFIED, OPEN_STATUSES
from server.admin.search import keyword_clause
from server.models import CHANNEL_LABELS, STATUS_LABELS, Message, Notification
from server.models.notification import NOTICE_STATUS_LABELS
from server.platform.clock import LOCAL, utcnow
from server.platform.db import db

# Beyond the statuses themselves: every item still waiting for someone (the overview's 待答复).
STATUS_GROUPS = {
    "open": "待答复（尚未办完的全部事项）",
    "triage": "待分拣（无人承办或承办单位退回）",
}
TRIAGE_STATUSES = ("unassigned", "returned")
# Items by what became of their WeChat notices (the queue page's counts link here).
NOTICE_CHOICES = {"not_notified": "未通知到（任一）", **NOTICE_STATUS_LABELS}
NOTICE_GROUPS = {"not_notified": NOT_NOTIFIED}


def local_day_start(day: date) -> datetime:
    """Midnight in Asia/Shanghai, as an aware UTC datetime."""
    return datetime.combine(day, time.min, tzinfo=LOCAL).astimezone(UTC)


@dataclass
class ItemFilter:
    station_id: int | None = None
    deputy_id: int | None = None
    status: str = ""
    category_id: int | None = None
    channel: str = ""
    notice: str = ""
    overdue: bool = False
    date_from: date | None = None
    date_to: date | None = None
    q: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_args(cls, args) -> ItemFilter:
        out = cls(
            status=_choice(args.get("status"), (*STATUS_LABELS, *STATUS_GROUPS)),
            channel=_choice(args.get("channel"), CHANNEL_LABELS),
            notice=_choice(args.get("notice"), NOTICE_CHOICES),
            overdue=args.get("overdue") in ("1", "on", "true"),
            q=(args.get("q") or "").strip()[:100],
        )
        # A value no select box offers is a crafted link: say so, never guess.
        for name, label in (("station", "联络站"), ("deputy", "承办代表"), ("category", "类别")):
            value, error = parse_id(args.get(name))
            setattr(out, f"{name}_id", value)
            if error:
                out.errors[name] = f"{label}：{error}"
        for name, labels, label in (
            ("status", (*STATUS_LABELS, *STATUS_GROUPS), "状态"),
            ("channel", CHANNEL_LABELS, "渠道"),
            ("notice", NOTICE_CHOICES, "通知情况"),
        ):
            if args.get(name) and args.get(name) not in labels:
                out.errors[name] = f"{label}：选择的内容无效，请重新选择"
        out.date_from, error = parse_date(args.get("date_from"))
        if error:
            out.errors["date_from"] = error
        out.date_to, error = parse_date(args.get("date_to"))
        if error:
            out.errors["date_to"] = error
        if out.date_from and out.date_to and out.date_to < out.date_from:
            out.errors["date_to"] = "结束日期不能早于开始日期，请检查日期范围"
        # Another station's id is not a filter value but a request for its data: 404.
        if out.station_id is not None:
            scope.station_or_404(out.station_id)
        if out.deputy_id is not None:
            scope.deputy_or_404(out.deputy_id)
        return out

    def args(self) -> dict:
        """The filter as query arguments (for page links and export links)."""
        values = {
            "station": self.station_id,
            "deputy": self.deputy_id,
            "status": self.status,
            "category": self.category_id,
            "channel": self.channel,
            "notice": self.notice,
            "overdue": "1" if self.overdue else "",
            "date_from": self.date_from.isoformat() if self.date_from else "",
            "date_to": self.date_to.isoformat() if self.date_to else "",
            "q": self.q,
        }
        return {k: v for k, v in values.items() if v not in (None, "")}

    def query(self):
        query = scope.scope_messages(db.select(Message))
        if self.station_id is not None:
            query = query.where(Message.station_id == self.station_id)
        if self.deputy_id is not None:
            query = query.where(Message.assigned_deputy_id == self.deputy_id)
        if self.status == "triage":
            query = query.where(Message.status.in_(TRIAGE_STATUSES))
        elif self.status in STATUS_GROUPS:
            query = query.where(Message.status.in_(OPEN_STATUSES))
        elif self.status:
            query = query.where(Message.status == self.status)
        if self.category_id is not None:
            query = query.where(Message.category_id == self.category_id)
        if self.channel:
            query = query.where(Message.channel == self.channel)
        if self.notice:
            statuses = NOTICE_GROUPS.get(self.notice, (self.notice,))
            query = query.where(
                exists().where(
                    Notification.message_id == Message.id, Notification.status.in_(statuses)
                )
            )
        if self.overdue:
            query = query.where(overdue_clause())
        if self.date_from:
            query = query.where(Message.created_at >= local_day_start(self.date_from))
        if self.date_to:
            end = local_day_start(self.date_to + timedelta(days=1))
            query = query.where(Message.created_at < end)
        if self.q:
            query = query.where(keyword_clause(self.q))
        return query


def _choice(value: str | None, allowed) -> str:
    return value if value in allowed else ""


def count(query, cap: int | None = None) -> int:
    """How many messages a filtered query selects, counted by the database; with `cap`, counted
    no further than cap + 1 (the caller shows "more than cap"): a common keyword matches tens of
    thousands of a province's items, and checking each one's text costs what finding the first
    page does not."""
    if cap is None:
        return db.session.scalar(query.with_only_columns(db.func.count(Message.id)).order_by(None))
    some = query.with_only_columns(Message.id).order_by(None).limit(cap + 1).subquery()
    return db.session.scalar(db.select(db.func.count()).select_from(some))


def overdue_clause(now: datetime | None = None):
    """Still waiting, and past the open stage's deadline (server/routing/deadlines.py stamps it)."""
    return Message.status.in_(OPEN_STATUSES) & (Message.due_at <= (now or utcnow()))
