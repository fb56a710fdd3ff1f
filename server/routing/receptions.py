"""接待预告: the reception days a station publishes, built on its duty roster.

Staff publish a day (who, what topic, where, from when to when); citizens ask to be reminded
(one tap: a one-time credit for the 「接待提醒」 template, or the official account); the day
before, each of them is told once; a published day that is cancelled — by staff, or because
the calendar now makes it a holiday (节假日 or 调休) — tells them that. Every notice goes
through the outbox; its dedupe key (`rcp-r-<day>-<citizen>`, `rcp-x-…`) is the claim that
makes a pass running twice, or two schedulers, write it once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import update

from server.models import Deputy, Reception, ReceptionSubscription, Station, StationMember
from server.notices import consent, outbox
from server.platform.clock import LOCAL, local_today, utcnow
from server.platform.db import db, dialect_insert
from server.routing import duty, roster, workdays

# The allowed moves of a reception day's status, as data (the one there is).
MOVES = {"cancel": ("published", "cancelled")}
TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
TOPIC_MAX = 20  # one `thing` of the template: WeChat's limit
PLACE_MAX = 100
HOLIDAY_REASON = "节假日休息"
DEFAULT_TOPIC = "代表接待选民"
HORIZON_DAYS = 62  # how far ahead a day may be published (and the roster is offered)


class ReceptionError(ValueError):
    """What is wrong, in Chinese; `errors` by field for a form."""

    def __init__(self, message: str, errors: dict[str, str] | None = None, status: int = 422):
        super().__init__(message)
        self.errors = errors or {}
        self.status = status


@dataclass(frozen=True)
class Draft:
    day: date
    starts: str
    ends: str
    topic: str
    place: str
    deputy_ids: list[int]


def member_ids(station_id: int) -> list[int]:
    return list(
        db.session.scalars(
            db.select(StationMember.deputy_id)
            .join(Deputy, Deputy.id == StationMember.deputy_id)
            .where(StationMember.station_id == station_id, Deputy.active.is_(True))
            .order_by(StationMember.deputy_id)
        )
    )


def validate(station: Station, form: dict, today: date | None = None) -> Draft:
    """A reception day from a form (strings, deputy ids as a list); ReceptionError otherwise."""
    today = today or local_today()
    errors: dict[str, str] = {}
    day = None
    try:
        day = date.fromisoformat(str(form.get("day") or "").strip())
    except ValueError:
        errors["day"] = "日期格式应为 2026-12-06"
    if day is not None:
        if day < today:
            errors["day"] = "不能发布已经过去的日期"
        elif day > today + timedelta(days=HORIZON_DAYS):
            errors["day"] = f"只能发布 {HORIZON_DAYS} 天以内的接待日"
        elif day in workdays.current().holidays:
            errors["day"] = "该日是节假日（或调休），不能安排接待"
    starts = str(form.get("starts") or "").strip()
    ends = str(form.get("ends") or "").strip()
    if not TIME.match(starts):
        errors["starts"] = "开始时间格式应为 09:00"
    if not TIME.match(ends):
        errors["ends"] = "结束时间格式应为 11:30"
    elif "starts" not in errors and ends <= starts:
        errors["ends"] = "结束时间应晚于开始时间"
    topic = " ".join(str(form.get("topic") or "").split()) or DEFAULT_TOPIC
    if len(topic) > TOPIC_MAX:
        errors["topic"] = f"接待主题不能超过 {TOPIC_MAX} 个字（微信通知的限制）"
    place = " ".join(str(form.get("place") or "").split()) or (station.address or station.name)
    if len(place) > PLACE_MAX:
        errors["place"] = f"接待地点不能超过 {PLACE_MAX} 个字"
    members = member_ids(station.id)
    chosen: list[int] = []
    for raw in form.get("deputy_ids") or []:
        try:
            chosen.append(int(raw))
        except (TypeError, ValueError):
            errors["deputy_ids"] = "代表选择有误"
    if not chosen and day is not None and "day" not in errors:
        chosen = [d for d in duty.on_duty_ids(station.id, day) if d in members]
    if "deputy_ids" not in errors:
        if not chosen:
            errors["deputy_ids"] = "请至少选择一位接待代表"
        elif any(d not in members for d in chosen):
            errors["deputy_ids"] = "只能选择本联络站的在职代表"
    if errors:
        raise ReceptionError("；".join(errors.values()), errors)
    return Draft(day, starts, ends, topic, place, list(dict.fromkeys(chosen)))


def publish(station: Station, draft: Draft, staff_id: int | None) -> Reception:
    """Insert the day in the caller's transaction; a second day at the same station is refused
    (the unique index decides, so two clerks publishing at once get one row)."""
    exists = db.session.scalar(
        db.select(Reception.id).where(
            Reception.station_id == station.id,
            Reception.day == draft.day,
            Reception.status == "published",
        )
    )
    if exists:
        raise ReceptionError("该日已发布接待预告", {"day": "该日已发布接待预告"}, 409)
    # A cancelled day may be published again: the old row makes room.
    old = db.session.scalar(
        db.select(Reception).where(Reception.station_id == station.id, Reception.day == draft.day)
    )
    if old is not None:
        db.session.execute(
            db.delete(ReceptionSubscription).where(ReceptionSubscription.reception_id == old.id)
        )
        db.session.delete(old)
        db.session.flush()
    row = Reception(
        station_id=station.id,
        day=draft.day,
        starts=draft.starts,
        ends=draft.ends,
        topic=draft.topic,
        place=draft.place,
        deputy_ids=draft.deputy_ids,
        status="published",
        cancel_reason="",
        created_by=staff_id,
    )
    db.session.add(row)
    db.session.flush()
    return row


def suggestions(station_id: int, today: date | None = None, limit: int = 8) -> list[dict]:
    """The coming roster days (holidays skipped) not yet published: what the form offers."""
    today = today or local_today()
    shifts = duty.station_shifts(station_id)
    holidays = workdays.current().holidays
    taken = set(
        db.session.scalars(
            db.select(Reception.day).where(
                Reception.station_id == station_id,
                Reception.day >= today,
                Reception.status == "published",
            )
        )
    )
    days = roster.reception_days(shifts, today, HORIZON_DAYS, limit + len(taken), holidays)
    out = []
    for day in days:
        if day not in taken:
            out.append({"day": day, "deputy_ids": roster.on_duty(shifts, day, holidays)})
    return out[:limit]


def upcoming(station_id: int, today: date | None = None, limit: int = 5) -> list[Reception]:
    """Published days from today on, soonest first: what the scan page, the web form, the API
    and the poster show."""
    today = today or local_today()
    return list(
        db.session.scalars(
            db.select(Reception)
            .where(
                Reception.station_id == station_id,
                Reception.day >= today,
                Reception.status == "published",
            )
            .order_by(Reception.day)
            .limit(limit)
        )
    )


WEEKDAYS = "一二三四五六日"


def when_text(row: Reception) -> str:
    """「12月16日周三 09:00-11:30」: at most 20 characters, one `thing` of the template."""
    weekday = WEEKDAYS[row.day.weekday()]
    return f"{row.day.month}月{row.day.day}日周{weekday} {row.starts}-{row.ends}"


def deputy_names(row: Reception) -> list[str]:
    if not row.deputy_ids:
        return []
    names = dict(
        db.session.execute(
            db.select(Deputy.id, Deputy.name).where(Deputy.id.in_(row.deputy_ids))
        ).all()
    )
    return [names[d] for d in row.deputy_ids if d in names]


def public(row: Reception, subscribed: bool | None = None) -> dict:
    out = {
        "id": row.id,
        "day": row.day.isoformat(),
        "starts": row.starts,
        "ends": row.ends,
        "when": when_text(row),
        "topic": row.topic,
        "place": row.place,
        "deputies": deputy_names(row),
        "status": row.status,
    }
    if row.status == "cancelled":
        out["cancel_reason"] = row.cancel_reason
    if subscribed is not None:
        out["subscribed"] = subscribed
    return out


def subscribed_ids(citizen_id: int, reception_ids: list[int]) -> set[int]:
    if not reception_ids:
        return set()
    return set(
        db.session.scalars(
            db.select(ReceptionSubscription.reception_id).where(
                ReceptionSubscription.citizen_id == citizen_id,
                ReceptionSubscription.reception_id.in_(reception_ids),
            )
        )
    )


def subscribe(row: Reception, citizen_id: int, accepted: list[str]) -> str | None:
    """The citizen's one tap 「提醒我」: the 接待提醒 credit if WeChat's dialog accepted it,
    and the subscription. Returns the channel the reminder would go by now (None: nobody could
    tell them — the caller says so). A second tap adds a credit, not a second subscription."""
    if row.status != "published":
        raise ReceptionError("该接待日已取消", status=409)
    if row.day < local_today():
        raise ReceptionError("该接待日已经过去", status=409)
    template = current_app.config["WECHAT_TEMPLATES"].reception
    if template and template in accepted:
        consent.grant(citizen_id, template)
    statement = (
        dialect_insert(ReceptionSubscription)
        .values(reception_id=row.id, citizen_id=citizen_id, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["reception_id", "citizen_id"])
    )
    db.session.execute(statement)
    return outbox.reached_by(citizen_id, "reception_reminder")


def unsubscribe(row: Reception, citizen_id: int) -> None:
    db.session.execute(
        db.delete(ReceptionSubscription).where(
            ReceptionSubscription.reception_id == row.id,
            ReceptionSubscription.citizen_id == citizen_id,
        )
    )


def _values(row: Reception, note: str) -> dict:
    return {
        "topic": row.topic,
        "station": duty.station_name(row.station_id),
        "when": when_text(row),
        "place": row.place,
        "note": note,
    }


def _subscribers(reception_id: int) -> list[int]:
    return list(
        db.session.scalars(
            db.select(ReceptionSubscription.citizen_id)
            .where(ReceptionSubscription.reception_id == reception_id)
            .order_by(ReceptionSubscription.id)
        )
    )


def cancel(row: Reception, reason: str) -> int | None:
    """Cancel a published day in the caller's transaction and tell every subscriber; None when
    it was not published any more (someone else cancelled it first: nobody is told twice)."""
    reason = " ".join(reason.split())[:100] or "联络站临时调整"
    before, after = MOVES["cancel"]
    moved = db.session.execute(
        update(Reception)
        .where(Reception.id == row.id, Reception.status == before)
        .values(status=after, cancel_reason=reason, cancelled_at=utcnow())
    )
    if moved.rowcount != 1:
        return None
    db.session.refresh(row)
    values = _values(row, f"已取消：{reason}")
    told = 0
    for citizen_id in _subscribers(row.id):
        key = f"rcp-x-{row.id}-{citizen_id}"
        if outbox.write_notice("reception_cancelled", key, citizen_id, values) is not None:
            told += 1
    return told


def cancel_holidays(today: date | None = None) -> int:
    """Published days that the calendar now makes holidays (节假日, 调休) are cancelled, and
    their subscribers told. Run after a calendar edit and by the periodic pass."""
    today = today or local_today()
    holidays = [d for d in workdays.current().holidays if d >= today]
    if not holidays:
        return 0
    rows = db.session.scalars(
        db.select(Reception).where(Reception.status == "published", Reception.day.in_(holidays))
    ).all()
    for row in rows:
        cancel(row, HOLIDAY_REASON)
    return len(rows)


def remind_due(now: datetime | None = None) -> int:
    """Tomorrow's published days (Beijing), from RECEPTION_REMIND_FROM_HOUR on: one reminder
    per subscriber; a second pass finds every key written and writes nothing."""
    local = (now or utcnow()).astimezone(LOCAL)
    if local.hour < current_app.config["RECEPTION_REMIND_FROM_HOUR"]:
        return 0
    tomorrow = local.date() + timedelta(days=1)
    rows = db.session.scalars(
        db.select(Reception).where(Reception.status == "published", Reception.day == tomorrow)
    ).all()
    written = 0
    for row in rows:
        values = _values(row, "明天接待，欢迎到站反映")
        for citizen_id in _subscribers(row.id):
            key = f"rcp-r-{row.id}-{citizen_id}"
            if outbox.write_notice("reception_reminder", key, citizen_id, values) is not None:
                written += 1
    return written


def run_pass(now: datetime | None = None) -> dict:
    """The periodic job's work, in one transaction per step (server/tasks/receptions.py)."""
    cancelled = cancel_holidays(local_today(now))
    db.session.commit()
    reminded = remind_due(now)
    db.session.commit()
    return {"cancelled": cancelled, "reminded": reminded}
