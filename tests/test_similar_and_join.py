"""Similar past items (issue 17, item 4): for the deputy answering, the answered items like it;
for the citizen before submitting, 「附近已有类似反映」, which they may join instead of filing
again: no new item, and they get the item's next notice."""

from __future__ import annotations

from sqlalchemy import func, select

from server.models import Message, Notification, Supporter
from server.platform.db import db
from tests.support.helpers import assert_error, bind_deputy, citizen_with_consent, submit

FIRST = "幸福小区门口的路灯坏了好几天，晚上特别黑，希望尽快修理"
SAME = "幸福小区大门口路灯不亮了，一到晚上黑漆漆的，请派人来修"
UNRELATED = "菜市场旁边乱停车严重，电动车把人行道都占满了"


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _reply(live, token, message_id, text):
    answer = live.api(
        "POST", f"/deputy/messages/{message_id}/replies", token, json={"content": text}
    )
    assert answer.status_code == 201, answer.text


def test_joining_makes_no_new_item_and_the_joiner_gets_the_next_notice(live, world):
    _, deputy_token = bind_deputy(live, world, "王建国")
    _, first_token = citizen_with_consent(live)
    first = submit(live, first_token, world["scene"], content=FIRST)
    live.work()

    joiner_openid, joiner = live.citizen("李阿姨")
    found = live.api(
        "POST", "/messages/similar", joiner, json={"scene": world["scene"], "content": SAME}
    )
    assert found.status_code == 200, found.text
    (nearby,) = found.json()["items"]
    assert nearby["id"] == first["id"] and nearby["status_label"] == "办理中"
    assert nearby["supporters"] == 0 and "excerpt" in nearby and "content" not in nearby

    # the joiner allows the reply template on the 我也反映 tap
    template = live.app.config["WECHAT_TEMPLATES"].reply
    live.sandbox.consent(joiner_openid, template)
    assert (
        live.api("POST", "/subscriptions", joiner, json={"accepted": [template]}).status_code == 200
    )
    with live.app.app_context():
        before = _count(Message)
    body = {"scene": world["scene"], "content": SAME}
    joined = live.api("POST", f"/messages/{first['id']}/join", joiner, json=body)
    assert joined.status_code == 200, joined.text
    assert joined.json() | {} == {
        "id": first["id"],
        "tracking_no": first["tracking_no"],
        "status": "routed",
        "status_label": "办理中",
        "supporters": 1,
        "joined": True,
    }
    again = live.api("POST", f"/messages/{first['id']}/join", joiner, json=body)
    assert again.status_code == 200 and again.json()["joined"] is False
    assert again.json()["supporters"] == 1
    with live.app.app_context():
        assert _count(Message) == before
        assert _count(Supporter, Supporter.message_id == first["id"]) == 1

    # the deputy sees the added voice; the joiner opens the item, without the filer's details
    item = live.api("GET", f"/deputy/messages/{first['id']}", deputy_token).json()
    assert item["supporters"] == 1
    view = live.api("GET", f"/messages/{first['id']}", joiner).json()
    assert view["joined"] is True and view["can_rate"] is False and view["photos"] == []
    assert view["contact_phone"] is None

    _reply(live, deputy_token, first["id"], "已联系街道城管科，路灯本周内修好。")
    live.work()
    (notice,) = live.sandbox.sent(joiner_openid)
    assert notice["template_id"] == template
    assert notice["page"] == f"pages/detail/detail?id={first['id']}"
    with live.app.app_context():
        rows = db.session.scalars(
            select(Notification).where(Notification.kind == "reply").order_by(Notification.id)
        ).all()
        assert len(rows) == 2  # the filer's and the joiner's, each its own row
    # the joiner may neither rate nor follow up someone else's item
    rated = live.api("POST", f"/messages/{first['id']}/rating", joiner, json={"score": "satisfied"})
    assert rated.status_code == 404


def test_joining_is_refused_clearly(live, world):
    _, token = live.citizen("张大爷")
    own = submit(live, token, world["scene"], content=FIRST)
    live.work()
    body = {"scene": world["scene"], "content": SAME}
    path = f"/messages/{own['id']}/join"
    assert_error(live.api("POST", path, token, json=body), 409, "own_message")
    _, other = live.citizen("李阿姨")
    assert_error(live.api("POST", "/messages/999999/join", other, json=body), 404)
    # only what 「附近已有类似反映」 would offer for what one wrote: ids read nothing
    unrelated = {"scene": world["scene"], "content": UNRELATED}
    assert_error(live.api("POST", path, other, json=unrelated), 404)
    assert_error(live.api("POST", path, other, json={"scene": "s.nope", "content": SAME}), 404)
    assert_error(live.api("POST", path, other, json={"scene": world["scene"]}), 422)
    assert_error(live.api("POST", path, other), 422)
    with live.app.app_context():
        db.session.execute(
            Message.__table__.update().where(Message.id == own["id"]).values(flagged=True)
        )
        db.session.commit()
    assert_error(live.api("POST", path, other, json=body), 404)
    with live.app.app_context():
        assert _count(Supporter) == 0


def test_a_closed_item_cannot_be_joined(live, world):
    _, deputy_token = bind_deputy(live, world, "王建国")
    _, token = citizen_with_consent(live)
    made = submit(live, token, world["scene"], content=FIRST)
    live.work()
    _reply(live, deputy_token, made["id"], "已修好")
    live.api("POST", f"/messages/{made['id']}/rating", token, json={"score": "satisfied"})
    _, other = live.citizen("李阿姨")
    body = {"scene": world["scene"], "content": SAME}
    joined = live.api("POST", f"/messages/{made['id']}/join", other, json=body)
    assert_error(joined, 409, "not_joinable")
    # and it is not offered as 附近已有类似反映 either
    found = live.api(
        "POST", "/messages/similar", other, json={"scene": world["scene"], "content": SAME}
    )
    assert found.json()["items"] == []


def test_nearby_leaves_out_unrelated_and_own_items_and_checks_its_input(live, world):
    _, token = live.citizen("张大爷")
    submit(live, token, world["scene"], content=UNRELATED)
    mine = submit(live, token, world["scene"], content=FIRST)
    live.work()
    own = live.api(
        "POST", "/messages/similar", token, json={"scene": world["scene"], "content": SAME}
    )
    assert own.json()["items"] == []  # one's own item is not "someone nearby"
    _, other = live.citizen("李阿姨")
    found = live.api(
        "POST", "/messages/similar", other, json={"scene": world["scene"], "content": SAME}
    )
    assert [i["id"] for i in found.json()["items"]] == [mine["id"]]
    assert_error(
        live.api("POST", "/messages/similar", other, json={"scene": "s.nope", "content": SAME}), 404
    )
    assert_error(live.api("POST", "/messages/similar", other, json={"scene": world["scene"]}), 422)
    assert_error(
        live.api(
            "POST",
            "/messages/similar",
            other,
            json={"scene": world["scene"], "content": "x" * 2001},
        ),
        422,
    )
    assert (
        live.api(
            "POST", "/messages/similar", None, json={"scene": world["scene"], "content": SAME}
        ).status_code
        == 401
    )


def test_the_deputy_sees_similar_answered_items_with_their_answers(live, world):
    _, deputy_token = bind_deputy(live, world, "王建国")
    _, token = citizen_with_consent(live)
    old = submit(live, token, world["scene"], content=FIRST)
    unrelated = submit(live, token, world["scene"], content=UNRELATED)
    live.work()
    _reply(live, deputy_token, old["id"], "已联系街道城管科，路灯三天内修好。")
    _reply(live, deputy_token, unrelated["id"], "已请城管劝导。")
    live.api("POST", f"/messages/{old['id']}/rating", token, json={"score": "satisfied"})
    _, another = live.citizen("李阿姨")
    new = submit(live, another, world["scene"], content=SAME)
    live.work()
    item = live.api("GET", f"/deputy/messages/{new['id']}", deputy_token).json()
    (past,) = item["similar"]
    assert past["id"] == old["id"] and past["answer"] == "已联系街道城管科，路灯三天内修好。"
    assert past["status"] == "closed" and past["rating_label"] == "满意"
    assert 0.45 <= past["score"] <= 1


PRIVATE = (
    "我叫周海燕，电话 139-8511-2233，身份证 52010219800101118X，"
    "幸福小区门口的路灯坏了好几天，晚上特别黑，贵A·D12345 天天停在幸福路 8 号 2 栋 301 室楼下"
)
SECRETS = ("周海燕", "139", "8511", "2233", "52010219800101118X", "0101", "D12345", "301")


def test_nearby_excerpts_show_nothing_personal_of_another_citizen(live, world):
    """「附近已有类似反映」 shows the start of someone else's item: through the 双公开 redaction,
    so no phone, ID number, name, plate or house number of theirs reaches another citizen —
    neither in the list nor once they joined it."""
    from server.publish.redact import _id_checksum_ok

    assert _id_checksum_ok("52010219800101118X")  # a real ID shape, ending in X
    _, token = live.citizen("周海燕")
    first = submit(live, token, world["scene"], content=PRIVATE)
    live.work()
    _, other = live.citizen("李阿姨")
    found = live.api(
        "POST", "/messages/similar", other, json={"scene": world["scene"], "content": SAME}
    )
    assert found.status_code == 200, found.text
    (nearby,) = found.json()["items"]
    assert nearby["id"] == first["id"]
    shown = nearby["excerpt"]
    assert shown.startswith("我叫某某，电话 〔电话〕，身份证 〔身份证号〕，幸福小区门口的路灯")
    assert len(shown) <= 61 and shown.endswith("幸福路…")  # not half a placeholder
    for secret in SECRETS:
        assert secret not in shown, secret
    body = {"scene": world["scene"], "content": SAME}
    assert live.api("POST", f"/messages/{first['id']}/join", other, json=body).status_code == 200
    view = live.api("GET", f"/messages/{first['id']}", other).json()
    assert "〔车牌号〕" in view["content"] and "〔门牌号〕" in view["content"]
    for secret in SECRETS:
        assert secret not in view["content"], secret
    # the citizen who wrote it still sees their own words whole
    own = live.api("GET", f"/messages/{first['id']}", token).json()
    assert own["content"] == PRIVATE
