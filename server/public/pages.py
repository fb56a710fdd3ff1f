"""双公开: the public pages (`/public/`), their JSON feeds (`/api/v1/public/items`,
`/api/v1/public/suggestions`) and the Atom feed (`/public/feed.atom`).

No login, no JavaScript, server-rendered and small, for a phone's browser and for news sites.
Everything here reads approved `Publication` snapshots and nothing else (never an item or a
suggestion itself): what staff have not approved, or have withdrawn, cannot appear. Answers
carry `Cache-Control: public, max-age=PUBLIC_CACHE_SECONDS` and an ETag (a withdrawal is
gone from our answers at once, from caches within that time).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Response, current_app, jsonify, render_template, request

from server.models import RATING_LABELS, SUBJECT_KINDS, Category, Publication, Station
from server.platform.clock import iso, local_text, utcnow
from server.platform.db import db
from server.platform.errors import ApiError

bp = Blueprint("public", __name__)

PER_PAGE = 20
FEED_ENTRIES = 50
# What each snapshot field is called on a page (a suggestion's fields are the suggestion
# side's; unknown ones are shown under their own name rather than hidden).
FIELD_LABELS = {
    "title": "标题",
    "text": "反映内容",
    "content": "建议内容",
    "body": "建议内容",
    "answer": "答复",
    "final_answer": "答复",
}
FACT_LABELS = {
    "number": "编号",
    "tracking_no": "编号",
    "station": "联络站",
    "category": "类别",
    "deputy": "领衔代表",
    "co_deputies": "附议代表",
    "unit": "主办单位",
    "co_units": "协办单位",
    "submitted_on": "提出日期",
    "assigned_on": "交办日期",
    "answered_on": "答复日期",
    "grade": "办理结果",
    "answered_by": "答复",
    "rating": "群众评价",
    "evaluation": "代表评价",
    "received_on": "反映日期",
}


class BadParam(Exception):
    def __init__(self, status: int, message: str, field: str | None = None):
        super().__init__(message)
        self.status, self.message, self.field = status, message, field


def _int_arg(name: str, label: str, minimum: int = 1, maximum: int = 10**9) -> int | None:
    raw = request.args.get(name)
    # The pages' filter form sends 「全部」 as an empty value; the JSON feeds take integers only.
    if raw is None or (raw == "" and not request.path.startswith("/api/")):
        return None
    if not raw.isdigit() or not (minimum <= int(raw) <= maximum):
        raise BadParam(400, f"参数 {name}（{label}）应为 {minimum} 以上的整数", name)
    return int(raw)


@dataclass
class Listing:
    rows: list[Publication]
    page: int
    pages: int
    total: int


def _approved(kind: str):
    return db.select(Publication).where(
        Publication.subject_kind == kind, Publication.status == "approved"
    )


def _page_of(query, page: int | None) -> Listing:
    page = page or 1
    total = db.session.scalar(db.select(db.func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // PER_PAGE))
    if page > pages:
        raise BadParam(404, f"没有第 {page} 页（共 {pages} 页）", "page")
    rows = list(
        db.session.scalars(
            query.order_by(Publication.published_at.desc(), Publication.id.desc())
            .limit(PER_PAGE)
            .offset((page - 1) * PER_PAGE)
        )
    )
    return Listing(rows, page, pages, total)


def _items_listing() -> tuple[Listing, dict]:
    station = _int_arg("station", "联络站")
    category = _int_arg("category", "类别")
    page = _int_arg("page", "页码")
    if station is not None and db.session.get(Station, station) is None:
        raise BadParam(404, "没有这个联络站", "station")
    if category is not None and db.session.get(Category, category) is None:
        raise BadParam(404, "没有这个类别", "category")
    query = _approved("item")
    if station is not None:
        query = query.where(Publication.station_id == station)
    if category is not None:
        query = query.where(Publication.category_id == category)
    return _page_of(query, page), {"station": station, "category": category}


def _suggestions_listing() -> tuple[Listing, dict]:
    year = _int_arg("year", "年份", 2000, 2100)
    page = _int_arg("page", "页码")
    query = _approved("suggestion")
    if year is not None:
        query = query.where(Publication.year == year)
    return _page_of(query, page), {"year": year}


def _cached(response: Response) -> Response:
    seconds = current_app.config["PUBLIC_CACHE_SECONDS"]
    response.headers["Cache-Control"] = f"public, max-age={seconds}"
    response.add_etag()
    return response.make_conditional(request)


def _html(template: str, status: int = 200, **context) -> Response:
    response = current_app.make_response((render_template(template, **context), status))
    return _cached(response) if status == 200 else response


def _html_error(error: BadParam) -> Response:
    return current_app.make_response(
        (render_template("error.html", code=error.status, message=error.message), error.status)
    )


def item_view(row: Publication) -> dict:
    """One published item as the public reads it (page and JSON feed alike)."""
    facts, text = row.facts or {}, row.redacted or {}
    return {
        "id": row.id,
        "tracking_no": facts.get("tracking_no"),
        "station": facts.get("station"),
        "category": facts.get("category"),
        "mode": row.mode,
        "text": text.get("text", ""),
        "answer": text.get("answer", ""),
        "answered_by": facts.get("answered_by"),
        "rating": facts.get("rating"),
        "rating_label": RATING_LABELS.get(facts.get("rating") or "", ""),
        "received_on": facts.get("received_on"),
        "published_at": iso(row.published_at),
        "published_text": local_text(row.published_at, "%Y-%m-%d"),
    }


def suggestion_view(row: Publication) -> dict:
    """One published suggestion: its redacted fields and its facts, whatever the suggestion
    side proposed."""
    facts, text = row.facts or {}, row.redacted or {}
    return {
        "id": row.id,
        "year": row.year,
        **{k: v for k, v in facts.items() if isinstance(v, str | int | float | list) or v is None},
        **text,
        "published_at": iso(row.published_at),
        "published_text": local_text(row.published_at, "%Y-%m-%d"),
        "fields": [(FIELD_LABELS.get(k, k), v) for k, v in text.items() if k != "title" and v],
        "facts": [
            (FACT_LABELS.get(k, k), "、".join(map(str, v)) if isinstance(v, list) else v)
            for k, v in facts.items()
            if v not in (None, "", [])
        ],
    }


def _filters() -> dict:
    """The stations and categories to filter by: all active ones (their names are public, on
    every poster). Not only those with publications: that took a scan of the publications per
    page view, half the list's time at 5,000 of them."""
    return {
        "stations": list(
            db.session.scalars(
                db.select(Station).where(Station.active.is_(True)).order_by(Station.id)
            )
        ),
        "categories": list(
            db.session.scalars(
                db.select(Category).where(Category.active.is_(True)).order_by(Category.id)
            )
        ),
    }


def _years() -> list[int]:
    query = _approved("suggestion").with_only_columns(Publication.year).distinct()
    return sorted((y for y in db.session.scalars(query) if y), reverse=True)


# -- pages ----------------------------------------------------------------------------------


@bp.get("/public/")
def index():
    items = _page_of(_approved("item"), 1)
    suggestions = _page_of(_approved("suggestion"), 1)
    return _html(
        "public/index.html",
        items=[item_view(r) for r in items.rows[:5]],
        item_total=items.total,
        suggestions=[suggestion_view(r) for r in suggestions.rows[:5]],
        suggestion_total=suggestions.total,
        years=_years(),
    )


@bp.get("/public/items")
def items():
    try:
        listing, chosen = _items_listing()
    except BadParam as error:
        return _html_error(error)
    return _html(
        "public/items.html",
        listing=listing,
        rows=[item_view(r) for r in listing.rows],
        chosen=chosen,
        **_filters(),
    )


@bp.get("/public/items/<int:publication_id>")
def item(publication_id: int):
    row = db.session.scalar(_approved("item").where(Publication.id == publication_id))
    if row is None:
        return _html_error(BadParam(404, "找不到这条公开的反映（可能尚未公开或已撤回）"))
    return _html("public/item.html", v=item_view(row))


@bp.get("/public/suggestions")
def suggestions():
    try:
        listing, chosen = _suggestions_listing()
    except BadParam as error:
        return _html_error(error)
    return _html(
        "public/suggestions.html",
        listing=listing,
        rows=[suggestion_view(r) for r in listing.rows],
        chosen=chosen,
        years=_years(),
    )


@bp.get("/public/suggestions/<int:publication_id>")
def suggestion(publication_id: int):
    row = db.session.scalar(_approved("suggestion").where(Publication.id == publication_id))
    if row is None:
        return _html_error(BadParam(404, "找不到这件公开的代表建议（可能尚未公开或已撤回）"))
    return _html("public/suggestion.html", v=suggestion_view(row))


@bp.get("/public/feed.atom")
def feed():
    # One query per kind, each along ix_publications_public, then the newest of both.
    rows = sorted(
        (
            row
            for kind in SUBJECT_KINDS
            for row in db.session.scalars(
                _approved(kind)
                .order_by(Publication.published_at.desc(), Publication.id.desc())
                .limit(FEED_ENTRIES)
            )
        ),
        key=lambda row: (row.published_at, row.id),
        reverse=True,
    )[:FEED_ENTRIES]
    entries = [(r, item_view(r) if r.subject_kind == "item" else suggestion_view(r)) for r in rows]
    response = current_app.make_response(
        render_template(
            "public/feed.atom.xml",
            entries=entries,
            updated=iso(rows[0].published_at if rows else utcnow()),
        )
    )
    response.mimetype = "application/atom+xml"
    return _cached(response)


# -- JSON feeds -----------------------------------------------------------------------------


def _json_listing(key: str, listing: Listing, view, chosen: dict) -> Response:
    public = [{k: v for k, v in view(r).items() if k not in ("fields", "facts", "published_text")}
              for r in listing.rows]  # fmt: skip
    return _cached(
        jsonify(
            {
                key: public,
                "page": listing.page,
                "pages": listing.pages,
                "total": listing.total,
                **chosen,
            }
        )  # fmt: skip
    )


def _api_error(error: BadParam) -> ApiError:
    code = "bad_request" if error.status == 400 else "not_found"
    fields = {error.field: error.message} if error.field else None
    return ApiError(error.status, code, error.message, fields)


@bp.get("/api/v1/public/items")
def items_json():
    try:
        listing, chosen = _items_listing()
    except BadParam as error:
        raise _api_error(error) from None
    return _json_listing("items", listing, item_view, chosen)


@bp.get("/api/v1/public/suggestions")
def suggestions_json():
    try:
        listing, chosen = _suggestions_listing()
    except BadParam as error:
        raise _api_error(error) from None
    return _json_listing("suggestions", listing, suggestion_view, chosen)


def document(api, app) -> None:
    """The JSON feeds are plain Flask routes (they share their code with the pages): their
    entries in the OpenAPI document (/api/v1/openapi.json) are written here."""

    def param(name: str, text: str, minimum: int = 1) -> dict:
        schema = {"type": "integer", "minimum": minimum}
        return {"name": name, "in": "query", "required": False, "schema": schema,
                "description": text}  # fmt: skip

    errors = {
        "400": {"description": "参数不是正整数（中文错误）"},
        "404": {"description": "页码超出范围，或没有这个联络站、类别（中文错误）"},
    }
    feeds = (
        ("/api/v1/public/items", "公开的群众反映（已脱敏、已审核），每页 20 条",
         [param("station", "联络站 id"), param("category", "类别 id"), param("page", "页码")]),
        ("/api/v1/public/suggestions", "公开的代表建议及其答复（已脱敏、已审核）",
         [param("year", "年份", 2000), param("page", "页码")]),
    )  # fmt: skip
    rules = {rule.rule: rule for rule in app.url_map.iter_rules()}
    for path, summary, parameters in feeds:
        api.spec.path(
            rule=rules[path],
            operations={"get": {"tags": ["public"], "summary": summary, "parameters": parameters,
                                "responses": {"200": {"description": summary}, **errors}}},
        )  # fmt: skip
