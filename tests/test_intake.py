"""Issue 2: a citizen scans, signs in through WeChat and submits; stored and queued."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from server.models import Event, Message, Upload
from server.platform.clock import local_today
from server.platform.db import db
from server.platform.queue import get_queue
from tests import factories
from tests.support.helpers import assert_error, png_bytes, post_message


@pytest.fixture
def station(live):
    """A station with one deputy on duty today and one who is not."""
    with live.app.app_context():
        st = factories.station()
        on_duty = factories.deputy("王建国", expertise=["城建环保"], stations=[st])
        off = factories.deputy("李秀兰", level="市", stations=[st])
        factories.shift(st, on_duty, "weekly", [local_today().isoweekday()])
        factories.shift(st, off, "dates", ["2001-01-01"])
        db.session.commit()
        info = {"scene": st.scene, "deputy_scene": on_duty.scene, "station_id": st.id}
        db.session.remove()
    return info


def test_scan_login_consent_upload_submit_is_stored_and_queued(live, station):
    openid, token = live.citizen("张大爷")
    scan = live.api("GET", f"/scan/{station['scene']}").json()
    assert scan["kind"] == "station"
    assert scan["station"]["name"] == "金竹社区人大代表联络站"
    assert [d["name"] for d in scan["on_duty"]] == ["王建国"]
    assert "城乡建设" in [c["name"] for c in scan["categories"]]
    reply_template = scan["subscribe_templates"]["reply"]

    # The citizen taps 允许 on the phone; the mini-program reports it with the submission.
    live.sandbox.consent(openid, reply_template)
    upload = live.api(
        "POST", "/uploads", token, files={"file": ("light.png", png_bytes(), "image/png")}
    )
    assert upload.status_code == 201, upload.text
    response = post_message(
        live,
        token,
        station["scene"],
        photos=[upload.json()["upload_id"]],
        subscribed=[reply_template],
        contact_phone="13812345678",
        location={"lat": 26.58, "lng": 106.71, "address": "金竹西路"},
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["status"] == "received"
    assert len(created["tracking_no"]) == 14

    with live.app.app_context():
        message = db.session.get(Message, created["id"])
        assert message.status == "received"
        assert message.channel == "station_code"
        assert message.contact_phone_enc and "13812345678" not in message.contact_phone_enc
        assert [p.id for p in message.photos] == [upload.json()["upload_id"]]
        assert (
            db.session.scalar(
                db.select(db.func.count()).select_from(Event).where(Event.message_id == message.id)
            )
            >= 2
        )  # received + consent
        # One job waits, named for this message; what it does is seen by running a worker.
        (job,) = get_queue().get_jobs()
        assert job.id.startswith(f"route-{created['id']}-")
    live.work()
    with live.app.app_context():
        assert db.session.get(Message, created["id"]).status == "routed"

    detail = live.api("GET", f"/messages/{created['id']}", token).json()
    assert detail["contact_phone"] == "138****5678"
    assert detail["photos"][0]["url"].startswith(f"/api/v1/uploads/{upload.json()['upload_id']}")
    photo = live.http.get(live.url + detail["photos"][0]["url"])
    assert photo.status_code == 200 and photo.headers["Content-Type"] == "image/jpeg"
    mine = live.api("GET", "/messages", token).json()
    assert mine["total"] == 1 and mine["items"][0]["id"] == created["id"]


def test_scanning_a_deputy_code_targets_that_deputy(live, station):
    _, token = live.citizen()
    scan = live.api("GET", f"/scan/{station['deputy_scene']}").json()
    assert scan["kind"] == "deputy" and scan["deputy"]["name"] == "王建国"
    assert scan["station"]["name"] == "金竹社区人大代表联络站"
    created = post_message(live, token, station["deputy_scene"]).json()
    with live.app.app_context():
        message = db.session.get(Message, created["id"])
        assert message.channel == "deputy_code"
        assert message.target_deputy.name == "王建国"


def test_same_idempotency_key_gives_one_message(live, station):
    _, token = live.citizen()
    first = post_message(live, token, station["scene"], key="retry-key-0001")
    again = post_message(live, token, station["scene"], key="retry-key-0001")
    assert first.status_code == 201 and again.status_code == 201
    assert first.json() == again.json()
    other_body = post_message(
        live, token, station["scene"], key="retry-key-0001", content="另一件事"
    )
    assert_error(other_body, 409, "idempotency_conflict")
    with live.app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Message)) == 1
        assert len(get_queue().get_jobs()) == 1


def test_another_citizen_may_use_the_same_key(live, station):
    _, token_a = live.citizen()
    _, token_b = live.citizen()
    a = post_message(live, token_a, station["scene"], key="shared-key-0001").json()
    b = post_message(live, token_b, station["scene"], key="shared-key-0001").json()
    assert a["id"] != b["id"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"content": "   "}, "content"),
        ({"content": "长" * 5000}, "content"),
        ({"category": "外星人"}, "category"),
        ({"category": 99999}, "category"),
        ({"scene": "s.nosuchcode"}, "scene"),
        ({"scene": "garbage!"}, "scene"),
        ({"contact_phone": "12345"}, "contact_phone"),
        ({"location": {"lat": 200, "lng": 0}}, "location.lat"),
        ({"anonymous": "maybe"}, "anonymous"),
    ],
)
def test_bad_submissions_are_refused_in_chinese(live, station, overrides, field):
    _, token = live.citizen()
    response = post_message(live, token, station["scene"], **overrides)
    assert_error(response, 422, "validation_error", field)
    with live.app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Message)) == 0


def test_missing_fields_and_non_json(live, station):
    _, token = live.citizen()
    response = live.api("POST", "/messages", token, json={})
    error = assert_error(response, 422, "validation_error")
    assert {"scene", "category", "content"} <= set(error["fields"])
    response = live.api(
        "POST", "/messages", token, data="not json", headers={"Content-Type": "application/json"}
    )
    assert_error(response, 400)


def test_ten_photos_are_too_many(live, station):
    _, token = live.citizen()
    ids = []
    for _ in range(10):
        upload = live.api(
            "POST", "/uploads", token, files={"file": ("a.png", png_bytes(), "image/png")}
        )
        ids.append(upload.json()["upload_id"])
    assert_error(post_message(live, token, station["scene"], photos=ids), 422, field="photos")
    assert post_message(live, token, station["scene"], photos=ids[:9]).status_code == 201


def test_photos_must_be_the_callers_own_and_unused(live, station):
    _, token_a = live.citizen()
    _, token_b = live.citizen()
    upload = live.api(
        "POST", "/uploads", token_a, files={"file": ("a.png", png_bytes(), "image/png")}
    )
    photo_id = upload.json()["upload_id"]
    assert_error(
        post_message(live, token_b, station["scene"], photos=[photo_id]), 422, field="photos"
    )
    assert post_message(live, token_a, station["scene"], photos=[photo_id]).status_code == 201
    assert_error(
        post_message(live, token_a, station["scene"], photos=[photo_id]), 422, field="photos"
    )


def test_upload_refuses_text_renamed_jpg_and_huge_files(live):
    _, token = live.citizen()
    fake = live.api(
        "POST",
        "/uploads",
        token,
        files={"file": ("photo.jpg", b"hello, not an image" * 10, "image/jpeg")},
    )
    assert_error(fake, 415, "unsupported_image")
    huge = live.api(
        "POST",
        "/uploads",
        token,
        files={"file": ("big.jpg", b"\xff" * (20 * 1024 * 1024), "image/jpeg")},
    )
    assert_error(huge, 413)
    gif = io.BytesIO()
    Image.new("RGB", (10, 10)).save(gif, format="GIF")
    assert_error(
        live.api("POST", "/uploads", token, files={"file": ("a.gif", gif.getvalue(), "image/gif")}),
        415,
    )
    assert_error(live.api("POST", "/uploads", token, data={"x": "1"}), 400, "no_file")
    with live.app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Upload)) == 0


def test_upload_strips_metadata_including_gps(live):
    _, token = live.citizen()
    image = Image.new("RGB", (80, 60), (10, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (26.0, 35.0, 0.0), 3: "E", 4: (106.0, 42.0, 0.0)}  # GPS IFD
    raw = io.BytesIO()
    image.save(raw, format="JPEG", exif=exif)
    assert b"PhoneMaker" in raw.getvalue()
    upload = live.api(
        "POST", "/uploads", token, files={"file": ("gps.jpg", raw.getvalue(), "image/jpeg")}
    )
    assert upload.status_code == 201, upload.text
    with live.app.app_context():
        from server.intake.photos import photo_path

        stored = db.session.get(Upload, upload.json()["upload_id"])
        data = open(photo_path(stored), "rb").read()
    assert b"PhoneMaker" not in data and b"Exif" not in data
    assert not Image.open(io.BytesIO(data)).getexif()


def test_decompression_bomb_is_refused(live):
    _, token = live.citizen()
    raw = io.BytesIO()
    Image.new("1", (12000, 12000)).save(raw, format="PNG")  # 144 Mpx, a few KB on the wire
    response = live.api(
        "POST", "/uploads", token, files={"file": ("bomb.png", raw.getvalue(), "image/png")}
    )
    assert_error(response, 413, "image_too_large")


def test_tokens_are_required_and_checked(live, station):
    assert_error(live.api("GET", "/messages"), 401, "unauthorized")
    _, token = live.citizen()
    tampered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    assert_error(live.api("GET", "/messages", tampered), 401, "invalid_token")
    assert_error(live.api("GET", "/messages", "not-a-token"), 401, "invalid_token")
    from itsdangerous import URLSafeTimedSerializer

    foreign = URLSafeTimedSerializer("another-key", salt="api-token-v1").dumps({"c": 1})
    assert_error(live.api("GET", "/messages", foreign), 401, "invalid_token")
    assert_error(post_message(live, None, station["scene"]), 401)


def test_expired_token(live):
    _, token = live.citizen()
    live.app.config["TOKEN_MAX_AGE"] = -1
    assert_error(live.api("GET", "/messages", token), 401, "token_expired")


def test_another_citizens_message_is_404(live, station):
    _, token_a = live.citizen()
    _, token_b = live.citizen()
    created = post_message(live, token_a, station["scene"]).json()
    assert_error(live.api("GET", f"/messages/{created['id']}", token_b), 404, "not_found")
    assert_error(live.api("GET", "/messages/987654", token_a), 404)
    assert live.api("GET", "/messages", token_b).json()["total"] == 0


def test_unknown_scene_on_scan_is_404(live):
    assert_error(live.api("GET", "/scan/s.doesnotexist"), 404, "not_found")
    assert_error(live.api("GET", "/scan/whatever"), 404)


def test_login_with_a_bad_or_reused_code(live):
    openid = live.new_user()
    code = live.sandbox.login_code(openid)
    assert live.api("POST", "/auth/wechat", json={"code": code}).status_code == 200
    assert_error(live.api("POST", "/auth/wechat", json={"code": code}), 400, "invalid_code")
    assert_error(live.api("POST", "/auth/wechat", json={"code": "bogus"}), 400, "invalid_code")
    assert_error(live.api("POST", "/auth/wechat", json={}), 422, field="code")


def test_login_when_wechat_is_down_is_503(live):
    openid = live.new_user()
    code = live.sandbox.login_code(openid)
    live.sandbox.faults(error_rate=1, errcode=-1)
    assert_error(live.api("POST", "/auth/wechat", json={"code": code}), 503, "wechat_unavailable")


def test_risky_content_is_refused_and_review_is_flagged(live, station):
    _, token = live.citizen()
    risky = post_message(live, token, station["scene"], content="这里有人开赌博网站")
    assert_error(risky, 422, "content_risky", "content")
    review = post_message(live, token, station["scene"], content="有人在小区群里发兼职刷单广告")
    assert review.status_code == 201
    with live.app.app_context():
        messages = db.session.scalars(db.select(Message)).all()
        assert len(messages) == 1
        assert messages[0].flagged and messages[0].content_check == "review"


def test_content_check_unreachable_still_accepts(live, station):
    _, token = live.citizen()
    live.sandbox.faults(error_rate=1, errcode=-1, paths=["/wxa/msg_sec_check"])
    response = post_message(live, token, station["scene"])
    assert response.status_code == 201
    with live.app.app_context():
        assert db.session.get(Message, response.json()["id"]).content_check == "unavailable"


def test_subscriptions_record_credits(live):
    openid, token = live.citizen()
    templates = live.app.config["WECHAT_TEMPLATES"]
    # Two dialogs, one accept each (one dialog accepts a template once: tests/abuse).
    for _ in range(2):
        answer = live.api("POST", "/subscriptions", token, json={"accepted": [templates.reply]})
        assert answer.status_code == 200
    assert answer.json()["credits"][templates.reply] == 2
    assert_error(live.api("POST", "/subscriptions", token, json={"accepted": ["nope"]}), 422)


def test_openapi_and_docs(live):
    spec = live.http.get(f"{live.url}/api/v1/openapi.json").json()
    assert "/api/v1/messages" in spec["paths"]
    assert "/api/v1/scan/{scene}" in spec["paths"]
    assert "Idempotency-Key" in str(spec["paths"]["/api/v1/messages"]["post"])
    page = live.http.get(f"{live.url}/api/v1/docs")
    assert page.status_code == 200 and "码上联络站" in page.text
    assert "cdn" not in page.text.lower()


def test_unknown_api_route_is_json_404(live):
    response = live.http.get(f"{live.url}/api/v1/nothing-here")
    assert_error(response, 404)
    response = live.http.delete(f"{live.url}/api/v1/messages")
    assert_error(response, 405)


def test_landing_page_for_plain_qr(live, station):
    page = live.http.get(f"{live.url}/q/{station['scene']}")
    assert page.status_code == 200 and "金竹社区人大代表联络站" in page.text
    assert "王建国" in page.text
    assert live.http.get(f"{live.url}/q/s.unknown1").status_code == 404


def test_qr_verification_file(live):
    live.app.config.update(WECHAT_QR_VERIFY_FILE="Ab12Cd34.txt", WECHAT_QR_VERIFY_CONTENT="9f8e7d")
    answer = live.http.get(f"{live.url}/Ab12Cd34.txt")
    assert answer.status_code == 200 and answer.text == "9f8e7d"
    assert live.http.get(f"{live.url}/other.txt").status_code == 404


def test_login_tells_the_template_ids(live):
    openid = live.new_user()
    answer = live.login(openid)
    templates = live.app.config["WECHAT_TEMPLATES"]
    assert answer["subscribe_templates"] == {
        "reply": templates.reply,
        "progress": templates.progress,
        "solved": templates.solved,
        "new_item": templates.new_item,
        "reminder": templates.reminder,
    }


def test_pages_outside_the_api_speak_chinese(live):
    answer = live.http.get(f"{live.url}/no-such-page")
    assert answer.status_code == 404 and "找不到该内容" in answer.text
    answer = live.http.get(f"{live.url}/admin/no-such-page")
    assert answer.status_code == 404 and "找不到" in answer.text
