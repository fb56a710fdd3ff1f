"""The roster, read from the database: who is on duty at a station today; and the reference
data routing reads for every message (a station's name and roster, a category's name and
expertise), cached per process for TTL seconds — staff edit them a few times a month, citizens
write a hundred times a second. The process that makes an edit clears its copy at once
(`clear()`, called by the dashboard after every edit of stations, deputies, rosters and
categories); other processes follow within TTL seconds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from server.models import Category, Deputy, DutyShift, Station
from server.platform.cache import TTLCache
from server.platform.clock import local_today
from server.platform.db import db
from server.routing import roster, workdays

TTL = 30.0


@dataclass(frozen=True)
class StationInfo:
    name: str
    shifts: tuple[roster.Shift, ...]


@dataclass(frozen=True)
class CategoryInfo:
    name: str
    tags: frozenset[str]


_stations = TTLCache(TTL)
_categories = TTLCache(TTL)
DIRECT = "代表直通"  # what a notice says for an item sent to a deputy with no station


def _key(row_id: int) -> tuple:
    return (db.engine.url.render_as_string(), row_id)


def station_info(station_id: int) -> StationInfo:
    def load() -> StationInfo:
        name = db.session.scalar(db.select(Station.name).where(Station.id == station_id))
        return StationInfo(name or "", tuple(station_shifts(station_id)))

    return _stations.get(_key(station_id), load)


def station_name(station_id: int | None) -> str:
    return station_info(station_id).name if station_id is not None else DIRECT


def category(category_id: int) -> CategoryInfo:
    def load() -> CategoryInfo:
        row = db.session.execute(
            db.select(Category.name, Category.expertise).where(Category.id == category_id)
        ).one()
        return CategoryInfo(row.name, frozenset(row.expertise or ()))

    return _categories.get(_key(category_id), load)


def on_duty_ids(station_id: int, day: date) -> list[int]:
    """Deputies on duty at the station on `day` by the cached roster; nobody on a holiday."""
    return roster.on_duty(list(station_info(station_id).shifts), day, workdays.current().holidays)


def clear() -> None:
    """After staff changed a station, a deputy, a roster or a category (and between tests)."""
    _stations.clear()
    _categories.clear()


def station_shifts(station_id: int) -> list[roster.Shift]:
    rows = db.session.scalars(
        db.select(DutyShift)
        .join(Deputy, Deputy.id == DutyShift.deputy_id)
        .where(DutyShift.station_id == station_id, Deputy.active.is_(True))
        .order_by(DutyShift.id)
    )
    return [
        roster.Shift(r.deputy_id, r.kind, tuple(r.days or ()), r.starts_on, r.ends_on) for r in rows
    ]


def on_duty_deputies(
    station_id: int, day: date | None = None, shifts: list[roster.Shift] | None = None
) -> list[Deputy]:
    """Active deputies on duty at the station on `day` (default today, Asia/Shanghai); nobody
    on a statutory holiday (the reception is cancelled)."""
    if shifts is None:
        shifts = station_shifts(station_id)
    ids = roster.on_duty(shifts, day or local_today(), workdays.current().holidays)
    if not ids:
        return []
    deputies = {d.id: d for d in db.session.scalars(db.select(Deputy).where(Deputy.id.in_(ids)))}
    return [deputies[i] for i in ids if i in deputies and deputies[i].active]
