"""Rows for tests, written straight to the database (the dashboard will make them in real use)."""

from __future__ import annotations

from datetime import timedelta

from server.models import (
    Category,
    Deputy,
    DeputyInvite,
    DutyShift,
    StaffUser,
    Station,
    StationMember,
    Unit,
)
from server.platform.clock import utcnow
from server.platform.db import db


def station(name: str = "金竹社区人大代表联络站", **kwargs) -> Station:
    row = Station(name=name, address=kwargs.pop("address", "金竹西路 18 号"), **kwargs)
    db.session.add(row)
    db.session.flush()
    return row


def deputy(name: str, level: str = "县", expertise=(), stations=(), **kwargs) -> Deputy:
    row = Deputy(name=name, level=level, expertise=list(expertise), **kwargs)
    db.session.add(row)
    db.session.flush()
    for st in stations:
        db.session.add(StationMember(station_id=st.id, deputy_id=row.id))
    db.session.flush()
    return row


def shift(st: Station, dep: Deputy, kind: str, days, **kwargs) -> DutyShift:
    row = DutyShift(station_id=st.id, deputy_id=dep.id, kind=kind, days=list(days), **kwargs)
    db.session.add(row)
    db.session.flush()
    return row


def invite(dep: Deputy, hours: float = 24, **kwargs) -> DeputyInvite:
    row = DeputyInvite(deputy_id=dep.id, expires_at=utcnow() + timedelta(hours=hours), **kwargs)
    db.session.add(row)
    db.session.flush()
    return row


def category(name: str) -> Category:
    return db.session.scalar(db.select(Category).where(Category.name == name))


# Every test staff account signs in with this password.
PASSWORD = "correct-horse-42"


def unit(name: str, answer_days: int = 7, **kwargs) -> Unit:
    row = Unit(name=name, answer_days=answer_days, **kwargs)
    db.session.add(row)
    db.session.flush()
    return row


def make_staff(
    username: str, role: str = "station_staff", stations=(), name: str = "", unit_id=None
) -> int:
    user = StaffUser(
        username=username,
        display_name=name or username,
        role=role,
        stations=list(stations),
        unit_id=unit_id,
    )
    user.set_password(PASSWORD)
    db.session.add(user)
    db.session.flush()
    return user.id
