"""Issue 12, item 3: image amplification. A 113 KB PNG that decodes to 39.7 megapixels passed
every check; 24 of them from two identities stalled other requests for 6 s and took the web
workers to 2.5 GB. Now: implausible pixels for the file's size are refused from the header, JPEG
is decoded at reduced scale, PNG and WebP are reduced before any copy, a few decodes run at a
time per process, and each identity and address has a daily pixel budget."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from server.intake import photos
from server.models import Upload
from server.platform.db import db
from tests.support.helpers import NO_LIMITS, assert_error


def bomb_png(size=(7000, 5670)) -> bytes:
    """39.7 megapixels of nothing in a few KB (1 bit a pixel in memory while we make it)."""
    out = io.BytesIO()
    Image.new("1", size, 0).save(out, format="PNG", optimize=True)
    return out.getvalue()


def photo_jpeg(size, quality=85) -> bytes:
    """Photo-like: gradients and grain, a few pixels per byte like a real picture."""
    grain = Image.effect_noise(size, 24)
    gradient = Image.linear_gradient("L").resize(size)
    image = Image.merge("RGB", (gradient, grain, Image.blend(gradient, grain, 0.5)))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=quality)
    return out.getvalue()


def gray_jpeg(size) -> bytes:
    """A big grayscale JPEG with some texture (cheap to make: one byte a pixel)."""
    image = Image.blend(Image.linear_gradient("L").resize(size), Image.effect_noise(size, 40), 0.3)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=70)
    return out.getvalue()


def upload(live, token, data: bytes, name="p.png", mime="image/png"):
    return live.api("POST", "/uploads", token, files={"file": (name, data, mime)})


def uploads() -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(Upload))


@pytest.fixture
def citizen(live) -> str:
    live.app.config.update(NO_LIMITS)
    return live.citizen()[1]


def test_a_decompression_bomb_under_the_pixel_limit_is_refused_from_its_header(live, citizen):
    data = bomb_png()
    assert len(data) < 200_000 and 7000 * 5670 < live.app.config["MAX_IMAGE_PIXELS"]
    error = assert_error(upload(live, citizen, data), 422, "implausible_image")
    assert "像素数与文件大小不符" in error["message"]
    webp = io.BytesIO()
    Image.new("L", (6000, 4000), 0).save(webp, format="WEBP", lossless=True)
    assert_error(upload(live, citizen, webp.getvalue(), "p.webp", "image/webp"), 422)
    with live.app.app_context():
        assert uploads() == 0


def test_real_photos_and_screenshots_still_go_through(live, citizen):
    answer = upload(live, citizen, photo_jpeg((3000, 2000)), "p.jpg", "image/jpeg")
    assert answer.status_code == 201, answer.text
    assert max(answer.json()["width"], answer.json()["height"]) <= photos.MAX_SIDE
    # A flat phone screenshot: many pixels per byte, but few pixels.
    screenshot = io.BytesIO()
    Image.new("RGB", (1080, 2400), (250, 250, 250)).save(screenshot, format="PNG")
    assert upload(live, citizen, screenshot.getvalue()).status_code == 201


def test_a_big_jpeg_is_decoded_at_reduced_scale(live, citizen):
    """The budget counts what is decoded: a 39.7-megapixel JPEG costs a quarter of that."""
    live.app.config["UPLOAD_PIXELS_CITIZEN_DAY"] = 15_000_000
    data = gray_jpeg((7000, 5670))
    with live.app.app_context():
        assert photos._open(data).size == (3500, 2835)  # libjpeg's 1/2 scale, from the header
    first = upload(live, citizen, data, "big.jpg", "image/jpeg")
    assert first.status_code == 201, first.text
    assert first.json()["width"] == photos.MAX_SIDE
    second = upload(live, citizen, data, "big.jpg", "image/jpeg")
    assert_error(second, 429, "pixel_budget_exceeded")


def test_a_big_png_is_reduced_before_it_is_converted(live, citizen):
    # Texture tiled over 24 megapixels: 2 MB of PNG, a plausible 11 pixels per byte.
    patch, image = Image.effect_noise((500, 400), 60), Image.new("L", (6000, 4000))
    for x in range(0, 6000, 500):
        for y in range(0, 4000, 400):
            image.paste(patch, (x, y))
    out = io.BytesIO()
    image.save(out, format="PNG")
    with live.app.app_context():
        decoded = photos._decode(photos._open(out.getvalue()))
    assert decoded.size == (3000, 2000)  # halved at once, before the copies and conversions
    answer = upload(live, citizen, out.getvalue())
    assert answer.status_code == 201, answer.text
    assert answer.json()["width"] == photos.MAX_SIDE and answer.json()["height"] == 1707


def test_each_identity_and_address_has_a_daily_pixel_budget(live, citizen):
    small = 64 * 48
    live.app.config.update(UPLOAD_PIXELS_CITIZEN_DAY=3 * small, UPLOAD_PIXELS_IP_DAY=5 * small)
    png = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 120, 200)).save(png, format="PNG")
    data = png.getvalue()
    statuses = [upload(live, citizen, data).status_code for _ in range(4)]
    assert statuses == [201, 201, 201, 429]
    refused = assert_error(upload(live, citizen, data), 429, "pixel_budget_exceeded")
    assert "明天" in refused["message"]
    # Someone else from the same address: their own budget, until the address's is spent.
    _, other = live.citizen("邻居")
    assert [upload(live, other, data).status_code for _ in range(3)] == [201, 201, 429]
    with live.app.app_context():
        assert uploads() == 5
        keys = list(photos.get_redis().scan_iter(f"{live.app.config['KEY_PREFIX']}:pixels:*"))
        assert keys and all(0 < photos.get_redis().ttl(k) <= 2 * 24 * 3600 for k in keys)


def test_without_redis_the_budget_steps_aside(live, citizen, private_redis):
    live.app.config["UPLOAD_PIXELS_CITIZEN_DAY"] = 1
    private_redis.stop()
    png = io.BytesIO()
    Image.new("RGB", (64, 48)).save(png, format="PNG")
    assert upload(live, citizen, png.getvalue()).status_code == 201


def test_decodes_wait_for_a_free_slot(live, citizen):
    """Every slot taken (by big decodes elsewhere in this process): the upload waits, and when
    none frees up in time it is told to come back, not left to pile onto the others."""
    live.app.config.update(IMAGE_DECODE_SLOTS=2, IMAGE_DECODE_WAIT_SECONDS=0)
    png = io.BytesIO()
    Image.new("RGB", (64, 48)).save(png, format="PNG")
    with live.app.app_context():
        slot = photos._slot()
    assert slot.acquire(blocking=False) and slot.acquire(blocking=False)
    try:
        busy = assert_error(upload(live, citizen, png.getvalue()), 429, "server_busy")
        assert "稍后" in busy["message"]
    finally:
        slot.release()
    assert upload(live, citizen, png.getvalue()).status_code == 201
    slot.release()
