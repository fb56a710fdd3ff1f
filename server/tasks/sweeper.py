"""The sweep: one periodic pass over the database, safe to run twice or concurrently.

Each pass belongs to the part of the system whose rule it applies; they only read rows that
are due and act through the same idempotent jobs and conditional updates, so nothing is handled
twice:
- messages still `received` after a grace period -> routed again (server/routing/recovery.py);
- notices pending or due for retry whose job got lost -> enqueued again; notices stuck in
  `sending` (the worker died mid-call) -> `failed`, never resent (server/notices/delivery.py);
- each open stage's deadline (units' stages included), and the escalation chain: the holder
  reminded one working day before it, station staff told (and the item marked overdue) at it,
  the 代表工委 after ESCALATE_COMMITTEE_WORKDAYS (server/routing/deadlines.py);
- 「问题解决了吗」 SOLVED_ASK_AFTER_HOURS after an answer nobody rated (server/handling/solved.py);
- the call-back (回访) REVISIT_DAYS after closing (server/handling/revisits.py);
- photos, phone and place of items closed RETENTION_DAYS ago, and photos never submitted
  (server/intake/retention.py);
- 代表建议: evaluations whose period ended are closed (the unit may then see the ratings), and
  grade-B promises that fell due open a 回头看 (server/suggestions/service.py: sweep);
- audit rows older than AUDIT_RETENTION_DAYS (never under 180 days; `0` keeps them all),
  from the start of the hash chain only (server/models/audit.py: prune).
"""

from __future__ import annotations

import logging
import time

import redis
from flask import current_app

from server.handling import revisits, solved
from server.intake import retention
from server.models.audit import prune
from server.notices import delivery
from server.platform.clock import utcnow
from server.platform.db import db
from server.platform.redis import get_redis
from server.routing import deadlines, recovery
from server.suggestions import service as suggestions

log = logging.getLogger(__name__)


def _prune_audit(now) -> int:
    removed = prune(current_app.config["AUDIT_RETENTION_DAYS"], now)
    db.session.commit()
    return removed


def run_sweep() -> dict:
    now = utcnow()
    summary = {
        "rerouted": recovery.reroute_lost(now),
        "notices_requeued": delivery.resend_lost(now),
        "notices_interrupted": delivery.fail_stuck(now),
        "deadlines": deadlines.stamp_due(now),
        "escalated": deadlines.escalate(now),
        "asked_solved": solved.ask_solved(now),
        "revisits": revisits.ask_due(now),
        "suggestions": sum(suggestions.sweep(now).values()),
        "redacted": retention.apply_retention(now),
        "audit_pruned": _prune_audit(now),
    }
    if any(summary.values()):
        log.info("sweep: %s", summary)
    _record_run()
    return summary


def last_run_key() -> str:
    return f"{current_app.config['KEY_PREFIX']}:sweep:last"


def _record_run() -> None:
    """When the sweep last finished, for /readyz: a stopped scheduler shows as an old time."""
    try:
        get_redis().set(last_run_key(), f"{time.time():.3f}")
    except redis.RedisError as exc:
        log.warning("sweep: could not record its run in Redis (%s)", exc.__class__.__name__)


def last_run() -> float | None:
    """The Unix time of the last finished sweep, or None (never, or the record is gone).
    Raises redis.RedisError when Redis is unreachable."""
    value = get_redis().get(last_run_key())
    return float(value) if value else None
