"""One item's story on its dashboard page: every event in time order, each in a clerk's words.

A reply or a follow-up is one row: the event that recorded it (who, when) carrying the post's
text. Posts no event points at (entered before events named their post) get a row of their own.
Codes recorded by the loop (`near_duplicate`, rule names, notice statuses) become sentences;
a near-duplicate links to the earlier item when the clerk may open it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import url_for

from server.admin import scope
from server.admin.present import ADMIN_EVENT_LABELS, NOTICE_KIND_LABELS, RULE_LABELS
from server.admin.wechat_errors import explain
from server.models import RATING_LABELS, RESULTS, Event, Message, Reply, WalkIn
from server.models.notification import NOTICE_STATUS_LABELS
from server.platform.db import db

FLAG_REASONS = {
    "msg_sec_check review": "微信内容安全检查建议人工复核",
    "local word list": "微信内容检查暂时不可用，本地敏感词表有命中，请人工复核",
}
CLOSE_REASONS = {"rated": "群众评价后办结", "on_the_spot": "当场答复办结", "staff": "工作人员办结"}
POST_EVENTS = ("replied", "followup", "unit_answered")


@dataclass
class Link:
    url: str
    text: str


@dataclass
class Entry:
    at: datetime
    kind: str
    title: str
    actor: str
    who: str = ""
    detail: str = ""
    link: Link | None = None
    after: str = ""  # text following the link
    text: str | None = None  # what was said (a reply or a follow-up)
    is_post: bool = False


def _near_duplicate(data: dict) -> tuple[str, Link | None, str]:
    """「疑似重复：与 <编号> 内容相近」, linked when the clerk may open the earlier item."""
    other_id = data.get("of")
    other = None
    if isinstance(other_id, int):
        query = db.select(Message.id, Message.tracking_no).where(Message.id == other_id)
        other = db.session.execute(scope.scope_messages(query)).first()
    if other is None:
        return "疑似重复：与该群众此前的另一件反映内容相近", None, ""
    link = Link(url_for("admin.item", message_id=other.id), other.tracking_no)
    return "疑似重复：与 ", link, " 内容相近"


def flag_text(data: dict) -> tuple[str, Link | None, str]:
    reason = data.get("reason")
    if reason == "near_duplicate":
        return _near_duplicate(data)
    return FLAG_REASONS.get(reason, "需要人工复核"), None, ""


def _notice_detail(data: dict) -> str:
    kind = NOTICE_KIND_LABELS.get(data.get("notice_kind"), "微信通知")
    status = data.get("status")
    text = f"{kind}：{NOTICE_STATUS_LABELS.get(status, '状态已更新')}"
    if status not in (None, "sent"):
        why = explain(status, data.get("errcode"))
        text += f"（{why}）" if why else ""
    return text


def _detail(event: Event, message: Message) -> str:
    data = event.data or {}
    if event.kind == "routed":
        rule = data.get("rule")
        if rule == "scanned_deputy" and message.channel == "walk_in":
            rule = "walk_in"  # the visitor chose the deputy in person, not by scanning
        return f"交办 {data.get('deputy', '')} 代表（{RULE_LABELS.get(rule, '系统规则')}）"
    if event.kind == "reassigned":
        text = f"由 {data.get('from_deputy') or '无人'} 改派给 {data.get('to_deputy')}"
        return text + (f"：{data['note']}" if data.get("note") else "")
    if event.kind == "notified":
        return _notice_detail(data)
    if event.kind == "notice_retry":
        return NOTICE_KIND_LABELS.get(data.get("notice_kind"), "微信通知")
    if event.kind == "rated":
        score = RATING_LABELS.get(data.get("score"), "")
        return score + (f"：{data['comment']}" if data.get("comment") else "")
    if event.kind in ("rejected", "unassigned"):
        return data.get("reason", "")
    if event.kind == "transferred":
        text = f"转交 {data.get('unit', '')}"
        if data.get("co_units"):
            text += f"（协办：{'、'.join(data['co_units'])}）"
        if data.get("priority"):
            text += "，重点督办"
        text += f"，应于 {str(data.get('due_at', ''))[:10]} 前答复"
        return text + (f"：{data['note']}" if data.get("note") else "")
    if event.kind in ("unit_signed", "unit_answered"):
        text = data.get("unit", "")
        return text + (f"（{RESULTS.get(data['result'], '')}）" if data.get("result") else "")
    if event.kind == "unit_returned":
        return f"{data.get('unit', '')} 退回：{data.get('reason', '')}"
    if event.kind == "reopened" and data.get("unit"):
        return f"退回 {data['unit']} 重新办理，应于 {str(data.get('due_at', ''))[:10]} 前答复"
    if event.kind == "closed":
        text = CLOSE_REASONS.get(data.get("reason"), "")
        return text + (f"：{data['note']}" if data.get("note") else "")
    return ""


def _post_title(post: Reply, on_the_spot: bool) -> str:
    if post.author_kind == "citizen":
        return "群众追问"
    if post.author_kind == "deputy":
        return f"{post.deputy.name} 代表答复" if post.deputy else "代表答复"
    if post.author_kind == "unit":
        return f"{post.unit.name} 答复" if post.unit else "承办单位答复"
    return "来访当场答复" if on_the_spot else "联络站答复"


def _answered_on_the_spot(events: list[Event]) -> bool:
    return any(e.kind == "closed" and (e.data or {}).get("reason") == "on_the_spot" for e in events)


def timeline(message: Message) -> list[Entry]:
    """Events and the thread in time order: what happened, who did it, and what was said."""
    events = list(
        db.session.scalars(
            db.select(Event).where(Event.message_id == message.id).order_by(Event.id)
        )
    )
    posts = {post.id: post for post in message.replies}
    on_the_spot = _answered_on_the_spot(events)
    walk_in = None
    if on_the_spot:
        walk_in = db.session.scalar(db.select(WalkIn).where(WalkIn.message_id == message.id))
    told: set[int] = set()
    entries = []
    for event in events:
        if event.kind == "consent":
            continue  # bookkeeping of the citizen's subscribe taps, not part of the story
        data = event.data or {}
        entry = Entry(
            at=event.created_at,
            kind=event.kind,
            title=ADMIN_EVENT_LABELS.get(event.kind, "办理记录"),
            actor=event.actor,
            who=data.get("staff") or "",
            detail=_detail(event, message),
        )
        if event.kind == "received" and data.get("channel") == "walk_in":
            entry.title, entry.detail = "来访登记", "工作人员登记来访群众反映的问题"
        if event.kind == "flagged":
            entry.detail, entry.link, entry.after = flag_text(data)
        post = posts.get(data.get("reply_id")) if event.kind in POST_EVENTS else None
        if post is not None and post.id not in told:
            told.add(post.id)
            entry.title = _post_title(post, on_the_spot)
            entry.text = post.content
            if entry.title == "来访当场答复" and walk_in and walk_in.received_by:
                entry.detail = f"接待代表：{walk_in.received_by.name}"
        entries.append(entry)
    for post in posts.values():
        if post.id in told:
            continue
        entries.append(
            Entry(
                at=post.created_at,
                kind="post",
                title=_post_title(post, on_the_spot),
                actor=post.author_kind,
                text=post.content,
                is_post=True,
            )
        )
    entries.sort(key=lambda e: (e.at, not e.is_post))
    return entries


def flags(message: Message) -> list[tuple[str, Link | None, str]]:
    """Why staff should look at this item twice (content check, near-duplicate), as sentences."""
    events = db.session.scalars(
        db.select(Event).where(Event.message_id == message.id, Event.kind == "flagged")
    )
    return [flag_text(event.data or {}) for event in events]
