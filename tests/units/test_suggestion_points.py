"""Issues 15 × 17: a 代表建议 taken through the loop over HTTP earns 履职积分 from the events it
records (led / seconded when staff number it, the grade when the unit answers), the points
table shows them, a recalculation gives the same, and the 履职档案 lists the suggestion."""

from __future__ import annotations

import re

from server.models import Event, Suggestion
from server.performance import periods
from server.performance import points as engine
from server.platform.clock import local_today
from server.platform.db import db
from tests.support.helpers import Staff, bind_deputy, count
from tests.units.test_suggestion_dashboard import staff_accounts
from tests.units.test_suggestions import draft, two_road_items


def events(live, kind: str = "suggestion.%") -> int:
    with live.app.app_context():
        n = count(Event, Event.kind.like(kind))
        db.session.remove()
    return n


def totals(page: str) -> dict[str, int]:
    return {n: int(t) for n, t in re.findall(r'data-name="([^"]+)" data-total="(\d+)"', page)}


def test_a_suggestion_through_the_loop_earns_points(live, world, units):
    _, _, mids = two_road_items(live, world)
    _, wang = bind_deputy(live, world, "王建国")
    _, li = bind_deputy(live, world, "李秀兰")
    _, chen = bind_deputy(live, world, "陈志强")
    ids = world["ids"]
    created = draft(live, wang, mids, [ids["李秀兰"], ids["陈志强"]])
    assert created.status_code == 201, created.text
    sid = created.json()["suggestion"]["id"]
    assert live.api("POST", f"/deputy/suggestions/{sid}/confirm", li, json={}).ok
    # 陈志强 declines: he is no 附议 deputy and earns nothing.
    assert live.api("POST", f"/deputy/suggestions/{sid}/confirm", chen, json={"confirm": False}).ok
    assert live.api("POST", f"/deputy/suggestions/{sid}/submit", wang).ok
    staff_accounts(live, world)
    committee, clerk = Staff(live.app, "committee"), Staff(live.app, "clerk")

    # Nothing is credited before staff accept; a refused step writes no event either.
    assert events(live) == 0
    assert committee.post(f"/admin/suggestions/{sid}/assign",
                          {"unit_id": str(units["ids"]["城管局"])}).status_code == 409  # fmt: skip
    assert clerk.post(f"/admin/suggestions/{sid}/accept").status_code == 403
    assert events(live) == 0

    assert committee.post(f"/admin/suggestions/{sid}/accept").status_code == 302
    assert committee.post(f"/admin/suggestions/{sid}/accept").status_code == 409
    with live.app.app_context():
        rows = db.session.scalars(
            db.select(Event).where(Event.kind.like("suggestion.%")).order_by(Event.id)
        ).all()
        assert [(e.kind, e.data["deputy_id"], e.data["suggestion_id"]) for e in rows] == [
            ("suggestion.led", ids["王建国"], sid),
            ("suggestion.seconded", ids["李秀兰"], sid),
        ]
        assert rows[0].message_id is None and rows[0].data["title"].startswith("关于尽快修复")
    assert committee.post(f"/admin/suggestions/{sid}/assign",
                          {"unit_id": str(units["ids"]["城管局"])}).status_code == 302  # fmt: skip
    key = units["keys"]["城管局"]
    bad = live.api("POST", f"/unit/suggestions/{sid}/answer", key,
                   json={"content": "已修复", "grade": "Z"})  # fmt: skip
    assert bad.status_code == 422
    assert events(live, "suggestion.answered") == 0
    first = live.api("POST", f"/unit/suggestions/{sid}/answer", key,
                     json={"content": "已修复金竹西路", "grade": "A"})  # fmt: skip
    assert first.status_code == 200, first.text

    period = periods.parse(str(local_today().year))
    table = f"/admin/points?period={period.code}&station_id={world['station_id']}"
    # 王建国: led 5 + grade A 5; 李秀兰: seconded 1; 陈志强 declined: 0.
    assert totals(clerk.get(table).get_data(as_text=True)) == {
        "王建国": 10,
        "李秀兰": 1,
        "陈志强": 0,
    }
    detail = clerk.get(f"/admin/points/deputies/{ids['王建国']}?period={period.code}")
    text = detail.get_data(as_text=True)
    assert "建议《关于尽快修复金竹西路路面的建议》" in text and "A 类" in text

    # Recalculation from every event gives the same numbers as the page.
    with live.app.app_context():
        hours = float(live.app.config["DEPUTY_ANSWER_HOURS"])
        again = engine.score(engine.facts_from_events(engine.load(period), hours), engine.rules())
        assert {d: engine.total(lines) for d, lines in again.items() if d in ids.values()} == {
            ids["王建国"]: 10,
            ids["李秀兰"]: 1,
        }

    # 不满意 → the second answer's grade (C) stands: the A points are gone, led stays.
    assert live.api("POST", f"/deputy/suggestions/{sid}/evaluation", wang,
                    json={"score": "unsatisfied"}).ok  # fmt: skip
    second = live.api("POST", f"/unit/suggestions/{sid}/answer", key,
                      json={"content": "受条件限制，留作参考", "grade": "C"})  # fmt: skip
    assert second.status_code == 200, second.text
    assert totals(clerk.get(table).get_data(as_text=True))["王建国"] == 5
    assert events(live, "suggestion.answered") == 2

    # The 履职档案 lists the suggestion for both deputies, with its role.
    from server.admin import archive

    with live.app.test_request_context():
        with live.app.app_context():
            row = db.session.get(Suggestion, sid)
            lead = archive.collect(row.lead_deputy, period)
            co = archive.collect(db.session.get(type(row.lead_deputy), ids["李秀兰"]), period)
            chen_archive = archive.collect(db.session.get(type(row.lead_deputy), ids["陈志强"]),
                                           period)  # fmt: skip
    assert [(r[1], r[2][:8]) for r in lead.suggestions] == [("领衔", "关于尽快修复金竹")]
    assert [r[1] for r in co.suggestions] == ["附议"]
    assert chen_archive.suggestions == []
