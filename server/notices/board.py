"""The dashboard's notices (提醒) for station staff and the 代表工委: written once per dedupe key,
in the caller's transaction. The escalation chain uses the key as its claim: a sweep running
twice, or two at once, writes each notice once."""

from __future__ import annotations

from sqlalchemy import or_

from server.models import BoardNotice
from server.platform.clock import utcnow
from server.platform.db import db, dialect_insert


def post(
    dedupe_key: str,
    audience: str,
    text: str,
    *,
    kind: str,
    station_id: int | None = None,
    message_id: int | None = None,
    unit_id: int | None = None,
) -> bool:
    """Add the notice; False if one with this key exists already (nothing written)."""
    statement = (
        dialect_insert(BoardNotice)
        .values(
            dedupe_key=dedupe_key,
            audience=audience,
            station_id=station_id,
            message_id=message_id,
            unit_id=unit_id,
            kind=kind,
            text=text[:300],
            created_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(BoardNotice.id)
    )
    return db.session.execute(statement).scalar() is not None


def latest(station_ids: list[int] | None, committee: bool, limit: int = 20) -> list[BoardNotice]:
    """The newest notices for an account: its stations' (all with None), and the 代表工委's for
    the committee and administrators."""
    query = db.select(BoardNotice)
    station_clause = (
        BoardNotice.audience == "station"
        if station_ids is None
        else (BoardNotice.audience == "station") & BoardNotice.station_id.in_(station_ids)
    )
    clauses = [station_clause]
    if committee:
        clauses.append(BoardNotice.audience == "committee")
    query = query.where(or_(*clauses))
    return list(
        db.session.scalars(
            query.order_by(BoardNotice.created_at.desc(), BoardNotice.id.desc()).limit(limit)
        )
    )


def for_unit(unit_id: int, limit: int = 20) -> list[BoardNotice]:
    """The newest notices for a handling unit's staff (reminders of its deadlines, 督办)."""
    return list(
        db.session.scalars(
            db.select(BoardNotice)
            .where(BoardNotice.audience == "unit", BoardNotice.unit_id == unit_id)
            .order_by(BoardNotice.created_at.desc(), BoardNotice.id.desc())
            .limit(limit)
        )
    )
