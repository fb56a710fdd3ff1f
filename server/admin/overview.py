"""The overview a clerk leaves open: this period's numbers, charts, tables and the newest items.

The live part is one template fragment. The page asks every few seconds whether anything
happened (a cheap stamp) and only then fetches the fragment again, so new items appear without
a reload and the numbers never disagree with the page a reload would give.
"""

from __future__ import annotations

from flask import current_app, jsonify, redirect, render_template, request, url_for

from server.admin import bp, stats
from server.admin.charts import day_bars


def _live_context() -> dict:
    data = stats.overview()
    return {
        "data": data,
        "chart": day_bars(data["per_day"]),
        "periods": stats.PERIOD_LABELS,
        "stamp": stats.stamp(data["now"]),
    }


@bp.get("/")
def overview():
    return render_template(
        "admin/overview.html", poll_ms=current_app.config["ADMIN_POLL_MS"], **_live_context()
    )


@bp.get("/overview")
def overview_alias():
    return redirect(url_for("admin.overview"))


@bp.get("/overview/live.json")
def overview_live():
    current = stats.stamp()
    if request.args.get("stamp") == current:
        return jsonify({"changed": False, "stamp": current})
    context = _live_context()
    html = render_template("admin/_overview_live.html", **context)
    return jsonify({"changed": True, "stamp": context["stamp"], "html": html})
