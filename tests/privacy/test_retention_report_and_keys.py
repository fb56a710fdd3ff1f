"""Issue 19, item 5: what retention removed is on the dashboard (when, how many items and
photos), and phone keys rotate: `flask phones rotate` re-encrypts every phone with the newest
key, after which the old key can go; without the right key a phone reads as nothing."""

from __future__ import annotations

from datetime import timedelta

from cryptography.fernet import Fernet

from server import tasks
from server.models import Message
from server.platform.clock import local_today, utcnow
from server.platform.crypto import decrypt_phone
from server.platform.db import db
from tests.factories import make_staff
from tests.privacy.test_retention_and_audit import _closed_item_with_photo
from tests.support.helpers import Staff, bind_deputy, submit


def test_the_security_page_shows_what_retention_removed(live, world):
    _, deputy_token = bind_deputy(live, world, "王建国")
    _, token = live.citizen()
    old = _closed_item_with_photo(live, world, token, deputy_token)
    with live.app.app_context():
        make_staff("security", "security_admin")
        db.session.commit()
    security = Staff(live.app, "security")
    page = security.get("/admin/security").get_data(as_text=True)
    assert "未设置保留期限" in page and "近 30 天没有删除记录" in page
    live.app.config["RETENTION_DAYS"] = 30
    with live.app.app_context():
        db.session.get(Message, old["id"]).closed_at = utcnow() - timedelta(days=31)
        db.session.commit()
        assert tasks.sweep()["redacted"] == 1
    page = security.get("/admin/security").get_data(as_text=True)
    assert "办结或不予受理 30 天后" in page
    row = f"<tr><td>{local_today().isoformat()}</td><td>1</td><td>1</td></tr>"
    assert row in page, page[page.find('id="retention"') :][:600]


def _phones(app) -> list[str | None]:
    with app.app_context():
        rows = db.session.scalars(db.select(Message.contact_phone_enc).order_by(Message.id))
        phones = [decrypt_phone(token) for token in rows]
        db.session.remove()
    return phones


def test_phone_keys_rotate(live, world):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    live.app.config["PHONE_KEYS"] = [old]
    _, token = live.citizen()
    submit(live, token, world["scene"], content="电话一", contact_phone="13812345678")
    submit(live, token, world["scene"], content="电话二", contact_phone="13900001111")
    expected = ["13812345678", "13900001111"]
    live.app.config["PHONE_KEYS"] = [new, old]  # the new key in front, the old kept
    assert _phones(live.app) == expected
    done = live.app.test_cli_runner().invoke(args=["phones", "rotate"])
    assert done.exit_code == 0 and "re-encrypted 2" in done.output
    live.app.config["PHONE_KEYS"] = [new]  # the old key dropped: still readable
    assert _phones(live.app) == expected
    live.app.config["PHONE_KEYS"] = [old]  # only the retired key: nothing reads
    assert _phones(live.app) == [None, None]
