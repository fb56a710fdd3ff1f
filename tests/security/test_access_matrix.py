"""Who may use which route: every route of the app × every kind of caller, decided in one table.

The rules (docs/security.md): a citizen sees only their own messages, a deputy only what was
routed to them, station staff only their stations, administrators everything; the public codes,
the landing page, the docs and signed photo URLs are for anyone.

Each row names a route (as `app.url_map` spells it), how to call it, and for each of the eight
identities what must happen: `Ok(...)` (allowed: the right status and the right data), a status
(denied: that status, a Chinese message, and none of the world's secrets), or `LOGIN` (the
dashboard sends the caller to its sign-in page). Every response, allowed or not, is searched for
every secret string of the world (contents, tracking numbers, phones, addresses, photo ids,
invite code, openids); a row lists the ones it may show, any other one found is a leak.

`test_every_route_has_a_row` fails when a route exists that the table does not decide for, so a
new route cannot ship without someone saying who may use it.
"""

from __future__ import annotations

import hashlib
import io
import re
import secrets
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import unquote, urlsplit

import openpyxl
import pytest
import zxingcpp
from PIL import Image

from server.models import (
    AuditLog,
    Deputy,
    DeputyInvite,
    DutyShift,
    Event,
    Message,
    Notification,
    Reply,
    ScopeRule,
    Station,
    StationMember,
)
from server.platform.clock import local_today
from server.platform.db import db
from tests import factories
from tests.security.world import (
    ADMIN,
    ANON,
    AUDIT_ADMIN,
    CITIZEN,
    CJK,
    COMMITTEE,
    DEPUTY,
    IDENTITIES,
    OTHER_CITIZEN,
    OTHER_DEPUTY,
    OTHER_STAFF,
    OTHER_UNIT,
    OTHER_UNIT_STAFF,
    SECURITY_ADMIN,
    STAFF,
    STATION_A,
    STATION_B,
    UNIT,
    UNIT_A,
    UNIT_B,
    UNIT_STAFF,
    USERNAMES,
    Identity,
    World,
    build_world,
    png_bytes,
)

QR_FILE = "MP_verify_k3f9x2.txt"
QR_CONTENT = "k3f9x2-verify"

LOGIN = "login"  # a dashboard page sends the caller to /admin/login
WECHAT_USERS = (CITIZEN, OTHER_CITIZEN, DEPUTY, OTHER_DEPUTY)
DASHBOARD_USERS = (
    STAFF,
    OTHER_STAFF,
    ADMIN,
    SECURITY_ADMIN,
    AUDIT_ADMIN,
    UNIT_STAFF,
    OTHER_UNIT_STAFF,
    COMMITTEE,
)
# The separated administrators (等保 2.0): each only its own pages, and its own account.
SEPARATED = (SECURITY_ADMIN, AUDIT_ADMIN)
UNIT_DESKS = (UNIT_STAFF, OTHER_UNIT_STAFF)
# What the 代表工委 may change on the dashboard (server/admin/scope.py: ROLE_PERMISSIONS, its
# row has `supervise` and `self` but no `act`): 督办, and its own account.
COMMITTEE_WRITES = (
    "/admin/items/<int:message_id>/supervise",
    "/admin/logout",
    "/admin/account/password",
    "/admin/account/totp",
    "/admin/account/wechat",
)
# What each side's staff may see of the items; `may` expands a prefix to all its secrets except
# full phone numbers and visitors' names, which must be named one by one where they may appear.
A_ITEMS = ("m1", "m2", "m4", "wa")
B_ITEMS = ("m3", "wb")
NAMED_ONLY = (".phone", ".visitor")


@dataclass(frozen=True)
class Ok:
    """Allowed: this status, and the data that proves it is the right answer."""

    status: int = 200
    see: tuple = ()  # secret names that must be in the body
    may: tuple = ()  # secret names (or prefixes) that may be in the body
    has: tuple = ()  # plain strings that must be in the body
    lacks: tuple = ()  # plain strings that must not be in the body
    kind: str = "text"  # text | xlsx | zip | png | jpeg | pdf
    json: dict = field(default_factory=dict)  # "a.b": value, read from the JSON body
    location: Callable | None = None  # (world, who) -> what the Location header must contain
    qr: str | None = None  # a secret name the PNG's QR code must hold


Outcome = Ok | int | str


@dataclass
class Row:
    method: str
    rule: str
    cases: dict
    args: dict = field(default_factory=dict)  # placeholder -> world.ids key or (world, who) -> v
    query: Callable | str = ""
    body: Callable | None = None  # (world, who) -> requests kwargs
    variant: str = ""
    fresh_session: bool = False  # staff sign in anew for this row (it signs them out)
    after: Callable | None = None  # (world, who, identity) -> None, more checks afterwards

    def __post_init__(self) -> None:
        if COMMITTEE not in self.cases:
            self.cases[COMMITTEE] = committee_outcome(self)

    def path(self, world: World, who: str) -> str:
        def value(match: re.Match) -> str:
            ref = self.args[match.group(1)]
            return str(ref(world, who) if callable(ref) else world.ids[ref])

        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", value, self.rule)
        query = self.query(world, who) if callable(self.query) else self.query
        return f"{path}?{query}" if query else path

    @property
    def id(self) -> str:
        return f"{self.method} {self.rule}" + (f" ({self.variant})" if self.variant else "")


def cases(default: Outcome, **by_who: Outcome) -> dict:
    """Every identity's outcome; the 代表工委's, unless given, follows from the others'
    (committee_outcome)."""
    out = dict.fromkeys((i for i in IDENTITIES if i != COMMITTEE), default)
    out.update(by_who)
    return out


def committee_outcome(row: Row) -> Outcome:
    """The 代表工委 reads what administrators read (every station), is refused what only
    administrators may do, and may change nothing but 督办 (and sign out); outside the
    dashboard it is any dashboard account (a cookie, no bearer token)."""
    outcomes = row.cases
    if not row.rule.startswith("/admin"):
        return outcomes[STAFF]
    if outcomes[ANON] == outcomes[ADMIN]:
        return outcomes[ADMIN]  # the same for anyone (signing in, the public pages)
    if row.method == "GET":
        admin_only_page = outcomes[STAFF] == 403 and outcomes[OTHER_STAFF] == 403
        return 403 if admin_only_page else outcomes[ADMIN]
    return outcomes[ADMIN] if row.rule in COMMITTEE_WRITES else 403


def bearer(wechat: Outcome, **by_who: Outcome) -> dict:
    """An API route behind the bearer token: without one (staff only have a cookie) it is 401."""
    return cases(401, **{**dict.fromkeys(WECHAT_USERS, wechat), **by_who})


def dashboard(
    staff: Outcome,
    other_staff: Outcome,
    admin: Outcome,
    signed_out=LOGIN,
    security_admin: Outcome = 403,
    audit_admin: Outcome = 403,
    unit_staff: Outcome = 403,
) -> dict:
    """A dashboard page: the security and audit administrators are refused it unless named,
    and a unit's account opens none of them (403)."""
    return cases(
        signed_out,
        staff=staff,
        other_staff=other_staff,
        admin=admin,
        security_admin=security_admin,
        audit_admin=audit_admin,
        **dict.fromkeys(UNIT_DESKS, unit_staff),
    )


def everyone_signed_in(outcome: Outcome) -> dict:
    """One's own account pages: every role, the same answer."""
    return cases(LOGIN, **dict.fromkeys(DASHBOARD_USERS, outcome))


def unit_api(own: Outcome, other: Outcome = 404) -> dict:
    """The integration API: 城管局's key may, 住建局's gets 404 for 城管局's transfers; every other
    caller (a mini-program token, a staff cookie, nothing) is 401."""
    return cases(401, **{UNIT: own, OTHER_UNIT: other})


def unit_desk(own: Outcome, other: Outcome = 404) -> dict:
    """A unit's dashboard inbox: only unit accounts, each its own unit's (other units: 404);
    station staff and administrators are no unit (403)."""
    others = dict.fromkeys((STAFF, OTHER_STAFF, ADMIN, SECURITY_ADMIN, AUDIT_ADMIN), 403)
    return cases(LOGIN, **others, **{UNIT_STAFF: own, OTHER_UNIT_STAFF: other})


def admin_only(admin: Outcome) -> dict:
    return dashboard(403, 403, admin)


def station_a(allowed: Outcome, admin: Outcome | None = None) -> dict:
    """Something of station A's: its staff and administrators; station B's staff get 404."""
    return dashboard(allowed, 404, admin if admin is not None else allowed)


def spare(kind: str, real: str) -> Callable:
    """An allowed identity changes (or deletes) a spare of its own, so what it does cannot make
    another identity's answer a foregone 404; everyone else tries the real object."""
    return lambda world, who: world.ids[kind].get(who, world.ids[real])


def spare_transfer(action: str) -> Callable:
    """城管局's hands act on a spare transfer of their own; anyone else tries the real one."""
    return lambda world, who: world.ids["spare_transfers"].get((who, action), world.ids["t1"])


def spare_item(action: str) -> Callable:
    return lambda world, who: world.ids["spare_items"].get((who, action), world.ids["m1"])


def to(path: str) -> Callable:
    """Where an allowed dashboard POST redirects, with {placeholders} from world.ids."""
    return lambda world, who: path.format(**world.ids)


def item_page_of(action: str) -> Callable:
    return lambda world, who: f"/admin/items/{world.ids['spare_items'][(who, action)]}"


def form(**values) -> Callable:
    return lambda world, who: {
        "data": {k: v(world, who) if callable(v) else v for k, v in values.items()}
    }


def ids(key: str) -> Callable:
    return lambda world, who: world.ids[key]


def free_day(world: World, who: str) -> str:
    """A day for a new reception that is no holiday and, per caller, not taken."""
    from server.routing import workdays

    with world.app.app_context():
        holidays = workdays.current().holidays
        db.session.remove()
    day = local_today() + timedelta(days=20 + sorted(IDENTITIES).index(who))
    while day in holidays:
        day += timedelta(days=1)
    return day.isoformat()


def own_station(world: World, who: str) -> int:
    return world.ids["station_b" if who == OTHER_STAFF else "station_a"]


# -- the API (bodies and checks) ----------------------------------------------------------------


def login_body(world: World, who: str) -> dict:
    sandbox = world.live.sandbox
    openid = world.who[who].openid or sandbox.new_user("新用户")
    return {"json": {"code": sandbox.login_code(openid)}}


def bind_body(world: World, who: str) -> dict:
    # The deputy spends a fresh invite of their own; anyone else tries a code that isn't one.
    code = world.ids["invites"]["d1_again"] if who == DEPUTY else "NOTACODE"
    return {"json": {"invite_code": code}}


def message_body(world: World, who: str) -> dict:
    body = {"scene": world.station_scene(), "category": "城乡建设", "content": f"{who} 的新反映"}
    return {"json": body, "headers": {"Idempotency-Key": secrets.token_hex(8)}}


def upload_body(world: World, who: str) -> dict:
    return {"files": {"file": ("photo.png", png_bytes(), "image/png")}}


def photo_sig(world: World, who: str) -> str:
    return urlsplit(world.ids["photo_url"]).query


def callback_query(signed: bool) -> Callable:
    def query(world: World, who: str) -> str:
        token = world.app.config["WECHAT_PUSH_TOKEN"]
        timestamp, nonce = str(int(time.time())), secrets.token_hex(6)
        signature = hashlib.sha1("".join(sorted([token, timestamp, nonce])).encode()).hexdigest()
        if not signed:
            signature = "0" * 40
        return f"signature={signature}&timestamp={timestamp}&nonce={nonce}&echostr=echo-{who}"

    return query


PUSH = (
    "<xml><ToUserName>gh_1</ToUserName><FromUserName>o-push-matrix</FromUserName>"
    "<CreateTime>1</CreateTime><MsgType>event</MsgType><Event>unknown_event</Event></xml>"
)

API_ROWS = [
    Row(
        "POST",
        "/api/v1/auth/wechat",
        cases(
            Ok(json={"role": "citizen"}, has=("token",)),
            deputy=Ok(json={"role": "deputy", "deputy.name": "王建国"}),
            other_deputy=Ok(json={"role": "deputy", "deputy.name": "李秀兰"}),
        ),
        body=login_body,
    ),
    Row(
        "POST",
        "/api/v1/deputy/bind",
        bearer(404, deputy=Ok(json={"role": "deputy", "deputy.name": "王建国"})),
        body=bind_body,
    ),
    # A staff account's 绑定微信 code: anyone signed in to the mini-program may try one; a code
    # that is none is 404 for everyone (binding itself: tests/test_staff_wechat.py).
    Row(
        "POST",
        "/api/v1/staff/bind",
        bearer(404),
        body=lambda world, who: {"json": {"code": "SAAAAAAAA"}},
    ),
    Row(
        "GET",
        "/api/v1/deputy/inbox",
        bearer(
            403,
            deputy=Ok(see=("m1.tracking", "m1.content", "m2.tracking"), may=("m1", "m2", "m4")),
            other_deputy=Ok(json={"total": 0}),
        ),
    ),
    Row(
        "GET",
        "/api/v1/deputy/messages/<int:message_id>",
        bearer(
            403,
            # Masked: the full number is one 「回电」 away, and that tap is on record.
            deputy=Ok(
                see=("m1.content", "m1.phone_masked", "m1.address", "m1.reply", "m1.photo"),
                may=("m1",),
                json={"can_call": True},
            ),
            other_deputy=404,
        ),
        args={"message_id": "m1"},
    ),
    Row(
        "POST",
        "/api/v1/deputy/messages/<int:message_id>/phone",
        bearer(403, deputy=Ok(see=("m1.phone",), may=("m1",)), other_deputy=404),
        args={"message_id": "m1"},
    ),
    Row(
        "POST",
        "/api/v1/deputy/messages/<int:message_id>/replies",
        bearer(403, deputy=Ok(201, json={"status": "replied"}), other_deputy=404),
        args={"message_id": "m1"},
        body=lambda world, who: {"json": {"content": f"{who} 的答复"}},
    ),
    Row(
        "POST",
        "/api/v1/deputy/messages/<int:message_id>/transfer",
        # The accountable deputy hands his spare on; everyone else tries that same item.
        bearer(403, deputy=Ok(201, json={"transfer.status": "handed"}), other_deputy=404),
        args={"message_id": "m5"},
        body=lambda world, who: {"json": {"unit_id": world.ids["u2"], "note": "请住建局处理"}},
    ),
    Row(
        "GET",
        "/api/v1/deputy/duty/today",
        bearer(403, deputy=Ok(has=(STATION_A,)), other_deputy=Ok(json={"stations": []})),
    ),
    Row(
        "POST",
        "/api/v1/deputy/checkin",
        # Station B, where nobody here is on duty: the deputy on duty at A today is told it is
        # the wrong station (404), the other (no duty today) that there is nothing to sign.
        bearer(403, deputy=404, other_deputy=422),
        body=lambda world, who: {"json": {"station_id": world.ids["station_b"]}},
    ),
    Row(
        "GET",
        "/api/v1/deputy/units",
        bearer(403, deputy=Ok(has=(UNIT_A, UNIT_B)), other_deputy=Ok(has=(UNIT_A, UNIT_B))),
    ),
    Row(
        "GET",
        "/api/v1/unit/transfers",
        unit_api(
            Ok(see=("m4.content", "m4.tracking", "m4.note"), may=("m4",)),
            Ok(json={"transfers": []}, lacks=("戊",)),
        ),
    ),
    Row(
        "GET",
        "/api/v1/unit/transfers/<int:transfer_id>",
        unit_api(Ok(see=("m4.content", "m4.tracking"), may=("m4",))),
        args={"transfer_id": "t1"},
    ),
    Row(
        "POST",
        "/api/v1/unit/transfers/<int:transfer_id>/sign",
        unit_api(Ok(json={"transfer.status": "signed"})),
        args={"transfer_id": spare_transfer("sign")},
    ),
    Row(
        "POST",
        "/api/v1/unit/transfers/<int:transfer_id>/answer",
        unit_api(Ok(json={"transfer.status": "answered"})),
        args={"transfer_id": spare_transfer("answer")},
        body=lambda world, who: {"json": {"content": f"{who} 的答复", "result": "solved"}},
    ),
    Row(
        "POST",
        "/api/v1/unit/transfers/<int:transfer_id>/return",
        unit_api(Ok(json={"transfer.status": "returned"})),
        args={"transfer_id": spare_transfer("return")},
        body=lambda world, who: {"json": {"reason": f"{who} 退回"}},
    ),
    Row("GET", "/api/v1/docs", cases(Ok(has=("码上联络站",)))),
    Row("GET", "/healthz", cases(Ok(json={"status": "ok"}))),
    Row("GET", "/api/v1/openapi.json", cases(Ok(json={"info.title": "码上联络站 API"}))),
    Row(
        "POST",
        "/api/v1/messages",
        bearer(Ok(201, json={"status": "received"})),
        body=message_body,
    ),
    Row(
        "GET",
        "/api/v1/messages",
        bearer(
            Ok(json={"total": 0}),
            citizen=Ok(see=("m1.tracking", "m1.content", "m2.tracking"), may=("m1", "m2")),
            other_citizen=Ok(see=("m3.tracking", "m3.content"), may=("m3",)),
        ),
    ),
    Row(
        "GET",
        "/api/v1/messages/<int:message_id>",
        bearer(
            404,
            citizen=Ok(
                see=(
                    "m1.content",
                    "m1.tracking",
                    "m1.phone_masked",
                    "m1.address",
                    "m1.reply",
                    "m1.photo",
                ),
                may=("m1",),
            ),
        ),
        args={"message_id": "m1"},
    ),
    Row(
        "POST",
        "/api/v1/messages/<int:message_id>/followups",
        bearer(404, citizen=Ok(201, see=("m1.tracking",), may=("m1",), has=("追问一句",))),
        args={"message_id": "m1"},
        body=lambda world, who: {"json": {"content": f"{who} 追问一句"}},
    ),
    Row(
        "POST",
        "/api/v1/messages/<int:message_id>/rating",
        bearer(404, citizen=Ok(see=("m2.tracking",), may=("m2",), json={"status": "closed"})),
        args={"message_id": "m2"},
        body=lambda world, who: {"json": {"score": "satisfied"}},
    ),
    Row(
        "POST",
        "/api/v1/messages/similar",
        bearer(Ok(json={"items": []})),
        body=lambda world, who: {
            "json": {"scene": world.station_scene(), "content": "菜园子旁边的水塘该清淤了"}
        },
    ),
    Row(
        "POST",
        "/api/v1/messages/<int:message_id>/join",
        # Only what 「附近已有类似反映」 offers for the text sent: m1 is not, so nobody reads it
        # through an id; its owner is told it is their own.
        bearer(404, citizen=409),
        args={"message_id": "m1"},
        body=lambda world, who: {
            "json": {"scene": world.station_scene(), "content": "菜园子旁边的水塘该清淤了"}
        },
    ),
    Row(
        "POST",
        "/api/v1/messages/<int:message_id>/revisit",
        # Only the owner reaches the item, and it was never asked: a conflict, in Chinese.
        bearer(404, citizen=409),
        args={"message_id": "m1"},
        body=lambda world, who: {"json": {"solved": True}},
    ),
    Row(
        "GET",
        "/api/v1/scan/<scene>",
        cases(Ok(json={"kind": "station", "station.name": STATION_A})),
        args={"scene": lambda world, who: world.station_scene()},
    ),
    Row(
        "GET",
        "/api/v1/scan/<scene>",
        cases(404),
        args={"scene": lambda w, who: "s.zzzz9999"},
        variant="unknown code",
    ),
    Row(
        "POST",
        "/api/v1/subscriptions",
        bearer(Ok(has=("credits",))),
        body=lambda world, who: {
            "json": {"accepted": [world.app.config["WECHAT_TEMPLATES"].reply]}
        },
    ),
    Row(
        "GET",
        "/api/v1/stations/<code>/receptions",
        cases(Ok(json={"station.name": STATION_A}, has=("教育专题接待",))),
        args={"code": lambda world, who: world.station_scene().removeprefix("s.")},
    ),
    Row(
        "GET",
        "/api/v1/stations/<code>/receptions",
        cases(404),
        args={"code": lambda w, who: "zzzz9999"},
        variant="unknown code",
    ),
    Row(
        "POST",
        "/api/v1/receptions/<int:reception_id>/reminder",
        bearer(Ok(has=("channel",))),
        args={"reception_id": "reception_a"},
        body=lambda world, who: {"json": {"accepted": []}},
    ),
    Row(
        "DELETE",
        "/api/v1/receptions/<int:reception_id>/reminder",
        bearer(Ok(204)),
        args={"reception_id": "reception_a"},
    ),
    Row("POST", "/api/v1/uploads", bearer(Ok(201, has=("upload_id",))), body=upload_body),
    # A signed photo URL is a capability: it opens the one photo for whoever holds it (an
    # <image> tag cannot send a bearer token), and nothing else.
    Row(
        "GET",
        "/api/v1/uploads/<upload_id>",
        cases(Ok(kind="jpeg")),  # re-encoded on upload: no metadata survives
        args={"upload_id": "photo"},
        query=photo_sig,
        variant="signed",
    ),
    Row(
        "GET",
        "/api/v1/uploads/<upload_id>",
        cases(404),
        args={"upload_id": "photo"},
        variant="unsigned",
    ),
    Row(
        "GET",
        "/api/v1/uploads/<upload_id>",
        cases(404),
        args={"upload_id": "other_photo"},
        query=photo_sig,
        variant="another photo's signature",
    ),
]

PUBLIC_ROWS = [
    # For a load balancer or a monitor: whether the loop moves, no item's data.
    Row("GET", "/readyz", cases(Ok(json={"database": "ok", "redis": "ok"}, has=("healthy",)))),
    Row(
        "GET",
        "/<name>.txt",
        cases(Ok(has=(QR_CONTENT,))),
        args={"name": lambda w, who: QR_FILE[:-4]},
    ),
    Row("GET", "/<name>.txt", cases(404), args={"name": lambda w, who: "robots"}, variant="other"),
    Row(
        "GET",
        "/q/<scene>",
        cases(Ok(has=(STATION_A, "王建国"))),
        args={"scene": lambda world, who: world.station_scene()},
    ),
    Row(
        "GET",
        "/q/<scene>",
        cases(404),
        args={"scene": lambda w, who: "s.zzzz9999"},
        variant="unknown",
    ),
    # The web form outside WeChat: anyone may post it; a form with a mistake is shown back.
    Row(
        "POST",
        "/q/<scene>",
        cases(Ok(status=422, has=("请填写反映内容",), may=("station_a",))),
        args={"scene": lambda world, who: world.station_scene()},
        body=lambda world, who: {"data": {"category": "1", "content": ""}},
    ),
    # The JSON twin: anyone may post (a mistake is a 422); a wrong follow token is a 404.
    Row(
        "POST",
        "/api/v1/web/messages",
        cases(422),
        body=lambda world, who: {"json": {"scene": world.station_scene(), "category": 1}},
    ),
    Row("GET", "/api/v1/web/follow/<token>", cases(404), args={"token": lambda w, who: "x" * 24}),
    Row(
        "POST",
        "/api/v1/web/follow/<token>/followups",
        cases(404),
        args={"token": lambda w, who: "x" * 24},
        body=lambda world, who: {"json": {"content": f"{who} 追问"}},
    ),
    Row(
        "POST",
        "/api/v1/web/follow/<token>/rating",
        cases(404),
        args={"token": lambda w, who: "x" * 24},
        body=lambda world, who: {"json": {"score": "satisfied"}},
    ),
    # The follow link is its own credential: a wrong one is a plain 404 for everyone, signed
    # in or not (a right one: tests/test_web_form.py).
    Row("GET", "/t/<token>", cases(404), args={"token": lambda w, who: "x" * 24}),
    Row(
        "POST",
        "/t/<token>/followup",
        cases(404),
        args={"token": lambda w, who: "x" * 24},
        body=lambda world, who: {"data": {"content": f"{who} 追问"}},
    ),
    Row(
        "POST",
        "/t/<token>/rating",
        cases(404),
        args={"token": lambda w, who: "x" * 24},
        body=lambda world, who: {"data": {"score": "satisfied"}},
    ),
    Row(
        "GET",
        "/static/<path:filename>",
        cases(Ok(has=("body",))),
        args={"filename": lambda w, who: "admin/admin.css"},
    ),
    Row(
        "GET",
        "/api/v1/calendar",
        cases(Ok(has=("2031-05-02",), json={"year": 2031, "known": True})),
        query="year=2031",
    ),
    Row("GET", "/api/v1/calendar", cases(422), query="year=9999", variant="bad year"),
    Row("GET", "/wechat/callback", cases(Ok(has=("echo-",))), query=callback_query(True)),
    Row(
        "GET", "/wechat/callback", cases(403), query=callback_query(False), variant="bad signature"
    ),
    Row(
        "POST",
        "/wechat/callback",
        cases(Ok(has=("success",))),
        query=callback_query(True),
        body=lambda world, who: {"data": PUSH.encode(), "headers": {"Content-Type": "text/xml"}},
    ),
    Row(
        "POST",
        "/wechat/callback",
        cases(403),
        query=callback_query(False),
        body=lambda world, who: {"data": PUSH.encode(), "headers": {"Content-Type": "text/xml"}},
        variant="bad signature",
    ),
    # 双公开: anyone reads the approved publications (none in this world); an id that is not
    # public is a plain 404 for everyone.
    Row("GET", "/public/", cases(Ok(has=("双公开",)))),
    Row("GET", "/public/items", cases(Ok(has=("公开的群众反映",)))),
    Row(
        "GET",
        "/public/items/<int:publication_id>",
        cases(404),
        args={"publication_id": lambda w, who: 999999},
    ),
    Row("GET", "/public/suggestions", cases(Ok(has=("公开的代表建议",)))),
    Row(
        "GET",
        "/public/suggestions/<int:publication_id>",
        cases(404),
        args={"publication_id": lambda w, who: 999999},
    ),
    Row("GET", "/public/feed.atom", cases(Ok(has=("<feed",)))),
    Row("GET", "/api/v1/public/items", cases(Ok(json={"total": 0}))),
    Row("GET", "/api/v1/public/suggestions", cases(Ok(json={"total": 0}))),
]

# -- the dashboard ------------------------------------------------------------------------------

ALL_ITEMS = (*A_ITEMS, *B_ITEMS)
AUDIT_MAY = tuple(f"{i}.tracking" for i in ALL_ITEMS)


def signed_out_after(world: World, who: str, identity: Identity) -> None:
    if identity.is_staff:
        answer = identity.request("GET", "/admin/")
        assert answer.status_code == 302 and "/admin/login" in answer.headers["Location"]


DEPUTY_FORM = form(
    name="王建国",
    level="县",
    expertise="城建环保",
    station_ids=ids("station_a"),
    active="1",
)
SHARED_FORM = form(
    name="周共享",
    level="市",
    expertise="经济",
    station_ids=lambda world, who: [world.ids["station_a"], world.ids["station_b"]],
    active="1",
)
STATION_FORM = form(
    name=STATION_A, address="金竹西路 18 号", reception_note="每月逢六上午接待", active="1"
)


def first_scope_rule(world: World) -> int:
    with world.app.app_context():
        found = db.session.scalar(db.select(db.func.min(ScopeRule.id)))
        db.session.remove()
    return found


UNIT_FORM = form(name=UNIT_A, contact_person="刘科长", answer_days="7", active="1")

DASHBOARD_ROWS = [
    Row(
        "GET",
        "/admin/",
        dashboard(
            Ok(see=("wa.tracking",), may=A_ITEMS, has=(STATION_A,), lacks=(STATION_B,)),
            Ok(
                see=("m3.tracking", "wb.tracking"),
                may=B_ITEMS,
                has=(STATION_B,),
                lacks=(STATION_A,),
            ),
            Ok(see=("wa.tracking", "wb.tracking"), may=ALL_ITEMS, has=(STATION_A, STATION_B)),
            # Each lands on its own page instead.
            security_admin=Ok(302, location=to("/admin/security")),
            audit_admin=Ok(302, location=to("/admin/audit")),
            unit_staff=Ok(302, location=to("/admin/unit/")),
        ),
    ),
    Row(
        "GET",
        "/admin/overview",
        dashboard(*[Ok(302, location=to("/admin/"))] * 3),
    ),
    Row(
        "GET",
        "/admin/overview/live.json",
        dashboard(
            Ok(see=("wa.tracking",), may=A_ITEMS, lacks=(STATION_B,)),
            Ok(see=("wb.tracking",), may=B_ITEMS, lacks=(STATION_A,)),
            Ok(see=("wa.tracking", "wb.tracking"), may=ALL_ITEMS),
            signed_out=401,
        ),
    ),
    # Items are named by their tracking numbers, which an administrator may see anyway.
    Row(
        "GET",
        "/admin/audit",
        dashboard(
            403,
            403,
            403,
            audit_admin=Ok(has=("登录",), may=tuple(f"{i}.tracking" for i in ALL_ITEMS)),
        ),
    ),
    Row(
        "GET",
        "/admin/audit/export",
        dashboard(403, 403, 403, audit_admin=Ok(kind="text", has=("登录",), may=AUDIT_MAY)),
        query="format=csv",
    ),
    Row(
        "GET",
        "/admin/audit/export",
        dashboard(403, 403, 403, audit_admin=Ok(kind="xlsx", has=("登录",), may=AUDIT_MAY)),
        query="format=xlsx",
        variant="xlsx",
    ),
    Row(
        "GET",
        "/admin/security",
        dashboard(403, 403, 403, security_admin=Ok(has=("安全管理", "jinzhu"))),
    ),
    Row(
        "POST",
        "/admin/security/users/<int:user_id>/totp-reset",
        dashboard(403, 403, 403, security_admin=Ok(302, location=to("/admin/security"))),
        args={"user_id": "spare_user"},
    ),
    Row(
        "POST",
        "/admin/security/users/<int:user_id>/unlock",
        dashboard(403, 403, 403, security_admin=Ok(302, location=to("/admin/security"))),
        args={"user_id": "spare_user"},
    ),
    Row("GET", "/admin/account/password", everyone_signed_in(Ok(has=("修改我的密码",)))),
    Row(
        "POST",
        "/admin/account/password",
        everyone_signed_in(Ok(422, has=("当前密码不正确",))),
        body=form(current="wrong-password-1", password="Another-pass-9", again="Another-pass-9"),
    ),
    Row("GET", "/admin/account/totp", everyone_signed_in(Ok(has=("身份验证器",)))),
    Row(
        "POST",
        "/admin/account/totp",
        everyone_signed_in(Ok(422, has=("动态口令不正确",))),
        body=form(code="000000"),
    ),
    Row("GET", "/admin/account/wechat", everyone_signed_in(Ok(has=("绑定微信",)))),
    Row(
        "POST",
        "/admin/account/wechat",
        everyone_signed_in(Ok(422, has=("未知的操作",))),
        body=form(action="what"),
    ),
    # No password step in this session: back to the sign-in page, whoever asks.
    Row("GET", "/admin/login/code", cases(LOGIN)),
    Row("POST", "/admin/login/code", cases(LOGIN), body=form(code="123456")),
    Row(
        "GET",
        "/admin/deputies",
        dashboard(
            Ok(has=("王建国", "孙志军"), lacks=("赵丽华",)),
            Ok(has=("赵丽华",), lacks=("王建国", "孙志军")),
            Ok(has=("王建国", "赵丽华")),
        ),
    ),
    Row(
        "GET",
        "/admin/deputies",
        station_a(Ok(has=("王建国",), lacks=("赵丽华",))),
        query=lambda world, who: f"station={world.ids['station_a']}",
        variant="?station=A",
    ),
    Row(
        "GET",
        "/admin/deputies/<int:deputy_id>",
        station_a(Ok(has=("王建国",))),
        args={"deputy_id": "d1"},
    ),
    Row(
        "POST",
        "/admin/deputies/<int:deputy_id>",
        station_a(Ok(302, location=to("/admin/deputies/{d1}"))),
        args={"deputy_id": "d1"},
        body=DEPUTY_FORM,
    ),
    Row(
        "POST",
        "/admin/deputies/<int:deputy_id>/code",
        station_a(Ok(302, location=to("/admin/deputies/{d1}"))),
        args={"deputy_id": "d1"},
    ),
    Row(
        "GET",
        "/admin/deputies/<int:deputy_id>",
        {
            **dashboard(
                Ok(has=("周共享", "只能由系统管理员修改"), lacks=("重新生成编码",)),
                Ok(has=("周共享", "只能由系统管理员修改"), lacks=("重新生成编码",)),
                Ok(has=("周共享", "重新生成编码"), lacks=("只能由系统管理员修改",)),
            ),
            COMMITTEE: Ok(has=("周共享",), lacks=("重新生成编码",)),
        },
        args={"deputy_id": "d5"},
        variant="serves A and B",
    ),
    Row(
        "POST",
        "/admin/deputies/<int:deputy_id>",
        dashboard(403, 403, Ok(302, location=to("/admin/deputies/{d5}"))),
        args={"deputy_id": "d5"},
        body=SHARED_FORM,
        variant="serves A and B",
    ),
    Row(
        "POST",
        "/admin/deputies/<int:deputy_id>/code",
        dashboard(403, 403, Ok(302, location=to("/admin/deputies/{d5}"))),
        args={"deputy_id": "d5"},
        variant="serves A and B",
    ),
    Row(
        "POST",
        "/admin/deputies/<int:deputy_id>/invites",
        # Bound already: an invite from station staff would hand the deputy to whoever spends it.
        station_a(403, admin=Ok(302, location=to("/admin/invites/"))),
        args={"deputy_id": "d2"},
        variant="bound",
    ),
    Row(
        "POST",
        "/admin/deputies/<int:deputy_id>/invites",
        station_a(Ok(302, location=to("/admin/invites/"))),
        args={"deputy_id": spare("spare_invitees", "d4")},
        variant="not bound yet",
    ),
    Row(
        "POST",
        "/admin/deputies/<int:deputy_id>/invites",
        dashboard(403, 403, Ok(302, location=to("/admin/invites/"))),
        args={"deputy_id": "d5"},
        variant="serves A and B",
    ),
    Row("GET", "/admin/deputies/new", dashboard(Ok(), Ok(), Ok())),
    Row(
        "POST",
        "/admin/deputies/new",
        dashboard(*[Ok(302, location=to("/admin/deputies/"))] * 3),
        # Inactive: no poster to render later, never routed to.
        body=form(name="新代表", level="县", station_ids=own_station),
    ),
    Row(
        "POST",
        "/admin/deputies/new",
        station_a(Ok(302, location=to("/admin/deputies/"))),
        body=form(name="新代表", level="县", station_ids=ids("station_a")),
        variant="into station A",
    ),
    Row(
        "GET",
        "/admin/invites/<int:invite_id>",
        station_a(Ok(see=("invite.code",), has=("孙志军",))),
        args={"invite_id": "invite"},
    ),
    Row(
        "GET",
        "/admin/invites/<int:invite_id>/qr.png",
        station_a(Ok(kind="png", qr="invite.code")),
        args={"invite_id": "invite"},
    ),
    Row(
        "GET",
        "/admin/items",
        dashboard(
            Ok(see=("m1.tracking", "m1.content", "wa.tracking"), may=A_ITEMS),
            Ok(see=("m3.tracking", "m3.content", "wb.tracking"), may=B_ITEMS),
            Ok(see=("m1.tracking", "m3.tracking", "wa.tracking", "wb.tracking"), may=ALL_ITEMS),
        ),
    ),
    Row(
        "GET",
        "/admin/items",
        station_a(Ok(see=("m1.tracking",), may=A_ITEMS)),
        query=lambda world, who: f"station={world.ids['station_a']}",
        variant="?station=A",
    ),
    Row(
        "GET",
        "/admin/items",
        station_a(Ok(see=("m1.tracking",), may=A_ITEMS)),
        query=lambda world, who: f"deputy={world.ids['d1']}",
        variant="?deputy=王建国",
    ),
    Row(
        "GET",
        "/admin/items",
        # Searching for another station's tracking number finds nothing of it.
        dashboard(
            Ok(see=("m1.content",), may=A_ITEMS),
            Ok(may=B_ITEMS),
            Ok(see=("m1.content",), may=ALL_ITEMS),
        ),
        query=lambda world, who: f"q={world.secrets['m1.tracking']}",
        variant="?q=<A's tracking number>",
    ),
    Row(
        "GET",
        "/admin/items/<int:message_id>",
        station_a(
            Ok(
                see=("m1.content", "m1.tracking", "m1.phone_masked", "m1.address", "m1.reply"),
                may=("m1",),
            )
        ),
        args={"message_id": "m1"},
    ),
    Row(
        "POST",
        "/admin/items/<int:message_id>/close",
        station_a(Ok(302, location=item_page_of("close"))),
        args={"message_id": spare_item("close")},
    ),
    Row(
        "POST",
        "/admin/items/<int:message_id>/phone",
        station_a(Ok(see=("m1.phone",), may=("m1",))),
        args={"message_id": "m1"},
    ),
    Row(
        "GET",
        "/admin/items/<int:message_id>/photos/<upload_id>",
        station_a(Ok(kind="jpeg")),
        args={"message_id": "m1", "upload_id": "photo"},
    ),
    Row(
        "GET",
        "/admin/items/<int:message_id>/photos/<upload_id>",
        station_a(Ok(kind="jpeg")),
        args={"message_id": "m1", "upload_id": "photo"},
        query="size=thumb",
        variant="thumbnail",
    ),
    Row(
        "GET",
        "/admin/items/<int:message_id>/photos/<upload_id>",
        # Another item's photo is not found through this item, whoever asks.
        dashboard(404, 404, 404),
        args={"message_id": "m1", "upload_id": "other_photo"},
        variant="another item's photo",
    ),
    Row(
        "POST",
        "/admin/items/<int:message_id>/reassign",
        station_a(Ok(302, location=item_page_of("reassign"))),
        args={"message_id": spare_item("reassign")},
        body=form(deputy_id=ids("d2")),
    ),
    Row(
        "POST",
        "/admin/items/<int:message_id>/reject",
        station_a(Ok(302, location=item_page_of("reject"))),
        args={"message_id": spare_item("reject")},
        body=form(reason="广告信息"),
    ),
    Row(
        "POST",
        "/admin/items/<int:message_id>/merge",
        station_a(Ok(302, location=item_page_of("merge"))),
        args={"message_id": spare_item("merge")},
        body=form(into=lambda world, who: world.secrets["m1.tracking"]),
    ),
    Row(
        "POST",
        "/admin/items/<int:message_id>/supervise",
        # 督办 of the real item: it changes no status, and the 代表工委 may do it too.
        {
            **station_a(Ok(302, location=to("/admin/items/{m1}"))),
            COMMITTEE: Ok(302, location=to("/admin/items/{m1}")),
        },
        args={"message_id": "m1"},
        body=form(supervise_note="请尽快答复"),
    ),
    Row(
        "POST",
        "/admin/items/<int:message_id>/revisit",
        # Nothing to record for the real item (never asked): back to its page with a message.
        station_a(Ok(302, location=to("/admin/items/{m1}"))),
        args={"message_id": "m1"},
        body=form(solved="1"),
    ),
    Row(
        "POST",
        "/admin/items/<int:message_id>/reply",
        station_a(Ok(302, location=item_page_of("reply"))),
        args={"message_id": spare_item("reply")},
        body=form(content="联络站已电话答复"),
    ),
    Row(
        "GET",
        "/admin/login",
        cases(Ok(has=("登录",)), **dict.fromkeys(DASHBOARD_USERS, Ok(302, location=to("/admin/")))),
    ),
    Row(
        "POST",
        "/admin/login",
        # Anyone may try; a wrong password is a wrong password whoever is signed in.
        cases(Ok(401, has=("用户名或密码不正确",))),
        body=lambda world, who: {"data": {"username": f"nobody-{who}", "password": "wrong-1234"}},
    ),
    Row(
        "POST",
        "/admin/logout",
        everyone_signed_in(Ok(302, location=to("/admin/login"))),
        fresh_session=True,
        after=signed_out_after,
    ),
    Row(
        "POST",
        "/admin/notices/<int:notice_id>/retry",
        station_a(Ok(302, location=to("/admin/items/{m1}"))),
        args={"notice_id": spare("spare_notices", "m1_notice")},
    ),
    Row(
        "POST",
        "/admin/notices/<int:notice_id>/retry",
        # A notice about no item (a deputy's reminder) belongs to no station: administrators'.
        dashboard(404, 404, Ok(302, location=to("/admin/queue"))),
        args={"notice_id": "orphan_notice"},
        variant="no item",
    ),
    Row(
        "GET",
        "/admin/posters",
        dashboard(
            Ok(has=(STATION_A, "王建国"), lacks=(STATION_B, "赵丽华")),
            Ok(has=(STATION_B, "赵丽华"), lacks=(STATION_A, "王建国")),
            Ok(has=(STATION_A, STATION_B)),
        ),
    ),
    Row(
        "GET",
        "/admin/posters/all.zip",
        dashboard(
            Ok(kind="zip", has=("王建国", "孙志军"), lacks=("赵丽华", "城东")),
            Ok(kind="zip", has=("赵丽华",), lacks=("王建国", "金竹")),
            Ok(kind="zip", has=("王建国", "赵丽华")),
        ),
    ),
    Row(
        "GET",
        "/admin/posters/all.zip",
        station_a(Ok(kind="zip", has=("王建国",), lacks=("赵丽华",))),
        query=lambda world, who: f"station={world.ids['station_a']}",
        variant="?station=A",
    ),
    Row(
        "GET",
        "/admin/posters/deputy/<int:deputy_id>.<fmt>",
        station_a(Ok(kind="png")),
        args={"deputy_id": "d1", "fmt": lambda w, who: "png"},
    ),
    Row(
        "GET",
        "/admin/posters/deputy/<int:deputy_id>.<fmt>",
        station_a(Ok(kind="pdf")),
        args={"deputy_id": "d1", "fmt": lambda w, who: "pdf"},
        variant="pdf",
    ),
    Row(
        "GET",
        "/admin/posters/station/<int:station_id>.<fmt>",
        station_a(Ok(kind="png")),
        args={"station_id": "station_a", "fmt": lambda w, who: "png"},
    ),
    Row(
        "GET",
        "/admin/posters/station/<int:station_id>.<fmt>",
        station_a(Ok(kind="pdf")),
        args={"station_id": "station_a", "fmt": lambda w, who: "pdf"},
        variant="pdf",
    ),
    Row(
        "GET",
        "/admin/posters/qr/<kind>/<int:target_id>.<fmt>",
        station_a(Ok(kind="png")),
        args={
            "kind": lambda w, who: "station",
            "target_id": "station_a",
            "fmt": lambda w, who: "png",
        },
    ),
    Row(
        "GET",
        "/admin/stations/<int:station_id>/receptions",
        station_a(Ok(has=(STATION_A, "教育专题接待"))),
        args={"station_id": "station_a"},
    ),
    Row(
        "POST",
        "/admin/stations/<int:station_id>/receptions",
        station_a(Ok(302, location=to("/admin/stations/{station_a}/receptions"))),
        args={"station_id": "station_a"},
        body=form(
            day=lambda world, who: free_day(world, who),
            starts="14:00",
            ends="16:00",
            topic="矩阵接待",
            deputy_ids=ids("d1"),
        ),
    ),
    Row(
        "POST",
        "/admin/receptions/<int:reception_id>/cancel",
        station_a(Ok(302, location=to("/admin/stations/{station_a}/receptions"))),
        args={"reception_id": spare("spare_receptions", "reception_a")},
        body=form(reason="矩阵取消"),
    ),
    Row("GET", "/admin/queue", admin_only(Ok(see=("m1.tracking",), may=("m1",)))),
    Row(
        "POST",
        "/admin/queue/jobs/<job_id>/retry",
        admin_only(Ok(302, location=to("/admin/queue"))),
        args={"job_id": lambda w, who: "route-1-abcdef"},
    ),
    Row(
        "GET",
        "/admin/registers",
        dashboard(Ok(has=("登记簿",)), Ok(has=("登记簿",)), Ok(has=("登记簿",))),
    ),
    Row(
        "GET",
        "/admin/registers/<kind>.xlsx",
        dashboard(
            Ok(
                kind="xlsx",
                see=("m1.tracking", "m1.content", "m1.reply", "wa.tracking"),
                may=A_ITEMS,
            ),
            Ok(kind="xlsx", see=("m3.tracking", "m3.content", "wb.tracking"), may=B_ITEMS),
            Ok(kind="xlsx", see=("m1.tracking", "m3.tracking"), may=ALL_ITEMS),
        ),
        args={"kind": lambda w, who: "suggestions"},
        query="date_from=2000-01-01",
    ),
    Row(
        "GET",
        "/admin/registers/<kind>.xlsx",
        station_a(Ok(kind="xlsx", see=("m1.tracking",), may=A_ITEMS)),
        args={"kind": lambda w, who: "suggestions"},
        query=lambda world, who: f"date_from=2000-01-01&station={world.ids['station_a']}",
        variant="?station=A",
    ),
    Row(
        "GET",
        "/admin/registers/<kind>.xlsx",
        dashboard(
            Ok(kind="xlsx", see=("wa.tracking", "wa.content", "wa.phone_masked"), may=A_ITEMS),
            Ok(kind="xlsx", see=("wb.tracking", "wb.content"), may=B_ITEMS),
            Ok(kind="xlsx", see=("wa.tracking", "wb.tracking"), may=ALL_ITEMS),
        ),
        args={"kind": lambda w, who: "visits"},
        query="date_from=2000-01-01",
        variant="visits",
    ),
    Row(
        "GET",
        "/admin/registers/exports/<int:export_id>",
        station_a(Ok(has=("意见建议登记簿", "下载 Excel 文件")), admin=404),
        args={"export_id": "export_a"},
    ),
    Row(
        "GET",
        "/admin/registers/exports/<int:export_id>.json",
        dashboard(Ok(json={"status": "done", "percent": 100}), 404, 404, signed_out=401),
        args={"export_id": "export_a"},
    ),
    Row(
        "GET",
        "/admin/registers/exports/<int:export_id>/file",
        station_a(Ok(kind="xlsx", see=("m1.tracking", "wa.tracking"), may=A_ITEMS), admin=404),
        args={"export_id": "export_a"},
    ),
    Row(
        "GET",
        "/admin/points",
        dashboard(
            Ok(has=(STATION_A, "王建国"), lacks=(STATION_B,)),
            Ok(has=(STATION_B,), lacks=(STATION_A,)),
            Ok(has=(STATION_A, STATION_B)),
        ),
    ),
    Row(
        "GET",
        "/admin/points/deputies/<int:deputy_id>",
        station_a(Ok(has=("王建国", "逐条计分理由"))),
        args={"deputy_id": "d1"},
    ),
    Row("GET", "/admin/points/rules", dashboard(Ok(has=("到站接待值班",)), Ok(), Ok())),
    Row(
        "POST",
        "/admin/points/rules/<item>",
        admin_only(Ok(302, location=to("/admin/points/rules"))),
        args={"item": lambda w, who: "shift_attended"},
        body=form(points="3", cap="36", active_from=lambda w, who: local_today().isoformat()),
    ),
    Row(
        "GET",
        "/admin/stations/<int:station_id>/attendance",
        station_a(Ok(has=(STATION_A, "确认代表到站值班"))),
        args={"station_id": "station_a"},
    ),
    Row(
        "POST",
        "/admin/stations/<int:station_id>/attendance",
        station_a(Ok(302, location=to("/admin/stations/{station_a}/attendance"))),
        args={"station_id": "station_a"},
        body=form(deputy_id=ids("d1"), on_date=lambda w, who: local_today().isoformat()),
    ),
    Row(
        "GET",
        "/admin/deputies/<int:deputy_id>/archive.<fmt>",
        station_a(Ok(kind="pdf")),
        args={"deputy_id": "d1", "fmt": lambda w, who: "pdf"},
        variant="pdf",
    ),
    Row(
        "GET",
        "/admin/deputies/<int:deputy_id>/archive.<fmt>",
        station_a(Ok(kind="xlsx", has=("王建国",), see=("m1.tracking",), may=A_ITEMS)),
        args={"deputy_id": "d1", "fmt": lambda w, who: "xlsx"},
        variant="xlsx",
    ),
    Row(
        "POST",
        "/admin/stations/<int:station_id>/archive",
        station_a(Ok(303, location=lambda w, who: "/admin/archives/")),
        args={"station_id": "station_a"},
        body=form(period="2026"),
    ),
    Row(
        "GET",
        "/admin/archives/<int:export_id>",
        station_a(Ok(has=("履职档案", "下载 zip 文件")), admin=404),
        args={"export_id": "archive_a"},
    ),
    Row(
        "GET",
        "/admin/archives/<int:export_id>.json",
        dashboard(Ok(json={"status": "done", "percent": 100}), 404, 404, signed_out=401),
        args={"export_id": "archive_a"},
    ),
    Row(
        "GET",
        "/admin/archives/<int:export_id>/file",
        station_a(Ok(kind="zip", has=("王建国",), lacks=("赵丽华",)), admin=404),
        args={"export_id": "archive_a"},
    ),
    Row(
        "GET",
        "/admin/shifts/<int:shift_id>",
        station_a(Ok(has=("王建国",))),
        args={"shift_id": "shift_a"},
    ),
    Row(
        "POST",
        "/admin/shifts/<int:shift_id>",
        station_a(Ok(302, location=to("/admin/stations/{station_a}/roster"))),
        args={"shift_id": "shift_a"},
        body=form(
            deputy_id=ids("d1"),
            kind="weekly",
            weekly=lambda w, who: str(local_today().isoweekday()),
        ),
    ),
    Row(
        "POST",
        "/admin/shifts/<int:shift_id>/delete",
        station_a(Ok(302, location=to("/admin/stations/{station_a}/roster"))),
        args={"shift_id": spare("spare_shifts", "shift_a")},
    ),
    Row(
        "GET",
        "/admin/stations",
        dashboard(
            Ok(has=(STATION_A,), lacks=(STATION_B,)),
            Ok(has=(STATION_B,), lacks=(STATION_A,)),
            Ok(has=(STATION_A, STATION_B)),
        ),
    ),
    Row(
        "GET",
        "/admin/stations/<int:station_id>",
        station_a(Ok(has=(STATION_A, "王建国"))),
        args={"station_id": "station_a"},
    ),
    Row(
        "POST",
        "/admin/stations/<int:station_id>",
        station_a(Ok(302, location=to("/admin/stations/{station_a}"))),
        args={"station_id": "station_a"},
        body=STATION_FORM,
    ),
    Row(
        "POST",
        "/admin/stations/<int:station_id>/code",
        station_a(Ok(302, location=to("/admin/stations/{station_a}"))),
        args={"station_id": "station_a"},
    ),
    Row(
        "POST",
        "/admin/stations/<int:station_id>/members",
        station_a(Ok(302, location=to("/admin/stations/{station_a}"))),
        args={"station_id": "station_a"},
        body=form(deputy_id=ids("d2")),
    ),
    Row(
        "POST",
        "/admin/stations/<int:station_id>/members/<int:deputy_id>/remove",
        station_a(Ok(302, location=to("/admin/stations/{station_a}"))),
        args={"station_id": "station_a", "deputy_id": spare("spare_members", "d2")},
    ),
    Row(
        "GET",
        "/admin/stations/<int:station_id>/roster",
        station_a(Ok(has=(STATION_A, "王建国"))),
        args={"station_id": "station_a"},
    ),
    Row(
        "POST",
        "/admin/stations/<int:station_id>/roster",
        station_a(Ok(302, location=to("/admin/stations/{station_a}/roster"))),
        args={"station_id": "station_a"},
        body=form(deputy_id=ids("d2"), kind="dates", dates="2032-03-06"),
    ),
    Row("GET", "/admin/calendar", admin_only(Ok(has=("劳动节", "2031-05-02"))), query="year=2031"),
    # 季度分析 (issue 17): figures, topics and clusters within the viewer's stations.
    Row(
        "GET",
        "/admin/analysis",
        dashboard(Ok(has=("季度分析",)), Ok(has=("季度分析",)), Ok(has=("季度分析",))),
    ),
    Row(
        "GET",
        "/admin/analysis",
        station_a(Ok(has=("季度分析",))),
        query=lambda world, who: f"station={world.ids['station_a']}",
        variant="?station=A",
    ),
    Row(
        "GET",
        "/admin/analysis.xlsx",
        dashboard(Ok(kind="xlsx"), Ok(kind="xlsx"), Ok(kind="xlsx")),
    ),
    Row(
        "GET",
        "/admin/analysis/print",
        dashboard(Ok(has=("季度分析",)), Ok(has=("季度分析",)), Ok(has=("季度分析",))),
    ),
    Row(
        "POST",
        "/admin/analysis/run",
        dashboard(
            Ok(302, location=to("/admin/analysis")),
            Ok(302, location=to("/admin/analysis")),
            Ok(302, location=to("/admin/analysis")),
        ),
        body=lambda world, who: {"data": {"quarter": f"{local_today().year}Q1"}},
    ),
    Row(
        "GET",
        "/admin/analysis/clusters/<int:cluster_id>",
        station_a(Ok(see=("m1.tracking",), may=("m1",))),
        args={"cluster_id": "cluster_a"},
    ),
    Row(
        "POST",
        "/admin/analysis/clusters/<int:cluster_id>/candidate",
        station_a(Ok(302, location=to("/admin/analysis/clusters/{cluster_a}"))),
        args={"cluster_id": "cluster_a"},
        body=form(year="2026"),
    ),
    Row(
        "POST",
        "/admin/analysis/clusters/<int:cluster_id>/draft",
        # A staff-drafted 代表建议 from the cluster (led by the deputy holding m1): its page.
        station_a(Ok(302, location=to("/admin/suggestions/"))),
        args={"cluster_id": "cluster_a"},
    ),
    Row(
        "GET",
        "/admin/analysis/candidates",
        dashboard(Ok(has=("民生实事候选",)), Ok(has=("民生实事候选",)), Ok(has=("民生实事候选",))),
    ),
    Row(
        "GET",
        "/admin/analysis/responsiveness",
        dashboard(Ok(has=("办理时效表",)), Ok(has=("办理时效表",)), Ok(has=("办理时效表",))),
    ),
    Row(
        "POST",
        "/admin/calendar/days",
        admin_only(Ok(302, location=to("/admin/calendar?year=2031"))),
        body=form(day="2031-01-01", kind="holiday", name="元旦"),
    ),
    Row(
        "POST",
        "/admin/calendar/days/<day>/delete",
        admin_only(Ok(302, location=to("/admin/calendar?year=2031"))),
        args={"day": lambda world, who: "2031-05-02"},
    ),
    Row(
        "POST",
        "/admin/calendar/paste",
        admin_only(Ok(302, location=to("/admin/calendar?year=2032"))),
        body=form(schedule="2032-01-01 元旦 休"),
    ),
    Row("GET", "/admin/stations/new", admin_only(Ok())),
    Row(
        "POST",
        "/admin/stations/new",
        admin_only(Ok(302, location=to("/admin/stations/"))),
        body=form(name="新建联络站（停用）", address="某路 1 号"),  # inactive: no poster
    ),
    Row("GET", "/admin/users", admin_only(Ok(has=("jinzhu", "chengdong")))),
    Row(
        "GET",
        "/admin/users/<int:user_id>",
        admin_only(Ok(has=("备用账号",))),
        args={"user_id": "spare_user"},
    ),
    Row(
        "POST",
        "/admin/users/<int:user_id>",
        admin_only(Ok(302, location=to("/admin/users"))),
        args={"user_id": "spare_user"},
        body=form(
            display_name="备用账号", role="station_staff", station_ids=ids("station_b"), active="1"
        ),
    ),
    Row("GET", "/admin/users/new", admin_only(Ok())),
    Row(
        "POST",
        "/admin/users/new",
        admin_only(Ok(302, location=to("/admin/users"))),
        body=form(
            username="newclerk",
            display_name="新联络员",
            role="station_staff",
            station_ids=ids("station_b"),
            active="1",
            password="long-enough-1",
        ),
    ),
    Row(
        "GET",
        "/admin/walk-ins",
        dashboard(
            Ok(see=("wa.tracking", "wa.content"), may=A_ITEMS),
            Ok(see=("wb.tracking", "wb.content"), may=B_ITEMS),
            Ok(see=("wa.tracking", "wb.tracking"), may=ALL_ITEMS),
        ),
    ),
    Row(
        "GET",
        "/admin/walk-ins/callbacks",
        dashboard(Ok(has=("回访名单",)), Ok(has=("回访名单",)), Ok(has=("回访名单",))),
    ),
    Row("GET", "/admin/walk-ins/new", dashboard(Ok(), Ok(), Ok())),
    Row(
        "POST",
        "/admin/walk-ins/new",
        dashboard(*[Ok(302, location=to("/admin/items/"))] * 3),
        body=form(station_id=own_station, category_id="1", content="来访：新登记一件事"),
    ),
    Row(
        "POST",
        "/admin/walk-ins/new",
        station_a(Ok(302, location=to("/admin/items/"))),
        body=form(station_id=ids("station_a"), category_id="1", content="来访：登记到金竹"),
        variant="into station A",
    ),
    # Handling units: administrators keep them; a unit's account sees its own inbox only.
    # 「不在受理范围」: administrators only (the seeded rules are there on every database).
    Row("GET", "/admin/scope-rules", admin_only(Ok(has=("不在受理范围", "12345")))),
    Row("GET", "/admin/scope-rules/new", admin_only(Ok())),
    Row(
        "POST",
        "/admin/scope-rules/new",
        admin_only(Ok(302, location=to("/admin/scope-rules"))),
        body=form(topic="劳动争议", where="请向劳动人事争议仲裁委员会申请仲裁", active="1"),
    ),
    Row(
        "GET",
        "/admin/scope-rules/<int:rule_id>",
        admin_only(Ok(has=("建议去向",))),
        args={"rule_id": lambda world, who: first_scope_rule(world)},
    ),
    Row(
        "POST",
        "/admin/scope-rules/<int:rule_id>",
        admin_only(Ok(302, location=to("/admin/scope-rules"))),
        args={"rule_id": lambda world, who: first_scope_rule(world)},
        body=form(topic="紧急情况", where="请立即拨打 110、119、120", sort_order="0", active="1"),
    ),
    Row(
        "POST",
        "/admin/scope-rules/<int:rule_id>/active",
        admin_only(Ok(302, location=to("/admin/scope-rules"))),
        args={"rule_id": lambda world, who: first_scope_rule(world)},
        body=form(active="1"),
    ),
    Row("GET", "/admin/units", admin_only(Ok(has=(UNIT_A, UNIT_B)))),
    Row("GET", "/admin/units/new", admin_only(Ok())),
    Row(
        "POST",
        "/admin/units/new",
        admin_only(Ok(302, location=to("/admin/units/"))),
        body=form(name="区交通运输局", answer_days="5", active="1"),
    ),
    Row("GET", "/admin/units/<int:unit_id>", admin_only(Ok(has=(UNIT_A,))), args={"unit_id": "u1"}),
    Row(
        "POST",
        "/admin/units/<int:unit_id>",
        admin_only(Ok(302, location=to("/admin/units/{u1}"))),
        args={"unit_id": "u1"},
        body=UNIT_FORM,
    ),
    Row(
        "POST",
        "/admin/units/<int:unit_id>/keys",
        # The new key is on this one answer (not a secret of the world: it is made here).
        admin_only(Ok(has=("只显示这一次",))),
        args={"unit_id": "u1"},
        body=form(label="新系统"),
    ),
    Row(
        "POST",
        "/admin/units/<int:unit_id>/keys/<int:key_id>/revoke",
        admin_only(Ok(302, location=to("/admin/units/{u1}"))),
        args={"unit_id": "u1", "key_id": "spare_key"},
    ),
    Row(
        "POST",
        "/admin/items/<int:message_id>/transfer",
        station_a(Ok(302, location=item_page_of("transfer"))),
        args={"message_id": spare_item("transfer")},
        body=form(unit_id=ids("u2"), note="请住建局办理"),
    ),
    Row(
        "GET",
        "/admin/unit/",
        unit_desk(
            Ok(see=("m4.content", "m4.tracking"), may=("m4",)),
            Ok(lacks=("戊内容",)),
        ),
    ),
    Row(
        "GET",
        "/admin/unit/transfers/<int:transfer_id>",
        unit_desk(Ok(see=("m4.content", "m4.tracking", "m4.note"), may=("m4",))),
        args={"transfer_id": "t1"},
    ),
    Row(
        "POST",
        "/admin/unit/transfers/<int:transfer_id>/sign",
        unit_desk(Ok(302, location=lambda world, who: "/admin/unit/transfers/")),
        args={"transfer_id": spare_transfer("sign")},
    ),
    Row(
        "POST",
        "/admin/unit/transfers/<int:transfer_id>/answer",
        unit_desk(Ok(302, location=lambda world, who: "/admin/unit/transfers/")),
        args={"transfer_id": spare_transfer("answer")},
        body=form(content="城管局已处理", result="solved"),
    ),
    Row(
        "POST",
        "/admin/unit/transfers/<int:transfer_id>/return",
        unit_desk(Ok(302, location=lambda world, who: "/admin/unit/transfers/")),
        args={"transfer_id": spare_transfer("return")},
        body=form(reason="不属于本单位"),
    ),
    # 双公开 (permission `publish`: station staff and administrators; not the 代表工委).
    # 不公开 on an item with no publication changes nothing: back to the item page.
    Row(
        "POST",
        "/admin/items/<int:message_id>/publish",
        station_a(Ok(302, location=to("/admin/items/{m1}"))),
        args={"message_id": "m1"},
        body=form(mode="none"),
    ),
    Row(
        "GET",
        "/admin/publications",
        # The layout around the (empty) list may name the station's own items, as every page.
        {
            **dashboard(Ok(may=A_ITEMS), Ok(may=B_ITEMS), Ok(may=A_ITEMS + B_ITEMS)),
            COMMITTEE: 403,
        },
    ),
    Row(
        "GET",
        "/admin/publications/<int:publication_id>",
        {**dashboard(404, 404, 404), COMMITTEE: 403},
        args={"publication_id": lambda w, who: 999999},
    ),
    *(
        Row(
            "POST",
            f"/admin/publications/<int:publication_id>/{action}",
            dashboard(404, 404, 404),
            args={"publication_id": lambda w, who: 999999},
        )
        for action in ("edit", "approve", "withdraw")
    ),
]


# 代表建议: this world holds none, so an id is one that is nobody's (999999): whoever may use a
# route is told there is no such suggestion (404), whoever may not is refused first. The
# suggestion's own rules (附议, 背靠背, the unit's steps): tests/units/test_suggestions.py.
NO_SUGGESTION = {"suggestion_id": lambda w, who: 999999}
SUGGESTION_API_ROWS = [
    # An empty draft: a deputy is told what is missing (422), a citizen may not draft (403).
    Row("POST", "/api/v1/deputy/suggestions", bearer(403, deputy=422, other_deputy=422),
        body=lambda world, who: {"json": {}}),
    Row("GET", "/api/v1/deputy/suggestions",
        bearer(403, **dict.fromkeys((DEPUTY, OTHER_DEPUTY), Ok(json={"suggestions": []})))),
    # Each deputy is offered the other, resident at the same station (A), never themselves.
    Row("GET", "/api/v1/deputy/suggestions/colleagues",
        bearer(403, deputy=Ok(has=("李秀兰",), lacks=("王建国",)),
               other_deputy=Ok(has=("王建国",), lacks=("李秀兰",)))),
    Row("GET", "/api/v1/deputy/suggestions/<int:suggestion_id>",
        bearer(403, deputy=404, other_deputy=404), args=NO_SUGGESTION),
    Row("POST", "/api/v1/deputy/suggestions/<int:suggestion_id>/confirm",
        bearer(403, deputy=404, other_deputy=404), args=NO_SUGGESTION,
        body=lambda world, who: {"json": {"confirm": True}}),
    Row("POST", "/api/v1/deputy/suggestions/<int:suggestion_id>/submit",
        bearer(403, deputy=404, other_deputy=404), args=NO_SUGGESTION),
    Row("POST", "/api/v1/deputy/suggestions/<int:suggestion_id>/evaluation",
        bearer(403, deputy=404, other_deputy=404), args=NO_SUGGESTION,
        body=lambda world, who: {"json": {"score": "satisfied"}}),
    Row("GET", "/api/v1/unit/suggestions",
        unit_api(Ok(json={"suggestions": []}), Ok(json={"suggestions": []}))),
    Row("GET", "/api/v1/unit/suggestions/<int:suggestion_id>", unit_api(404, 404),
        args=NO_SUGGESTION),
    Row("POST", "/api/v1/unit/suggestions/<int:suggestion_id>/sign", unit_api(404, 404),
        args=NO_SUGGESTION),
    Row("POST", "/api/v1/unit/suggestions/<int:suggestion_id>/meetings", unit_api(404, 404),
        args=NO_SUGGESTION,
        body=lambda world, who: {"json": {"date": "2026-12-01", "form": "visit",
                                          "summary": "面商"}}),
    Row("POST", "/api/v1/unit/suggestions/<int:suggestion_id>/interim", unit_api(404, 404),
        args=NO_SUGGESTION, body=lambda world, who: {"json": {"content": "阶段性答复"}}),
    Row("POST", "/api/v1/unit/suggestions/<int:suggestion_id>/opinion", unit_api(404, 404),
        args=NO_SUGGESTION, body=lambda world, who: {"json": {"opinion": "协办意见"}}),
    Row("POST", "/api/v1/unit/suggestions/<int:suggestion_id>/documents", unit_api(404, 404),
        args=NO_SUGGESTION,
        body=lambda world, who: {"files": {"file": ("答复.pdf", b"%PDF-1.4", "application/pdf")}}),
    Row("POST", "/api/v1/unit/suggestions/<int:suggestion_id>/answer", unit_api(404, 404),
        args=NO_SUGGESTION,
        body=lambda world, who: {"json": {"content": "答复", "grade": "A"}}),
    Row("POST", "/api/v1/unit/suggestions/<int:suggestion_id>/lookback", unit_api(404, 404),
        args=NO_SUGGESTION, body=lambda world, who: {"json": {"content": "落实情况"}}),
]  # fmt: skip

# 代表建议 on the dashboard: station staff read their stations' (`suggest`), the 代表工委 and
# administrators also review, number and hand them on (`suggest_manage`).
SUGGESTION_DASHBOARD_ROWS = [
    Row("GET", "/admin/suggestions",
        dashboard(Ok(may=A_ITEMS), Ok(may=B_ITEMS), Ok(may=A_ITEMS + B_ITEMS))),
    Row("GET", "/admin/suggestions/units",
        dashboard(Ok(may=A_ITEMS), Ok(may=B_ITEMS), Ok(may=A_ITEMS + B_ITEMS))),
    Row("GET", "/admin/suggestions/register.xlsx",
        dashboard(Ok(kind="xlsx"), Ok(kind="xlsx"), Ok(kind="xlsx"))),
    Row("GET", "/admin/suggestions/<int:suggestion_id>", dashboard(404, 404, 404),
        args=NO_SUGGESTION),
    Row("GET", "/admin/suggestions/<int:suggestion_id>/document", dashboard(404, 404, 404),
        args=NO_SUGGESTION),
    *(
        Row("POST", f"/admin/suggestions/<int:suggestion_id>/{action}",
            {**dashboard(403, 403, 404), COMMITTEE: 404}, args=NO_SUGGESTION,
            body=lambda world, who: {"data": {"remarks": "请补充", "unit_id": "1"}})
        for action in ("return", "accept", "assign", "priority", "close")
    ),
    # 双公开 of a suggestion: whoever may propose publications (`publish`: station staff and
    # administrators, not the 代表工委).
    Row("POST", "/admin/suggestions/<int:suggestion_id>/publish",
        {**dashboard(404, 404, 404), COMMITTEE: 403}, args=NO_SUGGESTION),
]  # fmt: skip

# Reads first, then writes (each in table order): what a write changes never decides a read.
ROWS = sorted(
    API_ROWS + PUBLIC_ROWS + DASHBOARD_ROWS + SUGGESTION_API_ROWS + SUGGESTION_DASHBOARD_ROWS,
    key=lambda row: row.method != "GET",
)
CASES = [pytest.param(row, who, id=f"{row.id} [{who}]") for row in ROWS for who in IDENTITIES]


# -- checking an answer -------------------------------------------------------------------------


def body_text(response, kind: str) -> str:
    """Everything a person could read in the answer, as text."""
    if kind == "xlsx":
        book = openpyxl.load_workbook(io.BytesIO(response.content))
        return "\n".join(
            str(cell.value)
            for sheet in book.worksheets
            for row in sheet.iter_rows()
            for cell in row
            if cell.value is not None
        )
    if kind == "zip":
        return "\n".join(zipfile.ZipFile(io.BytesIO(response.content)).namelist())
    if kind in ("png", "jpeg", "pdf"):
        return ""
    return response.text


def allowed_secrets(world: World, names: tuple) -> set[str]:
    """`m1` -> every m1.* secret but the full phone and the visitor's name; `m1.x` -> itself."""
    return {n for n in names if "." in n} | {
        secret
        for prefix in (n for n in names if "." not in n)
        for secret in world.secrets
        if secret.startswith(prefix + ".") and not secret.endswith(NAMED_ONLY)
    }


def json_value(data, dotted: str):
    for part in dotted.split("."):
        data = data[part]
    return data


def check(world: World, outcome: Outcome, response, who: str) -> None:
    status = response.status_code
    where = f"{response.request.method} {response.request.path_url} as {who}"
    if outcome == LOGIN:
        assert status == 302, f"{where}: {status}, expected a redirect to the sign-in page"
        assert urlsplit(response.headers["Location"]).path == "/admin/login", where
        may, text = set(), response.text
    elif isinstance(outcome, int):
        assert status == outcome, f"{where}: {status}, expected {outcome}: {response.text[:300]}"
        text = response.text
        if response.headers.get("Content-Type", "").startswith("application/json"):
            message = response.json()["error"]["message"]
        else:
            message = text
        assert CJK.search(message), f"{where}: the refusal says nothing in Chinese"
        may = set()
    else:
        assert status == outcome.status, (
            f"{where}: {status}, expected {outcome.status}: {response.text[:300]}"
        )
        kind = outcome.kind
        if kind == "png":
            assert response.content.startswith(b"\x89PNG"), where
        if kind == "jpeg":
            assert response.content.startswith(b"\xff\xd8"), where
        if kind == "pdf":
            assert response.content.startswith(b"%PDF"), where
        if kind == "zip":
            assert response.content.startswith(b"PK"), where
        text = body_text(response, kind)
        may = allowed_secrets(world, outcome.may + outcome.see)
        for name in outcome.see:
            assert world.secrets[name] in text, f"{where}: {name} is missing"
        for value in outcome.has:
            assert value in text, f"{where}: {value!r} is missing"
        for value in outcome.lacks:
            assert value not in text, f"{where}: {value!r} must not be shown here"
        for dotted, expected in outcome.json.items():
            assert json_value(response.json(), dotted) == expected, f"{where}: {dotted}"
        if outcome.location is not None:
            expected = outcome.location(world, who)
            assert expected in response.headers.get("Location", ""), (
                f"{where}: redirected to {response.headers.get('Location')}, not {expected}"
            )
        if outcome.qr:
            decoded = [
                c.text for c in zxingcpp.read_barcodes(Image.open(io.BytesIO(response.content)))
            ]
            assert decoded == [world.secrets[outcome.qr]], where
    text += "\n" + response.headers.get("Location", "")
    # What the caller put in the URL is theirs already (the sign-in link and the search box
    # echo it): not a leak.
    sent = unquote(response.request.path_url)
    leaks = [
        name
        for name, value in world.secrets.items()
        if name not in may and value in text and value not in sent
    ]
    assert not leaks, f"{where}: leaked {leaks}"


# -- the tests ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(module_live):
    module_live.app.config.update(
        WECHAT_QR_VERIFY_FILE=QR_FILE, WECHAT_QR_VERIFY_CONTENT=QR_CONTENT
    )
    return build_world(module_live)


def normal_rule(rule: str) -> str:
    """`<int(min=1):id>` -> `<int:id>`: a converter's bounds don't change who may call it."""
    return re.sub(r"<(\w+)\([^)]*\):", r"<\1:", rule)


def test_every_route_has_a_row(app):
    """A route nobody decided for fails here: add its row (who may use it) to the table."""
    routes = {
        (method, normal_rule(rule.rule))
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    table = {(row.method, row.rule) for row in ROWS}
    missing, stale = sorted(routes - table), sorted(table - routes)
    assert not missing, f"routes with no row in the access matrix: {missing}"
    assert not stale, f"rows for routes that no longer exist: {stale}"
    for row in ROWS:
        assert set(row.cases) == set(IDENTITIES), row.id


@pytest.mark.parametrize(("row", "who"), CASES)
def test_access(world, row, who):
    identity = world.who[who]
    if row.fresh_session and identity.is_staff:
        identity = Identity(who, identity.url, username=USERNAMES[who]).sign_in()
    kwargs = row.body(world, who) if row.body else {}
    response = identity.request(row.method, row.path(world, who), **kwargs)
    check(world, row.cases[who], response, who)
    if row.after:
        row.after(world, who, identity)


def test_refused_writes_changed_nothing(world):
    """Whatever order the matrix ran in, the refused callers left no trace on the real item."""
    app = world.app
    with app.app_context():
        m1 = db.session.get(Message, world.ids["m1"])
        # The owner's own follow-up (an allowed write) asks the deputy again; nothing else moved.
        assert m1.status in ("replied", "followed_up")
        assert m1.active_assignment.deputy_id == world.ids["d1"]
        kinds = set(db.session.scalars(db.select(Event.kind).where(Event.message_id == m1.id)))
        assert not kinds & {"reassigned", "rejected", "closed", "rated"}
        authors = set(
            db.session.scalars(db.select(Reply.author_kind).where(Reply.message_id == m1.id))
        )
        assert authors <= {"deputy", "citizen"}
        assert db.session.get(Station, world.ids["station_a"]).name == STATION_A
        assert db.session.get(StationMember, (world.ids["station_a"], world.ids["d2"]))
        assert db.session.get(DutyShift, world.ids["shift_a"]) is not None
        deputy = db.session.get(Deputy, world.ids["d1"])
        assert deputy.name == "王建国" and deputy.active
        # The deputy of both stations: still theirs, and nobody but an administrator invited.
        shared = db.session.get(Deputy, world.ids["d5"])
        assert (
            shared.name == "周共享"
            and shared.active
            and shared.citizen.openid == (world.ids["d5_openid"])
        )
        invites = db.session.scalars(
            db.select(DeputyInvite).where(
                DeputyInvite.deputy_id.in_((world.ids["d2"], world.ids["d5"])),
                DeputyInvite.code.not_in(world.ids["invites"].values()),
            )
        ).all()
        assert invites and all(i.issued_by_admin for i in invites)
        notice = db.session.get(Notification, world.ids["m1_notice"])
        assert notice.status == "no_consent"  # only the allowed retried, and only their spares
        m3 = db.session.get(Message, world.ids["m3"])
        assert m3.status == "routed" and not m3.replies
        db.session.remove()


def test_a_deputy_loses_an_item_when_staff_reassign_it(world):
    """ "Routed to them" means now: the deputy it was taken from gets 404, like any other."""
    live = world.live
    _, token = live.citizen("王大妈")
    scene = world.deputy_scene("d1")  # scanned on 王建国's own card: his, whatever the roster
    answer = live.api(
        "POST",
        "/messages",
        token,
        json={"scene": scene, "category": "城乡建设", "content": "改派测试：井盖松动"},
        headers={"Idempotency-Key": secrets.token_hex(8)},
    )
    assert answer.status_code == 201, answer.text
    message_id = answer.json()["id"]
    live.work()
    deputy, other = world.who[DEPUTY], world.who[OTHER_DEPUTY]
    path = f"/api/v1/deputy/messages/{message_id}"
    assert deputy.request("GET", path).status_code == 200
    assert other.request("GET", path).status_code == 404
    answer = world.who[STAFF].request(
        "POST", f"/admin/items/{message_id}/reassign", data={"deputy_id": world.ids["d2"]}
    )
    assert answer.status_code == 302
    for method, suffix, body in (("GET", "", None), ("POST", "/replies", {"content": "我来答"})):
        answer = deputy.request(method, path + suffix, json=body)
        assert answer.status_code == 404 and "井盖" not in answer.text
    inbox = deputy.request("GET", "/api/v1/deputy/inbox").text
    assert "井盖" not in inbox
    assert "井盖" in other.request("GET", path).text
    assert "井盖" in other.request("GET", "/api/v1/deputy/inbox").text


def test_a_new_binding_takes_the_deputy_from_the_old_wechat(world):
    """An administrator re-issues an invite (a new phone): the old WeChat is a citizen again at
    once, is told so in WeChat, and the move is on record."""
    live = world.live
    old_openid, old_token = live.citizen("孙志军旧手机")
    answer = live.api(
        "POST", "/deputy/bind", old_token, json={"invite_code": world.ids["invite_code"]}
    )
    assert answer.status_code == 200
    old = Identity("old phone", live.url, old_token, old_openid)
    assert old.request("GET", "/api/v1/deputy/inbox").status_code == 200
    # As the bind page does: the deputy's phone allows the deputies' notices.
    live.sandbox.consent(old_openid, world.app.config["WECHAT_TEMPLATES"].reminder)
    # Station staff may not re-issue for a bound deputy, and a code issued by staff before the
    # binding cannot move it either.
    refused = world.who[STAFF].request("POST", f"/admin/deputies/{world.ids['d4']}/invites")
    assert refused.status_code == 403 and "系统管理员" in refused.text
    with world.app.app_context():
        earlier = factories.invite(db.session.get(Deputy, world.ids["d4"]))
        db.session.commit()
        earlier_code = earlier.code
        db.session.remove()
    _, thief_token = live.citizen("工作人员自己的微信")
    taken = live.api("POST", "/deputy/bind", thief_token, json={"invite_code": earlier_code})
    assert taken.status_code == 409 and taken.json()["error"]["code"] == "rebind_needs_admin"
    assert old.request("GET", "/api/v1/deputy/inbox").status_code == 200
    with world.app.app_context():
        assert (
            db.session.scalar(
                db.select(DeputyInvite.used_at).where(DeputyInvite.code == earlier_code)
            )
            is None
        )  # not spent: the refusal changed nothing
        db.session.remove()
    where = world.who[ADMIN].request("POST", f"/admin/deputies/{world.ids['d4']}/invites")
    invite_id = int(where.headers["Location"].rsplit("/", 1)[1])
    with world.app.app_context():
        code = db.session.get(DeputyInvite, invite_id).code
        db.session.remove()
    _, new_token = live.citizen("孙志军新手机")
    assert (
        live.api("POST", "/deputy/bind", new_token, json={"invite_code": code}).status_code == 200
    )
    answer = old.request("GET", "/api/v1/deputy/inbox")
    assert answer.status_code == 403 and answer.json()["error"]["code"] == "not_a_deputy"
    assert live.api("GET", "/deputy/inbox", new_token).status_code == 200
    live.work()
    (notice,) = live.sandbox.sent(old_openid)
    assert notice["template_id"] == world.app.config["WECHAT_TEMPLATES"].reminder
    assert "另一个微信" in notice["data"]["thing2"]["value"]
    with world.app.app_context():
        row = db.session.scalar(
            db.select(AuditLog).where(
                AuditLog.action == "deputy_rebound", AuditLog.target == f"deputy:{world.ids['d4']}"
            )
        )
        assert row is not None and row.data["invite_id"] == invite_id
        db.session.remove()
    log = world.who[AUDIT_ADMIN].request("GET", "/admin/audit").text
    assert "代表更换绑定微信" in log


def test_staff_cannot_make_themselves_a_deputy_of_another_station(world):
    """The attack: staff of station A invite the deputy who also serves B, bind it with their
    own WeChat, and read B's items and phones. Each step is refused, and nothing changed."""
    live, staff = world.live, world.who[STAFF]
    d5 = world.ids["d5"]
    for path in (f"/admin/deputies/{d5}/invites", f"/admin/deputies/{d5}/code"):
        answer = staff.request("POST", path)
        assert answer.status_code == 403 and "系统管理员" in answer.text
    answer = staff.request(
        "POST",
        f"/admin/deputies/{d5}",
        data={"name": "改名", "level": "市", "station_ids": world.ids["station_a"], "active": ""},
    )
    assert answer.status_code == 403
    page = staff.request("GET", f"/admin/deputies/{d5}").text
    assert "生成邀请码</button>" not in page and "只能由系统管理员修改" in page
    with world.app.app_context():
        shared = db.session.get(Deputy, d5)
        assert shared.name == "周共享" and shared.active
        assert shared.citizen.openid == world.ids["d5_openid"]
        assert {m.station_id for m in shared.memberships} == {
            world.ids["station_a"],
            world.ids["station_b"],
        }
        db.session.remove()
    assert live.api("GET", "/deputy/inbox", world.ids["d5_token"]).status_code == 200


def test_a_deputy_reading_a_full_phone_is_on_record(world):
    deputy, staff = world.who[DEPUTY], world.who[STAFF]
    m1 = world.ids["m1"]

    def records() -> tuple[int, int]:
        with world.app.app_context():
            events = db.session.scalar(
                db.select(db.func.count())
                .select_from(Event)
                .where(
                    Event.kind == "phone_viewed",
                    Event.actor == "deputy",
                    Event.message_id == m1,
                )
            )
            audits = db.session.scalar(
                db.select(db.func.count())
                .select_from(AuditLog)
                .where(AuditLog.action == "phone_viewed", AuditLog.target == f"message:{m1}")
            )
            db.session.remove()
        return events, audits

    before = records()
    page = deputy.request("GET", f"/api/v1/deputy/messages/{m1}")
    assert page.json()["contact_phone"] == "138****5678" and "13812345678" not in page.text
    assert records() == before  # reading the item reveals nothing
    called = deputy.request("POST", f"/api/v1/deputy/messages/{m1}/phone")
    assert called.json() == {"contact_phone": "13812345678"}
    events, audits = records()
    assert (events, audits) == (before[0] + 1, before[1] + 1)
    # No phone left: nothing to reveal, nothing recorded.
    none = deputy.request("POST", f"/api/v1/deputy/messages/{world.ids['m2']}/phone")
    assert none.json() == {"contact_phone": None}
    assert records() == (events, audits)
    timeline = staff.request("GET", f"/admin/items/{m1}").text
    assert "查看联系电话" in timeline
