"""Failed sign-in throttling, per username and address, counted in Redis.

The count lives in Redis so every web process sees the same number. When Redis is unreachable
the dashboard must still let people in: each process then counts in its own memory, which is
weaker (per process) but never locks everybody out nor lets a guesser run unchecked.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time

import redis
from flask import current_app

from server.redis_conn import get_redis

log = logging.getLogger(__name__)

_local: dict[str, tuple[int, float]] = {}
_local_lock = threading.Lock()


def _key(username: str, ip: str) -> str:
    digest = hashlib.sha256(f"{username.strip().lower()}|{ip}".encode()).hexdigest()[:24]
    return f"{current_app.config['KEY_PREFIX']}:admin:login-fail:{digest}"


def _window() -> int:
    return int(current_app.config["LOGIN_LOCK_MINUTES"] * 60)


def _local_count(key: str, add: int) -> int:
    now = time.monotonic()
    with _local_lock:
        count, since = _local.get(key, (0, now))
        if now - since > _window():
            count, since = 0, now
        count += add
        _local[key] = (count, since)
        return count


def failures(username: str, ip: str) -> int:
    key = _key(username, ip)
    try:
        return int(get_redis().get(key) or 0)
    except redis.RedisError as exc:
        log.warning("login throttle: redis unavailable (%s); counting in this process", exc)
        return _local_count(key, 0)


def is_locked(username: str, ip: str) -> bool:
    return failures(username, ip) >= current_app.config["LOGIN_MAX_FAILURES"]


def record_failure(username: str, ip: str) -> int:
    """One more failed try; returns how many tries are left before the lock."""
    key = _key(username, ip)
    try:
        pipe = get_redis().pipeline()
        # The window starts at the first failure (EXPIRE NX would need Redis 7).
        pipe.set(key, 0, ex=_window(), nx=True)
        pipe.incr(key)
        count = int(pipe.execute()[1])
    except redis.RedisError as exc:
        log.warning("login throttle: redis unavailable (%s); counting in this process", exc)
        count = _local_count(key, 1)
    return max(0, current_app.config["LOGIN_MAX_FAILURES"] - count)


def clear(username: str, ip: str) -> None:
    key = _key(username, ip)
    with _local_lock:
        _local.pop(key, None)
    try:
        get_redis().delete(key)
    except redis.RedisError:
        pass
