"""A register export built in the background: who asked, for what, how far it has got."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from server.models.types import UTCDateTime
from server.platform.clock import utcnow
from server.platform.db import db

EXPORT_STATUS_LABELS = {
    "queued": "排队中",
    "running": "正在生成",
    "done": "已完成",
    "failed": "生成失败",
}


class RegisterExport(db.Model):
    __tablename__ = "register_exports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # suggestions | visits
    # Only this account may download the file (server/admin/register_exports.py).
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"), index=True)
    args: Mapped[dict] = mapped_column(JSON, default=dict)  # the item filter, as query arguments
    title: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(16), default="queued")
    total: Mapped[int] = mapped_column(Integer, default=0)
    done_rows: Mapped[int] = mapped_column(Integer, default=0)
    file_name: Mapped[str | None] = mapped_column(String(200))  # under INSTANCE_PATH/exports
    error: Mapped[str | None] = mapped_column(Text)  # shown to the clerk, in Chinese
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def status_label(self) -> str:
        return EXPORT_STATUS_LABELS.get(self.status, self.status)

    @property
    def percent(self) -> int:
        if self.status == "done":
            return 100
        return min(99, 100 * self.done_rows // self.total) if self.total else 0
