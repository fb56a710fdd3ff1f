"""Issue 15 on the dashboard: 规范性审查 (back with remarks, or accept and number), 交办 with
重点督办, the list's three colours, the per-unit table and the yearly register (.xlsx)."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from server.models import Station, Suggestion
from server.platform.clock import local_today
from server.platform.db import db
from tests import factories
from tests.support.helpers import Staff
from tests.units.test_suggestions import pdf_bytes, submitted, upload_pdf


def staff_accounts(live, world):
    with live.app.app_context():
        station = db.session.get(Station, world["station_id"])
        factories.make_staff("admin", "admin", name="系统管理员")
        factories.make_staff("committee", "committee", name="代表工委")
        factories.make_staff("clerk", stations=[station], name="金竹联络员")
        db.session.commit()
        db.session.remove()


def test_review_number_assign_colours_table_and_register(live, world, units, movable_clock):
    sid, wang, _, _, _ = submitted(live, world, units)
    staff_accounts(live, world)
    committee, clerk = Staff(live.app, "committee"), Staff(live.app, "clerk")
    page = clerk.get("/admin/suggestions").get_data(as_text=True)
    assert "关于尽快修复金竹西路路面的建议" in page and "待审查" in page
    # Station staff read; only the 代表工委 (and administrators) review and hand on.
    assert clerk.post(f"/admin/suggestions/{sid}/accept").status_code == 403

    back = committee.post(f"/admin/suggestions/{sid}/return", {"remarks": " "})
    assert back.status_code == 422 and "请填写审查意见" in back.get_data(as_text=True)
    back = committee.post(f"/admin/suggestions/{sid}/return", {"remarks": "请写明路段"})
    assert back.status_code == 302
    mine = live.api("GET", f"/deputy/suggestions/{sid}", wang).json()["suggestion"]
    assert mine["status"] == "returned" and mine["review_remarks"] == "请写明路段"
    assert live.api("POST", f"/deputy/suggestions/{sid}/submit", wang).ok

    assert committee.post(f"/admin/suggestions/{sid}/accept").status_code == 302
    again = committee.post(f"/admin/suggestions/{sid}/accept")
    assert again.status_code == 409 and "已立案" in again.get_data(as_text=True)
    year = local_today().year
    number = f"〔{year}〕第 0001 号"
    assert number in committee.get(f"/admin/suggestions/{sid}").get_data(as_text=True)

    for bad in ({"unit_id": "999999"}, {"unit_id": ""}, {"unit_id": "abc"},
                {"unit_id": str(units["ids"]["城管局"]), "days": "x"},
                {"unit_id": str(units["ids"]["城管局"]), "days": "900"}):  # fmt: skip
        refused = committee.post(f"/admin/suggestions/{sid}/assign", bad)
        assert refused.status_code == 422, bad
        assert "没有保存任何内容" in refused.get_data(as_text=True)
    with live.app.app_context():
        row = db.session.get(Suggestion, sid)
        assert row.status == "accepted" and row.units == [] and row.due_at is None

    handed = committee.post(
        f"/admin/suggestions/{sid}/assign",
        {"unit_id": str(units["ids"]["城管局"]), "co_unit_ids": str(units["ids"]["住建局"]),
         "priority": "1"},
    )  # fmt: skip
    assert handed.status_code == 302
    listing = clerk.get("/admin/suggestions").get_data(as_text=True)
    assert 'data-colour="green"' in listing and "重点督办" in listing

    key = units["keys"]["城管局"]
    assert live.api("POST", f"/unit/suggestions/{sid}/sign", key).ok
    live.app.config["PASSWORD_MAX_AGE_DAYS"] = 0  # the clerks' passwords would expire meanwhile
    movable_clock.move(days=120)  # past the 60 working days (and past the sessions)
    committee, clerk = Staff(live.app, "committee"), Staff(live.app, "clerk")
    assert 'data-colour="red"' in clerk.get("/admin/suggestions").get_data(as_text=True)
    assert live.api(
        "POST", f"/unit/suggestions/{sid}/meetings", key,
        json={"date": local_today().isoformat(), "form": "phone", "summary": "电话沟通"},
    ).ok  # fmt: skip
    assert clerk.get(f"/admin/suggestions/{sid}/document").status_code == 404  # none yet
    doc = upload_pdf(live, key, sid).json()["document_id"]
    assert live.api("POST", f"/unit/suggestions/{sid}/answer", key,
                    json={"content": "已修复", "grade": "A", "document_id": doc}).ok  # fmt: skip
    pdf = clerk.get(f"/admin/suggestions/{sid}/document")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF-") and len(pdf.data) == len(pdf_bytes())
    assert live.api("POST", f"/deputy/suggestions/{sid}/evaluation", wang,
                    json={"score": "satisfied"}).ok  # fmt: skip

    table = clerk.get(f"/admin/suggestions/units?year={year}").get_data(as_text=True)
    row = table.split("区城市管理局", 1)[1].split("</tr>", 1)[0]
    cells = [c.split("<", 1)[0] for c in row.split("<td>")[1:]]
    # handed, signed on time, 面商率, answered on time (late: 120 days), satisfaction, A B C
    assert cells == ["1", "100.0%", "100.0%", "0.0%", "100.0%", "1", "0", "0"]

    closed = committee.post(f"/admin/suggestions/{sid}/close")
    assert closed.status_code == 302
    assert committee.post(f"/admin/suggestions/{sid}/close").status_code == 409

    download = clerk.get(f"/admin/suggestions/register.xlsx?year={year}")
    assert download.status_code == 200
    sheet = load_workbook(io.BytesIO(download.data)).active
    values = [[c.value for c in r] for r in sheet.iter_rows()]
    assert values[0][0] == f"{year}年代表建议登记簿"
    assert values[1][:3] == ["建议编号", "标题", "领衔代表"]
    assert values[2][0] == number and values[2][4] == "区城市管理局"
    assert values[2][3] == "李秀兰" and values[2][12].startswith("A ")
    assert values[2][13] == "满意" and values[2][14] == "已办结"
