"""操作记录 and 发送队列 as a supervisor uses them: staff actions on items are listed and
filterable, every row reads in Chinese, and the queue's counts lead to the items they count."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from server.admin.audit import ACTION_LABELS
from server.admin.audit_log import DATA_LABELS, HIDDEN
from server.models import Notification
from server.platform.db import db
from tests.support.helpers import bind_deputy, citizen_with_consent, submit, walk_in

SERVER = Path(__file__).resolve().parents[2] / "server"


def audit_table(html: str) -> list[dict]:
    body = re.search(r'<table class="list" id="audit">.*?<tbody>(.*?)</tbody>', html, re.S).group(1)
    rows = []
    for action, cells in re.findall(r'<tr data-action="([a-z_]+)">(.*?)</tr>', body, re.S):
        cells_ = re.findall(r"<td[^>]*>(.*?)</td>", cells, re.S)
        texts = [re.sub(r"<[^>]+>", "", c).strip() for c in cells_]
        links = re.findall(r'href="([^"]+)"', cells)
        rows.append(
            {
                "action": action,
                "who": texts[1],
                "label": texts[2],
                "target": texts[3],
                "detail": texts[4],
                "links": links,
            }  # fmt: skip
        )
    return rows


def test_staff_actions_on_items_are_in_the_audit_log_and_filterable(live, signed_in, world):
    _, token = citizen_with_consent(live)
    spam = submit(live, token, world["scenes"]["金竹"], content="加微信领红包")
    other = submit(live, token, world["scenes"]["金竹"], content="楼道灯坏了")
    third = submit(live, token, world["scenes"]["金竹"], content="垃圾桶满了")
    live.work()
    clerk = signed_in("jinzhu")
    assert (
        clerk.post(f"/admin/items/{spam['id']}/reject", {"reason": "广告信息"}).status_code == 302
    )
    reassign = {"deputy_id": world["ids"]["李秀兰"], "note": "李代表熟悉情况"}
    assert clerk.post(f"/admin/items/{other['id']}/reassign", reassign).status_code == 302
    assert (
        clerk.post(f"/admin/items/{other['id']}/reply", {"content": "已安排电工"}).status_code
        == 302
    )
    assert clerk.post(f"/admin/items/{third['id']}/close", {"note": "已清运"}).status_code == 302
    with live.app.app_context():
        notice = db.session.scalar(
            db.select(Notification).where(Notification.status == "no_recipient").limit(1)
        )
    assert clerk.post(f"/admin/notices/{notice.id}/retry").status_code == 302  # refused: unbound
    bind_deputy(live, world, "王建国")
    assert clerk.post(f"/admin/notices/{notice.id}/retry").status_code == 302
    walk_in(clerk, world, on_spot="1", answer="当场答复")
    # A refused action leaves no row: rejecting twice is a 409 and writes nothing.
    assert clerk.post(f"/admin/items/{spam['id']}/reject", {"reason": "又一次"}).status_code == 409

    admin = signed_in("auditor")  # the audit log is the audit administrator's
    rows = audit_table(admin.get("/admin/audit?action=item_rejected").get_data(as_text=True))
    assert len(rows) == 1
    (row,) = rows
    assert row["who"] == "金竹联络员" and row["label"] == "不予受理"
    assert row["target"] == f"事项 {spam['tracking_no']}"
    # The audit administrator opens no item: the item is named, not linked.
    assert row["links"] == [] and row["detail"] == "理由：广告信息"

    rows = audit_table(admin.get("/admin/audit?action=items").get_data(as_text=True))
    assert [r["label"] for r in rows] == [
        "来访登记",
        "重新发送通知",
        "办结",
        "联络站答复",
        "改派代表",
        "不予受理",
    ]
    details = {r["label"]: r["detail"] for r in rows}
    assert details["改派代表"] == "改派给：李秀兰；说明：李代表熟悉情况"
    assert details["联络站答复"] == "答复内容：已安排电工"
    assert details["办结"] == "说明：已清运"
    assert details["重新发送通知"] == "通知：新事项提醒"
    assert details["来访登记"] == "当场答复办结"

    with live.app.app_context():
        from server.models import StaffUser

        clerk_id = db.session.scalar(db.select(StaffUser.id).where(StaffUser.username == "jinzhu"))
        admin_id = db.session.scalar(db.select(StaffUser.id).where(StaffUser.username == "admin"))
    mine = audit_table(admin.get(f"/admin/audit?staff={clerk_id}").get_data(as_text=True))
    assert {r["who"] for r in mine} == {"金竹联络员"} and len(mine) > 6
    theirs = audit_table(admin.get(f"/admin/audit?staff={admin_id}").get_data(as_text=True))
    assert {r["label"] for r in theirs} <= {"登录", "查看事项"}

    # Crafted filters are ignored, not a 500.
    for query in ("action=drop%20table", "staff=abc", "staff=99999999999999999999", "page=-3",
                  "staff=%C2%B9", "page=99999"):  # fmt: skip
        answer = admin.get(f"/admin/audit?{query}")
        assert answer.status_code == 200, query
    assert audit_table(admin.get("/admin/audit?staff=424242").get_data(as_text=True)) == []
    assert signed_in("jinzhu").get("/admin/audit").status_code == 403
    assert signed_in("admin").get("/admin/audit").status_code == 403
    assert signed_in("security").get("/admin/audit").status_code == 403


def test_every_audit_row_reads_in_chinese(live, signed_in, world):
    _, token = live.citizen()
    created = submit(live, token, world["scenes"]["金竹"], contact_phone="13812345678")
    clerk = signed_in("jinzhu")
    clerk.get(f"/admin/items/{created['id']}")
    clerk.post(f"/admin/items/{created['id']}/phone")
    clerk.get(f"/admin/registers/suggestions.xlsx?station={world['stations']['金竹']}&status=open")
    clerk.post("/admin/logout")
    admin = signed_in("auditor")
    html = admin.get("/admin/audit").get_data(as_text=True)
    rows = audit_table(html)
    labels = [r["label"] for r in rows]
    for label in ("登录", "查看事项", "查看联系电话", "导出登记簿", "退出"):
        assert label in labels
    (export,) = [r for r in rows if r["action"] == "register_exported"]
    assert export["target"] == "意见建议登记簿"
    assert export["detail"] == "导出条数：1；筛选：联络站 金竹社区人大代表联络站，状态 待答复"
    (viewed,) = [r for r in rows if r["action"] == "phone_viewed"]
    assert viewed["target"] == f"事项 {created['tracking_no']}"
    table = re.search(r'<table class="list" id="audit">(.*?)</table>', html, re.S).group(1)
    visible = re.sub(r"<[^>]+>", " ", table)
    for raw in ("item_viewed", "phone_viewed", "session", "message:", "user:", "="):
        assert raw not in visible, raw


def _audit_calls() -> list[tuple[str, str, list[str]]]:
    calls = []
    for path in SERVER.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "audit":
                if node.args and isinstance(node.args[0], ast.Constant):
                    keys = [k.arg for k in node.keywords if k.arg and k.arg != "staff_id"]
                    calls.append((str(path.relative_to(SERVER)), node.args[0].value, keys))
    return calls


def test_every_audited_action_and_detail_has_chinese_words():
    """A new audit() call needs its label and its keys' words, or the log shows raw codes."""
    calls = _audit_calls()
    assert len(calls) > 20
    for where, action, keys in calls:
        assert action in ACTION_LABELS, f"{where}: {action} has no label in ACTION_LABELS"
        for key in keys:
            assert key in DATA_LABELS or key in HIDDEN, f"{where}: {action}.{key} has no words"


def test_queue_counts_lead_to_the_items_they_count(live, signed_in, world):
    _, token = live.citizen()  # no consent: the staff reply will not reach them
    unbound = submit(live, token, world["scenes"]["金竹"], content="王代表还没绑定微信")
    bind_deputy(live, world, "赵丽华")
    live.sandbox.faults(error_rate=1, errcode=40003, paths=["/cgi-bin/message/subscribe/send"])
    failing = submit(live, token, world["scenes"]["城东"], content="城东的通知发送失败")
    live.work()
    live.sandbox.faults()
    admin = signed_in()
    answer = admin.post(f"/admin/items/{unbound['id']}/reply", {"content": "联络站答复"})
    assert answer.status_code == 302
    live.work()
    html = admin.get("/admin/queue").get_data(as_text=True)
    links = dict(re.findall(r'<a href="([^"]+)" data-count="([a-z_]+)">', html))
    links = {status: href.replace("&amp;", "&") for href, status in links.items()}
    assert set(links) == {"failed", "no_recipient", "no_consent"}
    assert re.search(r'<span data-count="retry">等待重试 <strong>0</strong>', html)

    def listed(href: str) -> set[str]:
        page = admin.get(href).get_data(as_text=True)
        return set(re.findall(r'data-tracking="(\d+)"', page))

    assert listed(links["no_recipient"]) == {unbound["tracking_no"]}
    assert listed(links["no_consent"]) == {unbound["tracking_no"]}
    assert listed(links["failed"]) == {failing["tracking_no"]}
    assert listed("/admin/items?notice=not_notified") == {
        unbound["tracking_no"],
        failing["tracking_no"],
    }
    # The failed notice reads as a sentence, WeChat's words only in the tooltip.
    assert "接收人的微信身份无效" in html and "new_item" not in html
    # Station staff use the same filter within their stations; a crafted value is named.
    clerk = signed_in("chengdong")
    page = clerk.get("/admin/items?notice=not_notified").get_data(as_text=True)
    assert set(re.findall(r'data-tracking="(\d+)"', page)) == {failing["tracking_no"]}
    crafted = admin.get("/admin/items?notice=%27%3Bdrop")
    assert crafted.status_code == 422
    assert "通知情况：选择的内容无效" in crafted.get_data(as_text=True)
