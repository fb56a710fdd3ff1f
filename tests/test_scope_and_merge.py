"""Issue 14 (part B): 「不在受理范围」 before submitting, merging duplicates, 督办, 代表工委."""

from __future__ import annotations

import io

import openpyxl

from server.models import Event, Message, Notification
from server.platform.db import db
from tests.factories import make_staff
from tests.support.helpers import assert_error, bind_deputy, citizen_with_consent, count, submit


def test_the_scan_says_what_is_not_accepted_and_where_to_go(live, world):
    scan = live.api("GET", f"/scan/{world['scene']}").json()
    topics = {rule["topic"]: rule["where"] for rule in scan["scope"]}
    assert "110" in topics["火灾、治安、急病等紧急情况"]
    assert "12345" in topics["水电气、市政设施报修等日常服务诉求"]
    assert any("诉讼" in t for t in topics) and any("信访" in t for t in topics)
    assert all(set(rule) == {"topic", "where", "category"} for rule in scan["scope"])


def test_merging_a_duplicate_links_both_and_tells_its_citizen(live, stations, signed_in):
    _, deputy_token = bind_deputy(live, stations, "王建国")
    _, first_token = live.citizen("先来的")
    earlier = submit(live, first_token, stations["scenes"]["金竹"], content="金竹西路路灯不亮")
    openid, token = citizen_with_consent(live)
    reply = live.app.config["WECHAT_TEMPLATES"].reply
    duplicate = submit(
        live, token, stations["scenes"]["金竹"], content="金竹西路的路灯坏了", subscribed=[reply]
    )
    live.work()
    clerk = signed_in("jinzhu")

    # Bad inputs: nothing to merge into, an unknown number, itself, a later item.
    path = f"/admin/items/{duplicate['id']}/merge"
    assert clerk.post(path, {"into": ""}).status_code == 422
    missing = clerk.post(path, {"into": "NOPE123"})
    assert missing.status_code == 422 and "找不到这个编号" in missing.get_data(as_text=True)
    assert clerk.post(path, {"into": duplicate["tracking_no"]}).status_code == 409
    later = clerk.post(f"/admin/items/{earlier['id']}/merge", {"into": duplicate["tracking_no"]})
    assert later.status_code == 409 and "更早" in later.get_data(as_text=True)

    done = clerk.post(path, {"into": earlier["tracking_no"]}, follow_redirects=True)
    assert "已作为重复反映合并到较早的反映" in done.get_data(as_text=True)
    live.work()

    mine = live.api("GET", f"/messages/{duplicate['id']}", token).json()
    assert mine["status"] == "rejected" and mine["stage"] is None
    assert mine["merged_into"]["tracking_no"] == earlier["tracking_no"]
    assert mine["merged_into"]["status"] == "routed"
    assert "content" not in mine["merged_into"]  # the other citizen's words stay theirs
    assert mine["rejection"]["reason"] == "与较早的反映重复，已合并办理"
    assert earlier["tracking_no"] in mine["rejection"]["where"]
    (notice,) = live.sandbox.sent(openid)
    assert notice["data"]["thing3"]["value"].startswith("与较早的反映")
    assert notice["page"] == f"pages/detail/detail?id={duplicate['id']}"
    first = live.api("GET", f"/messages/{earlier['id']}", first_token).json()
    assert first["merged"] == [{"tracking_no": duplicate["tracking_no"]}]
    page = clerk.get(f"/admin/items/{earlier['id']}").get_data(as_text=True)
    assert duplicate["tracking_no"] in page
    page = clerk.get(f"/admin/items/{duplicate['id']}").get_data(as_text=True)
    assert 'id="merged-into"' in page and earlier["tracking_no"] in page
    # Merging again is refused: it is no longer live.
    assert clerk.post(path, {"into": earlier["tracking_no"]}).status_code == 409
    with live.app.app_context():
        assert count(Event, Event.kind == "merged") == 1
        assert count(Event, Event.kind == "merged_in", Event.message_id == earlier["id"]) == 1
        assert db.session.get(Message, duplicate["id"]).merged_into_id == earlier["id"]
    # The earlier item's answer: its duplicate's citizen is told it has one (not its text).
    answer = live.api(
        "POST", f"/deputy/messages/{earlier['id']}/replies", deputy_token, json={"content": "已修"}
    )
    assert answer.status_code == 201, answer.text
    with live.app.app_context():
        told = db.session.scalars(
            db.select(Notification)
            .where(Notification.kind == "merged", Notification.message_id == duplicate["id"])
            .order_by(Notification.id)
        ).all()
        assert len(told) == 2 and "已有答复" in told[1].data["thing3"]
        assert "已修" not in told[1].data["thing3"]
    mine = live.api("GET", f"/messages/{duplicate['id']}", token).json()
    assert mine["merged_into"]["replied"] is True


def test_supervise_presses_the_deputy_and_is_counted(live, stations, signed_in):
    deputy_openid, _ = bind_deputy(live, stations, "王建国")
    _, token = live.citizen()
    created = submit(live, token, stations["scenes"]["金竹"])
    live.work()
    clerk = signed_in("jinzhu")
    path = f"/admin/items/{created['id']}/supervise"
    empty = clerk.post(path, {"supervise_note": "  "})
    assert empty.status_code == 422 and "请填写督办意见" in empty.get_data(as_text=True)
    too_long = clerk.post(path, {"supervise_note": "快" * 201})
    assert too_long.status_code == 422
    for _ in range(2):
        done = clerk.post(path, {"supervise_note": "请本周内答复"}, follow_redirects=True)
        assert "已督办" in done.get_data(as_text=True)
    live.work()
    reminder = live.app.config["WECHAT_TEMPLATES"].reminder
    pressed = [m for m in live.sandbox.sent(deputy_openid) if m["template_id"] == reminder]
    assert len(pressed) == 2 and "督办" in pressed[0]["data"]["thing4"]["value"]
    page = clerk.get(f"/admin/items/{created['id']}").get_data(as_text=True)
    assert 'id="supervised">2<' in page
    # The register counts the 督办 and says whether the item ever went overdue.
    book = openpyxl.load_workbook(io.BytesIO(clerk.get("/admin/registers/suggestions.xlsx").data))
    sheet = book.active
    header = [c.value for c in sheet[2]]
    (row,) = [dict(zip(header, (c.value for c in r), strict=True)) for r in sheet.iter_rows(3)]
    assert row["督办次数"] == 2 and row["是否超期"] == "否"
    with live.app.app_context():
        assert count(Notification, Notification.kind == "supervised") == 2


def test_the_committee_reads_every_station_and_may_only_supervise(live, stations, signed_in):
    with live.app.app_context():
        make_staff("gongwei", "committee", name="代表工委")
        db.session.commit()
    bind_deputy(live, stations, "赵丽华")
    _, token = live.citizen()
    created = submit(live, token, stations["scenes"]["城东"], content="城东菜市场噪音扰民")
    live.work()
    committee = signed_in("gongwei")
    page = committee.get(f"/admin/items/{created['id']}")
    assert page.status_code == 200 and "城东菜市场噪音扰民" in page.get_data(as_text=True)
    assert "城东菜市场噪音扰民" in committee.get("/admin/items").get_data(as_text=True)
    refused = committee.post(f"/admin/items/{created['id']}/close", {"note": ""})
    assert refused.status_code == 403 and "只能查看和督办" in refused.get_data(as_text=True)
    assert (
        committee.post(f"/admin/items/{created['id']}/reject", {"reason": "x"}).status_code == 403
    )
    assert committee.get("/admin/users").status_code == 403  # administrators only
    done = committee.post(
        f"/admin/items/{created['id']}/supervise",
        {"supervise_note": "工委督办：请尽快答复"},
        follow_redirects=True,
    )
    assert "已督办" in done.get_data(as_text=True)
    with live.app.app_context():
        assert db.session.get(Message, created["id"]).status == "routed"


def test_supervising_a_finished_item_is_refused(live, stations, signed_in):
    _, token = live.citizen()
    created = submit(live, token, stations["scenes"]["金竹"])
    live.work()
    clerk = signed_in("jinzhu")
    assert clerk.post(f"/admin/items/{created['id']}/close", {"note": ""}).status_code == 302
    refused = clerk.post(f"/admin/items/{created['id']}/supervise", {"supervise_note": "快"})
    assert refused.status_code == 409 and "不需要督办" in refused.get_data(as_text=True)
    assert_error(live.api("GET", "/scan/s.nonexistent"), 404)


def test_administrators_edit_the_scope_rules_and_every_change_is_audited(live, stations, signed_in):
    """「不在受理范围」 is data staff keep: list, add, edit, disable and enable again; the scan
    shows the change at once; bad input is a Chinese 422 that writes nothing; only
    administrators may; the audit log reads each change in Chinese."""
    from server.models import AuditLog, Category, ScopeRule

    admin = signed_in("admin")
    listing = admin.get("/admin/scope-rules").get_data(as_text=True)
    assert "火灾、治安、急病等紧急情况" in listing and "12345" in listing
    with live.app.app_context():
        before = count(ScopeRule)
        social = db.session.scalar(db.select(Category.id).where(Category.name == "社会保障"))

    good = {"topic": "劳动争议", "where": "请向劳动人事争议仲裁委员会申请仲裁", "active": "1"}
    for bad, words in (
        ({**good, "topic": " "}, "请填写不受理的事项"),
        ({**good, "where": ""}, "请填写建议去向"),
        ({**good, "topic": "长" * 61}, "不能超过 60 个字"),
        ({**good, "category_id": "abc"}, "选择的内容无效"),
        ({**good, "category_id": "999999"}, "所选类别不存在"),
        ({**good, "sort_order": "-1"}, "排序应为"),
        ({**good, "sort_order": "100000"}, "排序应为"),
        ({**good, "where": "去\x07这里"}, "控制字符"),
    ):
        answer = admin.post("/admin/scope-rules/new", bad)
        assert answer.status_code == 422, bad
        assert words in answer.get_data(as_text=True), words
    with live.app.app_context():
        assert count(ScopeRule) == before  # nothing half-written

    made = admin.post("/admin/scope-rules/new", {**good, "category_id": str(social)})
    assert made.status_code == 302
    scan = live.api("GET", f"/scan/{stations['scenes']['金竹']}").json()["scope"]
    assert {"topic": "劳动争议", "where": good["where"], "category": "社会保障"} in scan
    with live.app.app_context():
        rule_id = db.session.scalar(db.select(ScopeRule.id).where(ScopeRule.topic == "劳动争议"))

    edited = admin.post(
        f"/admin/scope-rules/{rule_id}",
        {**good, "where": "请拨打 12333 或向仲裁委申请", "category_id": "", "sort_order": "5"},
    )
    assert edited.status_code == 302
    scan = live.api("GET", f"/scan/{stations['scenes']['金竹']}").json()["scope"]
    assert {"topic": "劳动争议", "where": "请拨打 12333 或向仲裁委申请", "category": None} in scan
    assert admin.post(f"/admin/scope-rules/{rule_id}", {**good, "topic": ""}).status_code == 422

    assert admin.post(f"/admin/scope-rules/{rule_id}/active", {"active": "0"}).status_code == 302
    scan = live.api("GET", f"/scan/{stations['scenes']['金竹']}").json()["scope"]
    assert "劳动争议" not in {r["topic"] for r in scan}
    listing = admin.get("/admin/scope-rules").get_data(as_text=True)
    assert f'data-rule="{rule_id}" data-active="0"' in listing  # kept, shown as disabled
    assert admin.post(f"/admin/scope-rules/{rule_id}/active", {"active": "x"}).status_code == 400
    assert admin.post(f"/admin/scope-rules/{rule_id}/active", {"active": "1"}).status_code == 302
    assert "劳动争议" in {
        r["topic"] for r in live.api("GET", f"/scan/{stations['scenes']['金竹']}").json()["scope"]
    }
    assert admin.get("/admin/scope-rules/999999").status_code == 404

    # Station staff, the security administrator: not theirs.
    for who in ("jinzhu", "security"):
        other = signed_in(who)
        assert other.get("/admin/scope-rules").status_code == 403
        assert (
            other.post(f"/admin/scope-rules/{rule_id}/active", {"active": "0"}).status_code == 403
        )
        assert other.post("/admin/scope-rules/new", good).status_code == 403
    with live.app.app_context():
        assert db.session.get(ScopeRule, rule_id).active is True
        actions = db.session.scalars(
            db.select(AuditLog.action)
            .where(AuditLog.target == f"scope_rule:{rule_id}")
            .order_by(AuditLog.id)
        ).all()
        assert actions == [
            "scope_rule_created",
            "scope_rule_updated",
            "scope_rule_disabled",
            "scope_rule_enabled",
        ]
    log = signed_in("auditor").get("/admin/audit").get_data(as_text=True)
    assert "修改不在受理范围的说明" in log and "停用不在受理范围的说明" in log
    assert "建议去向 请向劳动人事争议仲裁委员会申请仲裁 → 请拨打 12333 或向仲裁委申请" in log
