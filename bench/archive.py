"""How long one deputy's 履职档案 takes to build (issue 17: under 5 s), over HTTP as a clerk
would download it: a deputy with a quarter's work (items answered and rated, shifts attended),
the PDF (fonts embedded, charts drawn) and the workbook, each fetched a few times."""

from __future__ import annotations

import re
from datetime import timedelta

import requests

from bench.dashboard import timed_get
from bench.stack import Stack

CONTENT = "金竹西路 {n} 号门口的路灯坏了一个多月，晚上老人出门很不安全，希望尽快修好。"
ANSWER = "已联系街道城管科，路灯已于本周三修复，请您晚上再看看；如还有问题请再留言。"


def seed_deputy(app, items: int, shifts: int) -> tuple[int, str]:
    """A station and a deputy with `items` answered, rated and closed this quarter and
    `shifts` shifts attended; returns (deputy id, the period's code)."""
    from server.models import (
        Assignment,
        Category,
        Deputy,
        Event,
        Message,
        Reply,
        ShiftCheckIn,
        Station,
        StationMember,
    )
    from server.performance import periods
    from server.platform.clock import local_today, utcnow
    from server.platform.db import db

    with app.app_context():
        period = periods.current_quarter()
        station = Station(name="基准档案联络站")
        deputy = Deputy(name="档案基准代表", level="县")
        db.session.add_all([station, deputy])
        db.session.flush()
        db.session.add(StationMember(station_id=station.id, deputy_id=deputy.id))
        category = db.session.scalar(db.select(Category).limit(1))
        now = utcnow()
        span = max(1, (local_today() - period.first).days)
        start = now - timedelta(days=span)
        for n in range(items):
            at = start + timedelta(seconds=(span * 86400 - 7200) * n / max(1, items))
            message = Message(
                tracking_no=f"A{n:013d}",
                channel="station_code",
                station_id=station.id,
                category_id=category.id,
                content=CONTENT.format(n=n),
                status="closed",
                assigned_deputy_id=deputy.id,
                created_at=at,
                routed_at=at,
                first_replied_at=at + timedelta(hours=3),
                closed_at=at + timedelta(hours=5),
                rating="satisfied",
                rated_at=at + timedelta(hours=5),
            )
            db.session.add(message)
            db.session.flush()
            db.session.add(Assignment(message_id=message.id, deputy_id=deputy.id, rule="bench"))
            reply = Reply(
                message_id=message.id,
                author_kind="deputy",
                deputy_id=deputy.id,
                content=ANSWER,
                created_at=at + timedelta(hours=3),
            )
            db.session.add(reply)
            db.session.flush()
            for kind, hours, actor, actor_id, data in (
                ("routed", 0, "system", None, {}),
                ("replied", 3, "deputy", deputy.id, {"reply_id": reply.id}),
                ("rated", 5, "citizen", None, {"score": "satisfied", "reply_id": reply.id}),
                ("closed", 5, "citizen", None, {}),
            ):
                db.session.add(
                    Event(
                        message_id=message.id,
                        kind=kind,
                        actor=actor,
                        actor_id=actor_id,
                        data=data,
                        created_at=at + timedelta(hours=hours),
                    )
                )
        for n in range(shifts):
            day = period.first + timedelta(days=n * max(1, span // max(1, shifts)))
            if day > local_today():
                break
            db.session.add(
                ShiftCheckIn(
                    deputy_id=deputy.id, station_id=station.id, on_date=day, source="deputy"
                )
            )
            db.session.add(
                Event(
                    kind="shift_attended",
                    actor="deputy",
                    actor_id=deputy.id,
                    data={"deputy_id": deputy.id, "station_id": station.id, "date": str(day)},
                    created_at=start + timedelta(days=n),
                )
            )
        db.session.commit()
        return deputy.id, period.code


def clerk_session(stack: Stack) -> requests.Session:
    """The station's clerk, signed in (an administrator would first be asked for a second
    factor: the bench measures the archive, not the sign-in)."""
    from server.identity import passwords
    from server.models import StaffUser, Station
    from server.platform.db import db

    with stack.app().app_context():
        station = db.session.scalar(db.select(Station).where(Station.name == "基准档案联络站"))
        clerk = StaffUser(username="archive-bench", display_name="档案基准", role="station_staff")
        passwords.set_password(clerk, "Bench-archive-2026aA7-")
        clerk.stations = [station]
        db.session.add(clerk)
        db.session.commit()
    http = requests.Session()
    page = http.get(f"{stack.web_url}/admin/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    http.post(
        f"{stack.web_url}/admin/login",
        data={
            "username": "archive-bench",
            "password": "Bench-archive-2026aA7-",
            "csrf_token": token,
        },
    ).raise_for_status()
    return http


def measure(stack: Stack, items: int = 300, shifts: int = 12, repeat: int = 3) -> dict:
    deputy_id, period = seed_deputy(stack.app(), items, shifts)
    http = clerk_session(stack)
    base = f"{stack.web_url}/admin/deputies/{deputy_id}/archive"
    for fmt, start in (("pdf", b"%PDF"), ("xlsx", b"PK")):
        answer = http.get(f"{base}.{fmt}?period={period}", timeout=600, allow_redirects=False)
        if answer.status_code != 200 or not answer.content.startswith(start):
            raise RuntimeError(f"the {fmt} archive was not built: {answer.status_code}")
    return {
        "items": items,
        "shifts": shifts,
        "period": period,
        "pdf": timed_get(http, f"{base}.pdf?period={period}", repeat),
        "xlsx": timed_get(http, f"{base}.xlsx?period={period}", repeat),
    }
