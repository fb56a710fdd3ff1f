"""Issue 12, item 14: with WeChat's content check unreachable, the local word list is the only
check, and invisible characters used to walk straight past it ("赌\\u200b博网站")."""

from __future__ import annotations

import uuid

import pytest

from server.models import Message
from server.platform.db import db
from tests.support.helpers import assert_error

DISGUISED = {
    "zero-width space": "这里有人开赌\u200b博网站",
    "zero-width joiner and word joiner": "这里有人开赌\u200d博\u2060网站",
    "byte order mark": "有人\ufeff代开\ufeff发票",
    "soft hyphen": "有人代\u00ad开发票",
    "bidi marks": "有人\u202e枪支\u202c弹药",
    "Mongolian vowel separator": "毒品\u180e交易",
    "combining grapheme joiner": "毒\u034f品交易",
    "variation selector": "办理\ufe0f假证",
    "Hangul filler": "赌\u3164博网站",
    "braille blank": "办理\u2800假证",
    "ideographic space": "赌\u3000博网站",
    "Kangxi radical": "买卖枪\u2f40弹药",  # ⽀ KANGXI RADICAL BRANCH reads as 支
}


def _post(live, token, scene, content):
    return live.api(
        "POST",
        "/messages",
        token,
        json={"scene": scene, "category": "其他", "content": content},
        headers={"Idempotency-Key": uuid.uuid4().hex},
    )


@pytest.mark.parametrize("how", list(DISGUISED))
def test_invisible_characters_do_not_hide_a_blocked_word(live, world, wechat_down, how):
    _, token = live.citizen()
    answer = _post(live, token, world["scene"], DISGUISED[how])
    assert_error(answer, 422, "content_risky", "content")
    with live.app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Message)) == 0


def test_disguised_review_words_are_flagged_and_full_width_letters_read_plain(
    live,
    world,
    wechat_down,
    tmp_path,
):
    words = tmp_path / "words.txt"
    words.write_text("!ＱＱ代练\n加微信\n", encoding="utf-8")  # the list itself in full width
    live.app.config["CONTENT_WORDLIST_FILE"] = str(words)
    _, token = live.citizen()
    assert_error(_post(live, token, world["scene"], "有人qq\u200b代练"), 422, "content_risky")
    flagged = _post(live, token, world["scene"], "有人发广告让加\u200c微\u2062信")
    plain = _post(live, token, world["scene"], "公园的长椅坏了，请加固")
    assert flagged.status_code == plain.status_code == 201
    with live.app.app_context():
        assert db.session.get(Message, flagged.json()["id"]).content_check == "local_review"
        assert db.session.get(Message, plain.json()["id"]).content_check == "unavailable"


def test_content_check_local_decides_in_process_without_asking_wechat(live, world, tmp_path):
    words = tmp_path / "words.txt"
    words.write_text("!本地禁词\n本地复核词\n", encoding="utf-8")
    live.app.config["CONTENT_WORDLIST_FILE"] = str(words)
    live.app.config["CONTENT_CHECK"] = "local"
    _, token = live.citizen()
    before = live.sandbox.stats()["calls"].get("/wxa/msg_sec_check", 0)
    assert_error(_post(live, token, world["scene"], "这里有本地禁词"), 422, "content_risky")
    flagged = _post(live, token, world["scene"], "这里有本地复核词")
    plain = _post(live, token, world["scene"], "公园的长椅坏了，请加固")
    assert flagged.status_code == plain.status_code == 201
    with live.app.app_context():
        assert db.session.get(Message, flagged.json()["id"]).content_check == "local_review"
        assert db.session.get(Message, plain.json()["id"]).content_check == "local_pass"
    assert live.sandbox.stats()["calls"].get("/wxa/msg_sec_check", 0) == before
    live.app.config["CONTENT_CHECK"] = "wechat"  # the count above is the one WeChat would see
    assert _post(live, token, world["scene"], "路灯不亮了").status_code == 201
    assert live.sandbox.stats()["calls"].get("/wxa/msg_sec_check", 0) == before + 1


def test_an_unknown_content_check_mode_refuses_to_start():
    from server import settings

    with pytest.raises(SystemExit, match="CONTENT_CHECK"):
        settings.read({"CONTENT_CHECK": "maybe"})
