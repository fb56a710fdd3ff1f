"""The demo's published 代表建议: two answered items about the lights on 金竹西路 became one
suggestion of 王建国 (陈志强 seconding), handed to 区城市管理局, answered (A), rated and closed,
then published through 公开审核 like any other — its original text holds a citizen's phone and
ID numbers that the published version does not show (issue 15 "Done means").

Taken through the suggestions feature's own steps (server/suggestions/service.py) and the
publication service, so its moves, events (履职积分) and redaction are the real ones. Written
once, with the history; its notices went out "then", so they are marked sent.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update

from server.models import Deputy, Message, Notification, StaffUser, Suggestion, Unit
from server.platform.clock import local_today
from server.platform.db import db
from server.publish import service as publish
from server.suggestions import service

TITLE = "关于全面排查修复金竹西路沿线路灯和楼道灯的建议"
CONTENT = (
    "金竹西路沿线路灯和老旧小区楼道灯损坏多、修复慢，群众多次反映。"
    "如居民孙桂芳（电话 139 8511 2233，身份证号 52010219520315103X）反映楼道灯坏了半年，"
    "老人摸黑上下楼。建议区城市管理局对金竹西路沿线路灯和楼道灯开展一次全面排查，"
    "建立报修台账，七个工作日内修复。"
)
ANSWER = (
    "已对金竹西路沿线 126 盏路灯和 14 个小区楼道灯完成排查，修复 23 处，"
    "并建立报修台账，报修电话 0851-86001234（工作日 9:00—17:00）。"
)
LINKED = ("金竹西路 32 号门口的路灯坏了", "楼道灯坏了半年")


def seed_published_suggestion(now: datetime, staff: StaffUser) -> Suggestion | None:
    """The suggestion and its approved publication; None when it exists or the history is
    not the demo's."""
    if db.session.scalar(db.select(Suggestion.id).where(Suggestion.title == TITLE)):
        return None
    lead = db.session.scalar(db.select(Deputy).where(Deputy.name == "王建国"))
    co = db.session.scalar(db.select(Deputy).where(Deputy.name == "陈志强"))
    unit = db.session.scalar(db.select(Unit).where(Unit.name == "区城市管理局"))
    items = [
        db.session.scalar(db.select(Message.id).where(Message.content.contains(text)).limit(1))
        for text in LINKED
    ]
    if lead is None or co is None or unit is None or None in items:
        return None
    row = service.draft(lead, TITLE, CONTENT, items, [co.id], actor="staff", actor_id=staff.id)
    service.co_answer(row, co.id, True)
    service.submit(row, "staff", staff.id)
    service.accept(row, staff.id)
    service.assign(row, staff.id, unit.id)
    mine = row.lead_unit
    service.sign(row, mine)
    # The suggestion's steps run on the app's clock (utcnow), whatever `now` the caller seeds at.
    service.add_meeting(row, mine, local_today(), "visit", "与领衔代表沿金竹西路逐段查看")
    service.answer(row, mine, ANSWER, "A")
    service.evaluate(row, lead.id, "satisfied", communication="good")
    service.close(row, "staff", staff.id)
    publication = publish.propose_suggestion(row, staff.id)
    publish.approve(publication, staff.id)
    # The citizens' and the co-deputy's notices belong to the past: never sent now.
    db.session.execute(
        update(Notification)
        .where(Notification.status == "pending", Notification.created_at >= now)
        .values(status="sent", sent_at=now, attempts=1)
    )
    db.session.commit()
    return row
