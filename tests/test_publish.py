"""双公开 (issue 15 item 5): items are published only as staff choose and approve, redacted;
the public pages and feeds show nothing else; a citizen may refuse publication."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import urljoin, urlsplit

import pytest
import requests

from server.models import Message, Publication
from server.platform.db import db
from server.publish import service
from tests.support.helpers import assert_error, submit

MOBILE = "13985112233"
ID_NUMBER = "520102198001011235"
ORIGINAL = (
    f"我叫周海燕，电话{MOBILE}，身份证{ID_NUMBER}，住金竹西路18号3栋2单元501室，楼下路灯坏了两个月"
)
ANSWER = "已联系城管部门，本周内修复金竹西路的路灯，请周海燕女士留意。"
PHONE_SHAPE = re.compile(r"(?<!\d)1[3-9]\d[ -]?\d{4}[ -]?\d{4}(?!\d)")


@pytest.fixture
def browser():
    session = requests.Session()
    yield session
    session.close()


def answered_item(live, signed_in, stations, content: str = ORIGINAL, **fields) -> int:
    """A citizen's item at 金竹, answered by the station; its id."""
    _, token = live.citizen("周海燕")
    created = submit(live, token, stations["scenes"]["金竹"], content=content, **fields)
    live.work()
    with live.app.app_context():
        message_id = db.session.scalar(
            db.select(Message.id).where(Message.tracking_no == created["tracking_no"])
        )
    clerk = signed_in("jinzhu")
    answer = clerk.post(f"/admin/items/{message_id}/reply", {"content": ANSWER})
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return message_id


def publication_id(live, message_id: int) -> int | None:
    with live.app.app_context():
        row = service.publication_of("item", message_id)
        return row.id if row else None


def crawl(browser, live) -> dict[str, str]:
    """Every public URL reachable from the index (links, the feeds, their paging): URL → body."""
    start = [
        "/public/",
        "/public/feed.atom",
        "/api/v1/public/items",
        "/api/v1/public/suggestions",
    ]
    seen: dict[str, str] = {}
    todo = list(start)
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        answer = browser.get(live.url + path, timeout=30)
        assert answer.status_code == 200, (path, answer.status_code)
        seen[path] = answer.text
        for href in re.findall(r'href="([^"#]+)"', answer.text):
            href = href.replace("&amp;", "&")
            url = urlsplit(urljoin(live.url + path, href))
            if url.netloc != urlsplit(live.url).netloc:
                continue
            target = url.path + (f"?{url.query}" if url.query else "")
            if target.startswith(("/public", "/api/v1/public")):
                todo.append(target)
        if path.startswith("/api/v1/public/"):
            data = answer.json()
            key = "items" if "items" in path else "suggestions"
            base = path.split("?")[0]
            todo.extend(f"{base}?page={n}" for n in range(1, data["pages"] + 1))
            todo.extend(f"/public/{key}/{row['id']}" for row in data[key])
    return seen


def assert_nothing_private(pages: dict[str, str], *secrets: str) -> None:
    for path, body in pages.items():
        assert not PHONE_SHAPE.search(body), (path, PHONE_SHAPE.search(body).group(0))
        assert ID_NUMBER not in body, path
        for secret in secrets:
            assert secret not in body, (path, secret)


def test_an_item_is_public_only_after_approval_redacted_and_gone_when_withdrawn(
    live, signed_in, stations, browser
):
    message_id = answered_item(live, signed_in, stations)
    unapproved = answered_item(
        live, signed_in, stations, content="城东菜市场噪音扰民，联系人：吴国栋"
    )
    clerk = signed_in("jinzhu")

    # Nothing is published until staff choose to: the public pages are empty.
    before = crawl(browser, live)
    assert "暂无公开的群众反映" in before["/public/"]
    assert browser.get(f"{live.url}/api/v1/public/items").json()["items"] == []

    # Proposed: the review page shows the original beside the redacted text.
    answer = clerk.post(f"/admin/items/{message_id}/publish", {"mode": "whole"})
    assert answer.status_code == 302
    pub = publication_id(live, message_id)
    review = clerk.get(f"/admin/publications/{pub}").get_data(as_text=True)
    assert MOBILE in review and ID_NUMBER in review  # the original, for staff only
    assert "〔电话〕" in review and "〔身份证号〕" in review and "〔门牌号〕" in review
    listing = clerk.get("/admin/publications").get_data(as_text=True)
    assert f"/admin/publications/{pub}" in listing
    clerk.post(f"/admin/items/{unapproved}/publish", {"mode": "whole"})  # proposed, never approved

    # Proposed is not public.
    pages = crawl(browser, live)
    assert_nothing_private(pages, "周海燕", "吴国栋", "城东菜市场", "18号3栋")
    assert browser.get(f"{live.url}/public/items/{pub}").status_code == 404

    assert clerk.post(f"/admin/publications/{pub}/approve").status_code == 302
    pages = crawl(browser, live)
    assert f"/public/items/{pub}" in pages
    page = pages[f"/public/items/{pub}"]
    assert "楼下路灯坏了两个月" in page and "本周内修复金竹西路的路灯" in page
    assert "某女士" in page and "金竹社区人大代表联络站" in page
    assert_nothing_private(pages, "周海燕", "吴国栋", "城东菜市场", "18号3栋", "501室")
    feed = browser.get(f"{live.url}/api/v1/public/items").json()
    assert [i["tracking_no"] for i in feed["items"]] and feed["total"] == 1
    item = feed["items"][0]
    assert set(item) >= {"tracking_no", "station", "category", "text", "answer", "answered_by",
                         "rating", "published_at"}  # fmt: skip
    assert item["answered_by"] == "联络站" and item["published_at"].endswith("+08:00")
    assert "楼下路灯坏了两个月" in pages["/public/feed.atom"]

    # Withdrawn: gone from every public page at once.
    assert (
        clerk.post(f"/admin/publications/{pub}/withdraw", {"reason": "群众来电要求"}).status_code
        == 302
    )
    pages = crawl(browser, live)
    assert f"/public/items/{pub}" not in pages
    assert browser.get(f"{live.url}/public/items/{pub}").status_code == 404
    assert "楼下路灯坏了两个月" not in "".join(pages.values())
    with live.app.app_context():
        assert db.session.get(Publication, pub).status == "withdrawn"


def test_a_citizen_who_asked_not_to_be_published_cannot_be_proposed(live, signed_in, stations):
    message_id = answered_item(live, signed_in, stations, no_publish=True)
    with live.app.app_context():
        assert db.session.get(Message, message_id).no_publish is True
    clerk = signed_in("jinzhu")
    page = clerk.get(f"/admin/items/{message_id}").get_data(as_text=True)
    assert "群众提交时要求不公开" in page
    answer = clerk.post(f"/admin/items/{message_id}/publish", {"mode": "whole"})
    assert answer.status_code == 409
    assert "要求不公开" in answer.get_data(as_text=True)
    with live.app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Publication)) == 0


def test_no_publish_must_be_a_boolean(live, stations):
    _, token = live.citizen()
    answer = live.api("POST", "/messages", token, json={
        "scene": stations["scenes"]["金竹"], "category": "城乡建设", "content": "路灯坏了",
        "no_publish": "maybe"}, headers={"Idempotency-Key": "np-bad-1"})  # fmt: skip
    assert_error(answer, 422, field="no_publish")


def test_an_unanswered_item_cannot_be_proposed(live, signed_in, stations):
    _, token = live.citizen()
    created = submit(live, token, stations["scenes"]["金竹"])
    live.work()
    with live.app.app_context():
        message_id = db.session.scalar(
            db.select(Message.id).where(Message.tracking_no == created["tracking_no"])
        )
    answer = signed_in("jinzhu").post(f"/admin/items/{message_id}/publish", {"mode": "whole"})
    assert answer.status_code == 409 and "已答复" in answer.get_data(as_text=True)


def test_bad_choices_and_edits_are_refused_and_change_nothing(live, signed_in, stations):
    message_id = answered_item(live, signed_in, stations)
    clerk = signed_in("jinzhu")
    assert clerk.post(f"/admin/items/{message_id}/publish", {"mode": "all"}).status_code == 422
    assert publication_id(live, message_id) is None
    clerk.post(
        f"/admin/items/{message_id}/publish", {"mode": "summary", "summary": "路灯坏了两个月"}
    )
    pub = publication_id(live, message_id)
    # Typing a phone number back into the public text is refused.
    answer = clerk.post(f"/admin/publications/{pub}/edit", {"f-text": f"路灯坏了，回电 {MOBILE}"})
    assert answer.status_code == 422 and "仍含有个人信息" in answer.get_data(as_text=True)
    with live.app.app_context():
        row = db.session.get(Publication, pub)
        assert row.redacted["text"] == "路灯坏了两个月" and row.mode == "summary"
        assert row.edited_at is None
    # A fair edit is kept; approving twice: the second is a conflict.
    assert clerk.post(f"/admin/publications/{pub}/edit", {"f-text": "路灯坏了"}).status_code == 302
    assert clerk.post(f"/admin/publications/{pub}/approve").status_code == 302
    again = clerk.post(f"/admin/publications/{pub}/approve")
    assert again.status_code == 409 and "待审核" in again.get_data(as_text=True)
    # Proposing an approved item again: withdraw first.
    answer = clerk.post(f"/admin/items/{message_id}/publish", {"mode": "whole"})
    assert answer.status_code == 409 and "请先撤回" in answer.get_data(as_text=True)
    # 不公开 on the item page withdraws it; proposing again reuses the row.
    assert clerk.post(f"/admin/items/{message_id}/publish", {"mode": "none"}).status_code == 302
    assert clerk.post(f"/admin/items/{message_id}/publish", {"mode": "whole"}).status_code == 302
    with live.app.app_context():
        rows = list(db.session.scalars(db.select(Publication)))
        assert len(rows) == 1 and rows[0].status == "proposed" and rows[0].mode == "whole"


def test_who_may_review(live, signed_in, stations):
    message_id = answered_item(live, signed_in, stations)
    signed_in("jinzhu").post(f"/admin/items/{message_id}/publish", {"mode": "whole"})
    pub = publication_id(live, message_id)
    other = signed_in("chengdong")
    assert other.get(f"/admin/publications/{pub}").status_code == 404
    assert other.post(f"/admin/publications/{pub}/approve").status_code == 404
    assert f"/admin/publications/{pub}" not in other.get("/admin/publications").get_data(
        as_text=True
    )
    assert signed_in("auditor").get("/admin/publications").status_code == 403
    assert signed_in("admin").get(f"/admin/publications/{pub}").status_code == 200
    with live.app.app_context():
        from server.models import AuditLog

        actions = set(db.session.scalars(db.select(AuditLog.action)))
    assert "publication_proposed" in actions


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/public/items?page=abc", 400),
        ("/public/items?page=0", 400),
        ("/public/items?page=2", 404),
        ("/public/items?station=x", 400),
        ("/public/items?station=999999", 404),
        ("/public/items?category=999999", 404),
        ("/public/items/999999", 404),
        ("/public/suggestions?year=abc", 400),
        ("/public/suggestions?year=1999", 400),
        ("/public/suggestions/999999", 404),
        ("/public/nothing", 404),
    ],
)
def test_bad_public_pages_and_params(live, browser, path, status):
    answer = browser.get(live.url + path)
    assert answer.status_code == status
    assert re.search(r"[\u4e00-\u9fff]", answer.text)


@pytest.mark.parametrize(
    ("path", "status", "field"),
    [
        ("/api/v1/public/items?page=-1", 400, "page"),
        ("/api/v1/public/items?page=5", 404, "page"),
        ("/api/v1/public/items?station=abc", 400, "station"),
        ("/api/v1/public/suggestions?year=20x6", 400, "year"),
        # Empty is 「全部」 only on the pages (their filter form sends it); the feeds want a number.
        ("/api/v1/public/suggestions?page=&year=2000", 400, "page"),
        ("/api/v1/public/items?station=", 400, "station"),
    ],
)
def test_bad_feed_params(live, browser, path, status, field):
    assert_error(browser.get(live.url + path), status, field=field)


def test_public_answers_may_be_cached(live, browser):
    for path in ("/public/", "/public/items", "/public/feed.atom", "/api/v1/public/items"):
        answer = browser.get(live.url + path)
        assert answer.headers["Cache-Control"] == "public, max-age=300"
        again = browser.get(live.url + path, headers={"If-None-Match": answer.headers["ETag"]})
        assert again.status_code == 304
    assert (
        browser.get(live.url + "/public/feed.atom")
        .headers["Content-Type"]
        .startswith("application/atom+xml")
    )


def test_a_suggestion_snapshot_is_published_the_same_way(live, browser, stations):
    """The suggestion side proposes with kind="suggestion": the pages render its snapshot."""
    with live.app.app_context():
        row = service.propose(
            "suggestion", 4242,
            {"title": "关于金竹西路路灯改造的建议",
             "content": f"群众反映（联系人：钱大勇，电话 {MOBILE}）路灯老化",
             "answer": "已列入明年计划"},
            "whole", facts={"number": "〔2026〕第 0012 号", "unit": "区城市管理局", "grade": "B"},
            year=2026,
        )  # fmt: skip
        hidden = service.propose("suggestion", 4243, {"title": "未批准的建议"}, "whole", year=2026)
        service.approve(row, None)
        db.session.commit()
        pub, hidden_id = row.id, hidden.id
    pages = crawl(browser, live)
    assert f"/public/suggestions/{pub}" in pages
    assert "/public/suggestions?year=2026" in pages
    page = pages[f"/public/suggestions/{pub}"]
    assert "关于金竹西路路灯改造的建议" in page and "〔2026〕第 0012 号" in page
    assert "已列入明年计划" in page
    assert_nothing_private(pages, "钱大勇", "未批准的建议")
    assert f"/public/suggestions/{hidden_id}" not in pages
    data = browser.get(f"{live.url}/api/v1/public/suggestions?year=2026").json()
    assert [s["id"] for s in data["suggestions"]] == [pub]
    assert browser.get(f"{live.url}/api/v1/public/suggestions?year=2025").json()["total"] == 0


def test_service_refuses_bad_proposals(live):
    from server.platform.errors import ApiError

    with live.app.app_context():
        for args in (("letter", 1, {"t": "x"}, "whole"), ("item", 1, {"t": "x"}, "full"),
                     ("item", 1, {"t": "  "}, "whole"), ("item", 1, {}, "whole")):  # fmt: skip
            with pytest.raises(ApiError) as caught:
                service.propose(*args)
            assert caught.value.status == 422
        db.session.rollback()
        assert db.session.scalar(db.select(db.func.count()).select_from(Publication)) == 0


def test_the_demo_holds_published_history_without_the_phone_numbers(live, browser):
    """The demo seed publishes answered items whose originals hold phone and ID numbers: the
    public pages are not empty on first start, and show none of them."""
    from server.demo import seed_demo

    with live.app.app_context():
        seed_demo()
        every = list(db.session.scalars(db.select(Publication)))
        rows = [r for r in every if r.subject_kind == "item"]
        assert len(rows) >= 3 and {r.status for r in every} == {"approved"}
        originals = " ".join(" ".join(r.original.values()) for r in rows)
        assert PHONE_SHAPE.search(originals) and "520102194801011235" in originals
        assert {r.mode for r in rows} == {"whole", "summary"}
        # A suggestion with its answer, its original holding a citizen's phone and ID number.
        (suggestion,) = [r for r in every if r.subject_kind == "suggestion"]
        original = suggestion.original["content"]
        assert "139 8511 2233" in original and "52010219520315103X" in original
        assert suggestion.original["answer"] and suggestion.facts["number"]
    pages = crawl(browser, live)
    items = browser.get(f"{live.url}/api/v1/public/items").json()
    assert items["total"] == len(rows)
    assert "楼道灯坏了半年" in pages["/public/"] or "楼道灯坏了半年" in pages["/public/items"]
    shown = pages[f"/public/suggestions/{suggestion.id}"]
    assert "金竹西路沿线路灯" in shown and "已对金竹西路沿线 126 盏路灯" in shown
    assert "区城市管理局" in shown and "A 类" in shown and "〔电话〕" in shown
    assert_nothing_private(
        pages, "520102194801011235", "6217 0012", "孙桂芳", "郑晓东", "何建平", "0851-85123456",
        "贵A·D12345", "402 室", "52010219520315103X", "139 8511 2233",
    )  # fmt: skip


def test_no_publish_from_the_web_form_and_its_json_twin(live, stations, browser):
    scene = stations["scenes"]["金竹"]
    page = browser.get(f"{live.url}/q/{scene}")
    assert 'name="no_publish"' in page.text and "不公开" in page.text
    category = re.findall(r'<option value="(\d+)"', page.text)[0]
    sent = browser.post(f"{live.url}/q/{scene}", data={
        "category": category, "content": "网页表单：路灯坏了", "no_publish": "1"})  # fmt: skip
    assert sent.status_code == 201, sent.text
    created = live.api("POST", "/web/messages", json={
        "scene": scene, "category": int(category), "content": "接口：垃圾桶满了",
        "no_publish": True})  # fmt: skip
    assert created.status_code == 201, created.text
    plain = live.api("POST", "/web/messages", json={
        "scene": scene, "category": int(category), "content": "接口：井盖松动"})  # fmt: skip
    assert plain.status_code == 201
    with live.app.app_context():
        flags = dict(db.session.execute(db.select(Message.content, Message.no_publish)).all())
    assert flags == {"网页表单：路灯坏了": True, "接口：垃圾桶满了": True, "接口：井盖松动": False}


def test_a_walk_in_visitors_recorded_name_is_taken_out_wherever_written(live, signed_in, stations):
    """The name staff recorded for a visitor is known: it is taken out even where no 我叫 leads
    to it."""
    from tests.support.helpers import walk_in

    clerk = signed_in("jinzhu")
    answer = walk_in(clerk, stations, visitor_name="欧阳春花", on_spot="1",
                     content="欧阳春花反映：楼下垃圾站夏天味道很大",
                     answer="已请环卫所每天清运两次，欧阳春花表示认可。")  # fmt: skip
    assert answer.status_code in (201, 302), answer.get_data(as_text=True)
    with live.app.app_context():
        message_id = db.session.scalar(
            db.select(Message.id).where(Message.content.like("欧阳春花反映%"))
        )
    assert clerk.post(f"/admin/items/{message_id}/publish", {"mode": "whole"}).status_code == 302
    with live.app.app_context():
        row = service.publication_of("item", message_id)
        assert "欧阳春花" not in row.redacted["text"] + row.redacted["answer"]
        assert "垃圾站夏天味道很大" in row.redacted["text"]
        assert any(f["original"] == "欧阳春花" for f in row.findings)


def test_the_feeds_are_in_the_openapi_document(live):
    spec = live.http.get(f"{live.url}/api/v1/openapi.json").json()
    items = spec["paths"]["/api/v1/public/items"]["get"]
    assert {p["name"] for p in items["parameters"]} == {"station", "category", "page"}
    assert "/api/v1/public/suggestions" in spec["paths"]


SUGGESTION_TEXT = (
    f"金竹西路路灯老化，群众周海燕（电话 {MOBILE}，身份证 {ID_NUMBER}）多次反映，"
    "建议列入明年道路照明改造计划。"
)


def answered_suggestion(live, signed_in, stations, status: str = "evaluated") -> int:
    """A real 代表建议 of 王建国 from an answered item at 金竹: staff draft, accept and hand it
    to a unit, which answers (grade B); the deputy rates it unless `status` is "answered"."""
    from server.models import Deputy, Suggestion
    from server.suggestions import service as suggestions
    from tests import factories

    message_id = answered_item(live, signed_in, stations)
    with live.app.app_context():
        unit = factories.unit("区城市管理局")
        lead = db.session.get(Deputy, stations["ids"]["王建国"])
        row = suggestions.draft(lead, "关于金竹西路路灯改造的建议", SUGGESTION_TEXT, [message_id],
                                actor="staff", actor_id=1)  # fmt: skip
        suggestions.submit(row, "staff", 1)
        suggestions.accept(row, 1)
        suggestions.assign(row, 1, unit.id)
        row = db.session.get(Suggestion, row.id)
        suggestions.answer(row, row.lead_unit, f"已列入明年计划，联系电话 {MOBILE}。", "B",
                           promised_on=date(2099, 1, 1))  # fmt: skip
        if status != "answered":
            suggestions.evaluate(row, lead.id, "satisfied")
        db.session.commit()
        sid = row.id
        db.session.remove()
    return sid


def test_a_real_suggestion_is_public_only_after_approval_and_redacted(
    live, signed_in, stations, browser
):
    sid = answered_suggestion(live, signed_in, stations)
    clerk, other = signed_in("jinzhu"), signed_in("chengdong")
    page = clerk.get(f"/admin/suggestions/{sid}").get_data(as_text=True)
    assert "公开（提交公开审核）" in page
    # Another station's clerk cannot see it, let alone publish it.
    assert other.post(f"/admin/suggestions/{sid}/publish").status_code == 404
    assert clerk.post("/admin/suggestions/999999/publish").status_code == 404

    proposed = clerk.post(f"/admin/suggestions/{sid}/publish")
    assert proposed.status_code == 302, proposed.get_data(as_text=True)
    with live.app.app_context():
        pub = service.publication_of("suggestion", sid)
        assert pub.status == "proposed" and pub.station_id == stations["stations"]["金竹"]
        assert pub.facts["number"].endswith("第 0001 号") and pub.facts["unit"] == "区城市管理局"
        assert pub.facts["grade"].startswith("B 类") and pub.facts["deputy"] == "王建国"
        pub_id = pub.id
    again = clerk.post(f"/admin/suggestions/{sid}/publish")
    assert again.status_code == 302  # proposed again: the same row, a fresh snapshot
    review = clerk.get(f"/admin/publications/{pub_id}").get_data(as_text=True)
    assert MOBILE in review and ID_NUMBER in review  # the original, for staff only
    assert "〔电话〕" in review and "〔身份证号〕" in review

    pages = crawl(browser, live)  # proposed is not public
    assert f"/public/suggestions/{pub_id}" not in pages
    assert "金竹西路路灯改造" not in "".join(pages.values())
    assert browser.get(f"{live.url}/public/suggestions/{pub_id}").status_code == 404

    assert clerk.post(f"/admin/publications/{pub_id}/approve").status_code == 302
    assert clerk.post(f"/admin/suggestions/{sid}/publish").status_code == 409  # already public
    pages = crawl(browser, live)
    assert f"/public/suggestions/{pub_id}" in pages
    shown = pages[f"/public/suggestions/{pub_id}"]
    assert "关于金竹西路路灯改造的建议" in shown and "第 0001 号" in shown
    assert "区城市管理局" in shown and "B 类" in shown and "已列入明年计划" in shown
    assert "王建国" in shown and "〔电话〕" in shown
    assert_nothing_private(pages, "周海燕", "18号3栋")
    data = browser.get(f"{live.url}/api/v1/public/suggestions").json()
    assert [s["id"] for s in data["suggestions"]] == [pub_id]


def test_a_suggestion_without_a_standing_answer_cannot_be_published(live, signed_in, stations):
    sid = answered_suggestion(live, signed_in, stations, status="answered")
    clerk = signed_in("jinzhu")
    assert "答复经代表评价或办结后才能公开" in clerk.get(f"/admin/suggestions/{sid}").get_data(
        as_text=True
    )
    refused = clerk.post(f"/admin/suggestions/{sid}/publish")
    assert refused.status_code == 409
    assert "只有已答复并经代表评价" in refused.get_data(as_text=True)
    with live.app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Publication)) == 0
    # Only accounts with `publish`: the 审计管理员 may not.
    assert signed_in("auditor").post(f"/admin/suggestions/{sid}/publish").status_code == 403
