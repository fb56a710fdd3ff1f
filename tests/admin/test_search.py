"""The keyword search finds exactly the items a substring match finds, through the bigram index
on PostgreSQL and a LIKE scan on SQLite."""

from __future__ import annotations

import pytest
from flask import g

from server.admin.filters import ItemFilter
from server.admin.search import like_pattern
from server.models import Category, Citizen, Message, StaffUser, Station
from server.platform.db import db

TEXTS = [
    ("路灯不亮，晚上回家很危险", "金竹街道幸福路12号"),
    ("小区门口的路面坑洼", None),
    ("灯", None),  # one character, the last one of the text too
    ("噪音扰民：广场舞音响太大", "城东广场"),
    ("WiFi 信号差，Route 66 附近", "Block B-12"),
    ("折扣 50% 的菜价是假的", None),
    ("文件名 a_b 和 a%b 都打不开", None),
    ("反斜杠 C:\\temp 和引号 'x' 都要能搜", "O'Brien 路"),
    ("路\n灯", None),  # a line break between: not the word 路灯
    ("下水道堵塞", "路灯旁边"),  # the word only in the address
]
QUERIES = [
    "灯", "路", "亮", "路灯", "灯不", "不亮", "路灯不", "路灯不亮", "晚上回家很",
    "wifi", "ROUTE 66", "66", "b-12", "50%", "%", "_", "a_b", "a%b", "a_", "\\", "C:\\temp",
    "'", "o'brien", "x'", "广场", "没有的词", "灯灯",
]  # fmt: skip


@pytest.fixture
def items(ctx):
    g.staff = StaffUser(username="search-admin", role="admin", password_hash="-")
    category = db.session.scalar(db.select(Category).limit(1))
    station = Station(name="搜索站")
    citizen = Citizen(openid="o-search")
    db.session.add_all([station, citizen])
    db.session.flush()
    made = []
    for i, (content, address) in enumerate(TEXTS):
        made.append(
            Message(
                tracking_no=f"Q{i:05d}",
                channel="station_code",
                station_id=station.id,
                category_id=category.id,
                citizen_id=citizen.id,
                content=content,
                location_address=address,
            )
        )
    db.session.add_all(made)
    db.session.commit()
    return made


def found(q: str) -> set[int]:
    query = ItemFilter(q=q).query().with_only_columns(Message.id)
    return set(db.session.scalars(query))


def expected(messages, q: str) -> set[int]:
    needle = q.lower()
    return {
        m.id
        for m in messages
        if needle in m.content.lower()
        or needle in (m.location_address or "").lower()
        or m.tracking_no == q
    }


@pytest.mark.parametrize("q", QUERIES)
def test_the_keyword_finds_exactly_the_substring_matches(items, q):
    assert found(q) == expected(items, q)


def test_the_cases_are_not_trivial(items):
    # A test that cannot fail is a defect: the queries above find some items and not others.
    assert len(found("路灯")) == 2 and len(found("灯")) == 4
    assert found("%") == expected(items, "%") and len(found("%")) == 2
    assert found("没有的词") == set()
    assert found("Q00003") == {items[3].id}  # a tracking number, exactly


def test_wildcards_are_literal():
    assert like_pattern("50%") == "%50\\%%"
    assert like_pattern("a_b\\") == "%a\\_b\\\\%"


def test_postgresql_searches_through_the_bigram_index(items):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite scans with LIKE")
    db.session.execute(db.text("SET LOCAL enable_seqscan = off"))
    query = ItemFilter(q="路灯").query()
    plan = "\n".join(
        db.session.scalars(
            db.text("EXPLAIN " + str(query.compile(compile_kwargs={"literal_binds": True})))
        )
    )
    assert "ix_messages_search" in plan


def test_a_keywords_count_stops_past_the_cap(items):
    from server.admin import filters

    query = ItemFilter(q="路").query()
    exact = filters.count(query)
    assert exact == len(found("路")) >= 4
    # Counted no further than cap + 1: the caller knows there are more, not how many.
    assert filters.count(query, cap=2) == 3
    assert filters.count(query, cap=exact) == exact  # at the cap: the exact number
    assert filters.count(ItemFilter(q="没有的词").query(), cap=2) == 0


def test_the_item_list_says_more_than_the_cap(live, signed_in, world, monkeypatch):
    from server.admin import items as item_views
    from tests.support.helpers import citizen_with_consent, submit

    _, token = citizen_with_consent(live)
    for n in range(3):
        submit(live, token, world["scenes"]["金竹"], content=f"第{n}盏路灯不亮")
    admin = signed_in()
    monkeypatch.setattr(item_views, "SEARCH_COUNT_CAP", 2)
    page = admin.get("/admin/items?q=路灯").get_data(as_text=True)
    assert "超过 2 件" in page
    page = admin.get("/admin/items?q=第1盏").get_data(as_text=True)
    assert "共 1 件" in page
    page = admin.get("/admin/items").get_data(as_text=True)
    assert "共 3 件" in page  # no keyword: counted exactly, whatever the cap
