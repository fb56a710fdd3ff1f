"""The sweep: one periodic pass over the database, safe to run twice or concurrently.

Each pass belongs to the part of the system whose rule it applies; they only read rows that
are due and act through the same idempotent jobs and conditional updates, so nothing is handled
twice:
- messages still `received` after a grace period -> routed again (server/routing/recovery.py);
- notices pending or due for retry whose job got lost -> enqueued again; notices stuck in
  `sending` (the worker died mid-call) -> `failed`, never resent (server/notices/delivery.py);
- reminders after REMIND_AFTER_HOURS, overdue marks after OVERDUE_AFTER_HOURS
  (server/routing/deadlines.py);
- 「问题解决了吗」 SOLVED_ASK_AFTER_HOURS after an answer nobody rated (server/handling/solved.py);
- photos, phone and place of items closed RETENTION_DAYS ago, and photos never submitted
  (server/intake/retention.py).
"""

from __future__ import annotations

import logging

from server.handling import solved
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
        "reminders": deadlines.remind(now),
        "overdue": deadlines.mark_overdue(now),
        "asked_solved": solved.ask_solved(now),
        "redacted": retention.apply_retention(now),
    }
    if any(summary.values()):
        log.info("sweep: %s", summary)
    return summary
