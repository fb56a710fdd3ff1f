"""双公开 on the dashboard: staff choose how an item is published (whole, summary, not at all)
on its page, and approve what is proposed on 公开审核 (`/admin/publications`): the redacted
text side by side with the original, what the redaction took out, the redacted text editable
before approval. Permission `publish` (server/admin/scope.py); every step is audit-logged.
Station staff see their stations' publications; administrators all of them."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for

from server.admin import bp, scope
from server.admin.auth import requires
from server.admin.forms import text
from server.admin.items import _item_page
from server.models import Publication
from server.models.audit import audit
from server.models.publication import PUBLICATION_STATUSES
from server.platform.db import db
from server.platform.errors import ApiError
from server.publish import service

FIELD_LABELS = {"text": "反映内容", "answer": "答复", "title": "标题", "content": "建议内容"}


def _scoped(query):
    ids = scope.station_ids()
    return query if ids is None else query.where(Publication.station_id.in_(ids))


def _publication_or_404(publication_id: int) -> Publication:
    row = db.session.scalar(_scoped(db.select(Publication).where(Publication.id == publication_id)))
    if row is None:
        abort(404)
    return row


def _target(row: Publication) -> str:
    """The audit log's target: the item itself (the log links to it), or the publication."""
    if row.subject_kind == "item":
        return f"message:{row.subject_id}"
    return f"{row.subject_kind}_publication:{row.id}"


@bp.post("/items/<int:message_id>/publish")
@requires("publish")
def item_publish(message_id: int):
    """The item page's choice: `whole`, `summary` (with an optional summary) or `none`."""
    message = scope.message_or_404(message_id)
    mode = request.form.get("mode") or ""
    back = redirect(url_for("admin.item", message_id=message.id))
    if mode == "none":
        row = service.publication_of("item", message.id)
        if row is None or row.status == "withdrawn":
            flash("该反映不公开", "success")
            return back
        try:
            service.withdraw(row, g.staff.id, "选择不公开")
        except ApiError as exc:
            db.session.rollback()
            return _item_page(message, {"mode": exc.message}, request.form, status=exc.status)
        audit("publication_withdrawn", _target(row), reason="选择不公开", publication_id=row.id)
        db.session.commit()
        flash("已撤回公开，公开页面不再显示该反映", "success")
        return back
    errors: dict[str, str] = {}
    summary = text(request.form, "summary", "公开摘要", 240, errors=errors)
    if mode not in ("whole", "summary"):
        errors["mode"] = "请选择公开方式：全文公开、摘要公开或不公开"
    if errors:
        return _item_page(message, errors, request.form, status=422)
    try:
        row = service.propose_item(message, mode, g.staff.id, summary or None)
    except ApiError as exc:
        db.session.rollback()
        text_ = next(iter((exc.fields or {}).values()), exc.message)
        return _item_page(message, {"mode": text_}, request.form, status=exc.status)
    audit("publication_proposed", _target(row), mode=mode, publication_id=row.id,
          found=len(row.findings))  # fmt: skip
    db.session.commit()
    flash("已提交公开审核：请在「公开审核」核对脱敏后的文字并批准", "success")
    return redirect(url_for("admin.publication", publication_id=row.id))


@bp.get("/publications")
@requires("publish")
def publication_list():
    status = request.args.get("status") or "proposed"
    if status not in PUBLICATION_STATUSES:
        abort(404)
    rows = list(
        db.session.scalars(
            _scoped(db.select(Publication).where(Publication.status == status))
            .order_by(Publication.proposed_at.desc(), Publication.id.desc())
            .limit(200)
        )
    )
    return render_template(
        "admin/publications.html", rows=rows, status=status, statuses=PUBLICATION_STATUSES
    )


def _page(row: Publication, errors=None, values=None, status: int = 200):
    return render_template(
        "admin/publication.html",
        p=row,
        labels=FIELD_LABELS,
        errors=errors or {},
        values=values or {},
    ), status


@bp.get("/publications/<int:publication_id>")
@requires("publish")
def publication(publication_id: int):
    return _page(_publication_or_404(publication_id))


@bp.post("/publications/<int:publication_id>/edit")
@requires("publish")
def publication_edit(publication_id: int):
    row = _publication_or_404(publication_id)
    new = {key: request.form.get(f"f-{key}", "") for key in row.redacted}
    try:
        service.edit(row, new, g.staff.id)
    except ApiError as exc:
        db.session.rollback()
        errors = {f"f-{k}": v for k, v in (exc.fields or {}).items()} or {"form": exc.message}
        return _page(db.session.get(Publication, publication_id), errors, request.form,
                     exc.status)  # fmt: skip
    audit("publication_edited", _target(row), fields=",".join(sorted(new)), publication_id=row.id)
    db.session.commit()
    flash("已保存修改后的公开文字", "success")
    return redirect(url_for("admin.publication", publication_id=row.id))


@bp.post("/publications/<int:publication_id>/approve")
@requires("publish")
def publication_approve(publication_id: int):
    row = _publication_or_404(publication_id)
    try:
        service.approve(row, g.staff.id)
    except ApiError as exc:
        db.session.rollback()
        return _page(db.session.get(Publication, publication_id), {"form": exc.message},
                     status=exc.status)  # fmt: skip
    audit("publication_approved", _target(row), mode=row.mode, publication_id=row.id)
    db.session.commit()
    flash("已批准公开，公开页面现在可以看到", "success")
    return redirect(url_for("admin.publication", publication_id=row.id))


@bp.post("/publications/<int:publication_id>/withdraw")
@requires("publish")
def publication_withdraw(publication_id: int):
    row = _publication_or_404(publication_id)
    errors: dict[str, str] = {}
    reason = text(request.form, "reason", "撤回理由", 200, errors=errors)
    if errors:
        return _page(row, errors, request.form, 422)
    try:
        service.withdraw(row, g.staff.id, reason)
    except ApiError as exc:
        db.session.rollback()
        return _page(db.session.get(Publication, publication_id), {"form": exc.message},
                     status=exc.status)  # fmt: skip
    audit("publication_withdrawn", _target(row), reason=reason, publication_id=row.id)
    db.session.commit()
    flash("已撤回，公开页面不再显示", "success")
    return redirect(url_for("admin.publication", publication_id=row.id))
