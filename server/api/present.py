"""How a message looks to the citizen who sent it (and, with less, to others)."""

from __future__ import annotations

from flask import current_app, g

from server.handling import revisits
from server.handling.decisions import rejection
from server.handling.ratings import ratable
from server.handling.revisits import REVISIT_QUESTION
from server.insight import similar
from server.intake.photos import photo_url
from server.intake.scenes import Scan, active_categories, scope_rules
from server.models import RATING_LABELS, Event, Message, Unit
from server.models.event import EVENT_LABELS
from server.models.lifecycle import FINISHED
from server.notices.outbox import reachable
from server.platform.clock import iso, local_today, utcnow
from server.platform.crypto import decrypt_phone, mask_phone
from server.platform.db import db
from server.routing import receptions, roster, workdays
from server.routing.deadlines import current_stage, due_now, transfer_stage
from server.routing.duty import on_duty_deputies, station_shifts
from server.routing.stages import colour

# Events a citizen sees in their thread; internal ones (consent, flags) stay on the dashboard.
CITIZEN_EVENTS = (
    "received",
    "routed",
    "reassigned",
    "rejected",
    "merged",
    "closed",
    "reopened",
    "rated",
    "revisit_answered",
    "transferred",
    "unit_signed",
    "unit_answered",
    "unit_returned",
    "suggested",
)


def deputy_label(deputy) -> str:
    level = f"{deputy.level}级" if deputy.level not in ("全国",) else "全国"
    return f"{deputy.name}（{level}人大代表）"


def deadline(message: Message) -> dict:
    """The open stage's deadline and its colour (三色), for lists and the item."""
    now = utcnow()
    due = due_now(message, now)
    return {"due_at": iso(due), "colour": colour(due, now, workdays.current())}


def stage_view(message: Message) -> dict | None:
    """The open stage (server/routing/stages.py): its name, label and who holds it."""
    stage = current_stage(message)
    if stage is None:
        return None
    holder = stage.holder
    if holder == "deputy" and message.active_assignment is None:
        holder = "staff"
    return {"name": stage.name, "label": stage.label, "holder": holder}


def merge_links(message: Message) -> tuple[dict | None, list[dict]]:
    """The earlier item a duplicate joined (its progress, never its content), and the
    duplicates merged into this one."""
    earlier = message.merged_into
    into = (
        {
            "tracking_no": earlier.tracking_no,
            "status": earlier.status,
            "status_label": earlier.status_label,
            "replied": earlier.first_replied_at is not None,
        }
        if earlier is not None
        else None
    )
    duplicates = db.session.scalars(
        db.select(Message.tracking_no)
        .where(Message.merged_into_id == message.id)
        .order_by(Message.id)
    )
    return into, [{"tracking_no": t} for t in duplicates]


def revisit_view(message: Message) -> dict | None:
    if message.revisit_asked_at is None:
        return None
    return {
        "question": REVISIT_QUESTION,
        "asked_at": iso(message.revisit_asked_at),
        "answered": message.revisit_answered_at is not None,
        "solved": message.revisit_solved,
        "can_answer": revisits.answerable(message),
    }


def summary(message: Message) -> dict:
    return {
        "id": message.id,
        "tracking_no": message.tracking_no,
        "status": message.status,
        "status_label": message.status_label,
        "category": message.category.name,
        "content": message.content,
        "station": message.station.name if message.station else None,
        "created_at": iso(message.created_at),
        "replied": message.first_replied_at is not None,
        "rating": message.rating,
        **deadline(message),
    }


def event_text(event: Event, viewer: str = "citizen") -> str:
    """A status change in plain words; a rating with its score, a refusal with its reason."""
    data = event.data or {}
    if event.kind == "rated":
        who = "我的评价" if viewer == "citizen" else "群众评价"
        text = f"{who}：{RATING_LABELS.get(data.get('score'), '')}"
        return text + (f"（{data['comment']}）" if data.get("comment") else "")
    if event.kind == "merged":
        return f"与较早的反映 {data.get('into') or ''} 重复，已合并办理，请关注该反映的进展"
    if event.kind == "suggested":
        return (
            f"您反映的问题已被{data.get('deputy', '')}代表纳入代表建议《{data.get('title', '')}》"
        )
    if event.kind == "revisit_answered":
        return "回访：" + ("问题已解决" if data.get("solved") else "问题没有解决，重新办理")
    if event.kind == "rejected":
        text = "不予受理" + (f"：{data['reason']}" if data.get("reason") else "")
        return text + (f"。建议：{data['where']}" if data.get("where") else "")
    return EVENT_LABELS.get(event.kind, event.kind)


def _day(value: str | None) -> str:
    return value[:10] if value else ""


def stage_text(event: Event) -> str | None:
    """One step of the citizen's path in plain Chinese, or None for steps not shown there."""
    data = event.data or {}
    kind = event.kind
    if kind == "received":
        return "已收到您的反映"
    if kind in ("routed", "reassigned"):
        name = data.get("deputy") or data.get("to_deputy")
        return f"由{name}代表受理" if name else "已交代表办理"
    if kind == "transferred":
        due = _day(data.get("due_at"))
        return f"转交{data.get('unit', '承办单位')}办理" + (f"（应于{due}前答复）" if due else "")
    if kind == "unit_signed":
        return f"{data.get('unit', '承办单位')}已签收"
    if kind == "unit_answered":
        return f"{data.get('unit', '承办单位')}已答复"
    if kind == "unit_returned":
        return "承办单位退回，联络站重新分派"
    if kind == "replied":
        return "已答复"
    if kind == "rated":
        return f"已评价：{RATING_LABELS.get(data.get('score'), '')}"
    if kind == "reopened":
        due = _day(data.get("due_at"))
        if data.get("unit"):
            return f"重新交{data['unit']}办理" + (f"（应于{due}前答复）" if due else "")
        return "重新办理"
    if kind == "closed":
        return "已办结"
    if kind == "suggested":
        return f"已纳入{data.get('deputy', '')}代表的建议"
    if kind == "rejected":
        return "不予受理"
    return None


def _stage_by(event: Event) -> str:
    data = event.data or {}
    if event.actor == "citizen":
        return "群众"
    if event.actor == "unit":
        return data.get("unit") or "承办单位"
    if event.actor == "deputy":
        return f"{data['deputy']}代表" if data.get("deputy") else "代表"
    if event.actor == "staff":
        return "联络站"
    return "系统"


def stages(events: list[Event]) -> list[dict]:
    """The whole path, step by step (received, taken by deputy X, handed to unit Y with its
    due date, signed, answered, rated): what the citizen's thread shows above the posts."""
    out = []
    for event in events:
        text = stage_text(event)
        if text is not None:
            out.append({"stage": text, "kind": event.kind, "at": iso(event.created_at),
                        "by": _stage_by(event)})  # fmt: skip
    return out


def transfer_view(row, with_message: bool = True) -> dict:
    """A transfer as the API shows it: to the unit (with the item) and to the deputy."""
    # due_at: when the unit must answer (what the citizen is told); colour: of the stage open
    # now (signing first, then answering), by the deadline of that stage.
    open_ = row.status in ("handed", "signed")
    stage, stage_due = transfer_stage(row) if open_ else (None, None)
    out = {
        "id": row.id,
        "status": row.status,
        "status_label": row.status_label,
        "unit": {"id": row.unit.id, "name": row.unit.name},
        "co_units": [u.name for u in _units(row.co_unit_ids)],
        "note": row.note,
        "priority": row.priority,
        "round": row.round,
        "handed_at": iso(row.handed_at),
        "sign_due_at": iso(row.sign_due_at),
        "due_at": iso(row.due_at),
        "stage": stage.name if stage is not None else None,
        "stage_due_at": iso(stage_due),
        "colour": _colour(stage_due) if open_ else None,
        "signed_at": iso(row.signed_at),
        "answered_at": iso(row.answered_at),
        "returned_at": iso(row.returned_at),
        "result": row.result,
        "answer": row.answer,
        "return_reason": row.return_reason,
    }
    if with_message:
        message = row.message
        assignment = message.active_assignment
        out["message"] = {
            "tracking_no": message.tracking_no,
            "category": message.category.name,
            "content": message.content,
            "photos": [{"id": p.id, "url": photo_url(p)} for p in message.photos],
            "location": (
                {
                    "lat": message.location_lat,
                    "lng": message.location_lng,
                    "address": message.location_address,
                }
                if message.location_lat is not None
                else None
            ),
            "station": message.station.name if message.station else None,
            "created_at": iso(message.created_at),
        }
        out["deputy"] = assignment.deputy.name if assignment else None
    return out


def _units(ids):
    if not ids:
        return []
    return list(db.session.scalars(db.select(Unit).where(Unit.id.in_(ids)).order_by(Unit.id)))


def _colour(due):
    return colour(due, utcnow(), workdays.current())


def thread(message: Message, events: list[Event], viewer: str = "citizen") -> list[dict]:
    items = []
    for reply in message.replies:
        if reply.author_kind == "deputy" and reply.deputy:
            author = deputy_label(reply.deputy)
        elif reply.author_kind == "unit" and reply.unit:
            author = reply.unit.name
        elif reply.author_kind == "citizen":
            author = "我" if viewer == "citizen" else "群众"
        else:
            author = "联络站"
        kind = "followup" if reply.author_kind == "citizen" else "reply"
        items.append(
            {
                "kind": kind,
                "author": author,
                "content": reply.content,
                "created_at": reply.created_at,
            }
        )
    for event in events:
        if event.kind in CITIZEN_EVENTS:
            items.append(
                {
                    "kind": "event",
                    "author": "系统",
                    "content": event_text(event, viewer),
                    "created_at": event.created_at,
                }
            )
    items.sort(key=lambda item: item["created_at"])
    for item in items:
        item["created_at"] = iso(item["created_at"])
    return items


def detail(message: Message, viewer: str = "citizen") -> dict:
    events = list(
        db.session.scalars(
            db.select(Event).where(Event.message_id == message.id).order_by(Event.id)
        )
    )
    assignment = message.active_assignment
    out = summary(message)
    merged_into, merged = merge_links(message)
    out.update(
        {
            "photos": [{"id": p.id, "url": photo_url(p)} for p in message.photos],
            "location": (
                {
                    "lat": message.location_lat,
                    "lng": message.location_lng,
                    "address": message.location_address,
                }
                if message.location_lat is not None
                else None
            ),
            "contact_phone": mask_phone(decrypt_phone(message.contact_phone_enc)) or None,
            "anonymous": message.anonymous,
            "no_publish": message.no_publish,
            "deputy": (
                {"name": assignment.deputy.name, "level": assignment.deputy.level}
                if assignment
                else None
            ),
            "rating_comment": message.rating_comment,
            "ratings": [
                {
                    "score": r.score,
                    "label": r.label,
                    "comment": r.comment,
                    "reply_id": r.reply_id,
                    "created_at": iso(r.created_at),
                }
                for r in message.ratings
            ],
            "can_rate": ratable(message),
            "can_follow_up": message.status not in FINISHED,
            "rejection": rejection(message),
            "stage": stage_view(message),
            "merged_into": merged_into,
            "merged": merged,
            "revisit": revisit_view(message),
            # Whether the next answer can reach them in WeChat (a consent credit is left);
            # when not, the mini-program offers the subscribe prompt and says so.
            "notice_reachable": reachable(message.citizen_id) if viewer == "citizen" else None,
            "thread": thread(message, events, viewer),
            "stages": stages(events),
            "timeline": [
                {"kind": e.kind, "label": event_text(e, viewer), "created_at": iso(e.created_at)}
                for e in events
                if e.kind in CITIZEN_EVENTS
            ],
        }
    )
    return out


def supporter_detail(message: Message) -> dict:
    """What a citizen who joined someone else's item sees: its progress and answers, nothing of
    the person who filed it (no photos, phone, place, rating, follow-ups or ratings to give)."""
    out = detail(message, viewer="citizen")
    out.update(
        {
            "content": similar.excerpt(
                message.content, 200, names=similar.recorded_names(message.id)
            ),
            "photos": [],
            "location": None,
            "contact_phone": None,
            "rating_comment": None,
            "ratings": [],
            "can_rate": False,
            "can_follow_up": False,
            "revisit": None,
            "notice_reachable": reachable(g.citizen.id),
            "thread": [t for t in out["thread"] if t.get("kind") != "followup"],
            "joined": True,
        }
    )
    return out


def nearby_view(message: Message) -> dict:
    """One of 「附近已有类似反映」: enough to recognise the matter, nothing of who raised it."""
    return {
        "id": message.id,
        "excerpt": similar.excerpt(message.content, names=similar.recorded_names(message.id)),
        "status": message.status,
        "status_label": message.status_label,
        "category": message.category.name,
        "created_at": iso(message.created_at),
        "supporters": similar.supporters(message.id),
    }


def similar_past_view(found: similar.Found) -> dict:
    """A similar past item for the deputy answering: how it was answered, and how it ended."""
    m = found.message
    return {
        "id": m.id,
        "tracking_no": m.tracking_no,
        "content": m.content,
        "category": m.category.name,
        "station": m.station.name if m.station else None,
        "status": m.status,
        "status_label": m.status_label,
        "created_at": iso(m.created_at),
        "answer": found.answer,
        "rating": m.rating,
        "rating_label": RATING_LABELS.get(m.rating) if m.rating else None,
        "score": found.score,
    }


def scan_view(scan: Scan, scene: str) -> dict:
    """What a scanned code shows: the station, who is on duty today, categories, limits."""
    config = current_app.config
    station = scan.station
    station_out, on_duty = None, []
    if station is not None:
        shifts = station_shifts(station.id)
        today = local_today()
        station_out = {
            "id": station.id,
            "name": station.name,
            "address": station.address,
            "reception_note": station.reception_note,
            "reception_days": [
                d.isoformat()
                for d in roster.reception_days(shifts, today, holidays=workdays.current().holidays)
            ],
            "reception_rules": sorted({roster.describe(s.kind, list(s.days)) for s in shifts}),
            # 接待预告: the published days, with who, what topic and where.
            "receptions": [receptions.public(r) for r in receptions.upcoming(station.id)],
        }
        on_duty = [d.public() for d in on_duty_deputies(station.id, today, shifts)]
    return {
        "kind": scan.kind,
        "scene": scene,
        "station": station_out,
        "deputy": scan.deputy.public() if scan.deputy else None,
        "on_duty": on_duty,
        "today": local_today().isoformat(),
        "categories": [c.public() for c in active_categories()],
        "scope": scope_rules(),
        # Asked for together at each tap, in this order (server/notices/layouts.py).
        "subscribe_templates": {
            "reply": config["WECHAT_TEMPLATES"].reply,
            "progress": config["WECHAT_TEMPLATES"].progress,
            "solved": config["WECHAT_TEMPLATES"].solved,
            # 接待提醒: asked on its own tap (「提醒我」 on a reception day), never with the three.
            "reception": config["WECHAT_TEMPLATES"].reception,
        },
        "limits": {
            "content_max_chars": config["CONTENT_MAX_CHARS"],
            "max_photos": config["MAX_PHOTOS"],
            "max_upload_bytes": config["MAX_UPLOAD_BYTES"],
        },
    }
