"""How a message looks to the citizen who sent it (and, with less, to others)."""

from __future__ import annotations

from server.crypto import decrypt_phone, mask_phone
from server.extensions import db
from server.intake.photos import photo_url
from server.models import Event, Message
from server.models.event import EVENT_LABELS
from server.timeutil import iso

# Events a citizen sees in their thread; internal ones (consent, flags) stay on the dashboard.
CITIZEN_EVENTS = ("received", "routed", "reassigned", "rejected", "closed", "reopened", "rated")


def deputy_label(deputy) -> str:
    level = f"{deputy.level}级" if deputy.level not in ("全国",) else "全国"
    return f"{deputy.name}（{level}人大代表）"


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
    }


def thread(message: Message, events: list[Event], viewer: str = "citizen") -> list[dict]:
    items = []
    for reply in message.replies:
        if reply.author_kind == "deputy" and reply.deputy:
            author = deputy_label(reply.deputy)
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
                    "content": EVENT_LABELS.get(event.kind, event.kind),
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
            "deputy": (
                {"name": assignment.deputy.name, "level": assignment.deputy.level}
                if assignment
                else None
            ),
            "rating_comment": message.rating_comment,
            "can_rate": message.status == "replied",
            "can_follow_up": message.status not in ("closed", "rejected"),
            "thread": thread(message, events, viewer),
            "timeline": [
                {"kind": e.kind, "label": e.label, "created_at": iso(e.created_at)}
                for e in events
                if e.kind in CITIZEN_EVENTS
            ],
        }
    )
    return out
