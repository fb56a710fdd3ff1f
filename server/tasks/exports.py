"""Register exports too big to build inside a request: one job per export, streaming."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import update

from server.models import RegisterExport
from server.platform import exports
from server.platform.clock import utcnow
from server.platform.db import db
from server.tasks import job_context

log = logging.getLogger(__name__)
KEEP = timedelta(days=1)  # a file is fetched soon after it is built; then it is only a risk


FAILED = {
    "register": "生成登记簿时出错，请稍后重新导出；如果一再出错，请联系系统管理员。",
    "archive": "生成履职档案时出错，请稍后重新打包；如果一再出错，请联系系统管理员。",
}


def build_register(export_id: int) -> str:
    """Build the export's file. Any failure is written on the export (the page shows it in
    Chinese) instead of leaving the clerk watching a bar that never moves."""
    return _build("register", export_id)


def build_archive(export_id: int) -> str:
    """A station's 履职档案 zip (server/admin/archive.py builds it), the same way."""
    return _build("archive", export_id)


def _build(builder: str, export_id: int) -> str:
    with job_context():
        claimed = db.session.execute(
            update(RegisterExport)
            .where(RegisterExport.id == export_id, RegisterExport.status == "queued")
            .values(status="running")
        )
        db.session.commit()
        if claimed.rowcount != 1:
            return "not queued"  # run twice, or already finished
        try:
            exports.builder(builder)(export_id)
        except Exception:
            log.exception("%s export %s failed", builder, export_id)
            db.session.rollback()
            db.session.execute(
                update(RegisterExport)
                .where(RegisterExport.id == export_id)
                .values(
                    status="failed",
                    error=FAILED[builder],
                    finished_at=utcnow(),
                )
            )
            db.session.commit()
            return "failed"
        return "done"


def clean_exports() -> int:
    """Delete export files and rows older than a day (periodic)."""
    with job_context():
        cutoff = utcnow() - KEEP
        old = list(
            db.session.scalars(db.select(RegisterExport).where(RegisterExport.created_at < cutoff))
        )
        folder = exports.export_dir()
        for export in old:
            if export.file_name:
                (folder / export.file_name).unlink(missing_ok=True)
            db.session.delete(export)
        db.session.commit()
        return len(old)
