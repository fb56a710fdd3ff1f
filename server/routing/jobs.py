"""RQ jobs: plain functions taking ids. Each runs in an app context and leaves a clean session.

Every job is safe to run twice: the database decides (conditional updates, unique outbox keys),
not the job id.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager

from flask import current_app, has_app_context

from server.extensions import db

log = logging.getLogger(__name__)
_app = None


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
    """Pick the accountable deputy for a received message (their notice follows the commit)."""
    from server.routing.service import route

    with job_context():
        outcome = route(message_id)
        log.info("message %s: %s", message_id, outcome)
        return outcome


def send_notification(notification_id: int) -> str:
    """Send one subscribe message from the outbox (at most once)."""
    from server.wechat.notices import send

    with job_context():
        return send(notification_id)


def sweep() -> dict:
    """The periodic pass that finds what fell through the cracks (see sweep.py)."""
    from server.routing.sweep import run_sweep

    with job_context():
        return run_sweep()
