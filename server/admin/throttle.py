"""Failed sign-in throttling, per username and address and per address, counted in Redis.

Every try is counted before its password is checked, in one atomic step: of many guesses sent
at once, no more than the limit ever reach the check (counting after the check let 14
concurrent guesses through instead of 5). A successful sign-in takes its try back. Besides the
per-username count, one address has a cap of its own across usernames, so spraying one password
over many accounts is throttled too.

The count lives in Redis so every web process sees the same number. When Redis is unreachable
the dashboard must still let people in: each process then counts in its own memory, which is
weaker (per process) but never locks everybody out nor lets a guesser run unchecked.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from dataclasses import dataclass

import redis
from flask import current_app

from server.platform.redis import get_redis

log = logging.getLogger(__name__)

_local: dict[str, tuple[int, float]] = {}
_local_lock = threading.Lock()


@dataclass(frozen=True)
class Attempt:
    allowed: bool  # False: refused before any password check
    left: int  # tries left for this username and address after this one
    by_address: bool = False  # refused because of the address's own cap


def _prefix() -> str:
    return f"{current_app.config['KEY_PREFIX']}:admin"


def _user_key(username: str, ip: str) -> str:
    digest = hashlib.sha256(f"{username.strip().lower()}|{ip}".encode()).hexdigest()[:24]
    return f"{_prefix()}:login-fail:{digest}"


def _address_key(ip: str) -> str:
    digest = hashlib.sha256(ip.encode()).hexdigest()[:24]
    return f"{_prefix()}:login-fail-ip:{digest}"


def _window() -> int:
    return int(current_app.config["LOGIN_LOCK_MINUTES"] * 60)


def _local_add(key: str, add: int) -> int:
    now = time.monotonic()
    with _local_lock:
        count, since = _local.get(key, (0, now))
        if now - since > _window():
            count, since = 0, now
        count = max(0, count + add)
        _local[key] = (count, since)
        return count


def _add(keys: tuple[str, ...], add: int) -> list[int]:
    """Add to each counter at once and return the new values; a counter's window starts with
    its first try (EXPIRE NX would need Redis 7)."""
    try:
        pipe = get_redis().pipeline()  # MULTI/EXEC: nobody else's INCR lands in between
        for key in keys:
            pipe.set(key, 0, ex=_window(), nx=True)
            pipe.incrby(key, add)
        return [int(value) for value in pipe.execute()[1::2]]
    except redis.RedisError as exc:
        log.warning("login throttle: redis unavailable (%s); counting in this process", exc)
        return [_local_add(key, add) for key in keys]


def begin(username: str, ip: str) -> Attempt:
    """Count one try, before the password is checked; refused when over either limit."""
    config = current_app.config
    per_user, per_address = _add((_user_key(username, ip), _address_key(ip)), 1)
    left = max(0, config["LOGIN_MAX_FAILURES"] - per_user)
    if per_user > config["LOGIN_MAX_FAILURES"]:
        return Attempt(False, 0)
    if per_address > config["LOGIN_MAX_FAILURES_PER_ADDRESS"]:
        return Attempt(False, left, by_address=True)
    return Attempt(True, left)


def succeeded(username: str, ip: str) -> None:
    """The password was right: this username starts afresh here, and the try is given back to
    the address's count (which so counts only failures)."""
    user_key = _user_key(username, ip)
    with _local_lock:
        _local.pop(user_key, None)
    try:
        get_redis().delete(user_key)
    except redis.RedisError:
        pass
    _add((_address_key(ip),), -1)


def unlock(username: str, addresses: list[str]) -> None:
    """A security administrator lets a locked username try again from these addresses (the
    ones its recent failures came from: the audit log's login_failed rows)."""
    keys = [_user_key(username, ip) for ip in addresses]
    with _local_lock:
        for key in keys:
            _local.pop(key, None)
    try:
        if keys:
            get_redis().delete(*keys)
    except redis.RedisError:
        pass
