"""The public page a plain QR code opens (/q/<scene>) when the code is old or unknown: a citizen
is told what happened and where to go, and never pointed at the staff dashboard."""

from __future__ import annotations

import re

import pytest

from server.models import Station
from server.platform.db import db
from tests import factories
from tests.factories import make_staff
from tests.support.helpers import Staff


@pytest.fixture
def station(live):
    with live.app.app_context():
        st = factories.station(reception_note="每月逢六上午接待")
        factories.deputy("王建国", stations=[st])
        make_staff("clerk", stations=[st])
        db.session.commit()
        info = {"id": st.id, "scene": st.scene}
        db.session.remove()
    return info


def page(live, path: str):
    answer = live.http.get(f"{live.url}{path}", timeout=10)
    return answer.status_code, answer.text


def assert_public(html: str) -> None:
    assert "/admin" not in html and "工作台" not in html
    assert "找不到该内容" not in html  # the bare error page is not what a citizen gets


@pytest.mark.parametrize("scene", ["s.zzzz9999", "d.zzzz9999", "x.hello", "s.<b>", "s." + "a" * 80])
def test_an_unknown_code_says_whom_to_ask(live, station, scene):
    status, html = page(live, f"/q/{scene}")
    assert status == 404
    assert_public(html)
    assert "这个二维码" in html and "居委会" in html and "联络站工作人员" in html
    assert "<b>" not in html


def test_an_old_station_code_leads_to_the_station_and_its_new_code(live, station):
    clerk = Staff(live.app, "clerk")
    assert clerk.post(f"/admin/stations/{station['id']}/code").status_code == 302
    with live.app.app_context():
        new_scene = db.session.get(Station, station["id"]).scene
    status, html = page(live, f"/q/{station['scene']}")
    assert status == 404
    assert_public(html)
    assert "这张二维码已经更换" in html
    assert "金竹社区人大代表联络站" in html and "金竹西路 18 号" in html and "每月逢六" in html
    (link,) = re.findall(r'href="(/q/[^"]+)"', html)
    assert link == f"/q/{new_scene}"
    status, html = page(live, link)
    assert status == 200 and "今天" in html and "金竹社区人大代表联络站" in html


def test_a_paused_station_says_so_and_where_it_is(live, station):
    with live.app.app_context():
        db.session.get(Station, station["id"]).active = False
        db.session.commit()
    status, html = page(live, f"/q/{station['scene']}")
    assert status == 404
    assert_public(html)
    assert "暂停了扫码留言" in html and "金竹西路 18 号" not in html  # a paused station: no visit


def test_no_public_error_page_links_to_the_dashboard(live):
    status, html = page(live, "/no-such-page")
    assert status == 404 and "/admin" not in html
    status, html = page(live, "/admin/no-such-page")
    assert status in (302, 404)


def test_the_page_says_what_is_not_accepted_before_anyone_writes(live, station):
    status, html = page(live, f"/q/{station['scene']}")
    assert status == 200
    scope = html[html.index('id="scope"') :]
    assert "不在受理范围" in scope and "110" in scope and "12345" in scope
    assert_public(html)
