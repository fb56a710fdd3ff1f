"""「不在受理范围」 on the dashboard: administrators keep the scope rules (what this platform does
not take and where to go instead, shown before submitting: server/intake/scenes.py
`scope_rules`). List, add, edit, disable or enable again; each change is in the audit log.
A rule is never deleted: a disabled one is simply not shown any more."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from server.admin import bp
from server.admin.auth import admin_only
from server.admin.forms import parse_id, parse_int, text
from server.models import Category, ScopeRule
from server.models.audit import audit
from server.platform.db import db

SORT_MAX = 9999
FIELDS = ("topic", "where", "category_id", "sort_order", "active")


def _categories() -> list[tuple[int, str]]:
    rows = db.session.scalars(db.select(Category).order_by(Category.sort_order, Category.id))
    return [(c.id, c.name + ("" if c.active else "（已停用）")) for c in rows]


@bp.get("/scope-rules")
@admin_only
def scope_rule_list():
    rows = db.session.execute(
        db.select(ScopeRule, Category.name)
        .outerjoin(Category, Category.id == ScopeRule.category_id)
        .order_by(ScopeRule.active.desc(), ScopeRule.sort_order, ScopeRule.id)
    ).all()
    return render_template("admin/scope_rules.html", rows=rows)


def _read(form) -> tuple[dict, dict]:
    errors: dict[str, str] = {}
    values = {
        "topic": text(form, "topic", "不受理的事项", 60, required=True, errors=errors),
        "where": text(form, "where", "建议去向", 120, required=True, errors=errors),
        "category_id": (form.get("category_id") or "").strip(),
        "sort_order": (form.get("sort_order") or "").strip() or "0",
        "active": form.get("active") == "1",
    }
    category_id, problem = parse_id(values["category_id"])
    if problem:
        errors["category_id"] = problem
    elif category_id is not None and db.session.get(Category, category_id) is None:
        errors["category_id"] = "所选类别不存在，请重新选择"
    else:
        values["category_id"] = category_id
    order = parse_int(values["sort_order"])
    if order is None or order > SORT_MAX:
        errors["sort_order"] = f"排序应为 0 至 {SORT_MAX} 的整数"
    else:
        values["sort_order"] = order
    return values, errors


def _form(rule: ScopeRule | None, values: dict, errors: dict, status: int = 200):
    return render_template(
        "admin/scope_rule_form.html",
        rule=rule,
        values=values,
        errors=errors,
        categories=_categories(),
    ), status


def _changes(rule: ScopeRule, values: dict) -> dict:
    """What an edit changes, for the audit log: {field: [before, after]}."""
    return {
        name: [getattr(rule, name), values[name]]
        for name in FIELDS
        if getattr(rule, name) != values[name]
    }


@bp.route("/scope-rules/new", methods=["GET", "POST"])
@admin_only
def scope_rule_new():
    if request.method == "GET":
        return _form(None, {"active": True, "sort_order": 0}, {})
    values, errors = _read(request.form)
    if errors:
        return _form(None, values, errors, 422)
    rule = ScopeRule(**{name: values[name] for name in FIELDS})
    db.session.add(rule)
    db.session.flush()
    audit("scope_rule_created", f"scope_rule:{rule.id}", topic=rule.topic, where=rule.where)
    db.session.commit()
    flash(f"已添加「{rule.topic}」", "success")
    return redirect(url_for("admin.scope_rule_list"))


def _rule_or_404(rule_id: int) -> ScopeRule:
    rule = db.session.get(ScopeRule, rule_id)
    if rule is None:
        abort(404)
    return rule


@bp.route("/scope-rules/<int:rule_id>", methods=["GET", "POST"])
@admin_only
def scope_rule_edit(rule_id: int):
    rule = _rule_or_404(rule_id)
    if request.method == "GET":
        return _form(rule, {name: getattr(rule, name) for name in FIELDS}, {})
    values, errors = _read(request.form)
    if errors:
        return _form(rule, values, errors, 422)
    changes = _changes(rule, values)
    if not changes:
        flash("没有改动", "info")
        return redirect(url_for("admin.scope_rule_list"))
    for name in FIELDS:
        setattr(rule, name, values[name])
    audit("scope_rule_updated", f"scope_rule:{rule.id}", topic=rule.topic, changes=changes)
    db.session.commit()
    flash(f"已保存「{rule.topic}」", "success")
    return redirect(url_for("admin.scope_rule_list"))


@bp.post("/scope-rules/<int:rule_id>/active")
@admin_only
def scope_rule_toggle(rule_id: int):
    """Disable a rule (no longer shown before submitting) or enable it again."""
    rule = _rule_or_404(rule_id)
    wanted = request.form.get("active")
    if wanted not in ("0", "1"):
        abort(400)
    rule.active = wanted == "1"
    audit(
        "scope_rule_enabled" if rule.active else "scope_rule_disabled",
        f"scope_rule:{rule.id}",
        topic=rule.topic,
    )
    db.session.commit()
    flash(f"已{'启用' if rule.active else '停用'}「{rule.topic}」", "success")
    return redirect(url_for("admin.scope_rule_list"))
