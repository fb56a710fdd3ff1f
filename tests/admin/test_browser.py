"""Issue 4 in a real browser: Debian's Chromium, driven by Playwright, against the live app."""

from __future__ import annotations

import io
import os

import openpyxl
import zxingcpp
from PIL import Image

from server.models import DutyShift
from server.platform.clock import local_today
from server.platform.db import db
from tests.support.helpers import SCREENSHOTS, bind_deputy, browser_sign_in, submit, upload
from wechat_sandbox import sandbox_code_text


def test_a_new_item_appears_live_and_reassigning_notifies_the_new_deputy(page, live, world):
    li_openid, _ = bind_deputy(live, world, "李秀兰")
    browser_sign_in(page, live)
    page.evaluate("window.__sameDocument = true")  # gone if the page reloads
    _, token = live.citizen("张大爷")
    created = submit(live, token, world["scenes"]["金竹"], content="金竹西路的路灯坏了一个月了")

    row = page.locator(f'#latest tr[data-tracking="{created["tracking_no"]}"]')
    row.wait_for(timeout=10_000)  # the overview polls every 3 s
    assert page.evaluate("window.__sameDocument") is True
    assert "金竹西路的路灯" in row.inner_text()
    assert page.locator('tr[data-period="today"] [data-metric="received"]').inner_text() == "1"

    live.work()  # routed to 王建国, on duty today
    row.locator("a").first.click()
    page.wait_for_url(f"**/admin/items/{created['id']}")
    assert "王建国" in page.locator("#timeline").inner_text()
    page.select_option("#f-deputy_id", str(world["ids"]["李秀兰"]))
    page.fill("#f-note", "李代表熟悉该片区")
    page.click("text=改派并通知代表")
    page.locator(".flash-success").wait_for()
    assert "已改派给李秀兰代表" in page.locator(".flash-success").inner_text()
    assert "由 王建国 改派给 李秀兰" in page.locator("#timeline").inner_text()

    live.work()  # the new deputy's notice goes out
    (notice,) = live.sandbox.sent(li_openid)
    assert notice["template_id"] == live.app.config["WECHAT_TEMPLATES"].new_item
    assert notice["data"]["character_string1"]["value"] == created["tracking_no"]
    page.reload()
    assert "已送达" in page.locator("#notices").inner_text()
    if os.environ.get("LZ_SCREENSHOTS"):
        page.screenshot(path=str(SCREENSHOTS / "item.png"), full_page=True)


def test_editing_the_roster_changes_the_calendar(page, live, world):
    browser_sign_in(page, live, "jinzhu")
    today = local_today()
    month = f"{today.year}-{today.month:02d}"
    page.goto(f"{live.url}/admin/stations/{world['stations']['金竹']}/roster?month={month}")
    cell_16 = page.locator('#calendar td[data-day="16"]')
    assert "陈志强" not in cell_16.inner_text()

    page.select_option("#f-deputy_id", str(world["ids"]["陈志强"]))
    page.check("input[name=kind][value=preset]")
    page.select_option("#f-preset", "逢六")
    page.click("#shift-form button[type=submit]")
    page.locator(".flash-success").wait_for()
    for day in (6, 16, 26):
        assert "陈志强" in page.locator(f'#calendar td[data-day="{day}"]').inner_text()
    assert "陈志强" not in page.locator('#calendar td[data-day="7"]').inner_text()
    if os.environ.get("LZ_SCREENSHOTS"):
        page.screenshot(path=str(SCREENSHOTS / "roster.png"), full_page=True)

    # Day 32: a clear message next to the days, and nothing saved.
    page.locator("#shifts a", has_text="修改").last.click()
    page.check("input[name=kind][value=monthly]")
    page.fill("#f-monthly", "6、32")
    page.click("#shift-form button[type=submit]")
    assert "每月的日期应在 1 到 31 之间" in page.locator(".field-error").inner_text()
    with live.app.app_context():
        rows = db.session.scalars(
            db.select(DutyShift).where(DutyShift.deputy_id == world["ids"]["陈志强"])
        )
        assert [r.days for r in rows] == [[6, 16, 26]]


def test_the_register_downloads_and_opens_in_excel_shape(page, live, world):
    _, token = live.citizen("张大爷")
    created = submit(
        live,
        token,
        world["scenes"]["金竹"],
        content="小区门口积水严重",
        contact_phone="13812345678",
    )
    submit(live, token, world["scenes"]["城东"], content="城东菜市场噪音")
    live.work()
    browser_sign_in(page, live)
    page.goto(f"{live.url}/admin/registers")
    page.select_option("#f-station", str(world["stations"]["金竹"]))
    with page.expect_download() as download:
        page.click("text=导出意见建议登记簿")
    path = download.value.path()
    assert download.value.suggested_filename.startswith("意见建议登记簿-")

    book = openpyxl.load_workbook(io.BytesIO(open(path, "rb").read()))
    sheet = book.active
    assert sheet.title == "意见建议登记簿"
    assert "金竹社区人大代表联络站" in sheet["A1"].value
    header = [c.value for c in sheet[2]]
    assert header == [
        "编号", "收到时间", "渠道", "联络站", "反映人", "类别", "内容",
        "承办代表", "办理情况", "答复时间", "用时", "承办单位", "交办时间", "签收", "答复",
        "是否超期", "督办次数", "满意度", "回访",
    ]  # fmt: skip
    assert sheet.freeze_panes == "A3" and sheet["A2"].font.b
    (row,) = [[c.value for c in r] for r in sheet.iter_rows(min_row=3)]  # 城东's is not here
    assert row[0] == created["tracking_no"]
    assert row[1].date() == local_today()  # Beijing time, as a real date cell
    assert row[4] == "138****5678" and row[6] == "小区门口积水严重" and row[7] == "王建国"
    assert row[8].startswith("办理中")
    assert sheet.column_dimensions["G"].width >= 40 and sheet["G3"].alignment.wrap_text


def test_a_station_poster_is_a4_and_its_code_leads_to_the_station(page, live, world):
    browser_sign_in(page, live)
    page.goto(f"{live.url}/admin/posters")
    station_row = page.locator("tr", has_text="金竹社区人大代表联络站")
    with page.expect_download() as download:
        station_row.locator("text=PNG").click()
    image = Image.open(download.value.path())
    assert image.size == (2480, 3508)  # A4 at 300 dpi
    assert round(image.info["dpi"][0]) == 300
    (code,) = zxingcpp.read_barcodes(image)
    page_path = live.app.config["WECHAT_ENTRY_PAGE"]
    assert code.text == sandbox_code_text(page_path, world["scenes"]["金竹"])

    with page.expect_download() as download:
        station_row.locator("text=PDF").click()
    pdf = open(download.value.path(), "rb").read()
    assert pdf.startswith(b"%PDF") and b"595" in pdf  # A4 is 595 x 842 points


def test_screenshot_of_the_overview(page, live, world):
    _, wang_token = bind_deputy(live, world, "王建国")
    bind_deputy(live, world, "赵丽华")
    _, token = live.citizen("张大爷")
    created = [
        submit(live, token, world["scenes"]["金竹"], content=text, category=category)
        for text, category in (
            ("金竹西路的路灯坏了一个月了，晚上出行很不方便", "城乡建设"),
            ("希望学校门口上下学时段增加交通协管员", "教育"),
            ("小区垃圾分类点气味很大，夏天尤其严重", "环境保护"),
        )
    ]
    submit(
        live, token, world["scenes"]["城东"], content="城东菜市场早上噪音扰民", category="社会治理"
    )
    live.work()
    first = created[0]["id"]
    reply = {"content": "已联系街道城管科，本周内修好"}
    assert live.api("POST", f"/deputy/messages/{first}/replies", wang_token, json=reply).ok
    rating = {"score": "satisfied"}
    assert live.api("POST", f"/messages/{first}/rating", token, json=rating).ok
    live.work()
    browser_sign_in(page, live)
    page.locator("#latest tr[data-tracking]").first.wait_for()
    assert page.locator("#latest tr[data-tracking]").count() == 4
    assert page.locator('tr[data-period="today"] [data-metric="closed"]').inner_text() == "1"
    assert "城东街道代表之家" in page.locator("#live").inner_text()
    shot = page.screenshot(full_page=True)
    assert Image.open(io.BytesIO(shot)).size[0] == 1440
    if os.environ.get("LZ_SCREENSHOTS"):
        (SCREENSHOTS / "overview.png").write_bytes(shot)


def test_a_photo_opens_large_over_the_item_and_each_opening_is_audited(page, live, world):
    from server.models import AuditLog

    _, token = live.citizen()
    created = submit(live, token, world["scenes"]["金竹"], photos=[upload(live, token)])
    browser_sign_in(page, live, "jinzhu")
    page.goto(f"{live.url}/admin/items/{created['id']}")
    thumb = page.locator("#photos a.photo img").first
    thumb.wait_for()
    loaded = "img => img.complete && img.naturalWidth > 0"
    page.wait_for_function(loaded, arg=thumb.element_handle())
    assert page.evaluate("img => img.naturalWidth", thumb.element_handle()) == 240
    viewer = page.locator("#photo-viewer")
    for opened in (1, 2):
        page.locator("#photos a.photo").first.click()
        viewer.wait_for(state="visible")
        big = viewer.locator("img")
        page.wait_for_function(
            "img => img.complete && img.naturalWidth > 0", arg=big.element_handle()
        )
        assert page.evaluate("img => img.naturalWidth", big.element_handle()) == 800
        assert page.url.endswith(f"/admin/items/{created['id']}")  # still on the item
        viewer.locator("button").click()
        viewer.wait_for(state="hidden")
        with live.app.app_context():
            rows = db.session.scalars(db.select(AuditLog).where(AuditLog.action == "photo_viewed"))
            assert len(list(rows)) == opened
