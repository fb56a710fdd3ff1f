"""How things read on the dashboard: local times, durations, labels, masked names, colours."""

from __future__ import annotations

from datetime import datetime

from flask import Flask, g

from server.admin import wechat_errors
from server.admin.audit import ACTION_LABELS
from server.admin.csrf import csrf_token
from server.models import CHANNEL_LABELS, RATING_LABELS, ROLES, STATUS_LABELS, Message
from server.models.event import EVENT_LABELS
from server.models.lifecycle import OPEN
from server.models.notification import NOTICE_STATUS_LABELS
from server.platform.clock import local_text, utcnow
from server.routing import workdays
from server.routing.deadlines import STEP_LABELS, due_now
from server.routing.stages import COLOUR_LABELS, colour

# Events the dashboard adds to the ones the loop records.
ADMIN_EVENT_LABELS = {
    **EVENT_LABELS,
    "phone_viewed": "查看联系电话",
    "notice_retry": "重新发送通知",
    "staff_reply": "联络站答复",
}
ACTOR_LABELS = {
    "citizen": "群众",
    "deputy": "代表",
    "staff": "工作人员",
    "system": "系统",
    "wechat": "微信",
    "unit": "承办单位",
}
# Statuses that still wait for someone to act.
OPEN_STATUSES = OPEN
NOT_NOTIFIED = ("no_consent", "no_recipient", "failed")
NOTICE_KIND_LABELS = {
    "new_item": "新事项提醒",
    "reminder": "催办提醒",
    "reopened": "重新办理提醒",
    "followup": "群众追问提醒",
    "reply": "答复通知",
    "rejected": "不予受理通知",
    "transferred": "转交单位通知",
    "unit_answered": "单位答复提醒",
    "merged": "合并办理通知",
    "supervised": "督办提醒",
    "revisit": "回访",
}
# The jobs the queue page may list as failed (server/tasks/).
JOB_LABELS = {
    "route_message": "交办事项",
    "send_notification": "发送微信通知",
    "sweep": "定时巡检（补发、催办、逾期）",
}
RULE_LABELS = {
    "scanned_deputy": "群众扫代表码",
    "on_duty": "当天值班代表",
    "resident": "驻站代表",
    "staff": "工作人员指派",
    "walk_in": "来访接待代表",
}


def duration_text(seconds: float | None) -> str:
    """3天4小时 / 5小时20分 / 12分钟: what a clerk would write."""
    if seconds is None:
        return ""
    minutes = int(seconds // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days}天{hours}小时" if hours else f"{days}天"
    if hours:
        return f"{hours}小时{mins}分" if mins else f"{hours}小时"
    return f"{mins}分钟" if mins else "不到1分钟"


def mask_name(name: str | None) -> str:
    """张** : a visitor's surname is enough on a list or a printed register."""
    name = (name or "").strip()
    if not name:
        return ""
    return name[0] + "*" * max(1, len(name) - 1)


def urgency(message: Message, now: datetime | None = None) -> str:
    """三色督办 (server/routing/stages.py: colour) of the open stage; "done" when nobody owes a
    step."""
    now = now or utcnow()
    return colour(due_now(message, now), now, workdays.current()) or "done"


def due_of(message: Message) -> datetime | None:
    """The open stage's deadline, for the item page and lists."""
    return due_now(message, utcnow())


URGENCY_LABELS = {**COLOUR_LABELS, "done": ""}


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.filters["local"] = local_text
    app.jinja_env.filters["duration"] = duration_text
    app.jinja_env.filters["mask_name"] = mask_name
    app.jinja_env.globals.update(
        csrf_token=csrf_token,
        STATUS_LABELS=STATUS_LABELS,
        CHANNEL_LABELS=CHANNEL_LABELS,
        RATING_LABELS=RATING_LABELS,
        ROLES=ROLES,
        EVENT_LABELS=ADMIN_EVENT_LABELS,
        ACTOR_LABELS=ACTOR_LABELS,
        NOTICE_STATUS_LABELS=NOTICE_STATUS_LABELS,
        ACTION_LABELS=ACTION_LABELS,
        RULE_LABELS=RULE_LABELS,
        URGENCY_LABELS=URGENCY_LABELS,
        NOTICE_KIND_LABELS=NOTICE_KIND_LABELS,
        JOB_LABELS=JOB_LABELS,
        urgency=urgency,
        due_of=due_of,
        STEP_LABELS=STEP_LABELS,
        notice_problem=wechat_errors.explain,
        notice_raw=wechat_errors.raw,
    )

    @app.context_processor
    def staff_context():
        return {"staff": getattr(g, "staff", None)}
