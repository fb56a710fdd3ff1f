"""A small per-process cache with a time to live: for data staff edit rarely and every request
reads (scenes, categories, the working-day calendar). An edit reaches every process within the
TTL; the process that made the edit clears its own cache at once."""

from __future__ import annotations

import threading
import time

# Keys are whatever requests name, misses included: a flood of made-up keys must not grow a
# process without bound.
MAX_ENTRIES = 10_000


class TTLCache:
    def __init__(self, ttl: float, max_entries: int = MAX_ENTRIES):
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
