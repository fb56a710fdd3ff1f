"""Rate limits (Flask-Limiter on Redis), per WeChat identity and per IP.

Per identity is the real protection: one phone flooding the form is throttled while everyone
else goes on. Per IP limits are generous on purpose: a whole station's visitors share its
Wi-Fi, and mobile carriers put thousands of phones behind one address (a TV call-in!). If Redis
is unreachable, each process keeps counting in memory: protection degrades, intake does not.
"""

from __future__ import annotations

from pathlib import Path

import redis
from flask import Flask, current_app, g, request
from flask_limiter import Limiter

from server.platform.redis import embedded_paths, get_redis


def _ip() -> str:
    return f"ip:{request.remote_addr or '-'}"


def _citizen() -> str:
    citizen = getattr(g, "citizen", None)
    return f"c:{citizen.id}" if citizen is not None else _ip()


limiter = Limiter(
    key_func=_ip,
    strategy="fixed-window",
    swallow_errors=True,
    in_memory_fallback_enabled=True,
    headers_enabled=True,
)


def _setting(name: str):
    return lambda: current_app.config[name]


def per_citizen(name: str):
    """Limit the decorated view per signed-in caller (place it below require_citizen)."""
    return limiter.limit(_setting(name), key_func=_citizen, scope=name)


_SUBMISSIONS = per_citizen("RATE_LIMIT_SUBMIT_CITIZEN")


def count_submission() -> None:
    """Count one submission against RATE_LIMIT_SUBMIT_CITIZEN (429 beyond it). The intake calls
    this once a submission has passed validation: a form sent back for a missing field is a
    person's typo, not a submission; risky content and accepted items are counted. Counting
    happens before the item is stored, in one atomic step, so a burst can't slip past it."""
    with _SUBMISSIONS:
        pass


def per_ip(name: str):
    return limiter.limit(_setting(name), key_func=_ip, scope=name)


# -- the web form outside WeChat: no identity, so the address and the phone number ----------------


def _web_phone() -> str:
    return f"phone:{getattr(g, 'web_phone', None) or '-'}"


_WEB_IP = limiter.limit(_setting("RATE_LIMIT_WEB_IP"), key_func=_ip, scope="web_ip")
_WEB_PHONE = limiter.limit(_setting("RATE_LIMIT_WEB_PHONE"), key_func=_web_phone, scope="web_phone")


def count_web_submission(phone_key: str | None) -> None:
    """Count one web-form submission per address and, when a phone number is given, per phone
    (`phone_key`: a hash of it, never the number). 429 beyond either limit."""
    with _WEB_IP:
        pass
    if phone_key:
        g.web_phone = phone_key
        with _WEB_PHONE:
            pass


def web_pressure() -> int:
    """How many web-form submissions this address made in the current hour's window."""
    try:
        value = get_redis().get(_pressure_key())
    except redis.RedisError:  # without Redis, no question: the limits still hold
        return 0
    return int(value or 0)


def note_web_submission() -> None:
    try:
        pipe = get_redis().pipeline()
        pipe.incr(_pressure_key())
        pipe.expire(_pressure_key(), 3600)
        pipe.execute()
    except redis.RedisError:
        pass


def _pressure_key() -> str:
    return f"{current_app.config['KEY_PREFIX']}:web-pressure:{request.remote_addr or '-'}"


def _storage_uri(app: Flask) -> str:
    url = app.config.get("REDIS_URL")
    if url:
        # redis-py says unix://, the limits library redis+unix://
        return "redis+" + url if url.startswith("unix://") else url
    # The embedded server's socket: known without starting it (get_redis() starts it).
    socket_path = embedded_paths(Path(app.config["INSTANCE_PATH"]))["socket"]
    return f"redis+unix://{socket_path}"


def init_limits(app: Flask) -> None:
    app.config.setdefault("RATELIMIT_STORAGE_URI", _storage_uri(app))
    # Our namespace for the counters (the limits library would use "LIMITS:").
    app.config.setdefault(
        "RATELIMIT_STORAGE_OPTIONS", {"key_prefix": f"{app.config['KEY_PREFIX']}:limits"}
    )
    limiter.init_app(app)
