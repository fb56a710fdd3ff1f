"""Fixtures of the security suite (the world itself is in world.py)."""

from __future__ import annotations

import pytest

from tests.support.stack import Live, fresh_app


@pytest.fixture(scope="module")
def module_live(app, _server, sandbox):
    """Like `live`, but clean once for the whole module: its world is built once."""
    with fresh_app(app, sandbox):
        yield Live(app, _server, sandbox)
