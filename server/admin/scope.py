"""What the signed-in account may see: administrators everything, station staff their stations,
the 代表工委 (committee) every station, read-only but for 督办 (server/admin/auth.py).

Anything outside an account's stations answers 404, as if it did not exist: ids reveal nothing.
"""

from __future__ import annotations

from flask import abort, g

from server.models import Deputy, Message, Station, StationMember
from server.platform.db import db


def is_admin() -> bool:
    return g.staff is not None and g.staff.role == "admin"


def is_committee() -> bool:
    return g.staff is not None and g.staff.role == "committee"


def station_ids() -> list[int] | None:
    """The stations this account works for; None means all of them (administrators and the
    代表工委)."""
    if is_admin() or is_committee():
        return None
    return sorted(s.id for s in g.staff.stations)


def station_query():
    query = db.select(Station).order_by(Station.active.desc(), Station.id)
    ids = station_ids()
    return query if ids is None else query.where(Station.id.in_(ids))


def visible_stations(active_only: bool = False) -> list[Station]:
    query = station_query()
    if active_only:
        query = query.where(Station.active.is_(True))
    return list(db.session.scalars(query))


def scope_messages(query):
    ids = station_ids()
    return query if ids is None else query.where(Message.station_id.in_(ids))


def deputy_query():
    query = db.select(Deputy)
    ids = station_ids()
    if ids is not None:
        members = db.select(StationMember.deputy_id).where(StationMember.station_id.in_(ids))
        query = query.where(Deputy.id.in_(members))
    return query


def visible_deputies(active_only: bool = False) -> list[Deputy]:
    query = deputy_query().order_by(Deputy.active.desc(), Deputy.name, Deputy.id)
    if active_only:
        query = query.where(Deputy.active.is_(True))
    return list(db.session.scalars(query))


def station_or_404(station_id: int) -> Station:
    ids = station_ids()
    station = db.session.get(Station, station_id)
    if station is None or (ids is not None and station.id not in ids):
        abort(404)
    return station


def deputy_or_404(deputy_id: int) -> Deputy:
    deputy = db.session.scalar(deputy_query().where(Deputy.id == deputy_id))
    if deputy is None:
        abort(404)
    return deputy


def message_or_404(message_id: int) -> Message:
    message = db.session.scalar(scope_messages(db.select(Message).where(Message.id == message_id)))
    if message is None:
        abort(404)
    return message
