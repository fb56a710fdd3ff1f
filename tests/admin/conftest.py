"""Fixtures for the dashboard: staff accounts, two stations, a signed-in test client, and
Debian's Chromium driven by Playwright (installed by scripts/setup; no browser download)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from server.models import Station
from server.platform.clock import local_today
from server.platform.db import db
from tests import factories
from tests.factories import PASSWORD, make_staff

CHROMIUM = os.environ.get("LZ_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture
def world(live):
    """Two stations (王建国 on duty today at 金竹; 赵丽华 at 城东), an admin, a clerk each."""
    with live.app.app_context():
        jinzhu = factories.station("金竹社区人大代表联络站", reception_note="每月逢六上午接待")
        chengdong = factories.station("城东街道代表之家", address="城东街道办事处一楼")
        wang = factories.deputy("王建国", expertise=["城建环保"], stations=[jinzhu])
        li = factories.deputy("李秀兰", level="市", expertise=["教科文卫"], stations=[jinzhu])
        chen = factories.deputy("陈志强", level="乡", expertise=["社会治理"], stations=[jinzhu])
        zhao = factories.deputy("赵丽华", expertise=["经济"], stations=[chengdong])
        factories.shift(jinzhu, wang, "weekly", [local_today().isoweekday()])
        factories.shift(chengdong, zhao, "weekly", [local_today().isoweekday()])
        invites = {d.name: factories.invite(d).code for d in (wang, li, chen, zhao)}
        make_staff("admin", "admin", name="系统管理员")
        make_staff("jinzhu", stations=[jinzhu], name="金竹联络员")
        make_staff("chengdong", stations=[chengdong], name="城东联络员")
        db.session.commit()
        info = {
            "stations": {"金竹": jinzhu.id, "城东": chengdong.id},
            "scenes": {"金竹": jinzhu.scene, "城东": chengdong.scene},
            "ids": {d.name: d.id for d in (wang, li, chen, zhao)},
            "invites": invites,
        }
        db.session.remove()
    return info


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


@pytest.fixture
def signed_in(live, world):
    return lambda username="admin": Staff(live.app, username)


def station_count() -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(Station))


# -- the browser ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/setup dev (it installs Debian's chromium)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live):
    context = browser.new_context(
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        viewport={"width": 1440, "height": 1000},
        accept_downloads=True,
    )
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    yield tab
    context.close()


def browser_sign_in(page, live, username: str = "admin") -> None:
    page.goto(f"{live.url}/admin/login")
    page.fill("#f-username", username)
    page.fill("#f-password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live.url}/admin/")
