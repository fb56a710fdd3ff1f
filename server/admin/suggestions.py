"""代表建议 on the dashboard: the list with its three colours, one suggestion with 规范性审查
(back to the deputy with remarks, or accept and number), 交办 (主办, 协办, deadline, 重点督办),
closing, the per-unit table, and the yearly register (.xlsx). Reading needs `suggest`; the
review and 交办 need `suggest_manage` (the 代表工委 and administrators). Station staff see the
suggestions led by their stations' deputies."""

from __future__ import annotations

import io

from flask import abort, flash, g, redirect, render_template, request, send_file, url_for

from server.admin import bp, scope
from server.admin.auth import requires
from server.admin.forms import parse_int
from server.admin.scope import deputy_query, station_ids
from server.admin.xlsx import DATETIME_FORMAT, Column, excel_time, workbook
from server.models import GRADES, SCORES, SUGGESTION_STATUSES, Deputy, Suggestion, Unit
from server.models.audit import audit
from server.models.suggestion import MEETING_FORMS
from server.platform.clock import local_today, utcnow
from server.platform.db import db
from server.platform.errors import ApiError, validation_error
from server.publish import service as publish
from server.routing import workdays
from server.routing.stages import COLOUR_LABELS, colour
from server.suggestions import documents, service, stats
from server.suggestions.moves import allowed

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
OPEN = ("assigned", "signed", "reanswer")
PER_PAGE = 100


def _scoped(query):
    if station_ids() is None:
        return query
    return query.where(Suggestion.lead_deputy_id.in_(deputy_query().with_only_columns(Deputy.id)))


def _or_404(suggestion_id: int) -> Suggestion:
    row = db.session.scalar(_scoped(db.select(Suggestion).where(Suggestion.id == suggestion_id)))
    if row is None:
        abort(404)
    return row


def suggestion_colour(row: Suggestion) -> str | None:
    if row.status not in OPEN:
        return None
    return colour(row.due_at, utcnow(), workdays.current())


def _year(value: str | None) -> int | None:
    year = parse_int(value)
    return year if year and 2000 <= year <= 2100 else None


@bp.get("/suggestions")
@requires("suggest")
def suggestion_list():
    status = request.args.get("status") or ""
    query = _scoped(db.select(Suggestion))
    if status in SUGGESTION_STATUSES:
        query = query.where(Suggestion.status == status)
    year = _year(request.args.get("year"))
    if year:
        query = query.where(Suggestion.year == year)
    rows = list(db.session.scalars(query.order_by(Suggestion.id.desc()).limit(PER_PAGE)))
    return render_template(
        "admin/suggestions.html",
        rows=rows,
        colours={r.id: suggestion_colour(r) for r in rows},
        COLOUR_LABELS=COLOUR_LABELS,
        statuses=SUGGESTION_STATUSES,
        status=status,
        year=year or "",
        this_year=local_today().year,
    )


@bp.get("/suggestions/<int:suggestion_id>")
@requires("suggest")
def suggestion_page(suggestion_id: int):
    return _page(_or_404(suggestion_id))


def _page(row: Suggestion, status: int = 200, refusal: str | None = None):
    units = list(db.session.scalars(db.select(Unit).where(Unit.active.is_(True)).order_by(Unit.id)))
    return render_template(
        "admin/suggestion.html",
        s=row,
        colour=suggestion_colour(row),
        COLOUR_LABELS=COLOUR_LABELS,
        units=units,
        can=lambda name: allowed(name, row.status, "staff"),
        GRADES=GRADES,
        SCORES=SCORES,
        MEETING_FORMS=MEETING_FORMS,
        refusal=refusal,
        publication=publish.publication_of("suggestion", row.id),
        may_publish=scope.may("publish"),
        publishable=row.status in publish.PUBLISHABLE_SUGGESTION_STATUSES and bool(row.answer),
    ), status


def _act(suggestion_id: int, step, done: str, action: str, **data):
    """Run one staff step; a refusal is shown on the page (409/422) with nothing written."""
    row = _or_404(suggestion_id)
    try:
        step(row)
    except ApiError as refused:
        db.session.rollback()
        text = refused.message + "".join(f"（{v}）" for v in (refused.fields or {}).values())
        return _page(_or_404(suggestion_id), refused.status, text)
    audit(action, f"suggestion:{row.id}", **data)
    db.session.commit()
    flash(done, "success")
    return redirect(url_for("admin.suggestion_page", suggestion_id=suggestion_id))


def _staff_id() -> int:
    return g.staff.id


@bp.get("/suggestions/<int:suggestion_id>/document")
@requires("suggest")
def suggestion_document(suggestion_id: int):
    """The unit's answer document (PDF), as it was uploaded and checked."""
    row = _or_404(suggestion_id)
    if row.document is None:
        abort(404)
    return send_file(
        documents.document_path(row.document),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"{row.number or row.id}-答复.pdf",
    )


@bp.post("/suggestions/<int:suggestion_id>/return")
@requires("suggest_manage")
def suggestion_return(suggestion_id: int):
    remarks = request.form.get("remarks", "")
    return _act(
        suggestion_id,
        lambda row: service.review_return(row, _staff_id(), remarks),
        "已退回代表修改",
        "suggestion_returned",
    )


@bp.post("/suggestions/<int:suggestion_id>/accept")
@requires("suggest_manage")
def suggestion_accept(suggestion_id: int):
    return _act(
        suggestion_id,
        lambda row: service.accept(row, _staff_id()),
        "审查通过，已编号",
        "suggestion_accepted",
    )


@bp.post("/suggestions/<int:suggestion_id>/assign")
@requires("suggest_manage")
def suggestion_assign(suggestion_id: int):
    form = request.form
    unit_id = parse_int(form.get("unit_id"))
    co_ids = [parse_int(v) for v in form.getlist("co_unit_ids") if v]
    raw_days = (form.get("days") or "").strip()
    days = parse_int(raw_days) if raw_days else None
    if raw_days and days is None:
        days = -1  # not a number: the service says what is wrong

    def step(row):
        if None in co_ids:
            raise ApiError(422, "validation_error", "请选择有效的协办单位")
        service.assign(
            row, _staff_id(), unit_id if unit_id is not None else 0, co_ids, days=days,
            priority=form.get("priority") == "1",
        )  # fmt: skip

    return _act(suggestion_id, step, "已交办", "suggestion_assigned", unit_id=unit_id)


@bp.post("/suggestions/<int:suggestion_id>/priority")
@requires("suggest_manage")
def suggestion_priority(suggestion_id: int):
    on = request.form.get("on") == "1"
    return _act(
        suggestion_id,
        lambda row: service.set_priority(row, _staff_id(), on),
        "已设为重点督办" if on else "已取消重点督办",
        "suggestion_priority",
        on=on,
    )


@bp.post("/suggestions/<int:suggestion_id>/close")
@requires("suggest_manage")
def suggestion_close(suggestion_id: int):
    return _act(
        suggestion_id,
        lambda row: service.close(row, "staff", _staff_id()),
        "已办结",
        "suggestion_closed",
    )


@bp.post("/suggestions/<int:suggestion_id>/publish")
@requires("publish")
def suggestion_publish(suggestion_id: int):
    """双公开: propose the suggestion with its final answer; it goes through 公开审核 (redacted
    text beside the original, approval) like an item, and is public only once approved."""
    row = _or_404(suggestion_id)
    try:
        publication = publish.propose_suggestion(row, g.staff.id)
    except ApiError as refused:
        db.session.rollback()
        return _page(_or_404(suggestion_id), refused.status, refused.message)
    audit("publication_proposed", f"suggestion_publication:{publication.id}", mode="whole",
          publication_id=publication.id, suggestion_id=row.id,
          found=len(publication.findings))  # fmt: skip
    db.session.commit()
    flash("已提交公开审核：请在「公开审核」核对脱敏后的文字并批准", "success")
    return redirect(url_for("admin.publication", publication_id=publication.id))


@bp.get("/suggestions/units")
@requires("suggest")
def suggestion_units():
    year = _year(request.args.get("year")) or local_today().year
    rows = stats.unit_table(_in_scope(stats.handed_in_year(year)))
    return render_template("admin/suggestion_units.html", rows=rows, year=year)


def _in_scope(rows: list[Suggestion]) -> list[Suggestion]:
    if station_ids() is None:
        return rows
    allowed_ids = set(db.session.scalars(_scoped(db.select(Suggestion.id))))
    return [r for r in rows if r.id in allowed_ids]


REGISTER_COLUMNS = [
    Column("建议编号", 18),
    Column("标题", 30, wrap=True),
    Column("领衔代表", 10),
    Column("附议代表", 18, wrap=True),
    Column("主办单位", 18, wrap=True),
    Column("协办单位", 18, wrap=True),
    Column("交办时间", 16, number_format=DATETIME_FORMAT),
    Column("办理时限", 16, number_format=DATETIME_FORMAT),
    Column("重点督办", 8),
    Column("签收时间", 16, number_format=DATETIME_FORMAT),
    Column("面商次数", 8),
    Column("答复时间", 16, number_format=DATETIME_FORMAT),
    Column("答复类别", 20, wrap=True),
    Column("代表评价", 12),
    Column("办理状态", 14),
    Column("关联群众反映", 10),
]


def register_rows(rows: list[Suggestion]) -> list[list]:
    out = []
    for s in rows:
        last = s.evaluations[-1] if s.evaluations else None
        out.append([
            s.number or "",
            s.title,
            s.lead_deputy.name,
            "、".join(d.deputy.name for d in s.co_deputies if d.state == "confirmed"),
            s.lead_unit.unit.name if s.lead_unit else "",
            "、".join(u.unit.name for u in s.co_units),
            excel_time(s.assigned_at),
            excel_time(s.due_at),
            "是" if s.priority else "",
            excel_time(s.signed_at),
            len(s.meetings),
            excel_time(s.answered_at),
            f"{s.grade} {GRADES[s.grade]}" if s.grade else "",
            SCORES[last.score] if last else "",
            s.status_label,
            len(s.links),
        ])  # fmt: skip
    return out


@bp.get("/suggestions/register.xlsx")
@requires("suggest")
def suggestion_register():
    """代表建议登记簿: one row per numbered suggestion of the year, in number order."""
    year = _year(request.args.get("year")) or local_today().year
    rows = _in_scope(stats.handed_in_year(year))
    title = f"{year}年代表建议登记簿"
    data = workbook("代表建议", title, REGISTER_COLUMNS, register_rows(rows))
    audit("register_exported", "suggestions", rows=len(rows), year=year)
    db.session.commit()
    return send_file(
        io.BytesIO(data),
        mimetype=XLSX_MIMETYPE,
        as_attachment=True,
        download_name=f"代表建议登记簿-{year}.xlsx",
    )


# -- from a 季度分析 cluster (server/admin/analysis.py: SUGGESTION_DRAFT_HOOK) -------------------


def cluster_deputies(cluster) -> list[tuple[Deputy, int]]:
    """The deputies who hold the cluster's items (the latest hand-over of each), most items
    first: who may lead the suggestion drafted from it."""
    held: dict[int, list] = {}
    for member in cluster.members:
        assignments = member.message.assignments
        if not assignments:
            continue
        latest = max(assignments, key=lambda a: a.id)
        if latest.deputy is not None and latest.deputy.active:
            held.setdefault(latest.deputy_id, [latest.deputy, 0])[1] += 1
    return sorted(((d, n) for d, n in held.values()), key=lambda r: (-r[1], r[0].name, r[0].id))


def draft_from_cluster(cluster, staff, prefill: dict) -> str:
    """A staff-drafted 代表建议 from the cluster: `prefill` (server/admin/analysis.py:
    draft_of — title, summary, message_ids), its items linked (the first MAX_ITEMS), led by
    the deputy staff chose among those holding its items (form field `deputy_id`), else by the
    one holding most. Commits; returns the draft's page. Refusals are ApiErrors with nothing
    written."""
    choices = cluster_deputies(cluster)
    if not choices:
        raise ApiError(409, "no_deputy", "这些反映都没有交办给代表，无法确定领衔代表")
    raw = request.form.get("deputy_id", "")
    if raw:
        chosen = parse_int(raw)
        lead = next((d for d, _ in choices if d.id == chosen), None)
        if lead is None:
            raise validation_error({"deputy_id": "领衔代表应为办理这些反映的代表之一"})
    else:
        lead = choices[0][0]
    ids = prefill["message_ids"][: service.MAX_ITEMS]
    content = prefill["summary"]
    if len(prefill["message_ids"]) > len(ids):
        content += f"（关联其中 {len(ids)} 件）"
    content += "。请领衔代表补充问题分析和具体建议后提交。"
    row = service.draft(lead, prefill["title"], content, ids, actor="staff", actor_id=staff.id)
    audit("suggestion_drafted", f"suggestion:{row.id}", cluster_id=cluster.id,
          deputy=lead.name, items=len(ids))  # fmt: skip
    db.session.commit()
    flash(f"已生成代表建议草稿，领衔代表：{lead.name}；请代表在小程序中修改并提交", "success")
    return url_for("admin.suggestion_page", suggestion_id=row.id)
