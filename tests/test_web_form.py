"""Issue 16: the web form outside WeChat (/q/<scene> in a phone's browser) and the follow link."""

from __future__ import annotations

import hashlib
import re

import pytest
import requests

from server.models import Citizen, Message, Upload
from server.platform.db import db
from tests.support.helpers import bind_deputy, count, png_bytes, walk_in

PHONE_BROWSER = (
    "Mozilla/5.0 (Linux; Android 10; M2006C3LC) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/96.0.4664.104 Mobile Safari/537.36"
)
WECHAT_BROWSER = PHONE_BROWSER + " MicroMessenger/8.0.47.2560(0x28002F35) NetType/WIFI"


@pytest.fixture
def browser(live):
    session = requests.Session()
    session.headers["User-Agent"] = PHONE_BROWSER
    yield session
    session.close()


def form_url(live, world) -> str:
    return f"{live.url}/q/{world['scene']}"


def a_category(html: str) -> str:
    return re.findall(r'<option value="(\d+)"', html)[0]


def fill(browser, live, world, **fields):
    page = browser.get(form_url(live, world), timeout=30)
    assert page.status_code == 200, page.text
    data = {
        "category": a_category(page.text),
        "content": "小区门口的路灯坏了一个月",
        "place": "金竹西路 12 号",
        "phone": "",
        **fields,
    }
    files = data.pop("files", None)
    return browser.post(form_url(live, world), data=data, files=files, timeout=30)


def follow_link(answer) -> str:
    assert answer.status_code == 201, answer.text
    return re.search(r'id="follow-link" href="([^"]+)"', answer.text).group(1)


def test_the_same_url_is_a_form_outside_wechat_and_the_scan_page_inside(live, world, browser):
    page = browser.get(form_url(live, world), timeout=30)
    assert page.status_code == 200
    for part in ('name="category"', 'name="content"', 'name="photos"', 'name="place"'):
        assert part in page.text
    assert 'name="phone"' in page.text and 'name="anonymous"' in page.text
    assert "<script" not in page.text  # works without JavaScript
    assert page.headers["Cache-Control"] == "no-store"
    inside = requests.get(form_url(live, world), headers={"User-Agent": WECHAT_BROWSER}, timeout=30)
    assert (
        inside.status_code == 200
        and "扫一扫" in inside.text
        and 'name="content"' not in inside.text
    )


def test_submit_without_wechat_then_read_the_reply_follow_up_and_rate(live, world, browser):
    _, deputy = bind_deputy(live, world, "王建国")
    answer = fill(browser, live, world, phone="13800138000", anonymous="1")
    link = follow_link(answer)
    tracking_no = re.search(r'id="tracking-no">(\d+)<', answer.text).group(1)
    token = link.rsplit("/t/", 1)[1]
    assert link == f"{live.app.config['PUBLIC_URL']}/t/{token}"
    with live.app.app_context():
        message = db.session.scalar(db.select(Message).where(Message.tracking_no == tracking_no))
        assert message.channel == "web" and message.anonymous is True
        assert message.follow_token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert token not in str(
            db.session.execute(db.text("SELECT * FROM messages")).all()
        )  # only the hash is stored
        assert message.contact_phone_enc and "13800138000" not in message.contact_phone_enc
        assert db.session.get(Citizen, message.citizen_id).openid.startswith("web:")
        message_id = message.id
    live.work()  # routed like any other item
    reply = live.api(
        "POST", f"/deputy/messages/{message_id}/replies", deputy, json={"content": "下周更换灯具"}
    )
    assert reply.status_code in (200, 201)
    live.work()
    followed = browser.get(f"{live.url}/t/{token}", timeout=30)
    assert followed.status_code == 200 and "下周更换灯具" in followed.text
    assert "王建国代表" in followed.text and followed.headers["Referrer-Policy"] == "no-referrer"
    more = browser.post(f"{live.url}/t/{token}/followup", data={"content": "能早点吗"}, timeout=30)
    assert more.status_code == 200 and "能早点吗" in more.text  # after the 303
    empty = browser.post(f"{live.url}/t/{token}/followup", data={"content": " "}, timeout=30)
    assert empty.status_code == 422 and "请填写追问内容" in empty.text
    live.api("POST", f"/deputy/messages/{message_id}/replies", deputy, json={"content": "明天"})
    bad = browser.post(f"{live.url}/t/{token}/rating", data={"score": "great"}, timeout=30)
    assert bad.status_code == 422
    rated = browser.post(f"{live.url}/t/{token}/rating", data={"score": "satisfied"}, timeout=30)
    assert rated.status_code == 200 and "已办结" in rated.text
    with live.app.app_context():
        assert db.session.get(Message, message_id).status == "closed"


def test_a_wrong_token_is_a_plain_404(live, world, browser):
    link = follow_link(fill(browser, live, world))
    token = link.rsplit("/t/", 1)[1]
    wrong = browser.get(f"{live.url}/t/{token[:-1]}{'A' if token[-1] != 'A' else 'B'}", timeout=30)
    unknown = browser.get(f"{live.url}/t/{'x' * len(token)}", timeout=30)
    malformed = browser.get(f"{live.url}/t/..%2F..", timeout=30)
    assert wrong.status_code == unknown.status_code == malformed.status_code == 404
    assert wrong.text == unknown.text  # nothing tells whether an item exists
    posted = browser.post(f"{live.url}/t/{'x' * len(token)}/followup", data={"content": "hi"})
    assert posted.status_code == 404


def test_photos_go_with_the_item(live, world, browser):
    files = [("photos", ("a.png", png_bytes(), "image/png"))]
    follow_link(fill(browser, live, world, files=files))
    with live.app.app_context():
        [upload] = db.session.scalars(db.select(Upload))
        assert upload.message_id is not None
    broken = [("photos", ("b.png", b"not an image", "image/png"))]
    answer = fill(browser, live, world, files=broken)
    assert answer.status_code in (400, 415, 422) and "请" in answer.text
    with live.app.app_context():
        assert count(Message) == 1 and count(Upload) == 1  # nothing half-written


def test_bad_input_is_shown_and_nothing_is_stored(live, world, browser):
    empty = fill(browser, live, world, content="")
    assert empty.status_code == 422 and "请填写反映内容" in empty.text
    phone = fill(browser, live, world, phone="12345")
    assert phone.status_code == 422 and "11 位手机号" in phone.text
    assert "小区门口的路灯坏了一个月" in phone.text  # what they wrote is kept
    risky = fill(browser, live, world, content="有人在这里开赌博网站")
    assert risky.status_code == 422
    with live.app.app_context():
        assert count(Message) == 0 and count(Citizen) == 0


def test_the_honeypot_refuses_bots(live, world, browser):
    answer = fill(browser, live, world, website="http://spam.example")
    assert answer.status_code == 400
    with live.app.app_context():
        assert count(Message) == 0


def test_a_per_ip_flood_is_throttled(live, world, browser):
    live.app.config["RATE_LIMIT_WEB_IP"] = "3/hour"
    live.app.config["WEB_CHALLENGE_AFTER"] = 100
    for _ in range(3):
        follow_link(fill(browser, live, world))
    flood = fill(browser, live, world)
    assert flood.status_code == 429 and "提交太频繁" in flood.text
    with live.app.app_context():
        assert count(Message) == 3


def test_one_phone_number_is_limited_too(live, world, browser):
    live.app.config["RATE_LIMIT_WEB_PHONE"] = "2/hour"
    live.app.config["WEB_CHALLENGE_AFTER"] = 100
    for _ in range(2):
        follow_link(fill(browser, live, world, phone="13900001111"))
    assert fill(browser, live, world, phone="13900001111").status_code == 429
    follow_link(fill(browser, live, world, phone="13900002222"))


def test_an_arithmetic_question_only_under_pressure(live, world, browser):
    live.app.config["WEB_CHALLENGE_AFTER"] = 1
    first = browser.get(form_url(live, world), timeout=30)
    assert 'name="answer"' not in first.text
    follow_link(fill(browser, live, world))
    page = browser.get(form_url(live, world), timeout=30)
    a, b = map(int, re.search(r"请回答：(\d+) \+ (\d+) = \?", page.text).groups())
    signed = re.search(r'name="signed" value="([^"]+)"', page.text).group(1)
    wrong = fill(browser, live, world, answer=str(a + b + 1), signed=signed)
    assert wrong.status_code == 400 and "算术题" in wrong.text
    follow_link(fill(browser, live, world, answer=str(a + b), signed=signed))
    with live.app.app_context():
        assert count(Message) == 2


def test_a_walk_in_slip_prints_the_follow_link(live, stations, signed_in, browser):
    clerk = signed_in("jinzhu")
    saved = walk_in(clerk, stations)
    assert saved.status_code == 302
    item = clerk.get(saved.headers["Location"]).get_data(as_text=True)
    link = re.search(r'class="slip-link"><strong>([^<]+)<', item).group(1)
    token = link.rsplit("/t/", 1)[1]
    again = clerk.get(saved.headers["Location"]).get_data(as_text=True)
    assert token not in again  # shown once: the slip is printed then
    followed = browser.get(f"{live.url}/t/{token}", timeout=30)
    assert followed.status_code == 200 and "下水道堵塞" in followed.text
    more = browser.post(f"{live.url}/t/{token}/followup", data={"content": "又堵了"}, timeout=30)
    assert more.status_code == 200 and "又堵了" in more.text


def test_the_json_twin_submits_and_follows(live, world, browser):
    _, deputy = bind_deputy(live, world, "王建国")
    bad = live.api("POST", "/web/messages", json={"scene": world["scene"], "category": 1})
    assert bad.status_code == 422 and "content" in bad.json()["error"]["fields"]
    created = live.api(
        "POST",
        "/web/messages",
        json={"scene": world["scene"], "category": 1, "content": "垃圾桶满了没人清"},
    )
    assert created.status_code == 201, created.text
    token = created.json()["follow_url"].rsplit("/t/", 1)[1]
    live.work()
    with live.app.app_context():
        message_id = db.session.scalar(
            db.select(Message.id).where(Message.tracking_no == created.json()["tracking_no"])
        )
    live.api("POST", f"/deputy/messages/{message_id}/replies", deputy, json={"content": "已清运"})
    thread = live.api("GET", f"/web/follow/{token}").json()
    assert [p["content"] for p in thread["thread"]] == ["已清运"] and thread["can_rate"]
    rated = live.api("POST", f"/web/follow/{token}/rating", json={"score": "unsatisfied"})
    assert rated.status_code == 200 and rated.json()["status"] == "reopened"
    more = live.api("POST", f"/web/follow/{token}/followups", json={"content": "还有味道"})
    assert more.status_code == 201
    assert live.api("GET", f"/web/follow/{'x' * len(token)}").status_code == 404
    assert (
        live.api("POST", f"/web/follow/{'x' * 24}/rating", json={"score": "satisfied"}).status_code
        == 404
    )
