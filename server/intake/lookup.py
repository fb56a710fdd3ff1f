"""Short-lived, per-process lookups for the submission hot path.

A submission names its scene and category; both change rarely (staff edits), and reading them
on every submission costs two queries. Entries live TTL seconds, so an edit reaches every
process within that time; the process that made the edit clears its own cache at once.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from server.models import Category
from server.platform.db import db
from server.platform.text import MAX_ID

TTL = 30.0
# Keys are whatever submissions name, misses included: a flood of made-up scenes must not grow
# a process without bound. Far more than the real stations, deputies and categories.
MAX_ENTRIES = 10_000


@dataclass(frozen=True)
class Target:
    """Where a scene leads: the station (if any) and, for a deputy's own code, the deputy."""

    kind: str  # station | deputy
    station_id: int | None
    deputy_id: int | None


class TTLCache:
    def __init__(self, ttl: float = TTL, max_entries: int = MAX_ENTRIES):
        self.ttl = ttl
        self.max_entries = max_entries
        self._data: dict = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._data)

    def get(self, key, load):
        now = time.monotonic()
        with self._lock:
            hit = self._data.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        value = load()
        with self._lock:
            if len(self._data) >= self.max_entries and key not in self._data:
                self._data = {k: v for k, v in self._data.items() if v[0] > now}
                if len(self._data) >= self.max_entries:
                    self._data.clear()  # all fresh: a flood; the real entries reload at once
            self._data[key] = (now + self.ttl, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


_targets = TTLCache()
_categories = TTLCache()


def target_for(scene: str) -> Target | None:
    from server.intake.service import resolve_scene

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
