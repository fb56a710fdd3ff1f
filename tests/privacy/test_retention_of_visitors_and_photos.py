"""Issue 12, item 11: retention kept walk-in visitors' names forever, and photos that were
uploaded but never sent with a message (nobody's record) were kept forever too."""

from __future__ import annotations

import os
from datetime import timedelta

from server import tasks
from server.intake.photos import photo_path
from server.models import Message, Upload, WalkIn
from server.platform.clock import utcnow
from server.platform.db import db
from tests.support.helpers import png_bytes


def _walk_in(clerk, station_id: int, content: str, name: str) -> int:
    answer = clerk.post(
        "/admin/walk-ins/new",
        {
            "station_id": station_id,
            "category_id": "1",
            "content": content,
            "visitor_name": name,
            "visitor_phone": "13700001111",
            "on_spot": "1",
            "answer": "已当场答复",
        },
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return int(answer.headers["Location"].rsplit("/", 1)[1])


def test_a_walk_in_visitors_name_goes_with_the_phone(live, stations, signed_in):
    clerk = signed_in("jinzhu")
    station = stations["stations"]["金竹"]
    old = _walk_in(clerk, station, "来访：楼道灯不亮", "钱多多")
    recent = _walk_in(clerk, station, "来访：井盖松动", "周大福")
    live.app.config["RETENTION_DAYS"] = 30
    with live.app.app_context():
        db.session.get(Message, old).closed_at = utcnow() - timedelta(days=31)
        db.session.commit()
        assert tasks.sweep()["redacted"] == 1
        visits = {w.message_id: w for w in db.session.scalars(db.select(WalkIn))}
        assert visits[old].visitor_name == "" and visits[recent].visitor_name == "周大福"
        assert db.session.get(Message, old).contact_phone_enc is None
        db.session.remove()
    page = clerk.get(f"/admin/items/{old}").get_data(as_text=True)
    assert "未留姓名" in page and "钱" not in page.split("来访人", 1)[1][:40]


def _upload(live, token) -> str:
    answer = live.api(
        "POST", "/uploads", token, files={"file": ("a.png", png_bytes(), "image/png")}
    )
    assert answer.status_code == 201, answer.text
    return answer.json()["upload_id"]


def test_photos_never_submitted_are_deleted_after_a_day(live, stations):
    _, token = live.citizen()
    stale, fresh, sent = _upload(live, token), _upload(live, token), _upload(live, token)
    answer = live.api(
        "POST",
        "/messages",
        token,
        json={
            "scene": stations["scenes"]["金竹"],
            "category": "其他",
            "content": "路灯坏了",
            "photos": [sent],
        },
        headers={"Idempotency-Key": "retention-photo-1"},
    )
    assert answer.status_code == 201, answer.text
    assert live.app.config["RETENTION_DAYS"] == 0  # whatever the items' retention says
    with live.app.app_context():
        day_ago = utcnow() - timedelta(hours=25)
        for upload_id in (stale, sent):
            db.session.get(Upload, upload_id).created_at = day_ago
        db.session.commit()
        files = {i: photo_path(db.session.get(Upload, i)) for i in (stale, fresh, sent)}
        assert all(os.path.exists(f) for f in files.values())
        tasks.sweep()
        left = set(db.session.scalars(db.select(Upload.id)))
        db.session.remove()
    assert left == {fresh, sent}
    assert not os.path.exists(files[stale])
    assert os.path.exists(files[fresh]) and os.path.exists(files[sent])
    detail = live.api("GET", f"/messages/{answer.json()['id']}", token).json()
    assert [p["id"] for p in detail["photos"]] == [sent]


def test_unsubmitted_photos_can_be_kept(live, stations):
    live.app.config["UNSUBMITTED_PHOTO_HOURS"] = 0
    _, token = live.citizen()
    stale = _upload(live, token)
    with live.app.app_context():
        db.session.get(Upload, stale).created_at = utcnow() - timedelta(days=400)
        db.session.commit()
        tasks.sweep()
        assert db.session.get(Upload, stale) is not None
        db.session.remove()
