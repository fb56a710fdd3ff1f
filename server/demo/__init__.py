"""The demo ./scripts/run shows: two stations, four deputies, a roster that matches the station's
notice, an admin and a 代表工委 account, fresh invite codes, three handling units with fresh
integration keys and a clerk login each (the unit's inbox on the dashboard), and four weeks of
history (history.py)."""

from __future__ import annotations

import secrets
from datetime import datetime

from server.demo.attendance import seed_attendance
from server.demo.history import seed_history
from server.demo.suggestion import seed_published_suggestion
from server.identity import passwords
from server.identity.binding import issue_invite
from server.models import (
    Deputy,
    DutyShift,
    Message,
    StaffUser,
    Station,
    StationMember,
    Unit,
    UnitKey,
)
from server.platform.clock import LOCAL, local_today, utcnow
from server.platform.db import db
from server.routing import roster
from server.seed import seed_calendar, seed_categories, seed_point_rules, seed_scope
from server.units.keys import issue_key, revoke_key

JINZHU = "金竹社区人大代表联络站"
CHENGDONG = "城东街道代表之家"
# 逢六 at 金竹: the three resident deputies take one of the 6th, 16th and 26th each.
JINZHU_ROSTER = {"王建国": [6], "李秀兰": [16], "陈志强": [26]}
# The handling units an item can be handed to, with contacts and answer times (working days).
# The last field: the unit clerk's dashboard login (role unit_staff: the unit's inbox only).
DEMO_UNITS = (
    ("区城市管理局", "刘科长", "0851-86001234", 7, "chengguan"),
    ("区住房和城乡建设局", "陈主任", "0851-86005678", 10, "zhujian"),
    ("区交通运输局", "周科长", "0851-86009012", 5, "jiaotong"),
)
DEMO_KEY_LABEL = "演示：单位自己的系统（./scripts/demo）"
DEMO_SHIFT_NOTE = "演示数据：今天不是逢六接待日，临时安排王建国代表值班，方便体验扫码留言"


def _demo_duty(station: Station, deputy: Deputy, now: datetime) -> None:
    """Someone is on duty today at 金竹 whatever the date, as ./scripts/demo needs: on a 逢六 day
    the roster itself; otherwise one extra shift for today only, saying what it is."""
    today = local_today(now)
    shifts = list(
        db.session.scalars(db.select(DutyShift).where(DutyShift.station_id == station.id))
    )
    extra = [s for s in shifts if s.note == DEMO_SHIFT_NOTE]
    regular = [
        roster.Shift(s.deputy_id, s.kind, tuple(s.days), s.starts_on, s.ends_on)
        for s in shifts
        if s.note != DEMO_SHIFT_NOTE
    ]
    for row in extra:
        db.session.delete(row)
    if not roster.on_duty(regular, today):
        db.session.add(
            DutyShift(
                station_id=station.id,
                deputy_id=deputy.id,
                kind="dates",
                days=[today.isoformat()],
                note=DEMO_SHIFT_NOTE,
            )
        )


def seed_demo(admin_password: str | None = None, now: datetime | None = None) -> dict:
    """Idempotent: a second run finds the demo, keeps someone on duty today and only issues
    fresh invite codes; the history is written once."""
    now = now or utcnow()
    seed_categories()
    seed_scope()
    seed_point_rules()
    seed_calendar()
    station = db.session.scalar(db.select(Station).where(Station.name == JINZHU))
    if station is None:
        station = Station(
            name=JINZHU,
            address="金竹西路 18 号社区服务中心二楼",
            reception_note=(
                "每月逢六（6日、16日、26日）上午 9:00—11:30 代表轮流接待；其他时间扫码留言"
            ),
        )
        second = Station(
            name=CHENGDONG,
            address="城东街道办事处一楼",
            reception_note="每月 10 日、20 日上午代表接待；其他时间扫码留言",
        )
        db.session.add_all([station, second])
        db.session.flush()
        people = [
            Deputy(name="王建国", level="县", expertise=["城建环保"], title="金竹社区党委书记"),
            Deputy(name="李秀兰", level="市", expertise=["教科文卫"], title="金竹小学校长"),
            Deputy(name="陈志强", level="乡", expertise=["社会治理", "法制"], title="执业律师"),
            Deputy(name="赵丽华", level="县", expertise=["经济"], title="城东商会副会长"),
        ]
        db.session.add_all(people)
        db.session.flush()
        for deputy in people[:3]:
            db.session.add(StationMember(station_id=station.id, deputy_id=deputy.id))
            days = JINZHU_ROSTER[deputy.name]
            db.session.add(
                DutyShift(station_id=station.id, deputy_id=deputy.id, kind="monthly", days=days)
            )
        db.session.add(StationMember(station_id=second.id, deputy_id=people[3].id))
        db.session.add(
            DutyShift(station_id=second.id, deputy_id=people[3].id, kind="monthly", days=[10, 20])
        )
        db.session.flush()
    wang = db.session.scalar(
        db.select(Deputy)
        .join(StationMember, StationMember.deputy_id == Deputy.id)
        .where(StationMember.station_id == station.id)
        .order_by(Deputy.id)
        .limit(1)
    )
    if wang is not None:
        _demo_duty(station, wang, now)
    password = None
    admin = db.session.scalar(db.select(StaffUser).where(StaffUser.username == "admin"))
    if admin is None:
        password = admin_password or _demo_password()
        problem = passwords.problem(password, "admin")
        if problem:
            raise ValueError(f"演示管理员密码不符合密码策略：{problem}")
        admin = StaffUser(username="admin", display_name="系统管理员", role="admin")
        passwords.set_password(admin, password)
        db.session.add(admin)
    committee_password = _demo_committee()
    clerk_password = _demo_station_clerk(station)
    db.session.flush()
    history = seed_history(now, admin)
    if history:
        _analyse_history(admin)
    seed_attendance(now, admin)
    unit_keys = _demo_units()
    if history:  # needs the units: handed to 区城市管理局
        db.session.flush()
        seed_published_suggestion(now, admin)
    deputies = list(db.session.scalars(db.select(Deputy).order_by(Deputy.id)))
    # The operator's invites, like `flask invite create`: good for moving a bound deputy too
    # (the demo binds again whenever the sandbox was restarted with its users).
    invites = {d.id: issue_invite(d, by_admin=True) for d in deputies}
    db.session.commit()
    stations = list(db.session.scalars(db.select(Station).order_by(Station.id)))
    return {
        "stations": [{"name": s.name, "scene": s.scene} for s in stations],
        "deputies": [
            {"name": d.name, "level": d.level, "scene": d.scene, "invite_code": invites[d.id].code}
            for d in deputies
        ],
        "units": [
            {
                "id": u.id,
                "name": u.name,
                "answer_days": u.answer_days,
                "key": key,
                # None when the account existed already: its password was printed then.
                "login": {"username": username, "password": clerk_password},
            }
            for u, key, username, clerk_password in unit_keys
        ],
        "admin": {"username": "admin", "password": password},
        # The 代表工委's account (no second factor by default): the demo's third act reviews,
        # numbers and hands on a 代表建议 with it on the dashboard.
        "committee": {"username": COMMITTEE_USER, "password": committee_password},
        # 金竹's station clerk (role station_staff, no second factor by default): the third act
        # publishes the answered suggestion (双公开) with it.
        "clerk": {"username": CLERK_USER, "password": clerk_password},
    }


COMMITTEE_USER = "weigong"


def _demo_committee() -> str | None:
    """The 代表工委's account, made once with a random password (None when it exists)."""
    if db.session.scalar(db.select(StaffUser).where(StaffUser.username == COMMITTEE_USER)):
        return None
    password = _demo_password()
    user = StaffUser(username=COMMITTEE_USER, display_name="代表工委", role="committee")
    passwords.set_password(user, password)
    db.session.add(user)
    return password


CLERK_USER = "jinzhu"


def _demo_station_clerk(station: Station) -> str | None:
    """金竹's station clerk, made once with a random password (None when it exists)."""
    if db.session.scalar(db.select(StaffUser).where(StaffUser.username == CLERK_USER)):
        return None
    password = _demo_password()
    user = StaffUser(
        username=CLERK_USER, display_name="金竹联络员", role="station_staff", stations=[station]
    )
    passwords.set_password(user, password)
    db.session.add(user)
    return password


def _demo_password() -> str:
    # Random letters and digits, then one of each kind: always passes the password policy.
    return secrets.token_urlsafe(9) + "aA7-"


def _demo_clerk(unit: Unit, username: str) -> str | None:
    """The unit's clerk account (role unit_staff: its inbox only); its password when made now,
    None when it existed (only the hash is kept)."""
    clerk = db.session.scalar(db.select(StaffUser).where(StaffUser.username == username))
    if clerk is not None:
        return None
    password = _demo_password()
    clerk = StaffUser(
        username=username, display_name=f"{unit.name}办理员", role="unit_staff", unit_id=unit.id
    )
    passwords.set_password(clerk, password)
    db.session.add(clerk)
    return password


def _demo_units() -> list[tuple[Unit, str, str, str | None]]:
    """The demo's units, a fresh integration key for each (the demo's earlier keys are
    revoked: a key is kept only as its hash, so it cannot be printed again), and each unit's
    clerk login: (unit, key, username, password or None)."""
    out = []
    for name, person, phone, days, username in DEMO_UNITS:
        unit = db.session.scalar(db.select(Unit).where(Unit.name == name))
        if unit is None:
            unit = Unit(name=name, contact_person=person, contact_phone=phone, answer_days=days)
            db.session.add(unit)
            db.session.flush()
        for old in db.session.scalars(
            db.select(UnitKey).where(UnitKey.unit_id == unit.id, UnitKey.label == DEMO_KEY_LABEL)
        ):
            revoke_key(old)
        key = issue_key(unit, DEMO_KEY_LABEL)[1]
        out.append((unit, key, username, _demo_clerk(unit, username)))
    return out


def _analyse_history(admin: StaffUser) -> None:
    """The 季度分析's topics and clusters of the quarters the history covers, run here once (as
    the job would), so the page shows words and clusters on the first start."""
    from server.insight import analysis
    from server.insight.periods import Quarter
    from server.models import ClusterRun

    first = db.session.scalar(db.select(db.func.min(Message.created_at)))
    quarters = {Quarter.of(local_today())}
    if first is not None:
        quarters.add(Quarter.of(first.astimezone(LOCAL).date()))
    for quarter in sorted(quarters, key=lambda q: q.key):
        run = ClusterRun(quarter=quarter.key, status="queued", topics={}, staff_id=admin.id)
        db.session.add(run)
        db.session.commit()
        analysis.run(run.id)
