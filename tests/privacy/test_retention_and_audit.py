"""Issue 6, privacy: personal data of closed items expires; staff reads are on record;
anonymous items never show who wrote them to deputies."""

from __future__ import annotations

import os
from datetime import timedelta

from server import tasks
from server.intake.photos import photo_path
from server.models import Event, Message, Upload
from server.models.audit import AuditLog
from server.platform.clock import utcnow
from server.platform.db import db
from tests.factories import make_staff
from tests.support.helpers import Staff, bind_deputy, png_bytes, submit


def _closed_item_with_photo(live, world, token, deputy_token):
    upload = live.api(
        "POST", "/uploads", token, files={"file": ("a.png", png_bytes(), "image/png")}
    )
    created = submit(
        live,
        token,
        world["scene"],
        photos=[upload.json()["upload_id"]],
        contact_phone="13912345678",
        location={"lat": 26.5, "lng": 106.7, "address": "金竹西路"},
    )
    live.work()
    live.api(
        "POST", f"/deputy/messages/{created['id']}/replies", deputy_token, json={"content": "已修"}
    )
    live.api("POST", f"/messages/{created['id']}/rating", token, json={"score": "satisfied"})
    return created


def test_retention_deletes_photos_and_personal_fields_once(live, world):
    _, deputy_token = bind_deputy(live, world, "王建国")
    _, token = live.citizen()
    old = _closed_item_with_photo(live, world, token, deputy_token)
    recent = _closed_item_with_photo(live, world, token, deputy_token)
    live.app.config["RETENTION_DAYS"] = 30
    with live.app.app_context():
        db.session.get(Message, old["id"]).closed_at = utcnow() - timedelta(days=31)
        db.session.commit()
        old_file = photo_path(
            db.session.scalar(db.select(Upload).where(Upload.message_id == old["id"]))
        )
        assert os.path.exists(old_file)
        assert tasks.sweep()["redacted"] == 1
        assert tasks.sweep()["redacted"] == 0
        message = db.session.get(Message, old["id"])
        assert message.contact_phone_enc is None and message.location_address is None
        assert message.location_lat is None and message.redacted_at is not None
        assert message.content  # the register keeps what was raised
        assert db.session.scalar(db.select(Upload).where(Upload.message_id == old["id"])) is None
        assert db.session.get(Message, recent["id"]).contact_phone_enc is not None
        assert (
            db.session.scalar(db.select(Event).where(Event.kind == "redacted")).message_id
            == old["id"]
        )
    assert not os.path.exists(old_file)
    detail = live.api("GET", f"/messages/{old['id']}", token).json()
    assert detail["photos"] == [] and detail["contact_phone"] is None and detail["content"]


def test_retention_off_by_default(live, world):
    _, deputy_token = bind_deputy(live, world, "王建国")
    _, token = live.citizen()
    old = _closed_item_with_photo(live, world, token, deputy_token)
    with live.app.app_context():
        db.session.get(Message, old["id"]).closed_at = utcnow() - timedelta(days=3650)
        db.session.commit()
        assert tasks.sweep()["redacted"] == 0


def test_anonymous_items_show_deputies_no_phone(live, world):
    _, deputy_token = bind_deputy(live, world, "王建国")
    _, token = live.citizen()
    named = submit(live, token, world["scene"], contact_phone="13912345678")
    hidden = submit(
        live,
        token,
        world["scene"],
        contact_phone="13912345678",
        anonymous=True,
        content="匿名反映的事情",
    )
    live.work()
    shown = live.api("GET", f"/deputy/messages/{named['id']}", deputy_token).json()
    # The citizen asked to be called back: masked on the page, the number on 「回电」.
    assert shown["contact_phone"] == "139****5678" and shown["can_call"] is True
    called = live.api("POST", f"/deputy/messages/{named['id']}/phone", deputy_token).json()
    assert called == {"contact_phone": "13912345678"}
    secret = live.api("GET", f"/deputy/messages/{hidden['id']}", deputy_token)
    assert secret.json()["contact_phone"] is None and "13912345678" not in secret.text
    assert secret.json()["can_call"] is False
    refused = live.api("POST", f"/deputy/messages/{hidden['id']}/phone", deputy_token)
    assert refused.json() == {"contact_phone": None} and "5678" not in refused.text
    inbox = live.api("GET", "/deputy/inbox", deputy_token)
    assert "13912345678" not in inbox.text
    with live.app.app_context():
        seen = db.session.scalars(db.select(Event).where(Event.kind == "phone_viewed")).all()
        assert [(e.message_id, e.actor) for e in seen] == [(named["id"], "deputy")]
        audited = db.session.scalars(
            db.select(AuditLog).where(AuditLog.action == "phone_viewed")
        ).all()
        assert [a.target for a in audited] == [f"message:{named['id']}"]
        assert audited[0].data["deputy"] == "王建国"


def test_staff_reads_of_personal_data_are_audited(live, world):
    _, token = live.citizen()
    created = submit(live, token, world["scene"], contact_phone="13912345678")
    with live.app.app_context():
        make_staff("auditor", "admin")
        db.session.commit()
    staff = Staff(live.app, "auditor")
    page = staff.get(f"/admin/items/{created['id']}").get_data(as_text=True)
    assert "13912345678" not in page  # masked until asked for
    shown = staff.post(f"/admin/items/{created['id']}/phone")
    assert "13912345678" in shown.get_data(as_text=True)
    export = staff.get("/admin/registers/suggestions.xlsx")
    assert export.status_code == 200
    with live.app.app_context():
        actions = [a.action for a in db.session.scalars(db.select(AuditLog).order_by(AuditLog.id))]
    assert actions.count("item_viewed") == 1
    assert "phone_viewed" in actions and "register_exported" in actions
