"""What a clerk does with items: walk-in visits, refusing, answering, reading the phone number,
resending notices, retrying failed jobs - each through the dashboard, against the real loop."""

from __future__ import annotations

import io
import re

import openpyxl

from server.models import Event, Message, Notification, WalkIn
from server.platform.db import db
from server.platform.queue import get_queue
from tests.support.helpers import bind_deputy, citizen_with_consent, submit, walk_in


def count(model, *where) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model).where(*where))


def test_a_walk_in_visit_is_routed_to_the_receiving_deputy_and_lands_in_both_registers(
    live, signed_in, world
):
    li_openid, li_token = bind_deputy(live, world, "李秀兰")
    clerk = signed_in("jinzhu")
    answer = walk_in(clerk, world, received_by_id=world["ids"]["李秀兰"])
    assert answer.status_code == 302
    message_id = int(answer.headers["Location"].rsplit("/", 1)[1])
    live.work()

    (notice,) = live.sandbox.sent(li_openid)
    assert notice["data"]["thing4"]["value"] == "金竹社区人大代表联络站"
    inbox = live.api("GET", "/deputy/inbox", li_token).json()
    assert [i["id"] for i in inbox["items"]] == [message_id]
    page = clerk.get(f"/admin/items/{message_id}").get_data(as_text=True)
    assert "138****5678" in page and "13812345678" not in page
    assert "来访登记" in page and "张**（2 人）" in page

    # 显示号码: the full number, once asked for, and who asked is on the record.
    page = clerk.post(f"/admin/items/{message_id}/phone").get_data(as_text=True)
    assert "13812345678" in page
    with live.app.app_context():
        (viewed,) = db.session.scalars(db.select(Event).where(Event.kind == "phone_viewed"))
        assert viewed.actor == "staff" and viewed.data["staff"] == "金竹联络员"

    for kind, title, columns in (
        (
            "visits",
            "接待登记簿",
            {"来访人": "张**", "联系电话": "138****5678", "接待代表": "李秀兰"},
        ),
        ("suggestions", "意见建议登记簿", {"渠道": "来访登记", "反映人": "张** 138****5678"}),
    ):
        book = openpyxl.load_workbook(io.BytesIO(clerk.get(f"/admin/registers/{kind}.xlsx").data))
        sheet = book.active
        assert sheet.title == title
        header = [c.value for c in sheet[2]]
        (row,) = [
            dict(zip(header, (c.value for c in r), strict=True)) for r in sheet.iter_rows(min_row=3)
        ]
        for column, value in columns.items():
            assert row[column] == value, column


def test_a_walk_in_with_mistakes_saves_nothing_and_says_what_is_wrong(live, signed_in, world):
    clerk = signed_in("jinzhu")
    answer = walk_in(clerk, world, content="  ", visitor_phone="call me", category_id="")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422
    for text in ("请填写反映内容", "联系电话只能包含数字", "请选择类别", "没有保存任何内容"):
        assert text in page
    assert 'value="张大爷"' in page  # what was typed is still there
    answer = walk_in(clerk, world, on_spot="1", answer="")
    assert "请填写当场答复内容" in answer.get_data(as_text=True)
    with live.app.app_context():
        assert count(Message) == 0 and count(WalkIn) == 0


def test_a_visit_answered_on_the_spot_is_closed_without_routing(live, signed_in, world):
    clerk = signed_in("jinzhu")
    answer = walk_in(clerk, world, on_spot="1", answer="已当场联系社区物业，今天下午疏通")
    assert answer.status_code == 302
    with live.app.app_context():
        assert get_queue().count == 0
        (message,) = db.session.scalars(db.select(Message))
        assert message.status == "closed" and message.channel == "walk_in"
        assert message.citizen_id is None and message.first_replied_at is not None


def test_rejecting_needs_a_reason_and_takes_the_item_off_the_deputys_inbox(live, signed_in, world):
    _, wang_token = bind_deputy(live, world, "王建国")
    _, token = live.citizen()
    created = submit(live, token, world["scenes"]["金竹"], content="加微信领红包")
    live.work()
    admin = signed_in()
    answer = admin.post(f"/admin/items/{created['id']}/reject", {"reason": ""})
    assert answer.status_code == 422 and "请填写不予受理的理由" in answer.get_data(as_text=True)
    answer = admin.post(f"/admin/items/{created['id']}/reject", {"reason": "广告信息"})
    assert answer.status_code == 302
    assert live.api("GET", "/deputy/inbox", wang_token).json()["items"] == []
    detail = live.api("GET", f"/messages/{created['id']}", token).json()
    assert detail["status"] == "rejected"
    page = admin.get(f"/admin/items/{created['id']}").get_data(as_text=True)
    assert "不予受理" in page and "广告信息" in page
    answer = admin.post(f"/admin/items/{created['id']}/close")
    assert answer.status_code == 409 and "该事项不予受理" in answer.get_data(as_text=True)
    # Off the deputy's load too: it no longer counts for them in routing or the overview.
    with live.app.app_context():
        assert db.session.get(Message, created["id"]).assigned_deputy_id is None


def test_a_staff_reply_reaches_the_citizen_and_closing_is_recorded(live, signed_in, world):
    openid, token = citizen_with_consent(live)
    reply_template = live.app.config["WECHAT_TEMPLATES"].reply
    created = submit(live, token, world["scenes"]["金竹"], subscribed=[reply_template])
    live.work()
    clerk = signed_in("jinzhu")
    answer = clerk.post(f"/admin/items/{created['id']}/reply", {"content": "已转城管科，本周修复"})
    assert answer.status_code == 302
    live.work()
    (notice,) = live.sandbox.sent(openid)
    assert notice["data"]["thing3"]["value"] == "已转城管科，本周修复"
    assert notice["data"]["name4"]["value"] == "联络站"
    assert clerk.post(f"/admin/items/{created['id']}/close", {"note": "已修好"}).status_code == 302
    with live.app.app_context():
        message = db.session.get(Message, created["id"])
        assert message.status == "closed" and message.first_replied_at is not None
        kinds = [e.kind for e in db.session.scalars(db.select(Event).where(
            Event.message_id == message.id, Event.actor == "staff"))]  # fmt: skip
        assert kinds == ["replied", "closed"]


def test_a_notice_to_an_unbound_deputy_is_resent_once_they_bind(live, signed_in, world):
    _, token = live.citizen()
    created = submit(live, token, world["scenes"]["金竹"])
    live.work()  # 王建国 has not bound WeChat: nobody to tell
    admin = signed_in()
    with live.app.app_context():
        notice = db.session.scalar(db.select(Notification))
        assert notice.status == "no_recipient"
    answer = admin.post(f"/admin/notices/{notice.id}/retry")
    page = admin.get(answer.headers["Location"]).get_data(as_text=True)
    assert "该代表尚未绑定微信" in page
    wang_openid, _ = bind_deputy(live, world, "王建国")
    answer = admin.post(f"/admin/notices/{notice.id}/retry")
    assert "已重新发送通知" in admin.get(answer.headers["Location"]).get_data(as_text=True)
    live.work()
    (sent,) = live.sandbox.sent(wang_openid)
    assert sent["data"]["character_string1"]["value"] == created["tracking_no"]
    with live.app.app_context():
        assert db.session.get(Notification, notice.id).status == "sent"


def test_queue_health_lists_failed_notices_and_jobs_and_retries_them(live, signed_in, world):
    wang_openid, _ = bind_deputy(live, world, "王建国")
    live.sandbox.faults(error_rate=1, errcode=40003, paths=["/cgi-bin/message/subscribe/send"])
    _, token = live.citizen()
    created = submit(live, token, world["scenes"]["金竹"])
    live.work()
    with live.app.app_context():
        get_queue().enqueue("builtins.int", "not a number", job_id="broken-job-1")
    live.work()
    admin = signed_in()
    page = admin.get("/admin/queue").get_data(as_text=True)
    assert created["tracking_no"] in page and "40003" in page
    assert "broken-job-1" in page and "ValueError" in page

    live.sandbox.faults()  # WeChat is well again
    notice_id = int(re.search(r'data-notice="(\d+)"', page).group(1))
    answer = admin.post(f"/admin/notices/{notice_id}/retry", {"next": "/admin/queue"})
    assert answer.headers["Location"].endswith("/admin/queue")
    answer = admin.post("/admin/queue/jobs/broken-job-1/retry")
    assert "任务已重新排队" in admin.get(answer.headers["Location"]).get_data(as_text=True)
    with live.app.app_context():
        assert get_queue().count == 2  # the notice and the requeued job
    live.work()
    assert len(live.sandbox.sent(wang_openid)) == 1
    answer = admin.post("/admin/queue/jobs/no-such-job/retry")
    assert "该任务已不在失败列表中" in admin.get(answer.headers["Location"]).get_data(True)


def deputy_options(html: str) -> list[str]:
    select = re.search(r'<select id="f-deputy".*?</select>', html, re.S).group(0)
    return re.findall(r"<option[^>]*>([^<]*)</option>", select)


def test_a_long_deputy_list_waits_for_a_station(live, signed_in, world, monkeypatch):
    from server.admin import items

    admin = signed_in()
    everyone = deputy_options(admin.get("/admin/items").get_data(as_text=True))
    assert everyone[0] == "全部" and {"王建国", "赵丽华"} <= set(everyone)
    monkeypatch.setattr(items, "DEPUTY_CHOICES", 3)  # four deputies, three at 金竹
    html = admin.get("/admin/items").get_data(as_text=True)
    assert deputy_options(html) == ["全部（代表较多，请先选联络站并查询）"]
    html = admin.get(f"/admin/items?station={world['stations']['金竹']}").get_data(as_text=True)
    at_jinzhu = deputy_options(html)
    assert at_jinzhu[0] == "全部" and "王建国" in at_jinzhu and "赵丽华" not in at_jinzhu
    chosen = world["ids"]["赵丽华"]
    html = admin.get(f"/admin/items?deputy={chosen}").get_data(as_text=True)
    assert deputy_options(html)[1:] == ["赵丽华"]
