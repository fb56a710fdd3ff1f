"""What a code opens: `s.<code>` a station, `d.<code>` a deputy (and their first station), and
the categories a citizen may choose. The submission hot path reads both through short-lived
per-process caches (two queries saved per submission; an edit reaches every process within
TTL seconds, and the process that made it clears its own at once)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from server.models import Category, Deputy, ScopeRule, Station
from server.platform.cache import TTLCache
from server.platform.db import db
from server.platform.text import MAX_ID

SCENE = re.compile(r"^(?P<kind>[sd])\.(?P<code>[a-z0-9]{4,16})$")


@dataclass
class Scan:
    kind: str  # station | deputy
    station: Station | None
    deputy: Deputy | None


def resolve_scene(scene: str) -> Scan | None:
    """`s.<code>` -> a station, `d.<code>` -> a deputy (and their first station)."""
    match = SCENE.match((scene or "").strip().lower())
    if not match:
        return None
    code = match["code"]
    if match["kind"] == "s":
        station = db.session.scalar(
            db.select(Station).where(Station.code == code, Station.active.is_(True))
        )
        return Scan("station", station, None) if station else None
    deputy = db.session.scalar(
        db.select(Deputy).where(Deputy.code == code, Deputy.active.is_(True))
    )
    if deputy is None:
        return None
    memberships = sorted(deputy.memberships, key=lambda m: (m.joined_at, m.station_id))
    station = next((m.station for m in memberships if m.station.active), None)
    return Scan("deputy", station, deputy)


def active_categories() -> list[Category]:
    return list(
        db.session.scalars(
            db.select(Category).where(Category.active.is_(True)).order_by(Category.sort_order)
        )
    )


def scope_rules() -> list[dict]:
    """「不在受理范围」: what this platform does not take and where to go instead, shown before
    submitting; a rule tied to a category names it."""
    rows = db.session.execute(
        db.select(ScopeRule, Category.name)
        .outerjoin(Category, Category.id == ScopeRule.category_id)
        .where(ScopeRule.active.is_(True))
        .order_by(ScopeRule.sort_order, ScopeRule.id)
    ).all()
    return [{**rule.public(), "category": name} for rule, name in rows]


TTL = 30.0


@dataclass(frozen=True)
class Target:
    """Where a scene leads: the station (if any) and, for a deputy's own code, the deputy."""

    kind: str  # station | deputy
    station_id: int | None
    deputy_id: int | None


_targets = TTLCache(TTL)
_categories = TTLCache(TTL)


def target_for(scene: str) -> Target | None:
    def load() -> Target | None:
        scan = resolve_scene(scene)
        if scan is None:
            return None
        return Target(
            scan.kind,
            scan.station.id if scan.station else None,
            scan.deputy.id if scan.deputy else None,
        )

    return _targets.get((db.engine.url.render_as_string(), scene), load)


CATEGORY_NAME_MAX = 32  # the categories.name column


def category_id_for(value) -> int | None:
    """An active category's id from its id or its name."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        return None
    key = value.strip() if isinstance(value, str) else value
    # ASCII digits only: "²".isdigit() is true, but int("²") raises.
    if isinstance(key, str) and key.isascii() and key.isdigit():
        key = int(key)
    if isinstance(key, int) and not 0 < key <= MAX_ID:
        return None
    if isinstance(key, str) and len(key) > CATEGORY_NAME_MAX:
        return None  # no such name, and not worth a cache entry of up to 64 KB

    def load() -> int | None:
        query = db.select(Category.id).where(Category.active.is_(True))
        if isinstance(key, int):
            return db.session.scalar(query.where(Category.id == key))
        return db.session.scalar(query.where(Category.name == key)) if key else None

    return _categories.get((db.engine.url.render_as_string(), key), load)


def clear() -> None:
    """After staff change stations, deputies or categories (and between tests)."""
    _targets.clear()
    _categories.clear()
