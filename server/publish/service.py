"""Publications: propose (redacting each field), edit the redacted text, approve, withdraw.

A publication is a snapshot: `propose` copies the fields shown publicly, redacts each one and
stores both; the public pages read the approved snapshot only. Statuses move along
`server/models/publication.py: PUBLICATION_MOVES`, each a conditional UPDATE on the status it
leaves (two clerks approving at once: one wins, the other is told it changed).

The suggestion side calls `propose(kind="suggestion", subject_id, fields, mode, facts=...,
year=...)` the same way `propose_item` does for a citizen's item.
"""

from __future__ import annotations

from collections.abc import Iterable

from server.models import GRADES, Category, Message, Publication, Station, Suggestion, WalkIn
from server.models.publication import MODES, PUBLICATION_MOVES, SUBJECT_KINDS
from server.platform.clock import local_today, utcnow
from server.platform.db import db
from server.platform.errors import ApiError, validation_error
from server.publish.redact import redact

# An item can be published once someone answered it, and not after it was refused or merged.
PUBLISHABLE_ITEM_STATUSES = ("replied", "closed", "followed_up", "reopened")
# A suggestion once its answer stands: rated by the 领衔 deputy or its evaluation period closed
# (not while 不满意 waits for a second answer, nor before the deputy had the chance to rate).
PUBLISHABLE_SUGGESTION_STATUSES = ("evaluated", "closed", "lookback")
SUMMARY_CHARS = 80
FIELD_MAX_CHARS = 5000


def _conflict(message: str) -> ApiError:
    return ApiError(409, "conflict", message)


def propose(
    kind: str,
    subject_id: int,
    fields: dict[str, str],
    mode: str,
    *,
    facts: dict | None = None,
    station_id: int | None = None,
    category_id: int | None = None,
    year: int | None = None,
    names: Iterable[str] = (),
    staff_id: int | None = None,
) -> Publication:
    """A proposed publication of one subject, each field redacted; in the caller's transaction.
    A subject already public must be withdrawn first (409); a withdrawn one is proposed again
    (the same row, a fresh snapshot)."""
    if kind not in SUBJECT_KINDS:
        raise validation_error({"kind": "公开对象只能是群众反映或代表建议"})
    if mode not in MODES:
        raise validation_error({"mode": "公开方式只能是全文公开或摘要公开"})
    if not fields or not any((v or "").strip() for v in fields.values()):
        raise validation_error({"fields": "没有可公开的内容"})
    for key, value in fields.items():
        if len(value or "") > FIELD_MAX_CHARS:
            raise validation_error({key: f"内容过长（最多 {FIELD_MAX_CHARS} 字）"})
    row = db.session.scalar(
        db.select(Publication)
        .where(Publication.subject_kind == kind, Publication.subject_id == subject_id)
        .with_for_update()
    )
    if row is not None and row.status == "approved":
        raise _conflict("该内容已公开；如需修改，请先撤回公开")
    names = tuple(names)
    original = {k: v or "" for k, v in fields.items()}
    redacted, findings = {}, []
    for key, value in original.items():
        result = redact(value, names)
        redacted[key] = result.text
        findings.extend(
            {"field": key, "kind": s.kind, "label": s.label, "original": s.original,
             "replacement": s.replacement}
            for s in result.spans
        )  # fmt: skip
    now = utcnow()
    if row is None:
        row = Publication(subject_kind=kind, subject_id=subject_id, status="proposed")
        db.session.add(row)
    elif row.status == "withdrawn":
        _move(row, "repropose")
    row.mode = mode
    row.original = original
    row.redacted = redacted
    row.findings = findings
    row.facts = dict(facts or {})
    row.station_id = station_id
    row.category_id = category_id
    row.year = year
    row.proposed_by_id = staff_id
    row.proposed_at = now
    row.edited_by_id = row.edited_at = None
    row.approved_by_id = row.published_at = None
    row.withdrawn_by_id = row.withdrawn_at = row.withdraw_reason = None
    db.session.flush()
    return row


def item_fields(message: Message, mode: str, summary: str | None = None) -> dict[str, str]:
    """What a citizen's item shows publicly: its text (whole, or a summary) and its answers."""
    text = message.content or ""
    if mode == "summary":
        summary = (summary or "").strip()
        if not summary:
            summary = text if len(text) <= SUMMARY_CHARS else text[:SUMMARY_CHARS] + "……"
        text = summary
    answers = message.answers
    return {"text": text, "answer": answers[-1].content if answers else ""}


def _answered_by(message: Message) -> str:
    answers = message.answers
    if not answers:
        return ""
    last = answers[-1]
    if last.author_kind == "deputy" and last.deputy is not None:
        return f"{last.deputy.name}代表"
    if last.author_kind == "unit" and last.unit is not None:
        return last.unit.name
    return "联络站"


def propose_item(
    message: Message, mode: str, staff_id: int | None, summary: str | None = None
) -> Publication:
    """Propose a citizen's item: refused if the citizen asked not to be published, or before it
    has an answer (409)."""
    if message.no_publish:
        raise _conflict("群众提交时要求不公开此反映，不能公开")
    if message.status not in PUBLISHABLE_ITEM_STATUSES or not message.answers:
        raise _conflict("只有已答复的反映才能公开")
    if mode == "summary" and summary is not None and len(summary) > SUMMARY_CHARS * 3:
        raise validation_error({"summary": f"摘要过长（最多 {SUMMARY_CHARS * 3} 字）"})
    station = db.session.get(Station, message.station_id) if message.station_id else None
    category = db.session.get(Category, message.category_id)
    walk_in = db.session.scalar(db.select(WalkIn).where(WalkIn.message_id == message.id))
    names = [walk_in.visitor_name] if walk_in and walk_in.visitor_name else []
    facts = {
        "tracking_no": message.tracking_no,
        "station": station.name if station else "",
        "category": category.name if category else "",
        "answered_by": _answered_by(message),
        "rating": message.rating,
        "received_on": local_today(message.created_at).isoformat(),
    }
    return propose(
        "item", message.id, item_fields(message, mode, summary), mode, facts=facts,
        station_id=message.station_id, category_id=message.category_id,
        year=local_today(message.created_at).year, names=names, staff_id=staff_id,
    )  # fmt: skip


def suggestion_fields(row: Suggestion) -> dict[str, str]:
    """What the public suggestion page shows as text (each redacted): title, body, answer."""
    return {"title": row.title or "", "content": row.content or "", "answer": row.answer or ""}


def suggestion_facts(row: Suggestion) -> dict:
    """The suggestion's facts as the public page lists them: public officials' and units'
    names, the number, the grade and the dates (Beijing days)."""

    def day(at) -> str:
        return local_today(at).isoformat() if at else ""

    lead = row.lead_unit
    return {
        "number": row.number or "",
        "deputy": row.lead_deputy.name if row.lead_deputy else "",
        "co_deputies": [d.deputy.name for d in row.co_deputies if d.state == "confirmed"],
        "unit": lead.unit.name if lead else "",
        "co_units": [u.unit.name for u in row.co_units],
        "grade": f"{row.grade} 类 {GRADES[row.grade]}" if row.grade in GRADES else "",
        "submitted_on": day(row.submitted_at),
        "assigned_on": day(row.assigned_at),
        "answered_on": day(row.answered_at),
    }


def _suggestion_station(row: Suggestion) -> int | None:
    """Whose station staff review it: the station of its first linked item, else the 领衔
    deputy's first station."""
    for link in row.links:
        if link.message.station_id:
            return link.message.station_id
    memberships = row.lead_deputy.memberships if row.lead_deputy else []
    return memberships[0].station_id if memberships else None


def propose_suggestion(row: Suggestion, staff_id: int | None) -> Publication:
    """Propose a suggestion with its final answer for 双公开 (always whole: the public page is
    the suggestion and its answer). Refused (409) before its answer stands."""
    if row.status not in PUBLISHABLE_SUGGESTION_STATUSES or not row.answer:
        raise _conflict("只有已答复并经代表评价（或已办结）的建议才能公开")
    return propose(
        "suggestion", row.id, suggestion_fields(row), "whole", facts=suggestion_facts(row),
        station_id=_suggestion_station(row), year=row.year or local_today(row.created_at).year,
        names=citizen_names(row), staff_id=staff_id,
    )  # fmt: skip


def citizen_names(row: Suggestion) -> list[str]:
    """The names of the linked items' citizens, wherever the suggestion repeats them: those
    they wrote in their own items (「我叫…」, 「联系人…」) and walk-in visitors' recorded names.
    A deputy drafting 「群众周海燕反映…」 writes the name in no form the patterns know."""
    names: set[str] = set()
    ids = row.message_ids
    if ids:
        names.update(
            db.session.scalars(db.select(WalkIn.visitor_name).where(WalkIn.message_id.in_(ids)))
        )
    for link in row.links:
        names.update(
            s.original for s in redact(link.message.content or "").spans if s.kind == "name"
        )
    return sorted(n for n in names if n and len(n) >= 2)


def _move(row: Publication, name: str, **values) -> None:
    """The move `name` (PUBLICATION_MOVES) on `row`: a conditional UPDATE on the status it
    leaves; 409 if someone else moved it first."""
    source, target = PUBLICATION_MOVES[name]
    result = db.session.execute(
        db.update(Publication)
        .where(Publication.id == row.id, Publication.status == source)
        .values(status=target, **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise _conflict("该公开记录的状态已被他人修改，请刷新后重试")
    db.session.refresh(row)


def edit(row: Publication, redacted: dict[str, str], staff_id: int | None) -> Publication:
    """Staff correct the redacted text before approving. What they write is checked again:
    a phone or ID number typed back in is refused (422)."""
    if row.status != "proposed":
        raise _conflict("只能修改待审核的公开内容")
    errors: dict[str, str] = {}
    new = dict(row.redacted)
    for key, value in redacted.items():
        if key not in new:
            errors[key] = "没有这一栏"
            continue
        value = (value or "").strip()
        if len(value) > FIELD_MAX_CHARS:
            errors[key] = f"内容过长（最多 {FIELD_MAX_CHARS} 字）"
        elif redact(value).spans:
            kinds = "、".join(sorted({s.label for s in redact(value).spans}))
            errors[key] = f"修改后的文字仍含有个人信息（{kinds}），请删去后再保存"
        new[key] = value
    if errors:
        raise validation_error(errors, "修改后的公开内容有误，请检查后重试")
    if not any(new.values()):
        raise validation_error({"fields": "公开内容不能全部为空"})
    row.redacted = new
    row.edited_by_id = staff_id
    row.edited_at = utcnow()
    db.session.flush()
    return row


def approve(row: Publication, staff_id: int | None) -> Publication:
    """Publish the proposed snapshot (it becomes readable on the public pages)."""
    if row.status != "proposed":
        raise _conflict("只有待审核的内容可以批准公开")
    _move(row, "approve", approved_by_id=staff_id, published_at=utcnow())
    return row


def withdraw(row: Publication, staff_id: int | None, reason: str = "") -> Publication:
    """Take a publication off the public pages (or drop a proposal)."""
    if row.status == "withdrawn":
        raise _conflict("该内容已撤回")
    name = "withdraw" if row.status == "approved" else "withdraw_proposed"
    _move(row, name, withdrawn_by_id=staff_id, withdrawn_at=utcnow(),
          withdraw_reason=(reason or "")[:200] or None)  # fmt: skip
    return row


def publication_of(kind: str, subject_id: int) -> Publication | None:
    return db.session.scalar(
        db.select(Publication).where(
            Publication.subject_kind == kind, Publication.subject_id == subject_id
        )
    )
