"""Issue 12, item 2: one character must not break the registers.

U+0001 in a message or a reply made every .xlsx export covering it a 500 (openpyxl refuses C0
controls) and U+FFFE / U+FFFF gave a workbook Excel calls corrupt. Intake now refuses them on
every API text field and every dashboard form, and the writer strips them from rows stored
before (so an old row cannot break an export either).
"""

from __future__ import annotations

import io
import uuid

import openpyxl
import pytest

from server.models import Message, Reply
from server.platform.db import db
from tests.support.helpers import assert_error

BAD = {
    "U+0001": "\u0001",
    "U+0008": "\u0008",
    "U+000B": "\u000b",
    "U+001F": "\u001f",
    "U+FFFE": "\ufffe",
    "U+FFFF": "\uffff",
    "U+FDD0": "\ufdd0",
    "U+FDEF": "\ufdef",
    "U+1FFFF": "\U0001ffff",
    "U+10FFFE": "\U0010fffe",
}


def _submit(live, token, scene, **body):
    payload = {"scene": scene, "category": "城乡建设", "content": "路灯坏了", **body}
    return live.api(
        "POST", "/messages", token, json=payload, headers={"Idempotency-Key": uuid.uuid4().hex}
    )


def _count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


@pytest.mark.parametrize("name", list(BAD))
def test_control_characters_and_noncharacters_are_refused_at_intake(live, stations, name):
    char = BAD[name]
    _, token = live.citizen()
    scene = stations["scenes"]["金竹"]
    for body, field in (
        ({"content": f"路灯{char}坏了"}, "content"),
        ({"location": {"lat": 26.5, "lng": 106.7, "address": f"金竹{char}西路"}}, "location"),
    ):
        error = assert_error(_submit(live, token, scene, **body), 422, field=field)
        assert "控制字符" in error["fields"][field]
    created = _submit(live, token, scene).json()
    answer = live.api(
        "POST", f"/messages/{created['id']}/followups", token, json={"content": f"再{char}问"}
    )
    assert_error(answer, 422, field="content")
    with live.app.app_context():
        assert _count(Message) == 1 and _count(Reply) == 0


def test_tabs_and_line_breaks_are_still_welcome(live, stations):
    _, token = live.citizen()
    answer = _submit(live, token, stations["scenes"]["金竹"], content="第一行\n第二行\r\n\t缩进")
    assert answer.status_code == 201, answer.text


def test_a_deputys_reply_and_the_dashboards_forms_refuse_them_too(live, stations, signed_in):
    openid, token = live.citizen("王建国")
    bound = live.api(
        "POST", "/deputy/bind", token, json={"invite_code": stations["invites"]["王建国"]}
    )
    assert bound.status_code == 200
    _, citizen = live.citizen()
    created = _submit(live, citizen, stations["scenes"]["金竹"]).json()
    live.work()
    answer = live.api(
        "POST", f"/deputy/messages/{created['id']}/replies", token, json={"content": "已\u0001修"}
    )
    assert_error(answer, 422, field="content")

    clerk = signed_in("jinzhu")
    page = clerk.post(
        "/admin/walk-ins/new",
        {
            "station_id": stations["stations"]["金竹"],
            "category_id": "1",
            "content": "来访\ufffe反映",
        },
    )
    assert page.status_code == 422
    assert "反映内容含有控制字符" in page.get_data(as_text=True)
    page = clerk.post(f"/admin/items/{created['id']}/reply", {"content": "联络站\u0002答复"})
    assert page.status_code == 422 and "控制字符" in page.get_data(as_text=True)
    with live.app.app_context():
        assert _count(Reply) == 0


def _sheet_text(data: bytes) -> str:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return "\n".join(
        str(cell.value)
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.value is not None
    )


def test_rows_stored_before_cannot_break_an_export(live, stations, signed_in):
    """Rows written before intake refused these characters (or by hand): the export strips
    them and answers a workbook that opens, with the rest of the text intact."""
    _, token = live.citizen()
    created = _submit(live, token, stations["scenes"]["金竹"]).json()
    clerk = signed_in("jinzhu")
    walk_in = clerk.post(
        "/admin/walk-ins/new",
        {"station_id": stations["stations"]["金竹"], "category_id": "1", "content": "来访反映"},
    )
    assert walk_in.status_code == 302
    with live.app.app_context():
        message = db.session.get(Message, created["id"])
        message.content = "旧数据\u0001路灯\ufffe坏了\uffff一个月\U0010ffff"
        db.session.add(
            Reply(message_id=message.id, author_kind="staff", content="旧答复\u0007已修复")
        )
        visit = db.session.scalar(db.select(Message).where(Message.channel == "walk_in"))
        visit.content = "旧来访\u001b内容\ufdd0"
        db.session.commit()
    for kind, expected in (
        ("suggestions", ("旧数据路灯坏了一个月", "旧答复已修复", "旧来访内容")),
        ("visits", ("旧来访内容",)),
    ):
        answer = clerk.get(f"/admin/registers/{kind}.xlsx?date_from=2000-01-01")
        assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
        text = _sheet_text(answer.data)
        for value in expected:
            assert value in text, (kind, value)
        assert not any(char in text for char in BAD.values())
