"""The sweep: one periodic pass over the database, safe to run twice or concurrently.

Each pass belongs to the part of the system whose rule it applies; they only read rows that
are due and act through the same idempotent jobs and conditional updates, so nothing is handled
twice:
- messages still `received` after a grace period -> routed again (server/routing/recovery.py);
- notices pending or due for retry whose job got lost -> enqueued again; notices stuck in
  `sending` (the worker died mid-call) -> `failed`, never resent (server/notices/delivery.py);
- each open stage's deadline, and the escalation chain: the holder reminded one working day
  before it, station staff told (and the item marked overdue) at it, the 代表工委 after
  ESCALATE_COMMITTEE_WORKDAYS (server/routing/deadlines.py);
- the call-back (回访) REVISIT_DAYS after closing (server/handling/revisits.py);
- photos, phone and place of items closed RETENTION_DAYS ago, and photos never submitted
  (server/intake/retention.py).
"""

from __future__ import annotations

import logging

from server.handling import revisits
from server.intake import retention
from server.notices import delivery
from server.platform.clock import utcnow
from server.routing import deadlines, recovery

log = logging.getLogger(__name__)


def run_sweep() -> dict:
    now = utcnow()
    summary = {
        "rerouted": recovery.reroute_lost(now),
        "notices_requeued": delivery.resend_lost(now),
        "notices_interrupted": delivery.fail_stuck(now),
        "deadlines": deadlines.stamp_due(now),
        "escalated": deadlines.escalate(now),
        "revisits": revisits.ask_due(now),
        "redacted": retention.apply_retention(now),
    }
    if any(summary.values()):
        log.info("sweep: %s", summary)
    return summary
