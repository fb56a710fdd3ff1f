"""Rate limits (Flask-Limiter on Redis), per WeChat identity and per IP.

Per identity is the real protection: one phone flooding the form is throttled while everyone
else goes on. Per IP limits are generous on purpose: a whole station's visitors share its
Wi-Fi, and mobile carriers put thousands of phones behind one address (a TV call-in!). If Redis
is unreachable, each process keeps counting in memory: protection degrades, intake does not.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app, g, request
from flask_limiter import Limiter

from server.platform.redis import embedded_paths


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
