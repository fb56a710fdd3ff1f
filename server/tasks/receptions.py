"""The periodic pass of 接待预告 (server/routing/receptions.py): days that became holidays are
cancelled, and tomorrow's subscribers reminded once. Safe to run twice."""

from __future__ import annotations

from server.tasks import job_context


def remind_receptions() -> dict:
    from server.routing.receptions import run_pass

    with job_context():
        return run_pass()
