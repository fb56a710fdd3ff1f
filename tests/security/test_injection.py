"""What citizens, deputies and staff type is shown as text, never run: HTML and script stay
escaped on every page that shows them, Jinja-looking text is not evaluated, SQL-looking text is
just text (the database keeps every table and row), and a register cell that starts with "="
is a string, not an Excel formula.

The hostile strings go in the way real ones do: a message's content and place through the API,
a deputy's reply through the API, a station, a deputy, a walk-in, a staff answer and a refusal
reason through the dashboard's forms; a citizen's WeChat nickname through the sandbox.
"""

from __future__ import annotations

import io
import re
import uuid
from html.parser import HTMLParser

import openpyxl
import pytest
from markupsafe import escape
from sqlalchemy import inspect

from server.models import Message, Station
from server.platform.clock import local_today
from server.platform.db import db
from tests.security.world import (
    ADMIN,
    AUDIT_ADMIN,
    DEPUTY,
    STAFF,
    World,
    build_world,
    png_bytes,
)

PAYLOADS = {
    "script": "<script>alert(1)</script>",
    "img": '"><img src=x onerror=alert(1)>',
    "js": "javascript:alert(document.cookie)",
    "jinja": "{{7*7}}{{config}}{% print 7*7 %}",
    "sql": "'; DROP TABLE messages; --",
    "or": "1 OR 1=1",
    "formula": '=HYPERLINK("http://evil.example/","点这里")',
}
STATION_NAME = '<script>alert("站")</script>和平社区联络站'
STATION_ADDRESS = '"><img src=x onerror=alert(2)>和平路 1 号'
STATION_NOTE = "{{7*7}} {% if 1 %}模板{% endif %} javascript:alert(5)"
DEPUTY_NAME = "<img src=x onerror=alert(3)>吴代表"
DEPUTY_TITLE = "javascript:alert(4)//'; DROP TABLE deputies; --"
NICKNAME = "<svg onload=alert(6)>微信昵称"
WALK_IN = '<script>alert("来访")</script>来访群众反映'
STAFF_REPLY = "<b onmouseover=alert(7)>联络站答复</b>"
REASON = "<iframe src=javascript:alert(8)>不予受理"
SQL_ERRORS = re.compile(
    r"sqlite3|psycopg|OperationalError|ProgrammingError|syntax error|Traceback", re.IGNORECASE
)


class LiveMarkup(HTMLParser):
    """What a browser would run: script bodies, on* handlers, javascript: links."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self._in_script = True
        if tag in ("iframe", "svg", "img") and any(name.startswith("on") for name, _ in attrs):
            self.found.append(f"<{tag}> with a handler")
        for name, value in attrs:
            value = (value or "").strip().lower()
            if name.startswith("on") and "alert" in value:
                self.found.append(f"{tag} {name}={value}")
            if name in ("href", "src", "action", "formaction") and value.startswith("javascript:"):
                self.found.append(f"{tag} {name}={value}")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and "alert(" in data:
            self.found.append(f"script: {data[:60]}")


def assert_inert(html: str, where: str, shown: tuple = ()) -> None:
    """Nothing hostile runs; each string of `shown` is on the page, escaped."""
    parser = LiveMarkup()
    parser.feed(html)
    assert not parser.found, f"{where}: live markup {parser.found}"
    for raw in (PAYLOADS["script"], "<img src=x onerror", "<svg onload", "<iframe", "<b onmouse"):
        assert raw not in html, f"{where}: {raw!r} is on the page as markup"
    assert not SQL_ERRORS.search(html), f"{where}: a database error is on the page"
    for text in shown:
        assert str(escape(text)) in html, f"{where}: {text!r} is not shown (escaped)"


def hostile_citizen(live, nickname: str = "群众") -> tuple[str, str]:
    openid, token = live.citizen(nickname)
    template = live.app.config["WECHAT_TEMPLATES"].reply
    live.sandbox.consent(openid, template)
    assert live.api("POST", "/subscriptions", token, json={"accepted": [template]}).ok
    return openid, token


def post_form(world: World, who: str, path: str, data: dict) -> str:
    answer = world.who[who].request("POST", path, data=data)
    assert answer.status_code == 302, f"{path}: {answer.status_code} {answer.text[:300]}"
    return answer.headers["Location"]


def table_counts(app) -> dict[str, int]:
    with app.app_context():
        names = inspect(db.engine).get_table_names()
        counts = {
            name: db.session.execute(db.text(f'SELECT COUNT(*) FROM "{name}"')).scalar()
            for name in names
        }
        db.session.remove()
    return counts


@pytest.fixture(scope="module")
def world(module_live) -> World:
    world = build_world(module_live)
    live, app, ids = module_live, module_live.app, world.ids
    world.ids["counts_before"] = table_counts(app)

    # A station and a deputy whose names are markup, made through the dashboard's forms.
    where = post_form(
        world,
        ADMIN,
        "/admin/stations/new",
        {
            "name": STATION_NAME,
            "address": STATION_ADDRESS,
            "reception_note": STATION_NOTE,
            "active": "1",
        },
    )
    ids["hostile_station"] = int(where.rstrip("/").rsplit("/", 1)[1])
    where = post_form(
        world,
        ADMIN,
        "/admin/deputies/new",
        {
            "name": DEPUTY_NAME,
            "level": "县",
            "title": DEPUTY_TITLE,
            "station_ids": ids["hostile_station"],
            "active": "1",
        },
    )
    ids["hostile_deputy"] = int(where.rstrip("/").rsplit("/", 1)[1])
    post_form(
        world,
        ADMIN,
        f"/admin/stations/{ids['hostile_station']}/roster",
        {
            "deputy_id": ids["hostile_deputy"],
            "kind": "weekly",
            "weekly": str(local_today().isoweekday()),
        },
    )

    # Citizens write them (one citizen each: five submissions a minute per citizen), the
    # deputy answers with them.
    scene_a = world.station_scene()
    ids["hostile"] = {}
    for index, (name, payload) in enumerate(PAYLOADS.items()):
        _, token = hostile_citizen(live, NICKNAME if index == 0 else "群众")
        body = {
            "scene": scene_a,
            "category": "城乡建设",
            "content": payload,
            "location": {"lat": 26.6, "lng": 106.6, "address": payload},
            "contact_phone": "13812340000",
        }
        answer = live.api(
            "POST", "/messages", token, json=body, headers={"Idempotency-Key": uuid.uuid4().hex}
        )
        assert answer.status_code == 201, f"{name}: {answer.text}"
        ids["hostile"][name] = answer.json()["id"]
    _, token = hostile_citizen(live)
    scene = world.scene(Station, "hostile_station")
    answer = live.api(
        "POST",
        "/messages",
        token,
        json={"scene": scene, "category": "城乡建设", "content": "给和平社区的留言"},
        headers={"Idempotency-Key": uuid.uuid4().hex},
    )
    assert answer.status_code == 201, answer.text
    ids["to_hostile_station"] = answer.json()["id"]
    live.work()
    for name, message_id in ids["hostile"].items():
        answer = world.who[DEPUTY].request(
            "POST",
            f"/api/v1/deputy/messages/{message_id}/replies",
            json={"content": PAYLOADS[name]},
        )
        assert answer.status_code == 201, f"{name}: {answer.text}"

    # Staff type them too: an answer, a refusal, a walk-in.
    post_form(world, STAFF, f"/admin/items/{ids['m2']}/reply", {"content": STAFF_REPLY})
    post_form(world, STAFF, f"/admin/items/{ids['m1']}/reject", {"reason": REASON})
    where = post_form(
        world,
        STAFF,
        "/admin/walk-ins/new",
        {
            "station_id": ids["station_a"],
            "category_id": "1",
            "content": WALK_IN,
            "visitor_name": PAYLOADS["img"],
            "visitor_phone": "13800000000",
            "address": PAYLOADS["sql"],
        },
    )
    ids["hostile_walk_in"] = int(where.rsplit("/", 1)[1])
    live.work()
    return world


def get(world: World, who: str, path: str, status: int = 200):
    answer = world.who[who].request("GET", path)
    assert answer.status_code == status, f"{path}: {answer.status_code} {answer.text[:300]}"
    return answer


def test_item_pages_show_everything_escaped(world):
    for name, message_id in world.ids["hostile"].items():
        html = get(world, STAFF, f"/admin/items/{message_id}").text
        # Content, place and the deputy's reply: the same string three times, all as text.
        assert html.count(str(escape(PAYLOADS[name]))) >= 3, name
        assert_inert(html, f"item {name}", (PAYLOADS[name],))
    html = get(world, ADMIN, f"/admin/items/{world.ids['to_hostile_station']}").text
    assert_inert(html, "item at the hostile station", (STATION_NAME, DEPUTY_NAME))
    html = get(world, STAFF, f"/admin/items/{world.ids['m2']}").text
    assert_inert(html, "staff answer", (STAFF_REPLY,))
    html = get(world, STAFF, f"/admin/items/{world.ids['m1']}").text
    assert_inert(html, "refusal", (REASON,))
    html = get(world, STAFF, f"/admin/items/{world.ids['hostile_walk_in']}").text
    # The visitor's name is masked to its first character, escaped like the rest.
    assert_inert(html, "walk-in", (WALK_IN, PAYLOADS["sql"], '"***'))


def test_lists_and_overview_show_everything_escaped(world):
    for who in (STAFF, ADMIN):
        html = get(world, who, "/admin/items").text
        assert_inert(html, "item list", tuple(p for p in PAYLOADS.values() if len(p) <= 60))
        html = get(world, who, "/admin/").text
        assert_inert(html, "overview", (PAYLOADS["script"], PAYLOADS["img"]))
        live = get(world, who, "/admin/overview/live.json").json()["html"]
        assert_inert(live, "live overview", (PAYLOADS["script"],))
        assert_inert(get(world, who, "/admin/walk-ins").text, "walk-ins", (WALK_IN,))
    html = get(world, ADMIN, "/admin/").text
    assert_inert(html, "overview per station", (STATION_NAME,))


def test_stations_deputies_and_their_pages_show_names_escaped(world):
    station, deputy = world.ids["hostile_station"], world.ids["hostile_deputy"]
    pages = {
        "/admin/stations": (STATION_NAME,),
        f"/admin/stations/{station}": (STATION_NAME, STATION_ADDRESS, STATION_NOTE, DEPUTY_NAME),
        f"/admin/stations/{station}/roster": (STATION_NAME, DEPUTY_NAME),
        "/admin/deputies": (DEPUTY_NAME,),
        f"/admin/deputies/{deputy}": (DEPUTY_NAME, DEPUTY_TITLE),
        "/admin/posters": (STATION_NAME, DEPUTY_NAME),
        "/admin/walk-ins/new": (STATION_NAME, DEPUTY_NAME),
        "/admin/registers": (STATION_NAME,),
        f"/admin/items?station={station}": (STATION_NAME,),
        "/admin/users/new": (STATION_NAME,),
    }
    for path, shown in pages.items():
        assert_inert(get(world, ADMIN, path).text, path, shown)
    # The audit log is the audit administrator's to read.
    audit_page = get(world, AUDIT_ADMIN, "/admin/audit").text
    assert_inert(audit_page, "/admin/audit", (STATION_NAME, DEPUTY_NAME))


def test_the_public_pages_show_names_escaped(world):
    scene = world.scene(Station, "hostile_station")
    html = get(world, ADMIN, f"/q/{scene}").text
    assert_inert(html, "landing", (STATION_NAME, STATION_ADDRESS, STATION_NOTE, DEPUTY_NAME))
    from server.models import Deputy

    html = get(world, ADMIN, f"/q/{world.scene(Deputy, 'hostile_deputy')}").text
    assert_inert(html, "deputy landing", (DEPUTY_NAME, DEPUTY_TITLE))
    sandbox = world.who[ADMIN].http.get(f"{world.live.sandbox.url}/sandbox/", timeout=30)
    assert sandbox.status_code == 200
    # The notices WeChat "delivered": the reply field is cut to WeChat's 20 characters.
    assert_inert(sandbox.text, "sandbox page", (NICKNAME, PAYLOADS["script"][:15]))


def test_posters_of_hostile_names_render(world):
    station, deputy = world.ids["hostile_station"], world.ids["hostile_deputy"]
    for path, magic in (
        (f"/admin/posters/station/{station}.png", b"\x89PNG"),
        (f"/admin/posters/station/{station}.pdf", b"%PDF"),
        (f"/admin/posters/deputy/{deputy}.png", b"\x89PNG"),
        (f"/admin/posters/all.zip?station={station}", b"PK"),
    ):
        answer = get(world, ADMIN, path)
        assert answer.content.startswith(magic), path
    # The file name is made safe for Windows, and still names the station.
    assert "filename" in answer.headers["Content-Disposition"]


def cells(data: bytes) -> list:
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    return [cell for row in sheet.iter_rows(min_row=3) for cell in row if cell.value is not None]


def test_registers_hold_plain_text(world):
    for kind, needles in (
        ("suggestions", [*PAYLOADS.values(), STATION_NAME]),
        ("visits", [WALK_IN]),
    ):
        answer = get(world, ADMIN, f"/admin/registers/{kind}.xlsx?date_from=2000-01-01")
        found = {}
        for cell in cells(answer.content):
            for needle in needles:
                if needle in str(cell.value):
                    found.setdefault(needle, []).append(cell)
        assert set(found) == set(needles), f"{kind}: missing {set(needles) - set(found)}"
        for hits in found.values():
            for cell in hits:
                # A string cell: Excel shows it, never evaluates it (no =HYPERLINK to click).
                assert cell.data_type == "s", f"{kind}: {cell.coordinate} {cell.value!r}"
                if str(cell.value).startswith("="):
                    assert cell.quotePrefix, cell.coordinate  # and stays text when edited
        exact = [cell.value for cell in found.get(PAYLOADS["formula"], [])]
        if kind == "suggestions":
            assert PAYLOADS["formula"] in exact  # the content column, to the character


@pytest.mark.parametrize("payload", [*PAYLOADS.values(), "%", "_", "\\", "' OR '1'='1"])
def test_search_and_filters_take_hostile_input(world, payload):
    from urllib.parse import quote

    q = quote(payload, safe="")
    for path, status in (
        (f"/admin/items?q={q}", 200),
        # No select box offers these values: a clear message, not a silently ignored filter.
        (f"/admin/items?status={q}&channel={q}&station={q}&deputy={q}&category={q}", 422),
        (f"/admin/items?date_from={q}", 422),
        (f"/admin/registers/suggestions.xlsx?q={q}", 200),
        (f"/admin/deputies?station={q}", 404),
        (f"/admin/stations/{world.ids['station_a']}/roster?month={q}", 200),
    ):
        answer = get(world, ADMIN, path, status)
        if "xlsx" not in path:
            assert_inert(answer.text, path)
    html = get(world, ADMIN, f"/admin/items?q={q}").text
    assert f'value="{escape(payload)}"' in html  # echoed in the search box, as text
    if payload in PAYLOADS.values():
        # The search is a parameter, not SQL: it finds the message whose content it is.
        assert str(escape(payload)) in html.split("</form>", 1)[1]
    for path in (f"/api/v1/scan/{q}", f"/q/{q}"):
        answer = world.who[ADMIN].request("GET", path)
        assert answer.status_code == 404 and not SQL_ERRORS.search(answer.text)


def test_the_database_kept_every_table_and_row(world):
    before, after = world.ids["counts_before"], table_counts(world.app)
    assert set(after) == set(before)
    assert all(after[name] >= before[name] for name in before), (before, after)
    with world.app.app_context():
        contents = set(db.session.scalars(db.select(Message.content)))
        db.session.remove()
    assert set(PAYLOADS.values()) <= contents
    assert after["messages"] == before["messages"] + len(PAYLOADS) + 2  # + a walk-in + one more


def test_the_api_returns_what_was_written(world):
    """JSON is not HTML: the mini-program shows text as text, so the API returns it as written."""
    message_id = world.ids["hostile"]["img"]
    answer = get(world, DEPUTY, f"/api/v1/deputy/messages/{message_id}").json()
    assert answer["content"] == PAYLOADS["img"]
    assert answer["location"]["address"] == PAYLOADS["img"]
    assert [t["content"] for t in answer["thread"] if t["kind"] == "reply"] == [PAYLOADS["img"]]


def test_an_upload_named_like_markup_is_just_a_photo(world):
    live = world.live
    _, token = live.citizen("上传者")
    answer = live.api(
        "POST",
        "/uploads",
        token,
        files={"file": ('"><script>alert(1)</script>.png', png_bytes(), "image/png")},
    )
    assert answer.status_code == 201 and "script" not in answer.text
