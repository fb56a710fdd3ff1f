"""Bad input gets a clear Chinese message next to the field and saves nothing; forged or
guessed requests are refused."""

from __future__ import annotations

import io
from datetime import timedelta

import zxingcpp
from PIL import Image

from server.models import AuditLog, Deputy, DeputyInvite, DutyShift, StaffUser, Station
from server.platform.clock import utcnow
from server.platform.db import db
from tests import factories
from tests.factories import PASSWORD
from tests.support.helpers import assert_error, csrf_of, station_count


def test_a_duplicate_station_code_is_refused_and_nothing_is_saved(live, signed_in, world):
    admin = signed_in()
    with live.app.app_context():
        taken = db.session.get(Station, world["stations"]["城东"]).code
        before = station_count()
    answer = admin.post("/admin/stations/new", {"name": "新联络站", "code": taken, "active": "1"})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert f"编码“{taken}”已被“城东街道代表之家”使用" in page
    assert 'value="新联络站"' in page  # what was typed stays in the form
    answer = admin.post(
        f"/admin/stations/{world['stations']['金竹']}",
        {"name": "改过的名字", "code": taken.upper(), "active": "1"},
    )
    assert answer.status_code == 422 and "已被“城东街道代表之家”使用" in answer.get_data(True)
    answer = admin.post("/admin/stations/new", {"name": "新联络站", "code": "a!"})
    assert "编码只能是 4 到 16 位小写字母或数字" in answer.get_data(as_text=True)
    with live.app.app_context():
        assert station_count() == before
        assert db.session.get(Station, world["stations"]["金竹"]).name == "金竹社区人大代表联络站"

    # A code of one's own choosing, then a regenerated one: the old scene stops working.
    assert (
        admin.post(
            "/admin/stations/new", {"name": "新联络站", "code": "xinzhan1", "active": "1"}
        ).status_code
        == 302
    )
    assert live.api("GET", "/scan/s.xinzhan1").status_code == 200
    with live.app.app_context():
        new_id = db.session.scalar(db.select(Station.id).where(Station.code == "xinzhan1"))
    assert admin.post(f"/admin/stations/{new_id}/code").status_code == 302
    assert live.api("GET", "/scan/s.xinzhan1").status_code == 404


def test_a_roster_day_32_is_refused_with_a_clear_message(live, signed_in, world):
    clerk = signed_in("jinzhu")
    station = world["stations"]["金竹"]
    with live.app.app_context():
        before = db.session.scalar(db.select(db.func.count()).select_from(DutyShift))
    answer = clerk.post(
        f"/admin/stations/{station}/roster",
        {"deputy_id": world["ids"]["李秀兰"], "kind": "monthly", "monthly": "10、20、32"},
    )
    assert answer.status_code == 422
    assert "每月的日期应在 1 到 31 之间" in answer.get_data(as_text=True)
    for data, message in (
        ({"kind": "monthly", "monthly": "十号"}, "不是数字"),
        ({"kind": "weekly"}, "请至少填写一天"),
        ({"kind": "dates", "dates": "2026-02-30"}, "不是有效日期"),
        (
            {
                "kind": "preset",
                "preset": "逢六",
                "starts_on": "2026-06-01",
                "ends_on": "2026-05-01",
            },
            "结束日期不能早于开始日期",
        ),
    ):
        answer = clerk.post(
            f"/admin/stations/{station}/roster", {"deputy_id": world["ids"]["李秀兰"], **data}
        )
        assert answer.status_code == 422 and message in answer.get_data(as_text=True), data
    answer = clerk.post(
        f"/admin/stations/{station}/roster",
        {"deputy_id": world["ids"]["赵丽华"], "kind": "preset", "preset": "逢六"},
    )
    assert "请选择本站的驻站代表" in answer.get_data(as_text=True)
    with live.app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(DutyShift)) == before


def test_a_used_or_expired_invite_says_so_and_shows_no_code(live, signed_in, world):
    admin = signed_in()
    deputy_id = world["ids"]["李秀兰"]
    answer = admin.post(f"/admin/deputies/{deputy_id}/invites")
    assert answer.status_code == 302
    page = admin.get(answer.headers["Location"]).get_data(as_text=True)
    with live.app.app_context():
        invite = db.session.scalars(
            db.select(DeputyInvite)
            .where(DeputyInvite.deputy_id == deputy_id)
            .order_by(DeputyInvite.id.desc())
        ).first()
        old = world["invites"]["李秀兰"]
        # Issuing a new code retired the one handed out before.
        assert (
            db.session.scalar(db.select(DeputyInvite.expires_at).where(DeputyInvite.code == old))
            <= utcnow()
        )
        invite_id, code = invite.id, invite.code
    assert code in page and f"/admin/invites/{invite_id}/qr.png" in page
    qr = admin.get(f"/admin/invites/{invite_id}/qr.png")
    assert [c.text for c in zxingcpp.read_barcodes(Image.open(io.BytesIO(qr.data)))] == [code]

    _, token = live.citizen("李秀兰")
    assert live.api("POST", "/deputy/bind", token, json={"invite_code": code}).status_code == 200
    _, stranger = live.citizen("别人")
    assert_error(
        live.api("POST", "/deputy/bind", stranger, json={"invite_code": code}), 409, "invite_used"
    )
    page = admin.get(f"/admin/invites/{invite_id}").get_data(as_text=True)
    assert "该邀请码已于" in page and "被该代表本人使用，不能再次使用" in page
    assert admin.get(f"/admin/invites/{invite_id}/qr.png").status_code == 404

    with live.app.app_context():
        expired = factories.invite(db.session.get(Deputy, world["ids"]["陈志强"]), -1)
        db.session.commit()
        expired_id, expired_code = expired.id, expired.code
    page = admin.get(f"/admin/invites/{expired_id}").get_data(as_text=True)
    assert "该邀请码已过期" in page and "重新生成邀请码" in page
    assert admin.get(f"/admin/invites/{expired_id}/qr.png").status_code == 404
    assert_error(
        live.api("POST", "/deputy/bind", stranger, json={"invite_code": expired_code}),
        410,
        "invite_expired",
    )


def test_a_reversed_export_range_is_a_clear_message_not_a_file(live, signed_in, world):
    admin = signed_in()
    for kind in ("suggestions", "visits"):
        answer = admin.get(f"/admin/registers/{kind}.xlsx?date_from=2026-06-30&date_to=2026-06-01")
        assert answer.status_code == 422
        assert answer.mimetype == "text/html"
        assert "结束日期不能早于开始日期" in answer.get_data(as_text=True)
    answer = admin.get("/admin/items?date_from=2026-06-30&date_to=2026-06-01")
    assert answer.status_code == 422 and "结束日期不能早于开始日期" in answer.get_data(True)
    answer = admin.get("/admin/registers/suggestions.xlsx?date_from=2026-13-01")
    assert answer.status_code == 422 and "日期格式应为" in answer.get_data(as_text=True)
    with live.app.app_context():
        assert not db.session.scalar(
            db.select(AuditLog.id).where(AuditLog.action == "register_exported")
        )


def test_a_form_without_the_csrf_token_is_refused(live, signed_in, world):
    admin = signed_in()
    station = world["stations"]["金竹"]
    for data in ({}, {"csrf_token": "forged"}):
        answer = admin.post(
            f"/admin/stations/{station}", {"name": "被篡改", "active": "1", **data}, csrf=False
        )
        assert answer.status_code == 400
        assert "安全校验失败" in answer.get_data(as_text=True)
    assert admin.post("/admin/logout", csrf=False).status_code == 400
    with live.app.app_context():
        assert db.session.get(Station, station).name == "金竹社区人大代表联络站"
    # The JSON API is not behind the form token: it authenticates with bearer tokens.
    _, token = live.citizen()
    assert live.api("POST", "/subscriptions", token, json={"accepted": []}).status_code == 200


def login(client, username: str, password: str):
    token = csrf_of(client.get("/admin/login").get_data(as_text=True))
    return client.post(
        "/admin/login", data={"username": username, "password": password, "csrf_token": token}
    )


def test_wrong_passwords_are_throttled_per_username_and_address(live, world):
    client = live.app.test_client()
    limit = live.app.config["LOGIN_MAX_FAILURES"]
    for attempt in range(limit - 1):
        answer = login(client, "admin", f"wrong-{attempt}")
        assert answer.status_code == 401
        assert "用户名或密码不正确" in answer.get_data(as_text=True)
    answer = login(client, "admin", "wrong-last")
    assert answer.status_code == 429 and "登录失败次数过多" in answer.get_data(as_text=True)
    # Locked: even the right password waits now.
    answer = login(client, "admin", PASSWORD)
    assert answer.status_code == 429
    # Another account from the same address is not locked out by it.
    assert login(live.app.test_client(), "jinzhu", PASSWORD).status_code == 302
    # Unknown usernames are counted too, and answer like a wrong password.
    answer = login(client, "nobody", "x")
    assert answer.status_code == 401 and "用户名或密码不正确" in answer.get_data(as_text=True)
    with live.app.app_context():
        assert (
            db.session.scalar(
                db.select(db.func.count())
                .select_from(AuditLog)
                .where(AuditLog.action == "login_failed")
            )
            == limit + 1
        )


def test_sign_in_still_works_and_is_still_throttled_when_redis_is_down(live, world, private_redis):
    private_redis.stop()
    client = live.app.test_client()
    limit = live.app.config["LOGIN_MAX_FAILURES"]
    statuses = [login(client, "jinzhu", "wrong").status_code for _ in range(limit)]
    assert statuses == [401] * (limit - 1) + [429]
    assert login(live.app.test_client(), "admin", PASSWORD).status_code == 302


def test_an_idle_session_ends(live, world):
    client = live.app.test_client()
    assert login(client, "admin", PASSWORD).status_code == 302
    assert client.get("/admin/").status_code == 200
    with client.session_transaction() as session:
        idle = live.app.config["ADMIN_IDLE_MINUTES"] * 60
        session["seen_at"] = (utcnow() - timedelta(seconds=idle + 5)).timestamp()
    answer = client.get("/admin/items")
    assert answer.status_code == 302 and "/admin/login" in answer.headers["Location"]
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "长时间未操作，已自动退出" in page
    assert client.get("/admin/").status_code == 302


def test_a_disabled_account_is_signed_out_at_once(live, signed_in, world):
    clerk = signed_in("jinzhu")
    admin = signed_in()
    with live.app.app_context():
        user_id = db.session.scalar(db.select(StaffUser.id).where(StaffUser.username == "jinzhu"))
    answer = admin.post(
        f"/admin/users/{user_id}",
        {
            "display_name": "金竹联络员",
            "role": "station_staff",
            "station_ids": world["stations"]["金竹"],
        },
    )
    assert answer.status_code == 302
    assert clerk.get("/admin/").status_code == 302
