"""Issue 12, item 12: crafted dashboard input answered 500 in 16 of 24 cases (superscript
digits, huge ids, dates near year 1 or 9999, a line break in `?next=` ...).

One table over the dashboard's forms and query parameters: every crafted value is answered with
a Chinese message (a page with the error next to the field, a 404 for an id that names nothing,
a redirect with a notice), never a 500, and nothing is written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest

from server.models import (
    AuditLog,
    Deputy,
    DutyShift,
    Message,
    Notification,
    StaffUser,
    Station,
    StationMember,
    WalkIn,
)
from server.platform.db import db
from tests.support.helpers import Staff, submit

CJK = re.compile(r"[\u4e00-\u9fff]")
# Numbers a person could not have meant as ids: superscript and full-width digits (str.isdigit()
# says yes, int() says no or something else), beyond the 32-bit columns, signs, decimals, NUL.
BAD_INTS = ["²", "１２", "99999999999999999999", "2147483648", "-1", "1.5", "0x1f", "\x00", "1 2"]
BAD_DATES = ["0001-01-01", "9999-12-31", "0000-00-00", "10000-01-01", "2026-02-30", "²⁰²⁶-01-01"]
BAD_MONTHS = ["9999-12", "0001-01", "0000-01", "²⁰²⁶-01", "2026-13", "99999999999-01", "\x00"]
BAD_TEXT = ["\x00", "有\x01控制字符"]
BAD_NEXT = [
    "/admin/\r\nSet-Cookie: evil=1",
    "/admin/\nX",
    "/admin/\x00",
    "//evil.example/admin",
    "/admin/\u2028",
]
HUGE = "99999999999999999999"


@dataclass
class Case:
    method: str
    path: str
    data: dict = field(default_factory=dict)
    user: str = "admin"

    def __str__(self) -> str:
        return f"{self.method} {self.path!r} {self.data!r}"


def cases(ids: dict) -> list[Case]:
    a, m, s, n, d = ids["station"], ids["message"], ids["shift"], ids["notice"], ids["deputy"]
    out: list[Case] = []
    # Query parameters.
    for value in BAD_INTS:
        for param in ("station", "deputy", "category", "page"):
            out.append(Case("GET", f"/admin/items?{param}={value}"))
        out.append(Case("GET", f"/admin/registers?station={value}"))
        out.append(Case("GET", f"/admin/registers/suggestions.xlsx?station={value}"))
        out.append(Case("GET", f"/admin/deputies?station={value}"))
        out.append(Case("GET", f"/admin/deputies/new?station={value}"))
        out.append(Case("GET", f"/admin/posters/all.zip?station={value}"))
    for value in BAD_DATES:
        for param in ("date_from", "date_to"):
            out.append(Case("GET", f"/admin/items?{param}={value}"))
            out.append(Case("GET", f"/admin/registers?{param}={value}"))
            out.append(Case("GET", f"/admin/registers/visits.xlsx?{param}={value}"))
    for value in BAD_TEXT:
        for param in ("q", "channel", "status", "overdue"):
            out.append(Case("GET", f"/admin/items?{param}={value}"))
        out.append(Case("GET", f"/admin/overview/live.json?stamp={value}"))
    for value in BAD_MONTHS:
        out.append(Case("GET", f"/admin/stations/{a}/roster?month={value}"))
        out.append(Case("GET", f"/admin/shifts/{s}?month={value}"))
    for value in BAD_NEXT:
        out.append(Case("GET", f"/admin/login?next={value}"))
        out.append(Case("POST", f"/admin/notices/{n}/retry", {"next": value}))
    # Ids in the path that name nothing (and could not be bound by the database driver).
    for path in (
        f"/admin/items/{HUGE}",
        f"/admin/deputies/{HUGE}",
        f"/admin/stations/{HUGE}",
        f"/admin/stations/{HUGE}/roster",
        f"/admin/shifts/{HUGE}",
        f"/admin/invites/{HUGE}",
        f"/admin/invites/{HUGE}/qr.png",
        f"/admin/users/{HUGE}",
        f"/admin/posters/deputy/{HUGE}.png",
        f"/admin/posters/station/{HUGE}.pdf",
    ):
        out.append(Case("GET", path))
    for path in (
        f"/admin/items/{HUGE}/close",
        f"/admin/items/{HUGE}/phone",
        f"/admin/notices/{HUGE}/retry",
        f"/admin/deputies/{HUGE}/invites",
        f"/admin/deputies/{HUGE}/code",
        f"/admin/stations/{a}/members/{HUGE}/remove",
        f"/admin/shifts/{HUGE}/delete",
    ):
        out.append(Case("POST", path))
    # Forms.
    walk_in = {"station_id": a, "category_id": "1", "content": "来访：路灯坏了"}
    for value in BAD_INTS:
        for name in ("station_id", "category_id", "received_by_id", "visitor_count"):
            out.append(Case("POST", "/admin/walk-ins/new", {**walk_in, name: value}))
        out.append(Case("POST", f"/admin/stations/{a}/members", {"deputy_id": value}))
        out.append(Case("POST", f"/admin/items/{m}/reassign", {"deputy_id": value}))
        deputy = {"name": "新代表", "level": "县", "station_ids": value}
        out.append(Case("POST", "/admin/deputies/new", deputy))
        out.append(Case("POST", f"/admin/deputies/{d}", deputy))
        user = {"username": "newbie", "display_name": "新人", "role": "station_staff"}
        out.append(
            Case(
                "POST",
                "/admin/users/new",
                {**user, "station_ids": value, "password": "long-enough-1"},
            )
        )
        shift = {"deputy_id": value, "kind": "weekly", "weekly": "1"}
        out.append(Case("POST", f"/admin/stations/{a}/roster", shift))
        for kind, days in (("monthly", {"monthly": value}), ("weekly", {"weekly": value})):
            if value == "1 2":
                continue  # two days, typed with a space: a fine answer
            out.append(
                Case("POST", f"/admin/stations/{a}/roster", {"deputy_id": d, "kind": kind, **days})
            )
    for value in BAD_DATES:
        out.append(Case("POST", "/admin/walk-ins/new", {**walk_in, "visited_at": f"{value}T10:00"}))
        shift = {"deputy_id": d, "kind": "dates", "dates": value}
        out.append(Case("POST", f"/admin/stations/{a}/roster", shift))
        for name in ("starts_on", "ends_on"):
            shift = {"deputy_id": d, "kind": "weekly", "weekly": "1", name: value}
            out.append(Case("POST", f"/admin/stations/{a}/roster", shift))
            out.append(Case("POST", f"/admin/shifts/{s}", shift))
    for value in ("9999-12-31T23:59", "0001-01-01T00:00", "2026-05-06T25:00", "²⁰²⁶-05-06T10:00"):
        out.append(Case("POST", "/admin/walk-ins/new", {**walk_in, "visited_at": value}))
    for value in BAD_TEXT:
        out.append(Case("POST", "/admin/stations/new", {"name": f"站{value}", "active": "1"}))
        out.append(Case("POST", f"/admin/stations/{a}", {"name": f"站{value}", "code": value}))
        out.append(Case("POST", "/admin/deputies/new", {"name": f"名{value}", "level": value}))
        out.append(Case("POST", "/admin/walk-ins/new", {**walk_in, "visitor_phone": value}))
        out.append(Case("POST", f"/admin/items/{m}/reject", {"reason": value}))
        out.append(Case("POST", f"/admin/items/{m}/reassign", {"deputy_id": d, "note": value}))
        out.append(Case("POST", "/admin/users/new", {"username": value, "display_name": value}))
        out.append(Case("POST", "/admin/login", {"username": value, "password": value}))
    return out


def _counts() -> tuple[int, ...]:
    return tuple(
        db.session.scalar(db.select(db.func.count()).select_from(model))
        for model in (Station, Deputy, StationMember, DutyShift, Message, WalkIn, StaffUser)
    )


@pytest.fixture
def ids(live, stations):
    _, token = live.citizen()
    created = submit(live, token, stations["scenes"]["金竹"], content="路灯坏了")
    live.work()
    with live.app.app_context():
        shift = db.session.scalar(db.select(DutyShift.id))
        notice = Notification(
            dedupe_key="crafted-1",
            kind="reply",
            message_id=created["id"],
            template_id="tmpl",
            data={},
            status="failed",
        )
        db.session.add(notice)
        db.session.commit()
        out = {
            "station": stations["stations"]["金竹"],
            "message": created["id"],
            "shift": shift,
            "notice": notice.id,
            "deputy": stations["ids"]["李秀兰"],
        }
        db.session.remove()
    return out


def test_crafted_dashboard_input_is_a_chinese_message_never_a_500(live, stations, ids):
    admin = Staff(live.app, "admin")
    with live.app.app_context():
        before = _counts()
    failures = []
    table = cases(ids)
    for case in table:
        if case.method == "GET":
            answer = admin.get(case.path)
        else:
            answer = admin.post(case.path, case.data)
        status = answer.status_code
        textual = answer.mimetype.startswith("text/") or answer.mimetype.endswith("json")
        body = answer.get_data(as_text=True) if textual else ""
        if status == 200 and not textual:
            failures.append(f"200 {answer.mimetype}: the crafted value was ignored: {case}")
            continue
        location = answer.headers.get("Location", "")
        if status >= 500 or "Traceback" in body:
            failures.append(f"{status} {case}")
        elif status == 302:
            if any(ch in location for ch in "\r\n\x00") or not location.startswith("/admin"):
                failures.append(f"redirect to {location!r}: {case}")
        elif status == 200 and case.method == "POST" and "/retry" not in case.path:
            failures.append(f"200: accepted {case}")
        elif answer.mimetype == "text/html" and not CJK.search(body):
            failures.append(f"{status} without a Chinese message: {case}")
    assert not failures, f"{len(failures)} of {len(table)}:\n" + "\n".join(failures)
    with live.app.app_context():
        assert _counts() == before
        assert not db.session.scalar(
            db.select(AuditLog.id).where(AuditLog.action.in_(("station_updated", "deputy_updated")))
        )
