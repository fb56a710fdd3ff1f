"""Shared pieces of the hostile-input suite: a station with a deputy, and a few messages."""

from __future__ import annotations

import uuid

import pytest
import requests

from server.platform.clock import local_today
from server.platform.db import db
from tests import factories

# High enough that a generated flood never meets a rate limit: throttling is tested elsewhere
# (tests/faults), here every request must reach the code that parses and validates it.
NO_LIMITS = {
    "RATE_LIMIT_BIND_IP": "100000/minute",
    "RATE_LIMIT_LOGIN_IP": "100000/minute",
    "RATE_LIMIT_SUBMIT_CITIZEN": "100000/minute",
    "RATE_LIMIT_SUBMIT_IP": "100000/minute",
    "RATE_LIMIT_UPLOAD_CITIZEN": "100000/minute",
    "RATE_LIMIT_UPLOAD_IP": "100000/minute",
    "RATE_LIMIT_WRITE_CITIZEN": "100000/minute",
}


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


def submit(live, token: str, scene: str, **overrides) -> requests.Response:
    body = {"scene": scene, "category": "城乡建设", "content": "金竹西路的路灯坏了一个月了"}
    body.update(overrides)
    return live.api(
        "POST", "/messages", token, json=body, headers={"Idempotency-Key": uuid.uuid4().hex}
    )
