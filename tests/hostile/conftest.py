"""Shared pieces of the hostile-input suite: a station with a deputy, and a few messages."""

from __future__ import annotations

import pytest

from server.platform.clock import local_today
from server.platform.db import db
from tests import factories


@pytest.fixture
def station(live) -> dict:
    """金竹 station with 王建国 on duty today and an invite code to bind him."""
    with live.app.app_context():
        st = factories.station()
        wang = factories.deputy("王建国", expertise=["城建环保"], stations=[st])
        factories.shift(st, wang, "weekly", [local_today().isoweekday()])
        invite = factories.invite(wang).code
        db.session.commit()
        info = {"scene": st.scene, "deputy_scene": wang.scene, "invite": invite}
        db.session.remove()
    return info
