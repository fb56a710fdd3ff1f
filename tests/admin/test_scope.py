"""Station staff see and change only their own stations: anything else is 404 (or 403 for the
administrators' pages), never data - on pages, actions and exports alike."""

from __future__ import annotations

import io

import openpyxl
import pytest

from server.models import Deputy, Message, Station
from server.platform.db import db
from tests.support.helpers import submit


@pytest.fixture
def items(live, world):
    _, token = live.citizen("张大爷")
    ours = submit(live, token, world["scenes"]["金竹"], content="金竹：路灯坏了")
    theirs = submit(live, token, world["scenes"]["城东"], content="城东：菜市场噪音很大")
    live.work()
    return {"金竹": ours, "城东": theirs}


def test_station_staff_see_only_their_own_items(signed_in, world, items):
    clerk = signed_in("jinzhu")
    listing = clerk.get("/admin/items").get_data(as_text=True)
    assert items["金竹"]["tracking_no"] in listing
    assert items["城东"]["tracking_no"] not in listing and "菜市场" not in listing
    overview = clerk.get("/admin/").get_data(as_text=True)
    assert "菜市场" not in overview and "城东街道代表之家" not in overview
    live_part = clerk.get("/admin/overview/live.json").get_json()["html"]
    assert "菜市场" not in live_part

    other = items["城东"]["id"]
    for path in (
        f"/admin/items/{other}",
        f"/admin/items?station={world['stations']['城东']}",
        f"/admin/items?deputy={world['ids']['赵丽华']}",
        f"/admin/stations/{world['stations']['城东']}",
        f"/admin/stations/{world['stations']['城东']}/roster",
        f"/admin/deputies/{world['ids']['赵丽华']}",
        f"/admin/posters/station/{world['stations']['城东']}.png",
        f"/admin/posters/deputy/{world['ids']['赵丽华']}.pdf",
        f"/admin/posters/all.zip?station={world['stations']['城东']}",
        f"/admin/registers/suggestions.xlsx?station={world['stations']['城东']}",
        f"/admin/registers/visits.xlsx?station={world['stations']['城东']}",
    ):
        answer = clerk.get(path)
        assert answer.status_code == 404, path
        assert "菜市场" not in answer.get_data(as_text=True)
    for path in ("/admin/queue", "/admin/users", "/admin/audit", "/admin/stations/new"):
        assert clerk.get(path).status_code == 403, path


def test_station_staff_cannot_change_another_stations_things(live, signed_in, world, items):
    clerk = signed_in("jinzhu")
    other = items["城东"]["id"]
    chengdong = world["stations"]["城东"]
    attempts = [
        (f"/admin/items/{other}/reassign", {"deputy_id": world["ids"]["王建国"]}),
        (f"/admin/items/{other}/reject", {"reason": "广告"}),
        (f"/admin/items/{other}/close", {}),
        (f"/admin/items/{other}/reply", {"content": "已处理"}),
        (f"/admin/items/{other}/phone", {}),
        (f"/admin/stations/{chengdong}", {"name": "改名了", "code": "hacked1"}),
        (f"/admin/stations/{chengdong}/code", {}),
        (f"/admin/stations/{chengdong}/roster", {"deputy_id": world["ids"]["赵丽华"]}),
        (f"/admin/deputies/{world['ids']['赵丽华']}", {"name": "改名了", "level": "县"}),
        (f"/admin/deputies/{world['ids']['赵丽华']}/invites", {}),
        # Nor may they put their own deputy into another station, or a walk-in there.
        (f"/admin/stations/{chengdong}/members", {"deputy_id": world["ids"]["王建国"]}),
        ("/admin/walk-ins/new", {"station_id": chengdong, "category_id": 1, "content": "来访"}),
    ]
    for path, data in attempts:
        assert clerk.post(path, data).status_code == 404, path
    with live.app.app_context():
        message = db.session.get(Message, other)
        assert message.status == "routed" and message.active_assignment.deputy.name == "赵丽华"
        assert db.session.get(Station, chengdong).name == "城东街道代表之家"
        assert db.session.get(Deputy, world["ids"]["赵丽华"]).name == "赵丽华"
        assert db.session.scalar(db.select(db.func.count()).select_from(Message)) == 2


def test_station_staff_export_only_their_rows(signed_in, world, items):
    clerk = signed_in("chengdong")
    answer = clerk.get("/admin/registers/suggestions.xlsx?date_from=2000-01-01")
    assert answer.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(answer.data)).active
    numbers = [row[0].value for row in sheet.iter_rows(min_row=3)]
    assert numbers == [items["城东"]["tracking_no"]]
    admin = signed_in("admin")
    sheet = openpyxl.load_workbook(
        io.BytesIO(admin.get("/admin/registers/suggestions.xlsx").data)
    ).active
    assert {row[0].value for row in sheet.iter_rows(min_row=3)} == {
        items["金竹"]["tracking_no"],
        items["城东"]["tracking_no"],
    }


def test_signed_out_visitors_get_the_login_page_and_no_data(live, world, items):
    client = live.app.test_client()
    for path in ("/admin/", "/admin/items", f"/admin/items/{items['金竹']['id']}"):
        answer = client.get(path)
        assert answer.status_code == 302 and "/admin/login" in answer.headers["Location"]
    answer = client.get("/admin/overview/live.json")
    assert answer.status_code == 401 and "菜市场" not in answer.get_data(as_text=True)
    assert client.get("/admin/registers/suggestions.xlsx").status_code == 302
