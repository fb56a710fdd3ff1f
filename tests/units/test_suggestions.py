"""Issue 15 (items 1–4): 代表建议 from citizens' items. The deputy drafts and submits in the
mini-program's API, the 附议 deputy confirms, staff review, number and hand it on, the unit
signs, meets, answers with a PDF, the 领衔 deputy rates it back to back; 不满意 needs a second
answer; grade B is looked at again at the promised date. Real HTTP, a real RQ worker, the
WeChat sandbox, the movable clock."""

from __future__ import annotations

import io
from datetime import timedelta

from pypdf import PdfWriter
from sqlalchemy.exc import IntegrityError

from server import tasks
from server.models import (
    BoardNotice,
    Event,
    Notification,
    Suggestion,
    SuggestionEvent,
    SuggestionItem,
)
from server.platform.clock import iso, local_today, utcnow
from server.platform.db import db
from server.routing import workdays
from server.suggestions import service
from tests.support.helpers import assert_error, bind_deputy, count, png_bytes, submit

ROAD = "金竹西路路面坑洼，雨天积水严重"


def pdf_bytes(pages: int = 2) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def two_road_items(live, world):
    """Two citizens report the same road; both items routed to 王建国 (on duty today). The first
    citizen allowed progress notices, the second did not."""
    templates = live.app.config["WECHAT_TEMPLATES"]
    first_openid, first = live.citizen("张大爷")
    live.sandbox.consent(first_openid, templates.progress)
    _, second = live.citizen("李阿姨")
    a = submit(live, first, world["scene"], content=ROAD, subscribed=[templates.progress])
    b = submit(live, second, world["scene"], content="金竹西路坑太多了，电动车摔了好几次")
    live.work()
    return first_openid, (first, second), (a["id"], b["id"])


def draft(live, token, message_ids, co=(), **extra):
    body = {
        "title": "关于尽快修复金竹西路路面的建议",
        "content": "金竹西路多处坑洼积水，群众多次反映，建议列入年度道路维修计划。",
        "message_ids": list(message_ids),
        "co_deputy_ids": list(co),
        **extra,
    }
    return live.api("POST", "/deputy/suggestions", token, json=body)


def staff_accept_and_assign(live, sid, lead_unit, co_units=(), **kw):
    """The dashboard's review and 交办, through the same service functions."""
    with live.app.app_context():
        row = db.session.get(Suggestion, sid)
        number = service.accept(row, 1)
        service.assign(row, 1, lead_unit, list(co_units), **kw)
        db.session.commit()
        db.session.remove()
    return number


def upload_pdf(live, key, sid, data=None, name="答复.pdf", mime="application/pdf"):
    return live.api(
        "POST",
        f"/unit/suggestions/{sid}/documents",
        key,
        files={"file": (name, data if data is not None else pdf_bytes(), mime)},
    )


def submitted(live, world, units, co=True):
    """A submitted suggestion of 王建国 (with 李秀兰 confirmed as 附议)."""
    openid, tokens, mids = two_road_items(live, world)
    _, wang = bind_deputy(live, world, "王建国")
    _, li = bind_deputy(live, world, "李秀兰")
    created = draft(live, wang, mids, [world["ids"]["李秀兰"]] if co else [])
    assert created.status_code == 201, created.text
    sid = created.json()["suggestion"]["id"]
    if co:
        assert live.api("POST", f"/deputy/suggestions/{sid}/confirm", li, json={}).ok
    assert live.api("POST", f"/deputy/suggestions/{sid}/submit", wang).ok
    return sid, wang, li, mids, openid


def test_the_whole_loop_with_back_to_back_evaluation(live, world, units, movable_clock):
    openid, (first, _), mids = two_road_items(live, world)
    _, wang = bind_deputy(live, world, "王建国")
    _, li = bind_deputy(live, world, "李秀兰")
    created = draft(live, wang, mids, [world["ids"]["李秀兰"]])
    assert created.status_code == 201, created.text
    body = created.json()["suggestion"]
    sid = body["id"]
    assert body["status"] == "draft" and body["number"] is None
    assert body["co_deputies"] == [{"id": world["ids"]["李秀兰"], "name": "李秀兰",
                                    "state": "pending"}]  # fmt: skip
    assert sorted(body["message_ids"]) == sorted(mids)
    with live.app.app_context():  # 李秀兰 is asked on WeChat (her reminder credit: no consent)
        (invite,) = db.session.scalars(
            db.select(Notification).where(Notification.kind == "co_invite")
        ).all()
        assert invite.deputy_id == world["ids"]["李秀兰"] and invite.page.endswith("suggestions")
        assert invite.data["thing4"] == "王建国代表邀请您附议，请确认"

    # 附议 needs the co-deputy's own confirmation: not the lead's, and no submission before it.
    assert_error(live.api("POST", f"/deputy/suggestions/{sid}/submit", wang), 409, "co_pending")
    assert_error(live.api("POST", f"/deputy/suggestions/{sid}/confirm", wang, json={}), 403)
    listed = live.api("GET", "/deputy/suggestions", li).json()["suggestions"]
    assert [(s["id"], s["my_role"], s["my_state"]) for s in listed] == [(sid, "co", "pending")]
    confirmed = live.api("POST", f"/deputy/suggestions/{sid}/confirm", li, json={"confirm": True})
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["suggestion"]["co_deputies"][0]["state"] == "confirmed"
    assert_error(live.api("POST", f"/deputy/suggestions/{sid}/confirm", li, json={}), 409)

    sent = live.api("POST", f"/deputy/suggestions/{sid}/submit", wang)
    assert sent.status_code == 200, sent.text
    assert sent.json()["suggestion"]["status"] == "submitted"
    assert sent.json()["notices"] == ["pending", "no_consent"]
    live.work()
    (told,) = live.sandbox.sent(openid)
    assert told["data"]["thing4"]["value"] == service.SUGGESTED_TEXT
    detail = live.api("GET", f"/messages/{mids[0]}", first).json()
    assert any("纳入代表建议" in t["content"] for t in detail["thread"] if t["kind"] == "event")

    # Review sends it back with remarks; resubmitting tells nobody a second time.
    with live.app.app_context():
        service.review_return(db.session.get(Suggestion, sid), 1, "请补充具体路段和坑洼数量")
        db.session.commit()
    mine = live.api("GET", f"/deputy/suggestions/{sid}", wang).json()["suggestion"]
    assert mine["status"] == "returned" and mine["review_remarks"] == "请补充具体路段和坑洼数量"
    again = live.api("POST", f"/deputy/suggestions/{sid}/submit", wang)
    assert again.status_code == 200 and again.json()["notices"] == []
    live.work()
    assert len(live.sandbox.sent(openid)) == 1
    with live.app.app_context():
        assert count(Notification, Notification.kind == "suggested") == 2
        for mid in mids:
            assert count(Event, Event.message_id == mid, Event.kind == "suggested") == 1

    number = staff_accept_and_assign(live, sid, units["ids"]["城管局"], [units["ids"]["住建局"]])
    assert number == f"〔{local_today().year}〕第 0001 号"
    lead_key, co_key = units["keys"]["城管局"], units["keys"]["住建局"]

    (row,) = live.api("GET", "/unit/suggestions", lead_key).json()["suggestions"]
    assert row["status"] == "assigned" and row["my_role"] == "lead" and row["colour"] == "green"
    assert row["number"] == number and row["co_units"][0]["name"] == "区住房和城乡建设局"
    assert "message_ids" not in row  # the unit gets the suggestion, not the citizens
    assert_error(live.api("POST", f"/unit/suggestions/{sid}/sign", co_key), 403)
    signed = live.api("POST", f"/unit/suggestions/{sid}/sign", lead_key)
    assert signed.status_code == 200 and signed.json()["suggestion"]["status"] == "signed"
    assert_error(live.api("POST", f"/unit/suggestions/{sid}/sign", lead_key), 409)

    met = live.api(
        "POST",
        f"/unit/suggestions/{sid}/meetings",
        lead_key,
        json={
            "date": local_today().isoformat(),
            "form": "visit",
            "summary": "与王建国代表现场查看",
        },
    )
    assert met.status_code == 201, met.text
    assert met.json()["suggestion"]["meetings"][0]["form_label"] == "走访"
    opinion = live.api(
        "POST", f"/unit/suggestions/{sid}/opinion", co_key, json={"opinion": "同意纳入维修计划"}
    )
    assert opinion.status_code == 200, opinion.text
    doc = upload_pdf(live, lead_key, sid)
    assert doc.status_code == 201, doc.text
    assert doc.json()["pages"] == 2
    answered = live.api(
        "POST",
        f"/unit/suggestions/{sid}/answer",
        lead_key,
        json={"content": "已完成金竹西路路面修复。", "grade": "A",
              "document_id": doc.json()["document_id"]},
    )  # fmt: skip
    assert answered.status_code == 200, answered.text
    view = answered.json()["suggestion"]
    assert view["status"] == "answered" and view["grade"] == "A" and view["document"]["pages"] == 2

    # Only the 领衔 deputy rates it, and the unit does not see the rating during the period.
    assert_error(
        live.api("POST", f"/deputy/suggestions/{sid}/evaluation", li,
                 json={"score": "satisfied"}), 403)  # fmt: skip
    rated = live.api(
        "POST",
        f"/deputy/suggestions/{sid}/evaluation",
        wang,
        json={"score": "basically_satisfied", "communication": "good", "comment": "修得及时"},
    )
    assert rated.status_code == 200, rated.text
    assert rated.json()["suggestion"]["status"] == "evaluated"
    hidden = live.api("GET", f"/unit/suggestions/{sid}", lead_key).json()["suggestion"]
    assert hidden["evaluations"] is None and "修得及时" not in str(hidden)
    assert "basically_satisfied" not in str(hidden)
    for key in (lead_key, co_key):
        listed = live.api("GET", "/unit/suggestions", key).json()["suggestions"]
        assert "修得及时" not in str(listed) and "basically_satisfied" not in str(listed)

    movable_clock.move(days=7)
    with live.app.app_context():
        assert tasks.sweep()["suggestions"] == 0  # the period has not closed yet
    assert live.api("GET", f"/unit/suggestions/{sid}", lead_key).json()["suggestion"][
        "evaluations"] is None  # fmt: skip
    movable_clock.move(days=14)
    with live.app.app_context():
        assert tasks.sweep()["suggestions"] == 1
        assert tasks.sweep()["suggestions"] == 0  # safe to run twice
        kinds = [e.kind for e in db.session.scalars(
            db.select(SuggestionEvent).where(SuggestionEvent.suggestion_id == sid)
            .order_by(SuggestionEvent.id))]  # fmt: skip
    assert [k for k in kinds if k != "told"] == [
        "created", "co_confirm", "submit", "review_return", "submit", "accept", "assign",
        "sign", "meeting", "co_opinion", "answer", "evaluate", "close",
    ]  # fmt: skip
    shown = live.api("GET", f"/unit/suggestions/{sid}", lead_key).json()["suggestion"]
    assert shown["status"] == "closed"
    assert shown["evaluations"] == [
        {"round": 1, "score": "basically_satisfied", "score_label": "基本满意",
         "communication": "good", "comment": "修得及时"}
    ]  # fmt: skip


def test_unsatisfied_requires_a_second_answer_with_a_new_deadline(live, world, units):
    sid, wang, _, _, _ = submitted(live, world, units, co=False)
    staff_accept_and_assign(live, sid, units["ids"]["城管局"])
    key = units["keys"]["城管局"]
    first = live.api("POST", f"/unit/suggestions/{sid}/answer", key,
                     json={"content": "受资金限制，暂不能实施。", "grade": "C"})  # fmt: skip
    assert first.status_code == 200, first.text
    first_due = first.json()["suggestion"]["due_at"]
    rated = live.api("POST", f"/deputy/suggestions/{sid}/evaluation", wang,
                     json={"score": "unsatisfied", "comment": "没有和代表沟通"})  # fmt: skip
    assert rated.status_code == 200, rated.text
    view = rated.json()["suggestion"]
    assert view["status"] == "reanswer" and view["round"] == 2
    with live.app.app_context():  # SUGGESTION_SECOND_ANSWER_WORKDAYS from the 不满意, not the 交办
        expected = workdays.current().add_working_days(utcnow(), 20)
    assert view["due_at"] == iso(expected) != first_due
    # Nobody may close it before the second answer; the deputy cannot rate again meanwhile.
    with live.app.app_context():
        row = db.session.get(Suggestion, sid)
        try:
            service.close(row, "staff", 1)
            raise AssertionError("closed without the second answer")
        except service.ApiError as refused:
            assert refused.status == 409 and "不满意待二次答复" in refused.message
        db.session.rollback()
        assert tasks.sweep()["suggestions"] == 0
    assert_error(live.api("POST", f"/deputy/suggestions/{sid}/evaluation", wang,
                          json={"score": "satisfied"}), 409)  # fmt: skip
    unit_view = live.api("GET", f"/unit/suggestions/{sid}", key).json()["suggestion"]
    assert unit_view["status"] == "reanswer" and unit_view["evaluations"] is None
    assert "没有和代表沟通" not in str(unit_view)
    second = live.api("POST", f"/unit/suggestions/{sid}/answer", key,
                      json={"content": "已与代表面商，列入明年计划。", "grade": "C"})  # fmt: skip
    assert second.status_code == 200, second.text
    assert second.json()["suggestion"]["status"] == "answered"
    final = live.api("POST", f"/deputy/suggestions/{sid}/evaluation", wang,
                     json={"score": "unsatisfied"})  # fmt: skip
    # A second 不满意 is recorded; it does not loop for ever (staff decide then).
    assert final.status_code == 200 and final.json()["suggestion"]["status"] == "evaluated"
    assert [e["round"] for e in final.json()["suggestion"]["evaluations"]] == [1, 2]


def test_grade_b_is_looked_at_again_on_the_promised_date(live, world, units, movable_clock):
    sid, wang, _, _, _ = submitted(live, world, units, co=False)
    staff_accept_and_assign(live, sid, units["ids"]["城管局"])
    key = units["keys"]["城管局"]
    promised = (local_today() + timedelta(days=40)).isoformat()
    no_date = live.api("POST", f"/unit/suggestions/{sid}/answer", key,
                       json={"content": "列入计划", "grade": "B"})  # fmt: skip
    assert_error(no_date, 422, field="promised_date")
    past = live.api("POST", f"/unit/suggestions/{sid}/answer", key,
                    json={"content": "列入计划", "grade": "B",
                          "promised_date": local_today().isoformat()})  # fmt: skip
    assert_error(past, 422, field="promised_date")
    ok = live.api(
        "POST",
        f"/unit/suggestions/{sid}/answer",
        key,
        json={"content": "列入明年维修计划", "grade": "B", "promised_date": promised},
    )
    assert ok.status_code == 200, ok.text
    assert live.api("POST", f"/deputy/suggestions/{sid}/evaluation", wang,
                    json={"score": "satisfied"}).ok  # fmt: skip
    movable_clock.move(days=20)
    with live.app.app_context():
        tasks.sweep()
        assert db.session.get(Suggestion, sid).status == "closed"
    assert_error(live.api("POST", f"/unit/suggestions/{sid}/lookback", key,
                          json={"content": "已完成"}), 409)  # fmt: skip
    movable_clock.move(days=21)
    with live.app.app_context():
        tasks.sweep()
        assert db.session.get(Suggestion, sid).status == "lookback"
    report = live.api("POST", f"/unit/suggestions/{sid}/lookback", key,
                      json={"content": "路面已全部修复"})  # fmt: skip
    assert report.status_code == 200, report.text
    assert report.json()["suggestion"]["status"] == "closed"
    with live.app.app_context():
        tasks.sweep()  # the look-back happens once
        assert db.session.get(Suggestion, sid).status == "closed"


def test_bad_and_broken_input(live, world, units):
    _, (first, _), mids = two_road_items(live, world)
    _, wang = bind_deputy(live, world, "王建国")
    _, chen = bind_deputy(live, world, "陈志强")
    # Wrong deputy: 陈志强 does not hold these items.
    assert_error(draft(live, chen, mids), 403, "not_your_item")
    assert_error(draft(live, wang, []), 422, field="message_ids")
    assert_error(draft(live, wang, [999999]), 422, field="message_ids")
    assert_error(draft(live, wang, mids, [world["ids"]["王建国"]]), 422, field="co_deputy_ids")
    assert_error(draft(live, wang, mids, [987654]), 422, field="co_deputy_ids")
    assert_error(draft(live, wang, mids, title="  "), 422, field="title")
    assert_error(draft(live, wang, mids, title="长" * 101), 422, field="title")
    assert_error(draft(live, wang, ["1"]), 422, field="message_ids")
    assert_error(live.api("POST", "/deputy/suggestions", first, json={}), 403)  # not a deputy
    with live.app.app_context():
        assert count(Suggestion) == 0 and count(SuggestionItem) == 0  # nothing half-written

    created = draft(live, wang, mids)
    sid = created.json()["suggestion"]["id"]
    # Wrong state: no rating of a draft; another deputy's suggestion is not there at all.
    error = assert_error(
        live.api("POST", f"/deputy/suggestions/{sid}/evaluation", wang,
                 json={"score": "satisfied"}), 409)  # fmt: skip
    assert error["message"] == "该建议当前为“草稿”，不能进行此操作"
    assert_error(live.api("GET", f"/deputy/suggestions/{sid}", chen), 404)
    assert_error(live.api("POST", f"/deputy/suggestions/{sid}/submit", chen), 404)
    assert_error(live.api("POST", f"/deputy/suggestions/{sid}/evaluation", wang,
                          json={"score": "great"}), 422, field="score")  # fmt: skip
    key = units["keys"]["城管局"]
    # Not handed to the unit yet: the unit cannot see it.
    assert_error(live.api("POST", f"/unit/suggestions/{sid}/sign", key), 404)
    assert live.api("POST", f"/deputy/suggestions/{sid}/submit", wang).ok

    with live.app.app_context():
        row = db.session.get(Suggestion, sid)
        service.accept(row, 1)
        for bad in (999999, "1", True):
            try:
                service.assign(row, 1, bad)
                raise AssertionError("assigned to an unknown unit")
            except service.ApiError as refused:
                assert refused.status == 422 and "承办单位" in refused.message
        try:
            service.assign(row, 1, units["ids"]["城管局"], [units["ids"]["城管局"]])
            raise AssertionError("the lead unit as its own 协办")
        except service.ApiError as refused:
            assert refused.status == 422
        db.session.commit()
        assert db.session.get(Suggestion, sid).status == "accepted"
        assert db.session.get(Suggestion, sid).units == []
        service.assign(row, 1, units["ids"]["城管局"])
        db.session.commit()

    other = units["keys"]["住建局"]
    assert_error(live.api("GET", f"/unit/suggestions/{sid}", other), 404)
    assert_error(live.api("GET", "/unit/suggestions", "lzu_wrong"), 401)
    assert_error(live.api("GET", "/unit/suggestions?status=nope", key), 422)
    # Not a PDF: an image under a .pdf name, a fake header, an empty file, one too large.
    assert_error(upload_pdf(live, key, sid, png_bytes(), "a.pdf"), 415, "not_a_pdf")
    assert_error(upload_pdf(live, key, sid, b"%PDF-1.7\n garbage \n%%EOF"), 415, "not_a_pdf")
    assert_error(upload_pdf(live, key, sid, pdf_bytes()[:200]), 415, "not_a_pdf")
    assert_error(upload_pdf(live, key, sid, b""), 400)
    assert_error(live.api("POST", f"/unit/suggestions/{sid}/documents", key), 400, "no_file")
    live.app.config["SUGGESTION_PDF_MAX_BYTES"] = 1024
    assert_error(upload_pdf(live, key, sid, pdf_bytes(5) + b" " * 2048), 413)
    live.app.config["SUGGESTION_PDF_MAX_BYTES"] = 10 * 1024 * 1024
    bad = [
        ({"content": "已处理", "grade": "D"}, "grade"),
        ({"content": "", "grade": "A"}, "content"),
        ({"content": "已处理", "grade": "A", "document_id": "nope"}, "document_id"),
    ]
    for body, field in bad:
        assert_error(live.api("POST", f"/unit/suggestions/{sid}/answer", key, json=body), 422,
                     field=field)  # fmt: skip
    meeting = {"date": (local_today() + timedelta(days=3)).isoformat(), "form": "visit",
               "summary": "面商"}  # fmt: skip
    assert_error(live.api("POST", f"/unit/suggestions/{sid}/meetings", key, json=meeting), 422)
    meeting.update(date="2026-13-40")
    assert_error(live.api("POST", f"/unit/suggestions/{sid}/meetings", key, json=meeting), 422)
    meeting.update(date=local_today().isoformat(), form="fax")
    assert_error(live.api("POST", f"/unit/suggestions/{sid}/meetings", key, json=meeting), 422)
    assert_error(live.api("POST", f"/unit/suggestions/{sid}/opinion", key,
                          json={"opinion": "同意"}), 403)  # fmt: skip
    # A lookback report before any promise is the wrong state.
    assert_error(live.api("POST", f"/unit/suggestions/{sid}/lookback", key,
                          json={"content": "x"}), 409)  # fmt: skip
    with live.app.app_context():
        row = db.session.get(Suggestion, sid)
        assert row.status == "assigned" and row.answer is None and row.meetings == []


def test_late_signing_and_answering_are_escalated_once(live, world, units, movable_clock):
    sid, _, _, _, _ = submitted(live, world, units, co=False)
    staff_accept_and_assign(live, sid, units["ids"]["城管局"])
    key = units["keys"]["城管局"]

    def notices():
        with live.app.app_context():
            rows = db.session.scalars(db.select(BoardNotice).order_by(BoardNotice.id)).all()
            # The linked items' own escalation (nobody answered them) is not this test's.
            return [(n.dedupe_key, n.audience, n.unit_id) for n in rows
                    if n.dedupe_key.startswith("sugg-")]  # fmt: skip

    with live.app.app_context():
        assert tasks.sweep()["suggestions"] == 0
    assert notices() == []
    movable_clock.move(days=6)  # past the three working days to sign
    with live.app.app_context():
        assert tasks.sweep()["suggestions"] == 2
        assert tasks.sweep()["suggestions"] == 0  # once
    unit_id = units["ids"]["城管局"]
    assert notices() == [(f"sugg-sign-{sid}", "unit", unit_id),
                         (f"sugg-sign-{sid}-c", "committee", None)]  # fmt: skip
    assert live.api("POST", f"/unit/suggestions/{sid}/sign", key).ok
    movable_clock.move(days=100)  # past the sixty working days to answer
    with live.app.app_context():
        assert tasks.sweep()["suggestions"] == 2
    assert notices()[2:] == [(f"sugg-overdue-{sid}-r1", "unit", unit_id),
                             (f"sugg-overdue-{sid}-r1-c", "committee", None)]  # fmt: skip
    view = live.api("GET", f"/unit/suggestions/{sid}", key).json()["suggestion"]
    assert view["colour"] == "red"


def test_numbers_run_per_year_and_a_number_is_never_given_twice(live, world, units):
    sid, wang, _, mids, _ = submitted(live, world, units, co=False)
    other = draft(live, wang, mids[:1], title="关于金竹西路增设路灯的建议").json()["suggestion"]
    assert live.api("POST", f"/deputy/suggestions/{other['id']}/submit", wang).ok
    year = local_today().year
    with live.app.app_context():
        assert service.accept(db.session.get(Suggestion, other["id"]), 1) == f"〔{year}〕第 0001 号"
        assert service.accept(db.session.get(Suggestion, sid), 1) == f"〔{year}〕第 0002 号"
        db.session.commit()
        # The database itself refuses a second holder of a number (two clerks at once).
        try:
            db.session.execute(db.update(Suggestion).where(Suggestion.id == sid).values(seq=1))
            db.session.flush()
            raise AssertionError("two suggestions with one number")
        except IntegrityError:
            db.session.rollback()
        assert db.session.get(Suggestion, sid).number == f"〔{year}〕第 0002 号"
