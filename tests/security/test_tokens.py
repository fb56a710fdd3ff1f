"""Bearer tokens and dashboard sessions that are not what they claim: expired, tampered with,
signed with another key or for another purpose, replayed after sign-out. Each is refused with
the right status and a Chinese message, and shows none of the world's data."""

from __future__ import annotations

import base64
import hashlib
import time
from urllib.parse import urlsplit

import pytest
from flask.json.tag import TaggedJSONSerializer
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from server.api.auth import TOKEN_SALT
from server.models import Deputy, Message, Reply, StaffUser, Station, Upload
from server.platform.db import db
from tests.security.world import (
    ADMIN,
    CITIZEN,
    CJK,
    DEPUTY,
    OTHER_CITIZEN,
    OTHER_STAFF,
    PASSWORD,
    STAFF,
    STATION_A,
    Identity,
    World,
    build_world,
    count_rows,
    csrf_of,
    make_staff,
    png_bytes,
)

OTHER_KEY = "not-our-secret-key"


@pytest.fixture(scope="module")
def world(module_live) -> World:
    return build_world(module_live)


def serializer(key: str, salt: str = TOKEN_SALT, age: int = 0) -> URLSafeTimedSerializer:
    """Our token format; `age` seconds old the moment it is made."""

    class Aged(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - age

    return URLSafeTimedSerializer(key, salt=salt, signer=Aged)


def our_key(world: World) -> str:
    return world.app.config["SECRET_KEY"]


def payload_of(world: World, who: str) -> dict:
    return URLSafeTimedSerializer(our_key(world), salt=TOKEN_SALT).loads(world.who[who].token)


def flip(text: str, index: int) -> str:
    """One character changed to another that is valid in the same alphabet."""
    char = text[index]
    return text[:index] + ("A" if char != "A" else "B") + text[index + 1 :]


def tampered(part: str):
    def make(world: World) -> str:
        payload, timestamp, signature = world.who[CITIZEN].token.split(".")
        if part == "payload":
            # Name the other citizen, keep the signature: the classic.
            other = payload_of(world, OTHER_CITIZEN)
            payload = base64.urlsafe_b64encode(
                URLSafeTimedSerializer(our_key(world)).serializer.dumps(other).encode()
            ).decode()
            payload = payload.rstrip("=")
        elif part == "timestamp":
            timestamp = flip(timestamp, len(timestamp) - 1)
        else:
            signature = flip(signature, len(signature) // 2)
        return f"{payload}.{timestamp}.{signature}"

    return make


def expired(world: World) -> str:
    age = world.app.config["TOKEN_MAX_AGE"] + 60
    return serializer(our_key(world), age=age).dumps(payload_of(world, CITIZEN))


# name: (make the token, expected error code)
BAD_TOKENS = {
    "expired": (expired, "token_expired"),
    "tampered payload": (tampered("payload"), "invalid_token"),
    "tampered timestamp": (tampered("timestamp"), "invalid_token"),
    "tampered signature": (tampered("signature"), "invalid_token"),
    "truncated": (lambda w: w.who[CITIZEN].token[:-5], "invalid_token"),
    "another key": (
        lambda w: serializer(OTHER_KEY).dumps(payload_of(w, CITIZEN)),
        "invalid_token",
    ),
    "another key, another citizen's id": (
        lambda w: serializer(OTHER_KEY).dumps(payload_of(w, OTHER_CITIZEN)),
        "invalid_token",
    ),
    # Our key signs photo URLs too: a signature made for one purpose opens nothing else.
    "our key, the photo URLs' salt": (
        lambda w: serializer(our_key(w), salt="photo-url").dumps(payload_of(w, CITIZEN)),
        "invalid_token",
    ),
    "a photo URL's signature as a token": (
        lambda w: w.ids["photo_url"].split("sig=")[1],
        "invalid_token",
    ),
    "our key, no payload": (
        lambda w: serializer(our_key(w)).dumps({"hello": "world"}),
        "invalid_token",
    ),
    "our key, a citizen who does not exist": (
        lambda w: serializer(our_key(w)).dumps({"c": 987654, "o": "o-nobody"}),
        "invalid_token",
    ),
    # A database restored from a backup hands ids out again: the phone's token names an id
    # that now belongs to someone else.
    "our key, an id that is now someone else's": (
        lambda w: serializer(our_key(w)).dumps(
            {"c": payload_of(w, OTHER_CITIZEN)["c"], "o": payload_of(w, CITIZEN)["o"]}
        ),
        "invalid_token",
    ),
    "our key, an id that is not a number": (
        lambda w: serializer(our_key(w)).dumps({"c": str(payload_of(w, CITIZEN)["c"])}),
        "invalid_token",
    ),
    "not a token at all": (lambda w: "' OR 1=1 --", "invalid_token"),
}

# What a citizen's token opens, and with it the world's data.
TARGETS = [
    ("GET", "/api/v1/messages", None),
    ("GET", "/api/v1/messages/{m1}", None),
    ("GET", "/api/v1/deputy/inbox", None),
    ("POST", "/api/v1/messages/{m1}/followups", {"content": "冒充的追问"}),
    ("POST", "/api/v1/subscriptions", {"accepted": []}),
    ("POST", "/api/v1/uploads", "photo"),
    (
        "POST",
        "/api/v1/messages",
        {"scene": "s.placeholder", "category": "城乡建设", "content": "冒充提交的内容"},
    ),
]


def assert_refused(world: World, answer, status: int, code: str) -> None:
    where = f"{answer.request.method} {answer.request.path_url}"
    assert answer.status_code == status, f"{where}: {answer.status_code} {answer.text[:200]}"
    error = answer.json()["error"]
    assert error["code"] == code, where
    assert CJK.search(error["message"]), where
    if status == 401:
        assert answer.headers["WWW-Authenticate"] == "Bearer"
    leaked = [name for name, value in world.secrets.items() if value in answer.text]
    assert not leaked, f"{where}: leaked {leaked}"


def call(world: World, token_header: str | None, method: str, path: str, body):
    anonymous = Identity("forger", world.live.url)
    headers = {"Authorization": token_header} if token_header is not None else {}
    if body == "photo":
        files = {"file": ("p.png", png_bytes(), "image/png")}
        return anonymous.request(method, path, files=files, headers=headers)
    if body and "scene" in body:
        body = {**body, "scene": world.station_scene()}
    return anonymous.request(method, path.format(**world.ids), json=body, headers=headers)


@pytest.mark.parametrize("name", list(BAD_TOKENS))
def test_a_bad_token_opens_nothing(world, name):
    make, code = BAD_TOKENS[name]
    token = make(world)
    before = [count_rows(world.app, model) for model in (Message, Reply, Upload)]
    for method, path, body in TARGETS:
        answer = call(world, f"Bearer {token}", method, path, body)
        assert_refused(world, answer, 401, code)
    assert [count_rows(world.app, model) for model in (Message, Reply, Upload)] == before


@pytest.mark.parametrize(
    "header",
    [
        "{token}",  # the scheme left out
        "Token {token}",
        "Basic {token}",
        "Bearer",
        "Bearer ",
        "Bearer{token}",
        "",
        None,
    ],
)
def test_no_bearer_scheme_no_entry(world, header):
    token = world.who[CITIZEN].token
    for method, path, body in TARGETS:
        value = header.format(token=token) if header is not None else None
        answer = call(world, value, method, path, body)
        assert_refused(world, answer, 401, "unauthorized")


@pytest.mark.parametrize("scheme", ["bearer", "BEARER", "Bearer  "])
def test_the_scheme_is_case_insensitive(world, scheme):
    """RFC 7235: the auth scheme is case-insensitive; the token itself is not."""
    answer = call(world, f"{scheme} {world.who[CITIZEN].token}", "GET", "/api/v1/messages", None)
    assert answer.status_code == 200
    assert world.secrets["m1.tracking"] in answer.text
    assert world.secrets["m3.tracking"] not in answer.text
    lowered = world.who[CITIZEN].token.lower()
    answer = call(world, f"{scheme} {lowered}", "GET", "/api/v1/messages", None)
    assert_refused(world, answer, 401, "invalid_token")


def test_a_deputy_switched_off_is_a_citizen_again(world):
    """Whether a token answers as a deputy is read on each request, not from the token."""
    deputy = world.who[DEPUTY]
    assert deputy.request("GET", "/api/v1/deputy/inbox").status_code == 200
    with world.app.app_context():
        db.session.get(Deputy, world.ids["d1"]).active = False
        db.session.commit()
        db.session.remove()
    try:
        for path in ("/api/v1/deputy/inbox", f"/api/v1/deputy/messages/{world.ids['m1']}"):
            assert_refused(world, deputy.request("GET", path), 403, "not_a_deputy")
    finally:
        with world.app.app_context():
            db.session.get(Deputy, world.ids["d1"]).active = True
            db.session.commit()
            db.session.remove()


# -- dashboard sessions -------------------------------------------------------------------------


def session_cookie(identity: Identity) -> str:
    return identity.http.cookies.get("session")


def with_cookie(world: World, value: str) -> Identity:
    """A new browser that carries a copied session cookie and nothing else."""
    stranger = Identity("replay", world.live.url)
    # Where the server's own Set-Cookie lands, so its answer replaces this one.
    stranger.http.cookies.set("session", value, domain=urlsplit(world.live.url).hostname, path="/")
    return stranger


def assert_sent_to_sign_in(world: World, identity: Identity, message: str | None = None) -> None:
    """Pages, exports and the live JSON all refuse; the sign-in page says why (`message`)."""
    paths = ("/admin/", f"/admin/items/{world.ids['m1']}", "/admin/registers/suggestions.xlsx")
    for index, path in enumerate(paths):
        answer = identity.request("GET", path)
        assert answer.status_code == 302, path
        assert answer.headers["Location"].startswith("/admin/login")
        leaked = [name for name, value in world.secrets.items() if value in answer.text]
        assert not leaked, f"{path}: leaked {leaked}"
        if message and index == 0:
            page = identity.request("GET", answer.headers["Location"]).text
            assert message in page
    answer = identity.request("GET", "/admin/overview/live.json")
    assert answer.status_code == 401 and CJK.search(answer.json()["error"]["message"])


def test_a_session_cookie_copied_before_sign_out_is_dead_after_it(world):
    admin = Identity(ADMIN, world.live.url, username="admin").sign_in()
    wall_screen = Identity(ADMIN, world.live.url, username="admin").sign_in()
    copied = session_cookie(admin)
    assert with_cookie(world, copied).request("GET", "/admin/").status_code == 200
    answer = admin.request("POST", "/admin/logout")
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/admin/login")
    assert_sent_to_sign_in(world, admin, "请先登录")
    # The browser dropped it; whoever copied it (a shared PC, a proxy log) must not get in.
    replay = with_cookie(world, copied)
    assert_sent_to_sign_in(world, replay, "已退出登录")
    # Nor change anything with the page's token from before.
    replay = with_cookie(world, copied)
    answer = replay.http.post(
        f"{world.live.url}/admin/stations/{world.ids['station_a']}",
        data={"name": "被篡改", "active": "1", "csrf_token": admin.csrf_token},
        allow_redirects=False,
        timeout=30,
    )
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/admin/login")
    with world.app.app_context():
        assert db.session.get(Station, world.ids["station_a"]).name == STATION_A
        db.session.remove()
    # Signing out ends that session only: the same account's other one (the overview on the
    # wall) goes on, and signing in again works.
    assert wall_screen.request("GET", "/admin/").status_code == 200
    Identity(ADMIN, world.live.url, username="admin").sign_in()


def test_a_session_dies_when_an_administrator_changes_the_password(world):
    clerk = Identity(STAFF, world.live.url, username="jinzhu").sign_in()
    copied = session_cookie(clerk)
    user_id = user_id_of(world, "jinzhu")
    answer = world.who[ADMIN].request(
        "POST",
        f"/admin/users/{user_id}",
        data={
            "display_name": "金竹联络员",
            "role": "station_staff",
            "station_ids": world.ids["station_a"],
            "active": "1",
            "password": "a-new-password-9",
        },
    )
    assert answer.status_code == 302
    try:
        assert_sent_to_sign_in(world, clerk, "密码已修改")
        assert_sent_to_sign_in(world, with_cookie(world, copied))
        # The new password signs in; the old one does not.
        Identity(STAFF, world.live.url, username="jinzhu").sign_in("a-new-password-9")
        fresh = Identity(STAFF, world.live.url, username="jinzhu")
        login_page = fresh.http.get(f"{world.live.url}/admin/login", timeout=30).text
        answer = fresh.http.post(
            f"{world.live.url}/admin/login",
            data={"username": "jinzhu", "password": PASSWORD, "csrf_token": csrf_of(login_page)},
            allow_redirects=False,
            timeout=30,
        )
        assert answer.status_code == 401
    finally:
        with world.app.app_context():
            user = db.session.get(StaffUser, user_id)
            user.set_password(PASSWORD)
            db.session.commit()
            db.session.remove()
        world.who[STAFF].sign_in()


def test_changing_ones_own_password_ends_ones_other_sessions(world):
    with world.app.app_context():
        user_id = make_staff("admin2", "admin", name="第二管理员")
        db.session.commit()
        db.session.remove()
    here = Identity(ADMIN, world.live.url, username="admin2").sign_in()
    elsewhere = Identity(ADMIN, world.live.url, username="admin2").sign_in()
    copied = session_cookie(here)
    answer = here.request(
        "POST",
        f"/admin/users/{user_id}",
        data={
            "display_name": "第二管理员",
            "role": "admin",
            "active": "1",
            "password": "another-password-7",
        },
    )
    assert answer.status_code == 302
    assert here.request("GET", "/admin/").status_code == 200  # where it was changed: still in
    assert_sent_to_sign_in(world, elsewhere, "密码已修改")
    assert_sent_to_sign_in(world, with_cookie(world, copied))


def test_another_accounts_csrf_token_is_refused(world):
    clerk = Identity(STAFF, world.live.url, username="jinzhu").sign_in()
    other = Identity(OTHER_STAFF, world.live.url, username="chengdong").sign_in()
    admin = Identity(ADMIN, world.live.url, username="admin").sign_in()
    assert len({clerk.csrf_token, other.csrf_token, admin.csrf_token}) == 3
    station = world.ids["station_a"]
    for session, token in (
        (clerk, other.csrf_token),
        (clerk, admin.csrf_token),
        (admin, clerk.csrf_token),
    ):
        answer = session.http.post(
            f"{world.live.url}/admin/stations/{station}",
            data={"name": "被篡改", "active": "1", "csrf_token": token},
            allow_redirects=False,
            timeout=30,
        )
        assert answer.status_code == 400
        assert "安全校验失败" in answer.text
        answer = session.http.post(
            f"{world.live.url}/admin/items/{world.ids['m1']}/phone",
            headers={"X-CSRF-Token": token},
            allow_redirects=False,
            timeout=30,
        )
        assert answer.status_code == 400 and world.secrets["m1.phone"] not in answer.text
    with world.app.app_context():
        assert db.session.get(Station, station).name == STATION_A
        db.session.remove()


@pytest.mark.parametrize("how", ["another key", "tampered", "garbage"])
def test_a_forged_session_cookie_is_no_session(world, how):
    """A cookie claiming to be the administrator's, not signed with our key."""
    now = time.time()
    admin_id = user_id_of(world, "admin")
    with world.app.app_context():
        pw = db.session.get(StaffUser, admin_id).password_hash[-12:]
        db.session.remove()
    claims = {"staff_id": admin_id, "login_at": now, "seen_at": now, "pw": pw, "csrf": "x"}
    if how == "another key":
        # Flask's own cookie format (salt, serializer, HMAC-SHA1), with a key that isn't ours.
        value = URLSafeTimedSerializer(
            OTHER_KEY,
            salt="cookie-session",
            serializer=TaggedJSONSerializer(),
            signer_kwargs={"key_derivation": "hmac", "digest_method": hashlib.sha1},
        ).dumps(claims)
    elif how == "tampered":
        real = session_cookie(world.who[ADMIN])
        value = flip(real, len(real) - 3)
    else:
        value = "eyJzdGFmZl9pZCI6MX0.garbage.garbage"
    assert_sent_to_sign_in(world, with_cookie(world, value))


def user_id_of(world: World, username: str) -> int:
    with world.app.app_context():
        user_id = db.session.scalar(db.select(StaffUser.id).where(StaffUser.username == username))
        db.session.remove()
    return user_id


def test_a_citizen_token_is_not_a_dashboard_session(world):
    for who in (CITIZEN, DEPUTY):
        assert_sent_to_sign_in(world, world.who[who])
