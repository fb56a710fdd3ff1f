"""Register exports above REGISTER_IMMEDIATE_ROWS: a background job, a progress page, a file
only its requester may fetch, the same rows as the immediate export, a Chinese error when the
job fails, and files gone after a day."""

from __future__ import annotations

import io
from datetime import timedelta

import openpyxl
import pytest

from server.models import AuditLog, RegisterExport, StaffUser, Station
from server.platform.clock import utcnow
from server.platform.db import db
from server.platform.exports import export_dir
from server.tasks.exports import clean_exports
from tests.support.helpers import submit


@pytest.fixture
def items(live, world):
    _, token = live.citizen("张大爷")
    made = [
        submit(live, token, world["scenes"]["金竹"], content=f"金竹：路灯坏了 {i}")
        for i in range(3)
    ]
    made.append(submit(live, token, world["scenes"]["城东"], content="城东：菜市场噪音很大"))
    live.work()
    with live.app.app_context():
        for leftover in export_dir().iterdir():  # other tests' files (ids restart per test)
            leftover.unlink()
    return made


def rows(data: bytes) -> list[list]:
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    return [[c.value for c in row] for row in sheet.iter_rows()]


def start(client, query: str = "date_from=2000-01-01"):
    answer = client.get(f"/admin/registers/suggestions.xlsx?{query}")
    assert answer.status_code == 303, answer.status_code
    page = answer.headers["Location"]
    return page, int(page.rstrip("/").rsplit("/", 1)[1])


def test_a_big_export_is_built_in_the_background_with_the_same_rows(live, signed_in, items):
    admin = signed_in("admin")
    immediate = admin.get("/admin/registers/suggestions.xlsx?date_from=2000-01-01")
    assert immediate.status_code == 200 and len(rows(immediate.data)) == 2 + 4

    live.app.config["REGISTER_IMMEDIATE_ROWS"] = 2
    page, export_id = start(admin)
    html = admin.get(page).get_data(as_text=True)
    assert "共 4 条" in html and 'id="export-progress"' in html and "排队中" in html
    queued = admin.get(f"/admin/registers/exports/{export_id}.json").get_json()
    assert queued["status"] == "queued" and queued["download_url"] is None
    assert admin.get(f"/admin/registers/exports/{export_id}/file").status_code == 404

    live.work()
    done = admin.get(f"/admin/registers/exports/{export_id}.json").get_json()
    assert done["status"] == "done" and done["percent"] == 100 and done["done"] == 4
    assert "下载 Excel 文件" in admin.get(page).get_data(as_text=True)
    file = admin.get(done["download_url"])
    assert file.status_code == 200 and file.mimetype.endswith("spreadsheetml.sheet")
    assert "attachment" in file.headers["Content-Disposition"]
    assert rows(file.data) == rows(immediate.data)
    with live.app.app_context():
        logged = db.session.scalars(
            db.select(AuditLog).where(AuditLog.action == "register_exported")
        ).all()
        assert len(logged) == 2 and logged[-1].data.get("background") is True
        assert not list(export_dir().glob("*.part"))  # nothing half-written left behind


def test_another_account_cannot_see_or_fetch_an_export(live, signed_in, items):
    live.app.config["REGISTER_IMMEDIATE_ROWS"] = 1
    clerk = signed_in("jinzhu")
    page, export_id = start(clerk)
    live.work()
    own = clerk.get(f"/admin/registers/exports/{export_id}.json").get_json()
    assert own["status"] == "done" and own["total"] == 3  # only 金竹's items
    assert "菜市场" not in str(rows(clerk.get(own["download_url"]).data))
    for other in (signed_in("chengdong"), signed_in("admin")):
        for path in (page, f"{page}.json", f"{page}/file"):
            assert other.get(path).status_code == 404, path
    assert signed_in("admin").get("/admin/registers/exports/999999").status_code == 404


def test_a_failing_export_says_so_in_chinese(live, signed_in, world, items):
    live.app.config["REGISTER_IMMEDIATE_ROWS"] = 1
    clerk = signed_in("jinzhu")
    page, export_id = start(clerk, f"date_from=2000-01-01&station={world['stations']['金竹']}")
    with live.app.app_context():
        # The station is taken from the clerk before the job runs: nothing may be exported.
        staff = db.session.scalar(db.select(StaffUser).where(StaffUser.username == "jinzhu"))
        staff.stations = [db.session.get(Station, world["stations"]["城东"])]
        db.session.commit()
    live.work()
    state = clerk.get(f"{page}.json").get_json()
    assert state["status"] == "failed" and state["download_url"] is None
    assert "生成登记簿时出错" in state["error"]
    html = clerk.get(page).get_data(as_text=True)
    assert "生成失败" in html and "生成登记簿时出错" in html
    assert clerk.get(f"{page}/file").status_code == 404
    with live.app.app_context():
        assert not list(export_dir().glob(f"register-{export_id}-*"))


def test_exports_are_deleted_after_a_day(live, signed_in, items):
    live.app.config["REGISTER_IMMEDIATE_ROWS"] = 1
    admin = signed_in("admin")
    old_page, old_id = start(admin)
    new_page, new_id = start(admin)
    live.work()
    with live.app.app_context():
        old = db.session.get(RegisterExport, old_id)
        old_file = export_dir() / old.file_name
        old.created_at = utcnow() - timedelta(days=1, minutes=1)
        db.session.commit()
        assert old_file.is_file()
        assert clean_exports() == 1
        assert not old_file.exists() and db.session.get(RegisterExport, new_id) is not None
    assert admin.get(old_page).status_code == 404
    assert admin.get(f"{new_page}.json").get_json()["status"] == "done"
