"""履职档案: a deputy's PDF (real text in an embedded Chinese font: pdftotext reads it back)
and .xlsx with the same counts, the station's zip built by the real worker with its progress,
and the refusals (a bad period, an unknown deputy, another station's deputy, another account's
zip)."""

from __future__ import annotations

import io
import re
import subprocess
import zipfile

import openpyxl
import pytest

from server.models import AuditLog, RegisterExport, Station
from server.performance import periods
from server.platform.db import db
from server.platform.exports import export_dir
from tests import factories
from tests.performance.test_points import next_morning, on_duty
from tests.support.helpers import bind_deputy, count, submit


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF")
    done = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True
    )
    return done.stdout.decode()


def fonts_of(data: bytes) -> str:
    return subprocess.run(["pdffonts", "-"], input=data, capture_output=True).stdout.decode()


def summary(data: bytes) -> dict[str, int]:
    sheet = openpyxl.load_workbook(io.BytesIO(data))["概况"]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=3, max_row=7, max_col=2)]
    return {name: value for name, value in rows}


@pytest.fixture
def history(live, world, movable_clock):
    """王建国 checked in, answered two items (one rated 满意); one item still waits."""
    at = next_morning(movable_clock)
    on_duty(live, world, "王建国", at.date())
    _, wang = bind_deputy(live, world, "王建国")
    assert live.api("POST", "/deputy/checkin", wang, json={}).status_code == 201
    _, citizen = live.citizen("张大爷")
    made = [
        submit(live, citizen, world["scenes"]["金竹"], content=text)
        for text in ("金竹西路路灯坏了一个月", "小区垃圾清运不及时", "菜市场门口占道经营")
    ]
    live.work()
    for item in made[:2]:
        answer = live.api(
            "POST", f"/deputy/messages/{item['id']}/replies", wang, json={"content": "已联系处理"}
        )
        assert answer.status_code == 201, answer.text
    rating = {"score": "satisfied"}
    assert live.api("POST", f"/messages/{made[0]['id']}/rating", citizen, json=rating).ok
    with live.app.app_context():
        for leftover in export_dir().iterdir():  # other tests' files (ids restart per test)
            if leftover.is_file():
                leftover.unlink()
    return {"items": made, "period": periods.parse(str(at.year)).code}


def test_a_deputys_archive_as_pdf_and_xlsx_says_the_same(live, world, signed_in, history):
    clerk = signed_in("jinzhu")
    wang = world["ids"]["王建国"]
    page = clerk.get(f"/admin/deputies/{wang}").get_data(as_text=True)
    assert 'id="archive-pdf"' in page and 'id="archive-xlsx"' in page

    period = history["period"]
    pdf = clerk.get(f"/admin/deputies/{wang}/archive.pdf?period={period}")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert "attachment" in pdf.headers["Content-Disposition"]
    xlsx = clerk.get(f"/admin/deputies/{wang}/archive.xlsx?period={period}")
    assert xlsx.status_code == 200 and xlsx.mimetype.endswith("spreadsheetml.sheet")

    text = pdf_text(pdf.data)
    fonts = fonts_of(pdf.data)
    assert "CJK" in fonts and " yes " in fonts  # the Chinese font is embedded (a subset)
    assert "王建国 代表履职档案" in text and "金竹社区人大代表联络站" in text  # the header
    counts = summary(xlsx.data)
    # shift 3, answered 2 × (2 + 1 + 1), satisfied 2
    assert counts == {"经办事项": 3, "已答复": 2, "到站值班": 1, "代表建议": 0, "履职积分": 13}
    assert "经办事项（3 件）" in text and "到站值班（1 次）" in text
    assert "合计 13 分" in text
    flat = re.sub(r"\s+", "", text)
    assert "经办事项已答复到站值班代表建议履职积分" in flat and "321013" in flat
    for item in history["items"]:
        assert item["tracking_no"] in text
    workbook = openpyxl.load_workbook(io.BytesIO(xlsx.data))
    numbers = [r[0].value for r in workbook["经办事项"].iter_rows(min_row=3)]
    assert numbers == [i["tracking_no"] for i in history["items"]]
    lines = [[c.value for c in r] for r in workbook["履职积分明细"].iter_rows(min_row=3)]
    assert sum(r[3] for r in lines) == 13
    for _, label, _, _, reason in lines:
        assert reason.startswith(label) and re.sub(r"\s+", "", reason) in flat
    assert "到站接待值班（每次）：3分" in flat and "群众评价满意（每条答复）：2分" in flat
    with live.app.app_context():
        assert count(AuditLog, AuditLog.action == "archive_exported") == 2


def test_archive_refusals(live, world, signed_in, history):
    clerk = signed_in("jinzhu")
    wang, zhao = world["ids"]["王建国"], world["ids"]["赵丽华"]
    bad = clerk.get(f"/admin/deputies/{wang}/archive.pdf?period=2026Q7")
    assert bad.status_code == 400 and "期间格式不正确" in bad.get_data(as_text=True)
    assert clerk.get(f"/admin/deputies/{wang}/archive.doc").status_code == 404
    assert clerk.get("/admin/deputies/999999/archive.pdf").status_code == 404
    assert clerk.get(f"/admin/deputies/{zhao}/archive.xlsx").status_code == 404
    assert signed_in("auditor").get(f"/admin/deputies/{wang}/archive.pdf").status_code == 403
    station = world["stations"]["城东"]
    assert clerk.post(f"/admin/stations/{station}/archive", {"period": "2026"}).status_code == 404
    with live.app.app_context():
        assert count(RegisterExport) == 0
        assert count(AuditLog, AuditLog.action == "archive_exported") == 0


def test_a_stations_archive_is_a_zip_built_by_the_worker(live, world, signed_in, history):
    clerk = signed_in("jinzhu")
    station = world["stations"]["金竹"]
    period = history["period"]
    with live.app.app_context():  # a namesake at the same station: each keeps their own files
        namesake = factories.deputy("王建国", stations=[db.session.get(Station, station)]).id
        db.session.commit()
    bad = clerk.post(f"/admin/stations/{station}/archive", {"period": "今年"})
    assert bad.status_code == 400
    started = clerk.post(f"/admin/stations/{station}/archive", {"period": period})
    assert started.status_code == 303
    page = started.headers["Location"]
    export_id = int(page.rstrip("/").rsplit("/", 1)[1])
    html = clerk.get(page).get_data(as_text=True)
    assert 'id="export-progress"' in html and "共 4 位代表" in html and "排队中" in html
    queued = clerk.get(f"/admin/archives/{export_id}.json").get_json()
    assert queued["status"] == "queued" and queued["download_url"] is None
    assert clerk.get(f"/admin/archives/{export_id}/file").status_code == 404
    other = signed_in("chengdong")
    assert other.get(page).status_code == 404
    assert other.get(f"/admin/archives/{export_id}.json").status_code == 404

    live.work()
    done = clerk.get(f"/admin/archives/{export_id}.json").get_json()
    assert done["status"] == "done" and done["percent"] == 100 and done["done"] == 4
    file = clerk.get(done["download_url"])
    assert file.status_code == 200 and file.mimetype == "application/zip"
    assert other.get(done["download_url"]).status_code == 404
    bundle = zipfile.ZipFile(io.BytesIO(file.data))
    names = sorted(bundle.namelist())
    assert len(names) == len(set(names)) == 8 and all(n.startswith("履职档案-") for n in names)
    assert f"履职档案-王建国-{period}-{namesake}.pdf" in names  # the namesake, told apart
    wang_pdf = f"履职档案-王建国-{period}.pdf"
    wang_xlsx = wang_pdf[:-4] + ".xlsx"
    assert "合计 13 分" in pdf_text(bundle.read(wang_pdf))
    assert summary(bundle.read(wang_xlsx))["履职积分"] == 13
    with live.app.app_context():
        assert not list(export_dir().glob("*.part"))
        assert count(AuditLog, AuditLog.action == "archive_exported") == 1


def test_a_failed_zip_job_says_so_in_chinese(live, world, signed_in, history):
    clerk = signed_in("jinzhu")
    station = world["stations"]["金竹"]
    started = clerk.post(f"/admin/stations/{station}/archive", {"period": history["period"]})
    export_id = int(started.headers["Location"].rsplit("/", 1)[1])
    with live.app.app_context():
        # The account lost the station before the job ran: its scope is checked again then.
        from server.models import StaffUser

        staff = db.session.scalars(db.select(StaffUser).where(StaffUser.username == "jinzhu")).one()
        staff.stations.clear()
        db.session.commit()
    live.work()
    failed = clerk.get(f"/admin/archives/{export_id}.json")
    assert failed.status_code in (200, 302)
    with live.app.app_context():
        export = db.session.get(RegisterExport, export_id)
        assert export.status == "failed" and "生成履职档案时出错" in export.error
        assert export.file_name is None and not list(export_dir().glob("*.part"))
