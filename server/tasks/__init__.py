"""The RQ jobs, and the only code that names one: plain functions taking ids, each run in an
app context that it leaves with a clean session. Everything else enqueues them by dotted path
(server/platform/queue.py), so nothing below this package imports it.

Every job is safe to run twice: the database decides (conditional updates, unique outbox keys),
not the job id.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager

from flask import current_app, has_app_context

from server.platform.db import db

log = logging.getLogger(__name__)
_app = None

# Periodic work, as data: (name, dotted job path, config key holding the interval in seconds).
# `flask scheduler` enqueues each once per interval, however many schedulers run.
PERIODIC = (
    ("sweep", "server.tasks.sweep", "SWEEP_INTERVAL"),
    ("clean_exports", "server.tasks.exports.clean_exports", "EXPORT_CLEAN_INTERVAL"),
    ("receptions", "server.tasks.receptions.remind_receptions", "RECEPTION_REMIND_INTERVAL"),
)


@contextmanager
def job_context():
    """Use the worker's app context if there is one, else build the app once per process."""
    global _app
    if has_app_context():
        try:
            yield current_app
        finally:
            db.session.remove()
        return
    if _app is None:
        from server import create_app

        _app = create_app()
    with _app.app_context():
        yield _app


def route_message(message_id: int) -> str:
    """Pick the accountable deputy for a received message, then make the first attempt at their
    notice in the same job: one job per message (the outbox row is committed first, so if this
    process dies in between, the sweep sends it)."""
    from server.notices.delivery import send
    from server.routing.router import route

    with job_context():
        outcome, notice = route(message_id)
        if notice is not None and notice.status == "pending":
            send(notice.id, openid=notice.openid)
        log.info("message %s: %s", message_id, outcome)
        return outcome


def send_notification(notification_id: int) -> str:
    """Send one notice from the outbox (at most once)."""
    from server.notices.delivery import send

    with job_context():
        return send(notification_id)


def analyse_quarter(run_id: int) -> str:
    """The quarterly analysis run `run_id`: topics and clusters of its quarter
    (server/insight/analysis.py); its time is kept on the run and shown in ./scripts/bench."""
    from server.insight.analysis import run

    with job_context():
        record = run(run_id)
        return (
            f"{record.status} {record.clusters} clusters in {record.seconds}s" if record else "gone"
        )


def sweep() -> dict:
    """The periodic pass that finds what fell through the cracks (server/tasks/sweeper.py)."""
    from server.tasks.sweeper import run_sweep

    with job_context():
        return run_sweep()
