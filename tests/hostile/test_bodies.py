"""Issue 6, hostile input: oversized and malformed request bodies, headers and methods.

Each is refused with a 4xx JSON answer in Chinese (never a 500, never HTML) and leaves nothing in
the database: no message, no reply, no event.
"""

from __future__ import annotations

import json
import uuid

import pytest
import requests

from server.intake import scenes
from server.models import Category, Event, Message, Reply
from server.platform.cache import MAX_ENTRIES, TTLCache
from server.platform.db import db
from tests.support.helpers import NO_LIMITS, assert_error, post_message


def _rows(app) -> tuple[int, int, int]:
    with app.app_context():
        counts = tuple(
            db.session.scalar(db.select(db.func.count()).select_from(model))
            for model in (Message, Reply, Event)
        )
        db.session.remove()
    return counts


@pytest.fixture
def citizen(live, station):
    live.app.config.update(NO_LIMITS)
    _, token = live.citizen()
    before = _rows(live.app)
    yield token
    # Whatever a test sent, nothing hostile was written.
    assert _rows(live.app) == before


def post_raw(
    live, token: str | None, path: str, data: bytes, content_type: str | None = "application/json"
) -> requests.Response:
    headers = {"Idempotency-Key": uuid.uuid4().hex}
    if content_type:
        headers["Content-Type"] = content_type
    return live.api("POST", path, token, data=data, headers=headers)


def body(station, **overrides) -> dict:
    out = {"scene": station["scene"], "category": "城乡建设", "content": "路灯坏了"}
    out.update(overrides)
    return out


def test_a_5mb_json_body_is_413_in_chinese(live, station, citizen):
    padding = "灯" * (5 * 1024 * 1024 // 3)
    data = json.dumps(body(station, content=padding), ensure_ascii=False).encode()
    assert len(data) > 5 * 1024 * 1024
    error = assert_error(post_raw(live, citizen, "/messages", data), 413, "too_large")
    assert "KB" in error["message"]


def test_a_body_just_over_the_json_limit_is_413_and_under_it_is_read(live, station, citizen):
    limit = live.app.config["MAX_JSON_BYTES"]
    over = json.dumps(body(station, filler="x" * limit)).encode()
    assert_error(post_raw(live, citizen, "/messages", over), 413, "too_large")
    # Under the limit the body is parsed: here the content is too long, which is a 422.
    under = json.dumps(body(station, content="x" * (limit // 2))).encode()
    assert_error(post_raw(live, citizen, "/messages", under), 422, field="content")


def test_a_chunked_body_without_length_is_cut_off_at_the_limit(live, station, citizen):
    """No Content-Length to check up front: Werkzeug must stop reading at MAX_JSON_BYTES."""
    piece = b" " * 65536

    def chunks():
        yield b'{"scene": "' + station["scene"].encode() + b'", "content": "'
        for _ in range(80):  # 5 MB
            yield piece
        yield b'"}'

    response = live.api(
        "POST",
        "/messages",
        citizen,
        data=chunks(),
        headers={"Content-Type": "application/json", "Idempotency-Key": uuid.uuid4().hex},
    )
    assert_error(response, 413)


def test_deeply_nested_json_is_400_not_a_crash(live, station, citizen):
    depth = 20000  # 40 KB: under the size limit, far beyond Python's recursion limit
    data = b'{"scene": "' + station["scene"].encode() + b'", "category": '
    data += b"[" * depth + b"]" * depth + b', "content": "x"}'
    assert len(data) < live.app.config["MAX_JSON_BYTES"]
    assert_error(post_raw(live, citizen, "/messages", data), 400, "bad_request")


def test_nesting_the_parser_accepts_is_still_refused_by_the_schema(live, station, citizen):
    nested: object = "x"
    for _ in range(200):
        nested = {"a": [nested]}
    data = json.dumps(body(station, location=nested, category=[[[[1]]]])).encode()
    assert_error(post_raw(live, citizen, "/messages", data), 422, "validation_error")


def test_invalid_utf8_is_400(live, station, citizen):
    scene = station["scene"].encode()
    data = b'{"scene": "' + scene + b'", "category": "\xff\xfe", "content": "x"}'
    assert_error(post_raw(live, citizen, "/messages", data), 400)
    assert_error(post_raw(live, citizen, "/messages", b"\xef\xbb\xbf\xff{}"), 400)


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "text/xml", None]
)
def test_a_json_body_under_another_content_type_is_415(live, station, citizen, content_type):
    data = json.dumps(body(station)).encode()
    error = assert_error(
        post_raw(live, citizen, "/messages", data, content_type), 415, "unsupported_media_type"
    )
    assert "JSON" in error["message"]


def test_multipart_to_a_json_route_is_415(live, station, citizen):
    response = live.api(
        "POST", "/messages", citizen, files={"scene": (None, station["scene"]), "content": "x"}
    )
    assert_error(response, 415, "unsupported_media_type")


@pytest.mark.parametrize("payload", ["[]", '[{"scene": "s.x"}]', "null", '"hello"', "42", "true"])
def test_json_that_is_not_an_object_is_422(live, station, citizen, payload):
    assert_error(post_raw(live, citizen, "/messages", payload.encode()), 422, "validation_error")


def test_an_empty_json_body_lists_the_required_fields(live, station, citizen):
    error = assert_error(post_raw(live, citizen, "/messages", b""), 422)
    assert {"scene", "category", "content"} <= set(error["fields"])


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"location": {"lat": "north", "lng": 106.7}}, "location.lat"),
        ({"location": {"lat": "NaN", "lng": 106.7}}, "location.lat"),
        ({"location": {"lat": 1e400, "lng": 106.7}}, "location.lat"),
        ({"anonymous": "perhaps"}, "anonymous"),
        ({"photos": "abc"}, "photos"),
        ({"content": 12345}, "content"),
        ({"category": 10**30}, "category"),
        ({"category": "²"}, "category"),  # str.isdigit() says yes, int() says no
        ({"category": "9" * 40}, "category"),
        ({"category": {"id": 1}}, "category"),
        ({"contact_phone": 13800138000}, "contact_phone"),
    ],
)
def test_wrong_types_are_422_with_the_field(live, station, citizen, overrides, field):
    data = json.dumps(body(station, **overrides)).encode()
    assert_error(post_raw(live, citizen, "/messages", data), 422, "validation_error", field)


def test_numbers_as_strings_mean_what_they_say(live, station):
    """marshmallow reads "26.5" as 26.5 and "true" as true: lenient, and stored correctly."""
    live.app.config.update(NO_LIMITS)
    _, token = live.citizen()
    with live.app.app_context():
        category_id = db.session.scalar(db.select(Category.id).where(Category.name == "教育"))
        db.session.remove()
    answer = post_message(
        live,
        token,
        station["scene"],
        category=str(category_id),
        location={"lat": "26.5", "lng": "106.7", "address": "金竹西路"},
        anonymous="true",
    )
    assert answer.status_code == 201, answer.text
    with live.app.app_context():
        stored = db.session.get(Message, answer.json()["id"])
        assert stored.category_id == category_id
        assert (stored.location_lat, stored.location_lng) == (26.5, 106.7)
        assert stored.anonymous is True
        db.session.remove()
    assert_error(live.api("GET", "/messages?page=abc", token), 422, field="page")
    assert_error(live.api("GET", "/messages?page=100000000000000000000", token), 422, field="page")
    assert live.api("GET", "/messages?page=2&per_page=5", token).status_code == 200


def test_ten_thousand_photos_are_refused_in_one_line(live, station, citizen):
    # Not strings: one message for the list, not 10,000 field errors in the answer.
    data = json.dumps(body(station, photos=list(range(10000))), separators=(",", ":")).encode()
    assert len(data) < live.app.config["MAX_JSON_BYTES"]
    error = assert_error(post_raw(live, citizen, "/messages", data), 422, field="photos")
    assert list(error["fields"]) == ["photos"]
    assert "第1项" in error["fields"]["photos"]
    # Strings, distinct: the count limit speaks.
    ids = [f"{i:x}" for i in range(6000)]
    data = json.dumps(body(station, photos=ids), separators=(",", ":")).encode()
    assert len(data) < live.app.config["MAX_JSON_BYTES"]
    error = assert_error(post_raw(live, citizen, "/messages", data), 422, field="photos")
    assert "最多" in error["fields"]["photos"]


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"content": "路灯\u0000坏了"}, "content"),
        ({"content": "路灯\ud800坏了"}, "content"),  # a lone surrogate: no UTF-8 exists for it
        ({"scene": "s.\u0000abc"}, "scene"),
        ({"location": {"lat": 26.5, "lng": 106.7, "address": "金竹\u0000西路"}}, "location"),
        ({"subscribed": ["tmpl\u0000"]}, "subscribed"),
        ({"photos": ["\udfff"]}, "photos"),
    ],
)
def test_null_bytes_and_lone_surrogates_are_422_on_both_backends(
    live, station, citizen, overrides, field
):
    """PostgreSQL refuses NUL in text and nothing encodes a lone surrogate: a 500 at INSERT
    before the schema caught them."""
    data = json.dumps(body(station, **overrides)).encode()  # ensure_ascii: \\u0000, \\ud800
    error = assert_error(post_raw(live, citizen, "/messages", data), 422, field=field)
    assert "空字符" in error["fields"][field]


def test_null_bytes_in_follow_ups_and_login(live, station):
    live.app.config.update(NO_LIMITS)
    _, token = live.citizen()
    created = post_message(live, token, station["scene"]).json()
    before = _rows(live.app)
    data = json.dumps({"content": "还有\u0000一件事"}).encode()
    assert_error(
        post_raw(live, token, f"/messages/{created['id']}/followups", data), 422, field="content"
    )
    login = post_raw(live, None, "/auth/wechat", json.dumps({"code": "\u0000"}).encode())
    assert_error(login, 422, field="code")
    assert _rows(live.app) == before


def test_an_empty_login_code_is_422_not_wechat_down(live):
    """An empty code used to reach code2session, whose 41008 read as "WeChat down" (503)."""
    live.app.config.update(NO_LIMITS)
    for code in ("", "   "):
        assert_error(live.api("POST", "/auth/wechat", json={"code": code}), 422, field="code")


def test_very_long_header_values(live, station, citizen):
    data = json.dumps(body(station)).encode()
    response = live.api(
        "POST",
        "/messages",
        citizen,
        data=data,
        headers={"Content-Type": "application/json", "Idempotency-Key": "k" * 10240},
    )
    assert_error(response, 400, "bad_idempotency_key")
    assert_error(live.api("GET", "/messages", "t" * 10240), 401, "invalid_token")
    response = live.api("GET", "/messages", citizen, headers={"X-Anything": "v" * 10240})
    assert response.status_code == 200


def test_huge_ids_in_the_path_are_404(live, citizen):
    for path in ("/messages/99999999999999999999", "/messages/0", "/messages/-1"):
        assert_error(live.api("GET", path, citizen), 404)
    followup = "/messages/99999999999999999999/followups"
    assert_error(live.api("POST", followup, citizen, json={"content": "x"}), 404)


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE", "TRACE", "PROPFIND", "FOO"])
def test_unknown_and_unsupported_methods_are_json_405(live, citizen, method):
    response = live.api(method, "/messages", citizen, data=b"{}")
    error = assert_error(response, 405, "method_not_allowed")
    assert error["message"] == "不支持该请求方式"


def test_options_answers_no_content_not_an_html_page(live):
    response = live.http.options(f"{live.url}/api/v1/messages")
    assert response.status_code == 204
    assert "html" not in response.headers.get("Content-Type", "")
    assert {"GET", "POST"} <= set(response.headers["Allow"].replace(" ", "").split(","))


def test_api_answers_are_never_sniffed(live, citizen):
    for response in (
        live.api("GET", "/messages", citizen),
        live.api("GET", "/messages/12345", citizen),
        live.http.get(f"{live.url}/api/v1/nothing"),
    ):
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_made_up_scenes_and_categories_cannot_grow_the_lookup_cache(live, station, citizen):
    """Every submission's scene and category are looked up through a per-process cache, misses
    included: keys chosen by the sender must not pile up without bound."""
    cache = TTLCache(ttl=30, max_entries=50)
    for i in range(1000):
        assert cache.get(f"s.fake{i}", lambda: None) is None
        assert len(cache) <= 50
    assert cache.get("s.real", lambda: "found") == "found"
    assert scenes._targets.max_entries == scenes._categories.max_entries == MAX_ENTRIES
    # A 60 KB category name is no name at all, and not cached.
    before = len(scenes._categories)
    data = json.dumps(body(station, category="x" * 60000)).encode()
    assert_error(post_raw(live, citizen, "/messages", data), 422, field="category")
    assert len(scenes._categories) == before
