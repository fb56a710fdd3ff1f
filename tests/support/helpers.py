"""Helpers that play a phone, a deputy or a clerk against the live app."""

from __future__ import annotations

import io
import re
import uuid
from pathlib import Path

from PIL import Image

from server.models import Station
from server.platform.db import db
from tests.factories import PASSWORD

DEFAULT_CONTENT = "金竹西路的路灯坏了一个月了"


def post_message(live, token: str, scene: str, /, key: str | None = None, **fields):
    """POST /messages as the phone would (a fresh Idempotency-Key unless given); the response.
    `fields` replace the body's defaults, the scene included."""
    body = {"scene": scene, "category": "城乡建设", "content": DEFAULT_CONTENT, **fields}
    headers = {"Idempotency-Key": key or uuid.uuid4().hex}
    return live.api("POST", "/messages", token, json=body, headers=headers)


def submit(live, token: str, scene: str, /, content: str = DEFAULT_CONTENT, **fields) -> dict:
    """A submission that must be accepted; its answer."""
    answer = post_message(live, token, scene, content=content, **fields)
    assert answer.status_code == 201, answer.text
    return answer.json()


def assert_error(response, status, code=None, field=None):
    """Our error shape, in Chinese, with this status (and code, and field)."""
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in error["message"]), error  # Chinese
    if code:
        assert error["code"] == code, error
    if field:
        assert field in error.get("fields", {}), error
    return error


def png_bytes(size=(64, 48), color=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    return out.getvalue()


def upload(live, token, size=(800, 600)) -> str:
    """A photo uploaded by the phone; its upload_id."""
    answer = live.api(
        "POST", "/uploads", token, files={"file": ("p.png", png_bytes(size), "image/png")}
    )
    assert answer.status_code == 201, answer.text
    return answer.json()["upload_id"]


def bind_deputy(live, world, name) -> tuple[str, str]:
    """The deputy's phone: a WeChat user who binds the invite and allows new-item notices."""
    openid, token = live.citizen(name)
    answer = live.api("POST", "/deputy/bind", token, json={"invite_code": world["invites"][name]})
    assert answer.status_code == 200, answer.text
    assert answer.json()["role"] == "deputy" and answer.json()["deputy"]["name"] == name
    templates = live.app.config["WECHAT_TEMPLATES"]
    for template_id in (templates.new_item, templates.reminder):
        live.sandbox.consent(openid, template_id)
    assert live.api("POST", "/subscriptions", token, json={"accepted": [templates.new_item]}).ok
    return openid, token


def citizen_with_consent(live) -> tuple[str, str]:
    """A citizen who tapped 允许 for the reply template once (in WeChat, not yet told to us)."""
    openid, token = live.citizen("张大爷")
    live.sandbox.consent(openid, live.app.config["WECHAT_TEMPLATES"].reply)
    return openid, token


def count(model, *where) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model).where(*where))


def make_items(live, stations) -> None:
    """One item at each of the `stations` world's stations, routed."""
    _, token = live.citizen("张大爷")
    submit(live, token, stations["scenes"]["金竹"], content="金竹西路的路灯坏了一个月了")
    submit(live, token, stations["scenes"]["城东"], content="城东菜市场噪音扰民")
    live.work()


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


# -- the dashboard --------------------------------------------------------------------------------


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


class Staff:
    """A Flask test client signed in as one account, with CSRF-aware helpers."""

    def __init__(self, app, username: str):
        self.client = app.test_client()
        self.token = csrf_of(self.client.get("/admin/login").get_data(as_text=True))
        answer = self.client.post(
            "/admin/login",
            data={"username": username, "password": PASSWORD, "csrf_token": self.token},
        )
        assert answer.status_code == 302, answer.get_data(as_text=True)
        with self.client.session_transaction() as session:
            self.token = session["csrf"]

    def get(self, path: str, **kwargs):
        return self.client.get(path, **kwargs)

    def post(self, path: str, data: dict | None = None, csrf: bool = True, **kwargs):
        data = dict(data or {})
        if csrf:
            data.setdefault("csrf_token", self.token)
        return self.client.post(path, data=data, **kwargs)


def walk_in(clerk, stations, **fields):
    """A clerk enters a visit at 金竹 (by default 张大爷 about the drain, phone left)."""
    data = {
        "station_id": stations["stations"]["金竹"],
        "category_id": 1,
        "content": "张大爷反映：金竹西路 18 号门口下水道堵塞，雨天积水",
        "visitor_name": "张大爷",
        "visitor_phone": "13812345678",
        "visitor_count": "2",
        **fields,
    }
    return clerk.post("/admin/walk-ins/new", data)


SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def station_count() -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(Station))


def browser_sign_in(page, live, username: str = "admin") -> None:
    page.goto(f"{live.url}/admin/login")
    page.fill("#f-username", username)
    page.fill("#f-password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live.url}/admin/")
