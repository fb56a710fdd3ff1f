"""One item's page as a clerk reads it: the citizen's photos, one timeline row per thing that
happened, Chinese for every code the loop records, and walk-ins credited to the deputy who
received the visitor - each through the real loop, the worker and the WeChat sandbox."""

from __future__ import annotations

import io
import os
import re

import openpyxl
from PIL import Image

from server.models import AuditLog, Message, Upload
from server.platform.db import db
from tests.support.helpers import (
    bind_deputy,
    citizen_with_consent,
    submit,
    upload,
    walk_in,
)


def audit_rows(live, action: str) -> list[AuditLog]:
    with live.app.app_context():
        return list(
            db.session.scalars(
                db.select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)
            )
        )


def timeline_rows(html: str) -> list[tuple[str, str]]:
    """(kind, text) of every row of the 办理经过 list."""
    box = re.search(r'<ol class="timeline" id="timeline">(.*?)</ol>', html, re.S).group(1)
    rows = re.findall(r'<li class="tl-([a-z_]+)">(.*?)</li>', box, re.S)
    return [
        (kind, re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)).strip()) for kind, body in rows
    ]


def test_staff_see_the_citizens_photos_and_each_full_view_is_audited(live, signed_in, world):
    _, token = live.citizen()
    photos = [upload(live, token), upload(live, token, size=(300, 900))]
    created = submit(live, token, world["scenes"]["金竹"], photos=photos)
    clerk = signed_in("jinzhu")
    html = clerk.get(f"/admin/items/{created['id']}").get_data(as_text=True)
    base = f"/admin/items/{created['id']}/photos"
    for photo in photos:
        assert f'href="{base}/{photo}"' in html  # click to enlarge
        assert f'src="{base}/{photo}?size=thumb"' in html
    assert "群众上传的照片共 2 张" in html

    thumb = clerk.get(f"{base}/{photos[1]}?size=thumb")
    assert thumb.status_code == 200 and thumb.mimetype == "image/jpeg"
    assert max(Image.open(io.BytesIO(thumb.data)).size) <= 240
    assert audit_rows(live, "photo_viewed") == []  # previews go with the item's own view

    for _ in range(2):
        full = clerk.get(f"{base}/{photos[0]}")
        assert full.status_code == 200 and full.mimetype == "image/jpeg"
        assert Image.open(io.BytesIO(full.data)).size == (800, 600)
        assert "no-store" in full.headers["Cache-Control"]  # every look reaches the server
    views = audit_rows(live, "photo_viewed")
    assert len(views) == 2 and views[0].target == f"message:{created['id']}"
    assert views[0].data == {"photo": 1} and views[0].staff_id == views[1].staff_id
    (viewed,) = audit_rows(live, "item_viewed")
    assert viewed.data == {"photos": 2}

    # Scoped like the item: the other station's clerk finds neither the item nor its photos.
    other = signed_in("chengdong")
    assert other.get(f"/admin/items/{created['id']}").status_code == 404
    assert other.get(f"{base}/{photos[0]}").status_code == 404
    assert other.get(f"{base}/{photos[0]}?size=thumb").status_code == 404
    assert len(audit_rows(live, "photo_viewed")) == 2


def test_a_photo_that_is_not_this_items_or_is_gone_is_a_chinese_404(live, signed_in, world):
    _, token = live.citizen()
    mine = submit(live, token, world["scenes"]["金竹"], photos=[upload(live, token)])
    theirs_photo = upload(live, token)
    submit(live, token, world["scenes"]["金竹"], content="另一件事", photos=[theirs_photo])
    admin = signed_in()
    answer = admin.get(f"/admin/items/{mine['id']}/photos/{theirs_photo}")
    assert answer.status_code == 404 and "照片不存在" in answer.get_data(as_text=True)
    for bad in ("nope", "../../secret_key", "%00"):
        assert admin.get(f"/admin/items/{mine['id']}/photos/{bad}").status_code == 404
    with live.app.app_context():
        (photo,) = db.session.scalars(db.select(Upload).where(Upload.message_id == mine["id"]))
        os.remove(os.path.join(live.app.config["UPLOAD_DIR"], photo.path))
    answer = admin.get(f"/admin/items/{mine['id']}/photos/{photo.id}?size=thumb")
    assert answer.status_code == 404 and "已按保存期限删除" in answer.get_data(as_text=True)
    assert admin.get(f"/admin/items/{mine['id']}").status_code == 200
    assert audit_rows(live, "photo_viewed") == []


def test_each_reply_and_follow_up_is_one_timeline_row(live, signed_in, world):
    _, wang_token = bind_deputy(live, world, "王建国")
    _, token = citizen_with_consent(live)
    created = submit(live, token, world["scenes"]["金竹"])
    live.work()
    post = "/deputy/messages/{}/replies".format(created["id"])
    assert live.api("POST", post, wang_token, json={"content": "第一次答复：已派人查看"}).ok
    followup = {"content": "追问：什么时候修好？"}
    assert live.api("POST", f"/messages/{created['id']}/followups", token, json=followup).ok
    clerk = signed_in("jinzhu")
    answer = clerk.post(f"/admin/items/{created['id']}/reply", {"content": "联络站补充答复"})
    assert answer.status_code == 302
    html = clerk.get(f"/admin/items/{created['id']}").get_data(as_text=True)
    rows = timeline_rows(html)
    kinds = [kind for kind, _ in rows]
    assert "post" not in kinds  # no second row per post
    assert kinds.count("replied") == 2 and kinds.count("followup") == 1
    for text in ("第一次答复：已派人查看", "追问：什么时候修好？", "联络站补充答复"):
        assert sum(text in row for _, row in rows) == 1, text
    (deputy_reply,) = [r for k, r in rows if k == "replied" and "第一次答复" in r]
    assert "王建国 代表答复" in deputy_reply
    (staff_reply,) = [r for k, r in rows if k == "replied" and "联络站补充答复" in r]
    assert "联络站答复" in staff_reply and "工作人员 金竹联络员" in staff_reply
    (asked,) = [r for k, r in rows if k == "followup"]
    assert "群众追问" in asked


def test_a_visit_answered_on_the_spot_credits_the_receiving_deputy(live, signed_in, world):
    clerk = signed_in("jinzhu")
    li = world["ids"]["李秀兰"]
    answer = walk_in(clerk, world, on_spot="1", answer="已当场解释政策", received_by_id=li)
    message_id = int(answer.headers["Location"].rsplit("/", 1)[1])
    html = clerk.get(f"/admin/items/{message_id}").get_data(as_text=True)
    assert "尚未交办" not in html
    deputy = re.search(r'<dd id="deputy">(.*?)</dd>', html, re.S).group(1)
    assert "李秀兰" in deputy and "来访接待时当场答复" in deputy
    rows = timeline_rows(html)
    (spot,) = [r for k, r in rows if k == "replied"]
    assert "来访当场答复" in spot and "接待代表：李秀兰" in spot and "已当场解释政策" in spot
    assert "代表答复" not in spot.replace("来访当场答复", "")
    assert not [r for k, r in rows if k == "post"]

    # The registers and the overview's per-deputy table count it for 李秀兰.
    book = openpyxl.load_workbook(io.BytesIO(clerk.get("/admin/registers/suggestions.xlsx").data))
    header = [c.value for c in book.active[2]]
    (row,) = [
        dict(zip(header, (c.value for c in r), strict=True))
        for r in book.active.iter_rows(min_row=3)
    ]
    assert row["承办代表"] == "李秀兰"
    overview = clerk.get("/admin/").get_data(as_text=True)
    cells = re.findall(
        r"<td[^>]*>(.*?)</td>", re.search(r">李秀兰</a></td>(.*?)</tr>", overview, re.S).group(1)
    )
    assert cells[0] == "1" and cells[1] == "0"  # one this month, nothing waiting
    listed = clerk.get(f"/admin/items?deputy={li}").get_data(as_text=True)
    with live.app.app_context():
        message = db.session.get(Message, message_id)
        assert f'data-tracking="{message.tracking_no}"' in listed
        assert message.assigned_deputy_id == li and message.status == "closed"
        (assignment,) = message.assignments
        assert assignment.rule == "walk_in" and assignment.deputy_id == li

    # Without a receiving deputy nobody is credited, and the page says why.
    answer = walk_in(clerk, world, on_spot="1", answer="工作人员当场答复")
    html = clerk.get(answer.headers["Location"]).get_data(as_text=True)
    assert "当场答复办结（未登记接待代表）" in html and "尚未交办" not in html


def test_codes_the_loop_records_read_as_chinese(live, signed_in, world):
    """near_duplicate, WeChat's English errmsg, rule names: a clerk reads sentences."""
    bind_deputy(live, world, "王建国")
    openid, token = live.citizen()
    reply_template = live.app.config["WECHAT_TEMPLATES"].reply
    first = submit(live, token, world["scenes"]["金竹"], content="金竹西路 8 号路灯不亮")
    # The phone reports an accept the user never gave in WeChat: WeChat answers 43101.
    second = submit(
        live,
        token,
        world["scenes"]["金竹"],
        content="金竹西路8号路灯不亮！",
        subscribed=[reply_template],
    )
    live.work()
    staff = signed_in("jinzhu")
    assert (
        staff.post(f"/admin/items/{second['id']}/reply", {"content": "已报修"}).status_code == 302
    )
    live.work()
    html = staff.get(f"/admin/items/{second['id']}").get_data(as_text=True)
    link = f'<a href="/admin/items/{first["id"]}">{first["tracking_no"]}</a>'
    assert f"疑似重复：与 {link} 内容相近" in html  # in the timeline and the facts
    assert html.count(link) == 2
    assert "near_duplicate" not in html and "微信内容安全检查" not in html
    why = re.search(r'<div class="small muted notice-why" title="([^"]*)">([^<]*)</div>', html)
    assert why, "the reply notice says why it did not go out"
    assert "对方没有允许接收这类通知" in why.group(2)
    assert "43101" in why.group(1) and "user refuse" in why.group(1)  # raw text: tooltip only
    assert html.count("user refuse") == 1
    rows = timeline_rows(html)
    (routed,) = [r for k, r in rows if k == "routed"]
    assert "当天值班代表" in routed and "on_duty" not in routed
    for kind, row in rows:
        assert not re.search(r"[a-z]{3,}_[a-z]{3,}", row), (kind, row)
