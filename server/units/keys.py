"""A unit's integration keys: issued in the dashboard (shown once), kept as a hash, revocable."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from server.models import Unit, UnitKey
from server.models.unit import hash_key, new_key
from server.platform.clock import utcnow
from server.platform.db import db

# last_used_at is a hint for staff ("is this key still in use?"), not an audit trail: written at
# most this often, so a polling system does not turn every read into a write.
TOUCH_EVERY = timedelta(minutes=5)


def issue_key(unit: Unit, label: str = "") -> tuple[UnitKey, str]:
    """A new key for `unit`: (its row, the key itself — the only time it is seen)."""
    plain = new_key()
    row = UnitKey(unit_id=unit.id, label=label, key_hash=hash_key(plain), issued_at=utcnow())
    db.session.add(row)
    db.session.flush()
    return row, plain


def revoke_key(key: UnitKey) -> None:
    if key.revoked_at is None:
        key.revoked_at = utcnow()


def unit_for_key(plain: str) -> Unit | None:
    """The active unit holding this unrevoked key, or None."""
    if not plain:
        return None
    found = db.session.execute(
        db.select(UnitKey, Unit)
        .join(Unit, Unit.id == UnitKey.unit_id)
        .where(UnitKey.key_hash == hash_key(plain), UnitKey.revoked_at.is_(None))
    ).first()
    if found is None or not found[1].active:
        return None
    key, unit = found
    now = utcnow()
    if key.last_used_at is None or now - key.last_used_at > TOUCH_EVERY:
        db.session.execute(update(UnitKey).where(UnitKey.id == key.id).values(last_used_at=now))
        db.session.commit()
    return unit
