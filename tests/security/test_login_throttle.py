"""Issue 12, item 6: the sign-in lockout raced. The count was read, the password checked, and
only then the failure counted, so 14 guesses sent at once were all checked instead of 5 (and
the right password among them got in); and one address could spray passwords across usernames
with no cap at all. Real concurrency over HTTP, against the threaded test server."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import requests

from server.models import AuditLog
from server.platform.db import db
from tests.factories import PASSWORD, make_staff
from tests.security.world import csrf_of


def _form(live) -> tuple[requests.Session, str]:
    http = requests.Session()
    return http, csrf_of(http.get(f"{live.url}/admin/login", timeout=30).text)


def _audits(live, action: str) -> int:
    with live.app.app_context():
        value = db.session.scalar(
            db.select(db.func.count()).select_from(AuditLog).where(AuditLog.action == action)
        )
        db.session.remove()
    return value


def _staff(live, *usernames: str) -> None:
    with live.app.app_context():
        for username in usernames:
            make_staff(username, "admin")
        db.session.commit()
        db.session.remove()


def test_concurrent_guesses_are_checked_no_more_than_the_limit(live):
    _staff(live, "jinzhu")
    limit = live.app.config["LOGIN_MAX_FAILURES"]
    guesses = [f"wrong-{i}" for i in range(20)]
    forms = [_form(live) for _ in guesses]
    start = threading.Barrier(len(guesses))

    def guess(index: int) -> requests.Response:
        http, token = forms[index]
        start.wait()
        return http.post(
            f"{live.url}/admin/login",
            data={"username": "jinzhu", "password": guesses[index], "csrf_token": token},
            allow_redirects=False,
            timeout=60,
        )

    with ThreadPoolExecutor(max_workers=len(guesses)) as pool:
        answers = list(pool.map(guess, range(len(guesses))))
    statuses = [a.status_code for a in answers]
    checked = _audits(live, "login_failed") + _audits(live, "login")
    assert checked <= limit, (checked, statuses)
    assert statuses.count(429) >= len(guesses) - limit
    assert all("登录失败次数过多" in a.text for a in answers if a.status_code == 429)
    # Locked for this address now: the right password, sent next, is not even checked.
    http, token = _form(live)
    again = http.post(
        f"{live.url}/admin/login",
        data={"username": "jinzhu", "password": PASSWORD, "csrf_token": token},
        allow_redirects=False,
    )
    assert again.status_code == 429 and _audits(live, "login") == 0


def test_one_address_cannot_spray_passwords_across_usernames(live):
    live.app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 8
    usernames = [f"clerk{i}" for i in range(12)]
    _staff(live, *usernames, "admin")
    http, token = _form(live)
    statuses = []
    for username in usernames:
        answer = http.post(
            f"{live.url}/admin/login",
            data={"username": username, "password": "Spring2026!", "csrf_token": token},
            allow_redirects=False,
        )
        statuses.append(answer.status_code)
    assert statuses == [401] * 8 + [429] * 4
    assert "本网络登录失败次数过多" in answer.text
    assert _audits(live, "login_failed") == 8  # the sprayed rest never met a password check
    # The cap is on the address: right passwords wait too, until the window ends.
    refused = http.post(
        f"{live.url}/admin/login",
        data={"username": "admin", "password": PASSWORD, "csrf_token": token},
        allow_redirects=False,
    )
    assert refused.status_code == 429


def test_successful_sign_ins_do_not_use_up_the_address(live):
    """An office behind one address signs in all morning: only failures count."""
    live.app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 3
    _staff(live, "admin")
    for _ in range(6):
        http, token = _form(live)
        answer = http.post(
            f"{live.url}/admin/login",
            data={"username": "admin", "password": PASSWORD, "csrf_token": token},
            allow_redirects=False,
        )
        assert answer.status_code == 302
