"""Issue 19, item 2: 等保 2.0 controls on staff accounts — the password policy (for
administrators too, in every place a password is chosen), expiry, no reuse, the TOTP second
factor (enrol, sign in, wrong code, replayed code; required for the administrators), the three
separated administrators, and the tamper-evident audit log."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import text

from server.identity import passwords
from server.models import AuditLog, StaffUser
from server.models.audit import verify_chain
from server.platform.clock import utcnow
from server.platform.db import db
from server.settings import load_config
from tests.factories import PASSWORD
from tests.support.helpers import Staff, csrf_of

WEAK = ["12345678", "password", " " * 8, "Password", "short1A", "alllowercase", "abc12345"]


def _user(app, username: str) -> StaffUser:
    return db.session.scalar(db.select(StaffUser).where(StaffUser.username == username))


# -- the password policy ----------------------------------------------------------------------


@pytest.mark.parametrize("weak", WEAK, ids=repr)
def test_weak_passwords_are_refused_for_a_new_administrator(live, signed_in, weak):
    admin = signed_in()
    answer = admin.post(
        "/admin/users/new",
        {"username": "newadmin", "display_name": "新管理员", "role": "admin", "password": weak},
    )
    assert answer.status_code == 422
    assert "密码" in answer.get_data(as_text=True)
    with live.app.app_context():
        assert _user(live.app, "newadmin") is None  # nothing half-written


def test_a_strong_password_is_accepted_and_remembered(live, signed_in):
    admin = signed_in()
    answer = admin.post(
        "/admin/users/new",
        {
            "username": "newadmin",
            "display_name": "新管理员",
            "role": "admin",
            "password": "Ke3p-it-safe",
        },
    )
    assert answer.status_code == 302
    with live.app.app_context():
        user = _user(live.app, "newadmin")
        assert user.password_changed_at is not None
        assert (
            passwords.problem("Ke3p-it-safe", user.username, user) == "不能使用最近 5 次用过的密码"
        )


@pytest.mark.parametrize("weak", ["12345678", "password", " " * 8])
def test_flask_user_create_refuses_weak_passwords(live, stations, weak):
    runner = live.app.test_cli_runner()
    done = runner.invoke(args=["user", "create", "root2", "--role", "admin", "--password", weak])
    assert done.exit_code != 0 and "密码" in done.output
    ok = runner.invoke(
        args=["user", "create", "root2", "--role", "admin", "--password", "Strong-Pass-7"]
    )
    assert ok.exit_code == 0, ok.output
    with live.app.app_context():
        assert _user(live.app, "root2").check_password("Strong-Pass-7")


def test_the_demo_administrator_passes_the_policy(live):
    from server.demo import seed_demo

    with live.app.app_context():
        with pytest.raises(ValueError):
            seed_demo(admin_password="12345678")
        db.session.rollback()
        demo = seed_demo()
        assert passwords.problem(demo["admin"]["password"], "admin") is None


def _change(staff: Staff, current: str, new: str):
    return staff.post(
        "/admin/account/password", {"current": current, "password": new, "again": new}
    )


def test_no_reuse_of_the_last_five_passwords(live, signed_in):
    clerk = signed_in("jinzhu")
    sequence = [PASSWORD, *(f"Rotate-{i}-pass" for i in range(1, 6))]
    for before, after in zip(sequence, sequence[1:], strict=False):
        assert _change(clerk, before, after).status_code == 302
    current = sequence[-1]
    for old in sequence[-5:]:
        answer = _change(clerk, current, old)
        assert answer.status_code == 422 and "最近 5 次" in answer.get_data(as_text=True), old
    # Six changes ago is allowed again.
    assert _change(clerk, current, PASSWORD).status_code == 302
    assert _change(clerk, "wrong-password", "Whatever-9x").status_code == 422


def test_an_expired_password_must_be_changed_before_anything_else(live, stations):
    with live.app.app_context():
        user = _user(live.app, "jinzhu")
        user.password_changed_at = utcnow() - timedelta(days=91)
        db.session.commit()
    clerk = Staff(live.app, "jinzhu")
    for path in ("/admin/", "/admin/items", "/admin/walk-ins"):
        answer = clerk.get(path)
        assert answer.status_code == 302 and "/admin/account/password" in answer.location, path
    assert _change(clerk, PASSWORD, PASSWORD).status_code == 422  # not the same one again
    assert _change(clerk, PASSWORD, "Fresh-start-2026").status_code == 302
    assert clerk.get("/admin/items").status_code == 200


# -- TOTP ---------------------------------------------------------------------------------------


def _sign_in_password(client, username: str, password: str = PASSWORD):
    token = csrf_of(client.get("/admin/login").get_data(as_text=True))
    return client.post(
        "/admin/login", data={"username": username, "password": password, "csrf_token": token}
    ), token


def _enrol(live, username: str) -> tuple[Staff, str]:
    staff = Staff(live.app, username)
    page = staff.get("/admin/account/totp").get_data(as_text=True)
    assert 'src="data:image/png;base64,' in page  # the QR code
    secret = re.search(r'<code id="totp-secret">([A-Z2-7]+)</code>', page).group(1)
    answer = staff.post("/admin/account/totp", {"code": "000000"})
    assert answer.status_code == 422 and "动态口令不正确" in answer.get_data(as_text=True)
    answer = staff.post("/admin/account/totp", {"code": pyotp.TOTP(secret).now()})
    assert answer.status_code == 302
    return staff, secret


def _code_step(client, code: str):
    token = csrf_of(client.get("/admin/login/code").get_data(as_text=True))
    return client.post("/admin/login/code", data={"code": code, "csrf_token": token})


def test_totp_enrol_sign_in_wrong_and_replayed(live, stations):
    _, secret = _enrol(live, "jinzhu")
    with live.app.app_context():
        stored = _user(live.app, "jinzhu").totp_secret
        assert stored and secret not in stored  # encrypted at rest
    totp = pyotp.TOTP(secret)
    next_code = totp.at(time.time() + 30)  # the enrolment spent this step's code
    client = live.app.test_client()
    answer, _ = _sign_in_password(client, "jinzhu")
    assert answer.status_code == 302 and answer.location.endswith("/admin/login/code")
    wrong = next(c for c in ("000000", "111111", "222222") if not totp.verify(c, valid_window=2))
    answer = _code_step(client, wrong)
    assert answer.status_code == 401 and "动态口令不正确" in answer.get_data(as_text=True)
    answer = _code_step(client, next_code)
    assert answer.status_code == 302
    assert client.get("/admin/items").status_code == 200
    # The same code once more, in a new sign-in: refused.
    again = live.app.test_client()
    _sign_in_password(again, "jinzhu")
    answer = _code_step(again, next_code)
    assert answer.status_code == 401 and "已使用过" in answer.get_data(as_text=True)
    assert again.get("/admin/items").status_code == 302
    with live.app.app_context():
        failed = db.session.scalars(
            db.select(AuditLog).where(AuditLog.action == "login_failed")
        ).all()
        assert len(failed) == 2 and all(r.data.get("step") == "code" for r in failed)


def test_administrators_must_enrol_before_anything_else(live, stations):
    live.app.config["TOTP_REQUIRED_ROLES"] = load_config({"SECRET_KEY": "x"})["TOTP_REQUIRED_ROLES"]
    assert set(live.app.config["TOTP_REQUIRED_ROLES"]) == {"admin", "security_admin", "audit_admin"}
    admin = Staff(live.app, "admin")
    for path in ("/admin/", "/admin/users", "/admin/stations"):
        answer = admin.get(path)
        assert answer.status_code == 302 and "/admin/account/totp" in answer.location, path
    clerk = Staff(live.app, "jinzhu")  # station staff: optional
    assert clerk.get("/admin/items").status_code == 200
    _enrol(live, "admin")
    client = live.app.test_client()
    answer, _ = _sign_in_password(client, "admin")
    assert answer.location.endswith("/admin/login/code")


def test_a_security_administrator_resets_a_lost_second_factor(live, stations):
    _enrol(live, "jinzhu")
    with live.app.app_context():
        user_id = _user(live.app, "jinzhu").id
    security = Staff(live.app, "security")
    assert security.post(f"/admin/security/users/{user_id}/totp-reset").status_code == 302
    client = live.app.test_client()
    answer, _ = _sign_in_password(client, "jinzhu")
    assert answer.status_code == 302 and "/login/code" not in answer.location


# -- the separated administrators -------------------------------------------------------------

JOBS = {
    "admin": ["/admin/users", "/admin/users/new", "/admin/stations/new", "/admin/calendar"],
    "security": ["/admin/security"],
    "auditor": ["/admin/audit", "/admin/audit/export?format=csv"],
}


@pytest.mark.parametrize("who", list(JOBS))
def test_no_administrator_can_do_anothers_job(live, stations, who):
    staff = Staff(live.app, who)
    for path in JOBS[who]:
        assert staff.get(path).status_code == 200, path
    for other, paths in JOBS.items():
        if other != who:
            for path in paths:
                assert staff.get(path).status_code == 403, f"{who} opened {path}"
    if who != "admin":  # and the items (citizens' complaints) are neither's business
        assert staff.get("/admin/items").status_code == 403


# -- the audit log ----------------------------------------------------------------------------


def test_the_audit_log_is_searchable_and_exported(live, stations):
    Staff(live.app, "jinzhu").post("/admin/logout")
    auditor = Staff(live.app, "auditor")
    with live.app.app_context():
        clerk_id = _user(live.app, "jinzhu").id
    page = auditor.get(f"/admin/audit?staff={clerk_id}&action=logout").get_data(as_text=True)
    assert page.count('data-action="logout"') == 1
    page = auditor.get("/admin/audit?item=jinzhu").get_data(as_text=True)
    assert 'data-action="login"' in page
    today = utcnow().date()
    future = (today + timedelta(days=400)).isoformat()
    page = auditor.get(f"/admin/audit?date_from={future}").get_data(as_text=True)
    assert "没有符合条件的记录" in page
    assert auditor.get("/admin/audit?date_from=2026-13-01").status_code == 422
    csv_answer = auditor.get(f"/admin/audit/export?format=csv&staff={clerk_id}")
    body = csv_answer.get_data(as_text=True)
    assert csv_answer.mimetype == "text/csv" and "退出" in body and "时间" in body
    xlsx = auditor.get("/admin/audit/export?format=xlsx")
    assert xlsx.status_code == 200 and xlsx.data.startswith(b"PK")
    assert auditor.get("/admin/audit/export?format=exe").status_code == 400


def test_an_edited_row_breaks_the_chain_and_is_named(live, stations):
    for name in ("jinzhu", "chengdong", "admin"):
        Staff(live.app, name)
    with live.app.app_context():
        assert verify_chain().ok
        rows = db.session.scalars(db.select(AuditLog).order_by(AuditLog.id)).all()
        victim = rows[1].id
        db.session.execute(
            text("UPDATE audit_log SET ip = '10.9.9.9' WHERE id = :id"), {"id": victim}
        )
        db.session.commit()
        check = verify_chain()
        assert not check.ok and check.broken_id == victim
    done = live.app.test_cli_runner().invoke(args=["audit", "verify"])
    assert done.exit_code == 1 and f"第 {victim} 号记录" in done.output
    for who in ("auditor", "security"):
        page = Staff(live.app, who).get("/admin/audit" if who == "auditor" else "/admin/security")
        html = page.get_data(as_text=True)
        assert 'id="audit-chain-broken"' in html and str(victim) in html, who
    clerk_page = Staff(live.app, "jinzhu").get("/admin/items").get_data(as_text=True)
    assert "audit-chain-broken" not in clerk_page


def test_a_deleted_last_row_breaks_the_chain(live, stations):
    Staff(live.app, "jinzhu")
    with live.app.app_context():
        last = db.session.scalar(db.select(db.func.max(AuditLog.id)))
        db.session.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": last})
        db.session.commit()
        assert not verify_chain().ok
    done = live.app.test_cli_runner().invoke(args=["audit", "verify"])
    assert done.exit_code == 1


def test_retention_keeps_half_a_year_and_the_chain_stays_whole(live, stations, monkeypatch):
    for name in ("jinzhu", "chengdong", "admin"):
        Staff(live.app, name)
    with live.app.app_context():
        from server.models.audit import prune

        rows = db.session.scalars(db.select(AuditLog).order_by(AuditLog.id)).all()
        assert len(rows) >= 3
        # Age the first row a year (its hash then no longer fits: recompute it as written).
        assert prune(180) == 0  # nothing is that old
        assert prune(180, now=utcnow() + timedelta(days=179)) == 0
        removed = prune(180, now=utcnow() + timedelta(days=181))
        db.session.commit()
        assert removed == len(rows)
        assert verify_chain().ok
    Staff(live.app, "jinzhu")
    with live.app.app_context():
        assert verify_chain().ok  # new rows chain on after what retention removed
    monkeypatch.setenv("AUDIT_RETENTION_DAYS", "90")
    with pytest.raises(SystemExit) as refused:
        load_config({"SECRET_KEY": "x"})
    assert "180" in str(refused.value)


def test_concurrent_writers_keep_one_chain(live, stations):
    """Sign-ins at once from many threads (each its own connection and transaction): every
    row is chained after the one before it, none forks the chain."""
    from concurrent.futures import ThreadPoolExecutor

    from server.models.audit import audit

    def write(i: int) -> None:
        with live.app.app_context():
            for _ in range(5):
                audit("login_failed", f"user:t{i}")
                db.session.commit()
            db.session.remove()

    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(write, range(6)))
    with live.app.app_context():
        check = verify_chain()
        assert check.ok and check.rows == 30, check


def test_a_security_administrator_unlocks_a_locked_sign_in(live, stations):
    client = live.app.test_client()
    for _ in range(live.app.config["LOGIN_MAX_FAILURES"]):
        _sign_in_password(client, "jinzhu", "Wrong-password-1")
    answer, _ = _sign_in_password(client, "jinzhu")
    assert answer.status_code == 429  # locked, even with the right password
    with live.app.app_context():
        user_id = _user(live.app, "jinzhu").id
    assert (
        Staff(live.app, "admin").post(f"/admin/security/users/{user_id}/unlock").status_code == 403
    )
    security = Staff(live.app, "security")
    page = security.get("/admin/security").get_data(as_text=True)
    assert "jinzhu" in page
    assert security.post(f"/admin/security/users/{user_id}/unlock").status_code == 302
    answer, _ = _sign_in_password(client, "jinzhu")
    assert answer.status_code == 302
    with live.app.app_context():
        row = db.session.scalar(db.select(AuditLog).where(AuditLog.action == "login_unlocked"))
        assert row.target == f"user:{user_id}" and row.data == {"unlocked": 1}
