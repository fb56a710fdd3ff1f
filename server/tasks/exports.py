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


def build_register(export_id: int) -> str:
    """Build the export's file. Any failure is written on the export (the page shows it in
    Chinese) instead of leaving the clerk watching a bar that never moves."""
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
            exports.builder("register")(export_id)
        except Exception:
            log.exception("register export %s failed", export_id)
            db.session.rollback()
            db.session.execute(
                update(RegisterExport)
                .where(RegisterExport.id == export_id)
                .values(
                    status="failed",
                    error="生成登记簿时出错，请稍后重新导出；如果一再出错，请联系系统管理员。",
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
