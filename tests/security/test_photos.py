"""Photos: a signed URL opens its one photo for a day, and nothing else opens any photo; a photo
goes to its uploader's one message and to no one else's."""

from __future__ import annotations

import time
import uuid

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from server.intake.photos import URL_MAX_AGE
from server.models import Upload
from server.platform.db import db
from tests.security.world import (
    CITIZEN,
    CJK,
    OTHER_CITIZEN,
    Identity,
    World,
    build_world,
    png_bytes,
)


@pytest.fixture(scope="module")
def world(module_live) -> World:
    return build_world(module_live)


def sign(world: World, upload_id: str, *, key=None, salt="photo-url", age: int = 0) -> str:
    class Aged(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - age

    key = key or world.app.config["SECRET_KEY"]
    return URLSafeTimedSerializer(key, salt=salt, signer=Aged).dumps(upload_id)


def fetch(world: World, upload_id: str, sig: str | None):
    query = f"?sig={sig}" if sig is not None else ""
    return world.who[CITIZEN].request("GET", f"/api/v1/uploads/{upload_id}{query}")


def assert_no_photo(answer) -> None:
    assert answer.status_code == 404, answer.status_code
    assert answer.headers["Content-Type"].startswith("application/json")
    assert answer.json()["error"]["code"] == "not_found"
    assert CJK.search(answer.json()["error"]["message"])


def test_the_signed_url_opens_its_photo(world):
    answer = world.who[OTHER_CITIZEN].request("GET", world.ids["photo_url"])
    assert answer.status_code == 200 and answer.headers["Content-Type"] == "image/jpeg"
    assert answer.headers["Cache-Control"] == "private, max-age=3600"
    # A signature we make the same way opens it too: the test's signer is the app's.
    assert fetch(world, world.ids["photo"], sign(world, world.ids["photo"])).status_code == 200


@pytest.mark.parametrize(
    "case",
    [
        "another photo's signature",
        "expired",
        "another key",
        "a bearer token's salt",
        "the citizen's bearer token",
        "tampered",
        "no signature",
        "empty signature",
    ],
)
def test_a_bad_signature_opens_no_photo(world, case):
    mine, theirs = world.ids["photo"], world.ids["other_photo"]
    sig = {
        "another photo's signature": lambda: world.ids["photo_url"].split("sig=")[1],
        "expired": lambda: sign(world, theirs, age=URL_MAX_AGE + 60),
        "another key": lambda: sign(world, theirs, key="not-our-secret-key"),
        "a bearer token's salt": lambda: sign(world, theirs, salt="api-token-v1"),
        "the citizen's bearer token": lambda: world.who[OTHER_CITIZEN].token,
        "tampered": lambda: sign(world, theirs)[:-3] + "AAA",
        "no signature": lambda: None,
        "empty signature": lambda: "",
    }[case]()
    assert_no_photo(fetch(world, theirs, sig))
    if case == "another photo's signature":
        assert fetch(world, mine, sig).status_code == 200  # ... which does open its own


def test_just_inside_the_day_it_still_opens(world):
    sig = sign(world, world.ids["photo"], age=URL_MAX_AGE - 60)
    assert fetch(world, world.ids["photo"], sig).status_code == 200


@pytest.mark.parametrize("upload_id", ["..%2F..%2Fconfig", "%2e%2e", "0" * 32, "' OR '1'='1"])
def test_ids_that_are_no_photo(world, upload_id):
    """A path or a guess signed with our key still finds no file: the id must be a stored row."""
    assert_no_photo(fetch(world, upload_id, sign(world, upload_id)))


def submit_with(identity: Identity, scene: str, photos: list[str]):
    body = {"scene": scene, "category": "城乡建设", "content": "带照片的反映", "photos": photos}
    return identity.request(
        "POST", "/api/v1/messages", json=body, headers={"Idempotency-Key": uuid.uuid4().hex}
    )


def upload(identity: Identity) -> str:
    answer = identity.request(
        "POST", "/api/v1/uploads", files={"file": ("p.png", png_bytes(), "image/png")}
    )
    assert answer.status_code == 201, answer.text
    return answer.json()["upload_id"]


def test_a_photo_goes_to_its_uploaders_one_message(world):
    scene = world.station_scene()
    # A citizen of its own (submissions are limited per citizen, refused ones included).
    openid, token = world.live.citizen("拿别人照片的人")
    thief = Identity("thief", world.live.url, token, openid)
    owner, other = world.who[CITIZEN], world.who[OTHER_CITIZEN]
    fresh = upload(other)
    # Someone else's photo, fresh or already on a message: refused, and no message is made.
    for photos in ([fresh], [world.ids["other_photo"]], [upload(thief), fresh]):
        answer = submit_with(thief, scene, photos)
        assert answer.status_code == 422, answer.text
        assert "照片无效或已使用" in answer.json()["error"]["fields"]["photos"]
    # One's own photo, once on a message, does not go on a second one.
    answer = submit_with(owner, scene, [world.ids["photo"]])
    assert answer.status_code == 422, answer.text
    with world.app.app_context():
        assert db.session.get(Upload, fresh).message_id is None
        assert db.session.get(Upload, world.ids["other_photo"]).message_id == world.ids["m3"]
        assert db.session.get(Upload, world.ids["photo"]).message_id == world.ids["m1"]
        db.session.remove()
    # The uploader can still use it.
    answer = submit_with(other, scene, [fresh])
    assert answer.status_code == 201, answer.text
