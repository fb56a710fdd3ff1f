"""季度分析: the quarter's figures and charts per station or for every station the viewer may
see (the county or province), its topics and clusters, the 民生实事 candidate list, the fair
responsiveness tables; exported as .xlsx and as a printable page.

The figures come from the summary rows (server/insight/quarterly.py), the topics and clusters
from the newest analysis run of the quarter, a background job staff start here
(server/insight/analysis.py). The charts are ECharts, served from server/static/vendor (no CDN);
their data is in a data attribute read by server/static/admin/analysis.js (no inline script).
"""

from __future__ import annotations

import io
from collections.abc import Callable

from flask import abort, current_app, g, redirect, render_template, request, send_file, url_for
from sqlalchemy import select

from server.admin import bp, scope
from server.admin.suggestions import cluster_deputies, draft_from_cluster
from server.insight import analysis as runs
from server.insight import fairness, quarterly
from server.insight.periods import Quarter, recent
from server.models import Cluster, ClusterRun, Message
from server.models.audit import audit
from server.platform.clock import local_today
from server.platform.db import db
from server.platform.errors import ApiError
from server.platform.queue import after_commit, enqueue_analysis


# The draft 代表建议 made from a cluster: a function (cluster, staff) -> url of the new draft
# (prefilled title, the cluster's items linked; server/admin/suggestions.py). None: the button
# says 待接入 (kept as a hook so the analysis runs without the suggestions feature).
def _draft_suggestion(cluster: Cluster, staff) -> str:
    return draft_from_cluster(cluster, staff, draft_of(cluster))


SUGGESTION_DRAFT_HOOK: Callable | None = _draft_suggestion


def _bad(message: str, code: int = 400):
    return render_template("admin/error.html", code=code, message=message), code


def _choices() -> tuple[Quarter, list[int] | None, object | None]:
    """The page's quarter and station filter, within the viewer's stations; raises ValueError
    (Chinese) for a bad quarter, 404 for a station outside the viewer's scope."""
    text = request.args.get("quarter") or Quarter.of(local_today()).key
    quarter = Quarter.parse(text)
    station = None
    raw = request.args.get("station", "")
    if raw:
        if not raw.isdigit():
            raise ValueError("联络站参数无效")
        station = scope.station_or_404(int(raw))
    ids = [station.id] if station is not None else scope.station_ids()
    return quarter, ids, station


def _topics(run: ClusterRun | None, station) -> dict | None:
    """The run's topics for the station, or for all when the viewer sees every station (a
    scoped account's "all" would include stations it may not see: it picks a station)."""
    if run is None:
        return None
    if station is not None:
        return run.topics.get(str(station.id))
    ids = scope.station_ids()
    if ids is None:
        return run.topics.get(runs.ALL)
    return run.topics.get(str(ids[0])) if len(ids) == 1 else None


def _clusters(quarter: Quarter, ids: list[int] | None, limit: int = 50) -> list[Cluster]:
    query = select(Cluster).where(Cluster.quarter == quarter.key)
    if ids is not None:
        query = query.where(Cluster.station_id.in_(ids))
    return list(db.session.scalars(query.order_by(Cluster.size.desc(), Cluster.id).limit(limit)))


def _context() -> dict:
    quarter, ids, station = _choices()
    result = quarterly.analyse(quarter, ids)
    run = runs.latest(quarter)
    pending = db.session.scalar(
        select(ClusterRun)
        .where(ClusterRun.quarter == quarter.key, ClusterRun.status.in_(("queued", "running")))
        .order_by(ClusterRun.id.desc())
        .limit(1)
    )
    return {
        "quarter": quarter,
        "quarters": recent(local_today()),
        "station": station,
        "stations": scope.visible_stations(),
        "result": result,
        "charts": result.chart_data(),
        "run": run,
        "pending": pending,
        "topics": _topics(run, station),
        "clusters": _clusters(quarter, ids),
        "args": {"quarter": quarter.key, **({"station": station.id} if station else {})},
    }


@bp.get("/analysis")
def analysis_page():
    try:
        context = _context()
    except ValueError as exc:
        return _bad(str(exc))
    return render_template("admin/analysis.html", **context)


@bp.get("/analysis/print")
def analysis_print():
    try:
        context = _context()
    except ValueError as exc:
        return _bad(str(exc))
    return render_template("admin/analysis_print.html", **context)


@bp.get("/analysis.xlsx")
def analysis_export():
    try:
        context = _context()
    except ValueError as exc:
        return _bad(str(exc))
    data = workbook(context)
    where = context["station"].name if context["station"] else "全部联络站"
    audit("analysis_exported", "季度分析", quarter=context["quarter"].key, station=where)
    db.session.commit()
    return send_file(
        io.BytesIO(data),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        as_attachment=True,
        download_name=f"季度分析-{context['quarter'].key}.xlsx",
    )


@bp.post("/analysis/run")
def analysis_run():
    try:
        quarter = Quarter.parse(request.form.get("quarter", ""))
    except ValueError as exc:
        return _bad(str(exc))
    busy = db.session.scalar(
        select(ClusterRun.id).where(
            ClusterRun.quarter == quarter.key, ClusterRun.status.in_(("queued", "running"))
        )
    )
    if busy is None:
        run = ClusterRun(quarter=quarter.key, status="queued", topics={}, staff_id=g.staff.id)
        db.session.add(run)
        db.session.flush()
        audit("analysis_run", "季度分析", quarter=quarter.key)
        timeout = current_app.config["ANALYSIS_JOB_TIMEOUT"]
        after_commit(db.session(), enqueue_analysis, run.id, timeout)
        db.session.commit()
    return redirect(url_for("admin.analysis_page", quarter=quarter.key))


def _cluster_or_404(cluster_id: int) -> Cluster:
    cluster = db.session.get(Cluster, cluster_id)
    ids = scope.station_ids()
    if cluster is None or (ids is not None and cluster.station_id not in ids):
        abort(404)
    return cluster


@bp.get("/analysis/clusters/<int:cluster_id>")
def cluster_page(cluster_id: int):
    cluster = _cluster_or_404(cluster_id)
    ids = [m.message_id for m in cluster.members]
    items = list(
        db.session.scalars(scope.scope_messages(select(Message).where(Message.id.in_(ids))))
    )
    items.sort(key=lambda m: m.created_at)
    return render_template(
        "admin/analysis_cluster.html",
        cluster=cluster,
        items=items,
        year=int(cluster.quarter[:4]),
        draft_ready=SUGGESTION_DRAFT_HOOK is not None,
        deputies=cluster_deputies(cluster) if SUGGESTION_DRAFT_HOOK is not None else [],
    )


@bp.post("/analysis/clusters/<int:cluster_id>/candidate")
def cluster_candidate(cluster_id: int):
    cluster = _cluster_or_404(cluster_id)
    raw = request.form.get("year", "")
    if raw == "":
        cluster.candidate_year = None
    elif raw.isdigit() and 2000 <= int(raw) <= 2100:
        cluster.candidate_year = int(raw)
    else:
        return _bad("年度无效，应为四位数字，如 2026")
    audit("cluster_candidate", cluster.title, year=cluster.candidate_year or "移出")
    db.session.commit()
    return redirect(url_for("admin.cluster_page", cluster_id=cluster.id))


@bp.post("/analysis/clusters/<int:cluster_id>/draft")
def cluster_draft(cluster_id: int):
    cluster = _cluster_or_404(cluster_id)
    if SUGGESTION_DRAFT_HOOK is None:
        return _bad("代表建议功能尚未接入，暂不能生成建议草稿", 409)
    try:
        return redirect(SUGGESTION_DRAFT_HOOK(cluster, g.staff))
    except ApiError as refused:
        db.session.rollback()
        detail = "".join(f"（{v}）" for v in (refused.fields or {}).values())
        return _bad(f"{refused.message}{detail}，没有生成草稿", refused.status)


def draft_of(cluster: Cluster) -> dict:
    """What a draft 代表建议 made from `cluster` is prefilled with: for the hook."""
    where = cluster.station.name if cluster.station else ""
    what = cluster.category.name if cluster.category else ""
    return {
        "title": f"关于{where}{cluster.title}问题的建议"[:100],
        "summary": f"{cluster.quarter} 共 {cluster.size} 件群众反映（{what}）：{cluster.keywords}",
        "message_ids": [m.message_id for m in cluster.members],
    }


@bp.get("/analysis/candidates")
def candidate_list():
    raw = request.args.get("year") or str(local_today().year)
    if not (raw.isdigit() and 2000 <= int(raw) <= 2100):
        return _bad("年度无效，应为四位数字，如 2026")
    year = int(raw)
    query = select(Cluster).where(Cluster.candidate_year == year)
    ids = scope.station_ids()
    if ids is not None:
        query = query.where(Cluster.station_id.in_(ids))
    rows = list(db.session.scalars(query.order_by(Cluster.size.desc(), Cluster.id)))
    return render_template("admin/analysis_candidates.html", year=year, rows=rows)


@bp.get("/analysis/responsiveness")
def responsiveness_page():
    try:
        quarter, ids, station = _choices()
    except ValueError as exc:
        return _bad(str(exc))
    start, end = quarter.bounds()
    config = current_app.config
    tables = fairness.tables(
        start, end, config["DEPUTY_ANSWER_HOURS"], config["FAIR_MIN_ITEMS"], ids
    )
    return render_template(
        "admin/analysis_fair.html",
        quarter=quarter,
        quarters=recent(local_today()),
        station=station,
        stations=scope.visible_stations(),
        tables=tables,
        minimum=config["FAIR_MIN_ITEMS"],
    )


def workbook(context: dict) -> bytes:
    """The analysis as a workbook: one sheet per table, as the page shows them."""
    import xlsxwriter

    result = context["result"]
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False})
    bold = book.add_format({"bold": True, "bg_color": "#F2DCDB", "border": 1})
    title = book.add_format({"bold": True, "font_size": 14})
    where = context["station"].name if context["station"] else "全部联络站"
    heading = f"{where} {context['quarter'].label} 季度分析"
    columns = [
        "收到",
        "已答复",
        "已办结",
        "答复率%",
        "办结率%",
        "满意",
        "基本满意",
        "不满意",
        "满意率%",
    ]

    def figures(f: quarterly.Figures) -> list:
        return [f.received, f.replied, f.closed, f.response_rate, f.closure_rate,
                f.rated_satisfied, f.rated_basically_satisfied, f.rated_unsatisfied,
                f.satisfaction]  # fmt: skip

    def sheet(name: str, first: str, rows: list[tuple[str, list]]) -> None:
        ws = book.add_worksheet(name)
        ws.write_string(0, 0, heading, title)
        header = [first, *columns] if rows and len(rows[0][1]) == len(columns) else [first, "件数"]
        for i, text in enumerate(header):
            ws.write_string(1, i, text, bold)
            ws.set_column(i, i, 14 if i else 24)
        for r, (label, values) in enumerate(rows, start=2):
            ws.write_string(r, 0, str(label))
            for c, value in enumerate(values, start=1):
                if value is None:
                    ws.write_blank(r, c, None)
                elif isinstance(value, str):
                    ws.write_string(r, c, value)
                else:
                    ws.write_number(r, c, value)
        ws.freeze_panes(2, 0)

    sheet("汇总", "", [("本季度", figures(result.total)), ("上季度", figures(result.before))])
    sheet("按月", "月份", [(r.label, figures(r.figures)) for r in result.by_month])
    sheet("按类别", "类别", [(r.label, figures(r.figures)) for r in result.by_category])
    sheet("按联络站", "联络站", [(r.label, figures(r.figures)) for r in result.by_station])
    sheet("按渠道", "渠道", [(label, [n]) for _, label, n in result.by_channel])
    topics = context["topics"] or {}
    sheet("热词", "热词", [(w, [k]) for w, k in topics.get("top", [])])
    sheet("上升话题", "热词", [(w, [k]) for w, k, _ in topics.get("rising", [])])
    sheet(
        "相似反映聚类",
        "聚类",
        [(c.title, [c.size]) for c in context["clusters"]],
    )
    book.close()
    return out.getvalue()
