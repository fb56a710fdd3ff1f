"""Every state change, as a row: the registers are derived from these."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, insert
from sqlalchemy.orm import Mapped, mapped_column

from server.models.types import UTCDateTime
from server.platform.clock import utcnow
from server.platform.db import db, execute

EVENT_LABELS = {
    "received": "群众提交",
    "flagged": "内容待复核",
    "routed": "交办代表",
    "unassigned": "无可交办代表",
    "notified": "已通知",
    "replied": "代表答复",
    "followup": "群众追问",
    "rated": "群众评价",
    "reopened": "重新办理",
    "closed": "办结",
    "reminded": "催办提醒",
    "overdue": "逾期未答复",
    "rejected": "不予受理",
    "reassigned": "改派",
    "deputy_bound": "代表绑定微信",
    "consent": "订阅授权",
    "redacted": "个人信息已按保存期限删除",
    "transferred": "转交承办单位",
    "unit_signed": "承办单位签收",
    "unit_answered": "承办单位答复",
    "unit_returned": "承办单位退回",
    "transfer_withdrawn": "撤回交办",
    "escalated": "超期督办提醒",
    "supervised": "督办",
    "merged": "重复反映，已合并办理",
    "merged_in": "合并重复反映",
    "revisit_asked": "回访：问题解决了吗",
    "revisit_answered": "回访答复",
    "suggested": "纳入代表建议",
    "shift_attended": "到站值班",
    # Recorded by the suggestions feature; 履职积分 counts them (server/performance/points.py).
    "suggestion.led": "领衔提出代表建议",
    "suggestion.seconded": "附议代表建议",
    "suggestion.answered": "代表建议已答复",
}


class Event(db.Model):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24), index=True)
    actor: Mapped[str] = mapped_column(String(16))  # citizen | deputy | staff | system | wechat
    actor_id: Mapped[int | None] = mapped_column(Integer)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def label(self) -> str:
        return EVENT_LABELS.get(self.kind, self.kind)


_events = Event.__table__
_INSERT = insert(_events).returning(_events.c.id)


def record(
    kind: str,
    message_id: int | None,
    actor: str,
    actor_id: int | None = None,
    at: datetime | None = None,
    **data,
) -> int:
    """Insert the event now, in the caller's transaction (a plain INSERT, no unit-of-work
    bookkeeping), and return its id. `at` backdates it (the demo's history, written as it
    happened); everything live happens now."""
    return execute(
        _INSERT,
        {
            "message_id": message_id,
            "kind": kind,
            "actor": actor,
            "actor_id": actor_id,
            "data": data,
            "created_at": at or utcnow(),
        },
    ).scalar_one()
