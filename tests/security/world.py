"""The world the security suite attacks, and the callers who attack it, over real HTTP.

Building the world takes seconds and the access matrix asks it hundreds of questions, so it is
built once per module (on the session's app, database, Redis and WeChat sandbox, cleaned the
way `clean_app` cleans them) rather than once per test.

Station A (金竹) is where everything of interest lives: the citizen's message routed to deputy
王建国 with a photo, a phone, a place and his reply; a walk-in; an invite; failed notices. Station
B (城东) has the other citizen's message and its own walk-in. Every sensitive string is in
`World.secrets`, so a test can say which of them a response may show and fail on any other.
"""

from __future__ import annotations

import io
import re
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta

import requests
from PIL import Image

from server.admin import actions
from server.models import (
    CalendarDay,
    Deputy,
    Message,
    Notification,
    Reception,
    StaffUser,
    Station,
    WalkIn,
)
from server.models.lifecycle import move
from server.platform.clock import local_today, utcnow
from server.platform.db import db
from server.units import keys, transfers
from tests import factories
from tests.factories import PASSWORD, make_staff
from tests.support.stack import Live

ANON = "anonymous"
CITIZEN = "citizen"  # the owner of the message everything is about
OTHER_CITIZEN = "other_citizen"
DEPUTY = "deputy"  # the deputy it is routed to
OTHER_DEPUTY = "other_deputy"  # resident at the same station, not assigned
STAFF = "staff"  # station staff of the item's station (金竹)
OTHER_STAFF = "other_staff"  # staff of 城东 only
ADMIN = "admin"  # 系统管理员
SECURITY_ADMIN = "security_admin"  # 安全管理员
AUDIT_ADMIN = "audit_admin"  # 审计管理员
UNIT = "unit"  # the system of the unit the item was handed to (城管局), by its bearer key
OTHER_UNIT = "other_unit"  # another unit's system (住建局)
UNIT_STAFF = "unit_staff"  # 城管局's dashboard account
OTHER_UNIT_STAFF = "other_unit_staff"  # 住建局's
COMMITTEE = "committee"  # 代表工委: every station read-only, and 督办
IDENTITIES = (
    ANON,
    CITIZEN,
    OTHER_CITIZEN,
    DEPUTY,
    OTHER_DEPUTY,
    STAFF,
    OTHER_STAFF,
    ADMIN,
    SECURITY_ADMIN,
    AUDIT_ADMIN,
    UNIT,
    OTHER_UNIT,
    UNIT_STAFF,
    OTHER_UNIT_STAFF,
    COMMITTEE,
)
# Who may act on the dashboard's station-A objects; the spares below are one per each of them.
STATION_A_STAFF = (STAFF, ADMIN)
# Who may sign, answer or return 城管局's transfers: a spare transfer per (identity, action).
UNIT_A_HANDS = (UNIT, UNIT_STAFF)
UNIT_ACTIONS = ("sign", "answer", "return")
USERNAMES = {
    STAFF: "jinzhu",
    OTHER_STAFF: "chengdong",
    ADMIN: "admin",
    SECURITY_ADMIN: "anquan",
    AUDIT_ADMIN: "shenji",
    UNIT_STAFF: "chengguan",
    OTHER_UNIT_STAFF: "zhujian",
    COMMITTEE: "gongwei",
}
UNIT_A = "区城市管理局"
UNIT_B = "区住房和城乡建设局"

STATION_A = "金竹社区人大代表联络站"
STATION_B = "城东街道代表之家"
CJK = re.compile(r"[\u4e00-\u9fff]")


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def png_bytes(color=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(out, format="PNG")
    return out.getvalue()


class Identity:
    """One caller: its own cookie jar, and a bearer token if WeChat signed it in.

    The token goes with every request, the dashboard's included (it must open nothing there);
    staff send their session cookie to the API too (it must open nothing there either)."""

    def __init__(self, name: str, url: str, token=None, openid=None, username=None):
        self.name = name
        self.url = url
        self.token = token
        self.openid = openid
        self.username = username
        self.http = requests.Session()
        self.csrf_token: str | None = None

    @property
    def is_staff(self) -> bool:
        return self.username is not None

    def sign_in(self, password: str = PASSWORD) -> Identity:
        token = csrf_of(self.http.get(f"{self.url}/admin/login", timeout=30).text)
        answer = self.http.post(
            f"{self.url}/admin/login",
            data={"username": self.username, "password": password, "csrf_token": token},
            allow_redirects=False,
            timeout=30,
        )
        assert answer.status_code == 302, answer.text
        self.csrf_token = csrf_of(self.http.get(f"{self.url}/admin/", timeout=30).text)
        return self

    def csrf(self) -> str:
        if self.csrf_token:
            return self.csrf_token
        # Not signed in: the login page gives this jar a session with a CSRF token, so a POST
        # gets past the CSRF check and has to meet the sign-in check itself.
        return csrf_of(self.http.get(f"{self.url}/admin/login", timeout=30).text)

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = dict(kwargs.pop("headers", None) or {})
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if method == "POST" and path.startswith("/admin/") and "json" not in kwargs:
            kwargs["data"] = {"csrf_token": self.csrf(), **(kwargs.get("data") or {})}
        return self.http.request(
            method,
            f"{self.url}{path}",
            headers=headers,
            allow_redirects=False,
            timeout=120,
            **kwargs,
        )


@dataclass
class World:
    live: Live
    ids: dict = field(default_factory=dict)
    secrets: dict = field(default_factory=dict)
    who: dict = field(default_factory=dict)

    @property
    def app(self):
        return self.live.app

    def scene(self, model, key: str) -> str:
        """Read now: the matrix changes station and deputy codes as it goes."""
        with self.app.app_context():
            scene = db.session.get(model, self.ids[key]).scene
            db.session.remove()
        return scene

    def station_scene(self, key: str = "station_a") -> str:
        return self.scene(Station, key)

    def deputy_scene(self, key: str = "d1") -> str:
        return self.scene(Deputy, key)


def submit(live: Live, token: str, scene: str, content: str, **extra) -> dict:
    body = {"scene": scene, "category": "城乡建设", "content": content, **extra}
    answer = live.api(
        "POST", "/messages", token, json=body, headers={"Idempotency-Key": uuid.uuid4().hex}
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


def bind(live: Live, nickname: str, invite_code: str) -> tuple[str, str]:
    openid, token = live.citizen(nickname)
    answer = live.api("POST", "/deputy/bind", token, json={"invite_code": invite_code})
    assert answer.status_code == 200 and answer.json()["role"] == "deputy", answer.text
    return openid, token


def _rows(live: Live) -> dict:
    """Stations, deputies, rosters, invites and staff accounts, written straight to the DB."""
    with live.app.app_context():
        a = factories.station(STATION_A, reception_note="每月逢六上午接待")
        b = factories.station(STATION_B, address="城东街道办事处一楼")
        d1 = factories.deputy("王建国", expertise=["城建环保"], stations=[a])
        d2 = factories.deputy("李秀兰", level="市", expertise=["教科文卫"], stations=[a])
        d3 = factories.deputy("赵丽华", expertise=["经济"], stations=[b])
        d4 = factories.deputy("孙志军", level="乡", stations=[a])
        # Resident at both stations: not one station's to rename, switch off, re-code or invite.
        d5 = factories.deputy("周共享", level="市", expertise=["经济"], stations=[a, b])
        # Active and not bound yet: what station A's staff may invite (one per allowed caller).
        spare_invitees = {
            who: factories.deputy(f"待绑定代表{i}", stations=[a]).id
            for i, who in enumerate(STATION_A_STAFF)
        }
        # Resident but inactive (no posters, never routed to): what "remove member" removes.
        spare_members = {
            who: factories.deputy(f"备用代表{i}", stations=[a], active=False).id
            for i, who in enumerate(STATION_A_STAFF)
        }
        today = local_today().isoweekday()
        shift_a = factories.shift(a, d1, "weekly", [today])
        factories.shift(b, d3, "weekly", [today])
        spare_shifts = {
            who: factories.shift(a, d2, "dates", [f"2031-0{i + 1}-06"]).id
            for i, who in enumerate(STATION_A_STAFF)
        }
        # 接待预告: a published day at A, and a spare one per allowed caller to cancel.
        reception_a = Reception(
            station_id=a.id,
            day=local_today() + timedelta(days=7),
            starts="09:00",
            ends="11:30",
            topic="教育专题接待",
            place="金竹社区",
            deputy_ids=[d1.id],
            status="published",
        )
        db.session.add(reception_a)
        spare_receptions = {}
        for i, who in enumerate(STATION_A_STAFF):
            row = Reception(
                station_id=a.id,
                day=local_today() + timedelta(days=8 + i),
                starts="09:00",
                ends="11:30",
                topic="备用接待日",
                place="金竹社区",
                deputy_ids=[d1.id],
                status="published",
            )
            db.session.add(row)
            db.session.flush()
            spare_receptions[who] = row.id
        invites = {
            "d1": factories.invite(d1).code,
            "d1_again": factories.invite(d1).code,  # for the matrix's own bind
            "d2": factories.invite(d2).code,
            "d5": factories.invite(d5).code,
        }
        invite = factories.invite(d4)
        make_staff(USERNAMES[ADMIN], "admin", name="系统管理员")
        make_staff(USERNAMES[COMMITTEE], "committee", name="代表工委")
        make_staff(USERNAMES[STAFF], stations=[a], name="金竹联络员")
        make_staff(USERNAMES[OTHER_STAFF], stations=[b], name="城东联络员")
        make_staff(USERNAMES[SECURITY_ADMIN], "security_admin", name="安全管理员")
        make_staff(USERNAMES[AUDIT_ADMIN], "audit_admin", name="审计管理员")
        spare_user = make_staff("spare", stations=[b], name="备用账号")
        u1 = factories.unit(UNIT_A, contact_person="刘科长")
        u2 = factories.unit(UNIT_B, answer_days=10)
        unit_keys = {UNIT: keys.issue_key(u1, "城管局 12345")[1]}
        unit_keys[OTHER_UNIT] = keys.issue_key(u2, "住建局 OA")[1]
        spare_key = keys.issue_key(u1, "备用密钥")[0].id
        make_staff(USERNAMES[UNIT_STAFF], "unit_staff", name="城管局办理员", unit_id=u1.id)
        make_staff(USERNAMES[OTHER_UNIT_STAFF], "unit_staff", name="住建局办理员", unit_id=u2.id)
        # A holiday far from today (the roster stays as it is): what "remove a day" removes.
        db.session.add(CalendarDay(day=date(2031, 5, 2), kind="holiday", name="劳动节"))
        db.session.commit()
        ids = {
            "station_a": a.id,
            "station_b": b.id,
            "d1": d1.id,
            "d2": d2.id,
            "d3": d3.id,
            "d4": d4.id,
            "d5": d5.id,
            "spare_invitees": spare_invitees,
            "shift_a": shift_a.id,
            "spare_members": spare_members,
            "spare_shifts": spare_shifts,
            "reception_a": reception_a.id,
            "spare_receptions": spare_receptions,
            "invite": invite.id,
            "invite_code": invite.code,
            "invites": invites,
            "spare_user": spare_user,
            "u1": u1.id,
            "u2": u2.id,
            "unit_keys": unit_keys,
            "spare_key": spare_key,
        }
        db.session.remove()
    return ids


def _walk_in(staff: Identity, station_id: int, content: str, name: str, phone: str) -> None:
    answer = staff.request(
        "POST",
        "/admin/walk-ins/new",
        data={
            "station_id": station_id,
            "category_id": 1,
            "content": content,
            "visitor_name": name,
            "visitor_phone": phone,
            "visitor_count": "2",
            "on_spot": "1",
            "answer": "已当场解释政策",
        },
    )
    assert answer.status_code == 302, answer.text


def _message_id(live: Live, content: str) -> tuple[int, str]:
    with live.app.app_context():
        row = db.session.execute(
            db.select(Message.id, Message.tracking_no).where(Message.content == content)
        ).one()
        db.session.remove()
    return row.id, row.tracking_no


def _visit(ids: dict, staff: StaffUser, content: str) -> Message:
    return actions.create_walk_in(
        actions.Visit(
            station_id=ids["station_a"],
            category_id=1,
            content=content,
            visitor_name="",
            visitor_phone="",
            visitor_count=1,
            received_by_id=None,
            visited_at=utcnow(),
            address="",
            answer="",
        ),
        staff,
    )


def _waiting(ids: dict, staff: StaffUser, content: str) -> Message:
    """A visit nobody could take (分拣): what staff hand to a unit."""
    message = _visit(ids, staff, content)
    # Two days old: behind the world's own items on the item list's first page.
    message.created_at = utcnow() - timedelta(days=2)
    move(message, "no_deputy", "system", reason="没有可交办的代表")
    db.session.commit()
    return message


def _unit_spares(live: Live, ids: dict) -> None:
    """Items nobody could take, made before the world's walk-ins (the overview lists the newest
    ids, which must be the world's own): one per station-A hand to give to a unit, and a
    transfer of 城管局's per (hand, action) to sign, answer or return."""
    with live.app.app_context():
        staff = db.session.scalar(db.select(StaffUser).where(StaffUser.username == "admin"))
        ids["waiting_items"] = {
            (who, "transfer"): _waiting(ids, staff, f"备用事项：{who} transfer").id
            for who in STATION_A_STAFF
        }
        spare_transfers = {}
        for who in UNIT_A_HANDS:
            for action in UNIT_ACTIONS:
                message = _waiting(ids, staff, f"备用交办：{who} {action}")
                row, _ = transfers.transfer(message, ids["u1"], "备用", "staff", staff.id)
                db.session.commit()
                spare_transfers[(who, action)] = row.id
        ids["spare_transfers"] = spare_transfers
        db.session.remove()


def _merge_spares(live: Live, ids: dict) -> None:
    """A duplicate per allowed identity, written before the walk-ins so that the overview's
    newest items still show those."""
    with live.app.app_context():
        staff = db.session.scalar(db.select(StaffUser).where(StaffUser.username == "admin"))
        ids["merge_spares"] = {
            (who, "merge"): _visit(ids, staff, f"备用事项：{who} merge").id
            for who in STATION_A_STAFF
        }
        db.session.remove()


def _spares(live: Live, ids: dict, m1: int, d1_citizen: int) -> None:
    """Objects that one allowed identity may change or destroy without changing what the
    others are asked about: an item per (identity, action), a failed notice per identity."""
    with live.app.app_context():
        staff = db.session.scalar(db.select(StaffUser).where(StaffUser.username == "admin"))

        items = {**ids.pop("waiting_items")}
        for who in STATION_A_STAFF:
            for action in ("reassign", "reject", "close", "reply"):
                items[(who, action)] = _visit(ids, staff, f"备用事项：{who} {action}").id
        notices = {}
        for who in STATION_A_STAFF:
            notice = Notification(
                dedupe_key=f"spare-{who}",
                kind="reply",
                message_id=m1,
                citizen_id=None,
                template_id="tmpl",
                data={},
                status="failed",
                errcode=43101,
                errmsg="user refuse to accept the msg",
            )
            db.session.add(notice)
            db.session.flush()
            notices[who] = notice.id
        orphan = Notification(
            dedupe_key="orphan-reminder",
            kind="reminder",
            message_id=None,
            citizen_id=d1_citizen,
            deputy_id=ids["d1"],
            template_id="tmpl",
            data={},
            status="failed",
            errcode=-1,
            errmsg="system error",
        )
        db.session.add(orphan)
        db.session.commit()
        items.update(ids.pop("merge_spares"))
        ids.update(spare_items=items, spare_notices=notices, orphan_notice=orphan.id)
        db.session.remove()


def build_world(live: Live) -> World:
    url = live.url
    world = World(live=live, ids=_rows(live))
    ids = world.ids
    scene_a, scene_b = world.station_scene("station_a"), world.station_scene("station_b")

    # The deputies bind their WeChat with the invites staff gave them.
    d1_openid, d1_token = bind(live, "王建国", ids["invites"]["d1"])
    d2_openid, d2_token = bind(live, "李秀兰", ids["invites"]["d2"])
    ids["d5_openid"], ids["d5_token"] = bind(live, "周共享", ids["invites"]["d5"])

    # The citizen: a photo, a phone, a place. No subscribe consent: the reply notice fails.
    owner_openid, owner_token = live.citizen("张大爷")
    upload = live.api(
        "POST", "/uploads", owner_token, files={"file": ("p.png", png_bytes(), "image/png")}
    )
    assert upload.status_code == 201, upload.text
    photo = upload.json()["upload_id"]
    m1 = submit(
        live,
        owner_token,
        scene_a,
        "甲内容：金竹西路十七号路灯坏了一个月",
        photos=[photo],
        contact_phone="13812345678",
        location={"lat": 26.6, "lng": 106.6, "address": "金竹西路十七号门口"},
    )
    m2 = submit(live, owner_token, scene_a, "甲另一条：小区门口积水")
    other_openid, other_token = live.citizen("李阿姨")
    upload = live.api(
        "POST",
        "/uploads",
        other_token,
        files={"file": ("q.png", png_bytes((0, 90, 0)), "image/png")},
    )
    assert upload.status_code == 201, upload.text
    other_photo = upload.json()["upload_id"]
    m3 = submit(
        live,
        other_token,
        scene_b,
        "乙内容：城东菜市场噪音扰民",
        photos=[other_photo],
        contact_phone="13987654321",
        location={"lat": 26.5, "lng": 106.7, "address": "城东菜市场南门"},
    )
    # A third citizen's items at station A: m4 the deputy hands to 城管局, m5 his spare to hand.
    _, third_token = live.citizen("赵大叔")
    m4 = submit(live, third_token, scene_a, "戊内容：金竹南路人行道塌陷")
    m5 = submit(live, third_token, scene_a, "备用：金竹北路树枝挡路")
    live.work()
    for message, text in ((m1, "甲答复：已联系路灯所三日内修复"), (m2, "甲答复：已派人疏通")):
        answer = live.api(
            "POST", f"/deputy/messages/{message['id']}/replies", d1_token, json={"content": text}
        )
        assert answer.status_code == 201, answer.text
    live.work()
    handed = live.api(
        "POST",
        f"/deputy/messages/{m4['id']}/transfer",
        d1_token,
        json={"unit_id": ids["u1"], "note": "戊说明：请尽快修复人行道"},
    )
    assert handed.status_code == 201, handed.text
    ids["t1"] = handed.json()["transfer"]["id"]
    _unit_spares(live, ids)
    detail = live.api("GET", f"/messages/{m1['id']}", owner_token).json()
    photo_url = detail["photos"][0]["url"]

    who = world.who
    who[ANON] = Identity(ANON, url)
    who[CITIZEN] = Identity(CITIZEN, url, owner_token, owner_openid)
    who[OTHER_CITIZEN] = Identity(OTHER_CITIZEN, url, other_token, other_openid)
    who[DEPUTY] = Identity(DEPUTY, url, d1_token, d1_openid)
    who[OTHER_DEPUTY] = Identity(OTHER_DEPUTY, url, d2_token, d2_openid)
    for name in (
        STAFF,
        OTHER_STAFF,
        ADMIN,
        SECURITY_ADMIN,
        AUDIT_ADMIN,
        UNIT_STAFF,
        OTHER_UNIT_STAFF,
        COMMITTEE,
    ):
        who[name] = Identity(name, url, username=USERNAMES[name]).sign_in()
    for name in (UNIT, OTHER_UNIT):
        who[name] = Identity(name, url, ids["unit_keys"][name])

    _merge_spares(live, ids)
    _walk_in(who[STAFF], ids["station_a"], "丙来访：楼道灯不亮", "钱多多", "13700001111")
    _walk_in(who[OTHER_STAFF], ids["station_b"], "丁来访：公交站牌破损", "周大福", "13600002222")
    wa_id, wa_tracking = _message_id(live, "丙来访：楼道灯不亮")
    wb_id, wb_tracking = _message_id(live, "丁来访：公交站牌破损")

    with live.app.app_context():
        message = db.session.get(Message, m1["id"])
        assert message.status == "replied" and message.active_assignment.deputy_id == ids["d1"]
        notice = db.session.scalar(
            db.select(Notification).where(
                Notification.message_id == m1["id"], Notification.kind == "reply"
            )
        )
        assert notice.status == "no_consent"  # the failed notice the item page shows
        ids["m1_notice"] = notice.id
        d1_citizen = db.session.get(Deputy, ids["d1"]).citizen_id
        assert db.session.scalar(db.select(WalkIn.id).where(WalkIn.message_id == wa_id))
        db.session.remove()
    _spares(live, ids, m1["id"], d1_citizen)
    # A register export station A's clerk had built in the background (only they may fetch it).
    live.app.config["REGISTER_IMMEDIATE_ROWS"] = 0
    started = who[STAFF].request("GET", "/admin/registers/suggestions.xlsx?date_from=2000-01-01")
    live.app.config["REGISTER_IMMEDIATE_ROWS"] = 5000
    assert started.status_code == 303, started.status_code
    ids["export_a"] = int(started.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    # And station A's 履职档案 zip, the same way (only its clerk may fetch it).
    zipped = who[STAFF].request(
        "POST", f"/admin/stations/{ids['station_a']}/archive", data={"period": "2026"}
    )
    assert zipped.status_code == 303, zipped.status_code
    ids["archive_a"] = int(zipped.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    live.work()

    with live.app.app_context():
        # A cluster of station A's similar items (as the analysis job leaves one), holding m1.
        from server.insight.periods import Quarter
        from server.models import Cluster, ClusterItem, ClusterRun
        from server.platform.clock import local_today

        quarter = Quarter.of(local_today()).key
        run = ClusterRun(quarter=quarter, status="done", topics={})
        db.session.add(run)
        db.session.flush()
        cluster = Cluster(run_id=run.id, quarter=quarter, station_id=ids["station_a"],
                          title="路灯", keywords="路灯 金竹西路", size=1)  # fmt: skip
        db.session.add(cluster)
        db.session.flush()
        db.session.add(ClusterItem(cluster_id=cluster.id, message_id=m1["id"]))
        db.session.commit()
        ids["cluster_a"] = cluster.id
        db.session.remove()

    ids.update(
        m1=m1["id"],
        m2=m2["id"],
        m3=m3["id"],
        m4=m4["id"],
        m5=m5["id"],
        wa=wa_id,
        wb=wb_id,
        photo=photo,
        photo_url=photo_url,
        other_photo=other_photo,
    )
    world.secrets = {
        "m1.content": "甲内容：金竹西路十七号路灯坏了一个月",
        "m1.tracking": m1["tracking_no"],
        "m1.phone": "13812345678",
        "m1.phone_masked": "138****5678",
        "m1.address": "金竹西路十七号门口",
        "m1.reply": "甲答复：已联系路灯所三日内修复",
        "m1.photo": photo,
        "m2.content": "甲另一条：小区门口积水",
        "m2.tracking": m2["tracking_no"],
        "m2.reply": "甲答复：已派人疏通",
        "m3.content": "乙内容：城东菜市场噪音扰民",
        "m3.tracking": m3["tracking_no"],
        "m3.phone": "13987654321",
        "m3.phone_masked": "139****4321",
        "m3.address": "城东菜市场南门",
        "m3.photo": other_photo,
        "m4.content": "戊内容：金竹南路人行道塌陷",
        "m4.tracking": m4["tracking_no"],
        "m4.note": "戊说明：请尽快修复人行道",
        "key.unit": ids["unit_keys"][UNIT],
        "key.other_unit": ids["unit_keys"][OTHER_UNIT],
        "wa.content": "丙来访：楼道灯不亮",
        "wa.tracking": wa_tracking,
        "wa.visitor": "钱多多",  # shown masked (钱**) everywhere, never in full
        "wa.phone": "13700001111",
        "wa.phone_masked": "137****1111",
        "wb.content": "丁来访：公交站牌破损",
        "wb.tracking": wb_tracking,
        "wb.visitor": "周大福",
        "wb.phone": "13600002222",
        "wb.phone_masked": "136****2222",
        "invite.code": ids["invite_code"],
        "openid.citizen": owner_openid,
        "openid.other_citizen": other_openid,
        "openid.deputy": d1_openid,
    }
    return world


def count_rows(app, model, *where) -> int:
    with app.app_context():
        value = db.session.scalar(db.select(db.func.count()).select_from(model).where(*where))
        db.session.remove()
    return value
