"""Register exports too big for a request: started here, built by a background job
(server/tasks/exports.py) into the instance directory, watched on a page with a progress bar,
downloaded by the account that asked for it (anyone else: 404), deleted after a day."""

from __future__ import annotations

import secrets

from flask import abort, g, jsonify, render_template, send_file, url_for
from sqlalchemy import update

from server.admin import bp, registers
from server.admin.filters import ItemFilter
from server.admin.xlsx import SheetWriter
from server.models import Message, RegisterExport, StaffUser
from server.models.audit import audit
from server.platform import exports
from server.platform.clock import utcnow
from server.platform.db import db

CHUNK = 1000  # items loaded (with their answers and ratings) and written at a time


def own_export_or_404(
    export_id: int, kinds: tuple[str, ...] = tuple(registers.KINDS)
) -> RegisterExport:
    """Only the account that asked sees an export: a file of a whole scope's items is theirs."""
    export = db.session.get(RegisterExport, export_id)
    if export is None or export.staff_id != g.staff.id or export.kind not in kinds:
        abort(404)
    return export


def export_state(export: RegisterExport, file_endpoint: str = "admin.register_export_file") -> dict:
    """What the progress bar polls: the same for registers and archives."""
    return {
        "status": export.status,
        "label": export.status_label,
        "done": export.done_rows,
        "total": export.total,
        "percent": export.percent,
        "error": export.error,
        "download_url": (
            url_for(file_endpoint, export_id=export.id) if export.status == "done" else None
        ),
    }


@bp.get("/registers/exports/<int:export_id>")
def register_export_page(export_id: int):
    export = own_export_or_404(export_id)
    return render_template("admin/register_export.html", export=export, state=export_state(export))


@bp.get("/registers/exports/<int:export_id>.json")
def register_export_status(export_id: int):
    return jsonify(export_state(own_export_or_404(export_id)))


@bp.get("/registers/exports/<int:export_id>/file")
def register_export_file(export_id: int):
    export = own_export_or_404(export_id)
    path = exports.export_dir() / (export.file_name or "-")
    if export.status != "done" or not export.file_name or not path.is_file():
        abort(404)
    return send_file(
        path,
        mimetype=registers.XLSX_MIMETYPE,
        as_attachment=True,
        download_name=registers.download_name(export.kind, export.args),
    )


def _progress(export_id: int, **values) -> None:
    db.session.execute(
        update(RegisterExport).where(RegisterExport.id == export_id).values(**values)
    )
    db.session.commit()


def build(export_id: int) -> None:
    """Write the export's file, CHUNK items at a time, as the account that asked (its scope,
    checked again now: a station taken away since is not exported)."""
    export = db.session.get(RegisterExport, export_id)
    kind, args, title = export.kind, dict(export.args), export.title
    g.staff = db.session.get(StaffUser, export.staff_id)
    item_filter = ItemFilter.from_args(args)
    query = registers.register_query(item_filter, kind).order_by(Message.created_at, Message.id)
    ids = list(db.session.scalars(query.with_only_columns(Message.id)))
    _progress(export_id, total=len(ids))
    name = f"register-{export_id}-{secrets.token_hex(8)}.xlsx"
    folder = exports.export_dir()
    partial = folder / f"{name}.part"
    sheet_title, columns = registers.sheet(kind)
    writer = SheetWriter(partial, sheet_title, title, columns)
    try:
        for start in range(0, len(ids), CHUNK):
            messages = registers.load_chunk(ids[start : start + CHUNK])
            writer.write(registers.rows_of(kind, messages))
            db.session.expunge_all()  # memory stays one chunk's worth
            _progress(export_id, done_rows=min(start + CHUNK, len(ids)))
        writer.close()
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.rename(folder / name)
    _progress(export_id, status="done", file_name=name, done_rows=len(ids), finished_at=utcnow())
    audit("register_exported", kind, staff_id=g.staff.id, rows=len(ids), background=True, **args)
    db.session.commit()


exports.provide("register", build)
