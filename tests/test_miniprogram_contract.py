"""Issue 5: the mini-program's own api module against the real server and the WeChat sandbox.

`miniprogram/test/contract/run.js` runs utils/api.js (and scene/form/subscribe/store) under
Node with a `wx` that performs real HTTP: wx.login asks the sandbox for a login code,
wx.requestSubscribeMessage taps 允许 in the sandbox, wx.uploadFile posts multipart. Each phase
plays one phone; between phases this test runs the real RQ worker, as production would.
It needs only Node (no npm packages): the jest suite in miniprogram/ is separate.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from server.models import Message, Notification
from server.platform.clock import local_today
from server.platform.db import db
from tests import factories

ROOT = Path(__file__).resolve().parent.parent
RUN_JS = ROOT / "miniprogram" / "test" / "contract" / "run.js"
NODE = shutil.which("node")


def _node_major() -> int:
    if NODE is None:
        return 0
    version = subprocess.run([NODE, "--version"], capture_output=True, text=True).stdout
    return int(version.strip().lstrip("v").split(".")[0] or 0)


pytestmark = pytest.mark.skipif(
    _node_major() < 20,
    reason="node 20+ is not installed: the mini-program contract test runs "
    "miniprogram/utils/api.js under Node (fetch, FormData, Blob)",
)


@pytest.fixture
def world(live):
    """金竹 station with 王建国 on duty today and an invite code for him."""
    with live.app.app_context():
        st = factories.station()
        wang = factories.deputy("王建国", expertise=["城建环保"], stations=[st])
        factories.deputy("李秀兰", level="市", expertise=["教科文卫"], stations=[st])
        factories.shift(st, wang, "weekly", [local_today().isoweekday()])
        invite = factories.invite(wang).code
        db.session.commit()
        info = {"station_scene": st.scene, "deputy_scene": wang.scene, "invite": invite}
        db.session.remove()
    return info


def run_phase(name: str, env: dict) -> str:
    result = subprocess.run(
        [NODE, str(RUN_JS), name],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT / "miniprogram",
    )
    output = result.stdout + result.stderr
    print(output)  # shown with -s, and by pytest when a later assertion fails
    assert result.returncode == 0, f"phase {name} failed:\n{output}"
    return output


def test_the_mini_program_api_module_closes_the_loop(live, world, tmp_path):
    templates = live.app.config["WECHAT_TEMPLATES"]
    env = {
        **os.environ,
        "LZ_API_URL": live.url,
        "LZ_SANDBOX_URL": live.sandbox.url,
        "LZ_STATION_SCENE": world["station_scene"],
        "LZ_DEPUTY_SCENE": world["deputy_scene"],
        "LZ_INVITE_CODE": world["invite"],
        "LZ_DEPUTY_NAME": "王建国",
        "LZ_TEMPLATE_REPLY": templates.reply,
        "LZ_TEMPLATE_NEW_ITEM": templates.new_item,
        "LZ_TEMPLATE_REMINDER": templates.reminder,
        "LZ_STATE": str(tmp_path / "phones.json"),
    }

    out = run_phase("deputy-bind", env)
    assert "ok - deputy-bind: bound with the invite code" in out

    out = run_phase("citizen-submit", env)
    assert "made one message" in out
    with live.app.app_context():
        # The lost answer and its retry stored one message, not two.
        assert db.session.scalar(db.select(db.func.count()).select_from(Message)) == 1

    live.work()  # route to the deputy on duty, send the new-item notice

    run_phase("deputy-reply", env)

    live.work()  # send the citizen's reply notice

    out = run_phase("citizen-check", env)
    assert "phase citizen-check: all checks passed" in out
    with live.app.app_context():
        notices = db.session.scalars(db.select(Notification).order_by(Notification.id)).all()
        # The citizen's follow-up ("谢谢…") reaches the deputy too, once a worker sends it.
        assert [(n.kind, n.status) for n in notices] == [
            ("new_item", "sent"),
            ("reply", "sent"),
            ("followup", "pending"),
        ]
        assert db.session.scalar(db.select(Message)).status == "closed"

    # What WeChat DevTools does against this server and sandbox (config.js develop).
    out = run_phase("devtools", env)
    assert "phase devtools: all checks passed" in out
