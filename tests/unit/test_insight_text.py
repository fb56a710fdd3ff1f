"""Topics and clusters of the quarterly analysis (server/insight): pure, on fixed Chinese text."""

from __future__ import annotations

import math

import pytest

from server.insight import clusters, fairness, similarity, topics
from server.insight.periods import Quarter
from server.insight.text import tokens

# A fixed quarter: street lights most, then manhole covers, then parking; filler everywhere.
CORPUS = [
    "幸福小区门口的路灯坏了好几天，晚上特别黑，希望尽快修理",
    "和平路的路灯不亮，晚上走路很危险",
    "学校旁边路灯一直不亮，希望能修一下",
    "菜市场门口的井盖松动了，电动车经过很危险",
    "人民路井盖缺失，晚上很危险，请尽快处理",
    "小区里乱停车严重，消防通道被堵",
    "路灯坏了，井盖也坏了，希望尽快解决问题",
    "垃圾分类的桶太少，垃圾分类做不好",
]
BEFORE = [
    "小区里乱停车严重",
    "小区里乱停车，车都开不出去",
    "停车位太少，乱停车问题严重",
    "幸福小区的路灯坏了",
]


def test_the_domain_dictionary_keeps_facility_words_whole():
    words = tokens("垃圾分类的桶太少，井盖松动，想加装电梯")
    assert "垃圾分类" in words and "井盖" in words and "加装电梯" in words
    assert "垃圾" not in words and "分类" not in words


def test_states_are_not_topics():
    # 坏了 and 不亮 fold into 损坏, which tells items apart but is no topic
    assert "损坏" in tokens("路灯坏了")
    assert [t.word for t in topics.top_words(["路灯坏了", "路灯不亮"])] == ["路灯"]


def test_stop_words_and_single_characters_are_not_topics():
    words = tokens("希望尽快解决这个问题，谢谢代表")
    assert words == []


def test_top_words_of_a_fixed_corpus():
    top = topics.top_words(CORPUS, limit=4)
    assert [(t.word, t.items) for t in top] == [("路灯", 4), ("井盖", 3), ("小区", 2), ("门口", 2)]
    assert top[0].share == pytest.approx(4 / 8)


def test_a_word_is_counted_once_per_item():
    # 垃圾分类 twice in one item is one voice
    top = {t.word: t.items for t in topics.top_words(CORPUS)}
    assert top["垃圾分类"] == 1


def test_rising_compares_shares_against_the_quarter_before():
    rising = topics.rising(CORPUS, BEFORE)
    words = [t.word for t in rising]
    # 井盖 is new this quarter (3 items); 路灯 grew from 1 of 4 to 4 of 8 items
    assert words == ["井盖", "路灯"]
    # 乱停车 fell (3 of 4 before, 1 of 8 now) and is not rising
    assert "乱停车" not in words
    street_lights = next(t for t in rising if t.word == "路灯")
    assert street_lights.growth == pytest.approx((4 / 8) / (1 / 4))


def test_rising_needs_a_few_items():
    assert topics.rising(["井盖坏了", "井盖坏了"], []) == []


def test_two_near_identical_items_in_different_words_cluster_and_an_unrelated_one_does_not():
    items = [
        clusters.Item(1, 7, 3, "幸福小区门口的路灯坏了好几天，晚上特别黑，希望尽快修理"),
        clusters.Item(2, 7, 3, "幸福小区大门口路灯不亮了，一到晚上黑漆漆的，请派人来修"),
        clusters.Item(3, 7, 3, "菜市场旁边乱停车严重，电动车把人行道都占满了"),
        clusters.Item(4, 7, 3, "幸福小区的电梯坏了好几天，老人上下楼不方便"),
    ]
    found = clusters.cluster(items)
    assert [f.item_ids for f in found] == [[1, 2]]
    assert "路灯" in found[0].keywords


def test_the_same_words_at_another_station_or_in_another_category_do_not_cluster():
    text = "幸福小区门口的路灯坏了好几天，晚上特别黑"
    items = [
        clusters.Item(1, 7, 3, text),
        clusters.Item(2, 8, 3, text),
        clusters.Item(3, 7, 4, text),
    ]
    assert clusters.cluster(items) == []


def test_different_facilities_are_never_alike():
    a, b = similarity.words_of("小区电梯坏了"), similarity.words_of("小区路灯坏了")
    assert similarity.score(a, b) == 0.0
    assert similarity.alike(a, [b], cutoff=0.0) == []


def test_clusters_chain_and_are_largest_first():
    items = [clusters.Item(i, 1, 1, "和平路井盖松动，电动车经过很危险") for i in range(1, 4)]
    items += [clusters.Item(9, 1, 1, "和平路路灯不亮"), clusters.Item(10, 1, 1, "和平路路灯坏了")]
    found = clusters.cluster(items)
    assert [f.item_ids for f in found] == [[1, 2, 3], [9, 10]]


def test_empty_and_one_word_texts_cluster_with_nothing():
    items = [clusters.Item(1, 1, 1, ""), clusters.Item(2, 1, 1, ""), clusters.Item(3, 1, 1, "路灯")]
    items.append(clusters.Item(4, 1, 1, "路灯"))
    assert clusters.cluster(items) == []


@pytest.mark.parametrize(
    ("k", "n", "low", "high"),
    [(0, 10, 0.0, 0.2775), (5, 10, 0.2366, 0.7634), (10, 10, 0.7225, 1.0), (1, 1, 0.2065, 1.0)],
)
def test_wilson_interval(k, n, low, high):
    got = fairness.wilson(k, n)
    assert got == pytest.approx((low, high), abs=1e-4)


def test_wilson_without_a_sample_is_none():
    assert fairness.wilson(0, 0) is None


def test_median_interval_brackets_the_median():
    values = [float(v) for v in range(1, 101)]
    median, low, high = fairness.median_interval(values)
    assert median == 50.5
    assert low < median < high
    # about n/2 -+ 1.96 sqrt(n)/2 = 50 -+ 9.8 ranks
    assert (low, high) == (41.0, 60.0)
    assert fairness.median_interval([]) is None
    assert fairness.median_interval([3.0]) == (3.0, 3.0, 3.0)


@pytest.mark.parametrize("text", ["", "2026", "2026Q5", "2026Q0", "1899Q1", "Q1", "2026-Q1"])
def test_a_bad_quarter_is_refused_in_chinese(text):
    with pytest.raises(ValueError, match="季度格式"):
        Quarter.parse(text)


def test_quarters_run_across_years():
    q = Quarter.parse("2026q1")
    assert q.key == "2026Q1" and q.previous().key == "2025Q4" and q.next().key == "2026Q2"
    assert q.label == "2026年第一季度"
    assert (q.first.isoformat(), q.end.isoformat()) == ("2026-01-01", "2026-04-01")
    start, _ = q.bounds()
    assert start.utcoffset().total_seconds() == 8 * 3600
    assert math.isclose((q.end - q.first).days, 90)
