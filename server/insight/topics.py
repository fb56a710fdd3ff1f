"""Topics of a quarter: the words citizens used most, and the ones rising against the quarter
before.

A word's weight is the number of items that use it (document frequency), not how often: one
long letter repeating 噪音 ten times is one voice. Rising compares shares, not counts, so a
quarter with twice the items does not make every word "rising".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from server.insight.text import tokens

# A word must be in at least this many items to rise: 1 -> 2 is not a trend.
RISING_MIN_ITEMS = 3
# Words that help tell two items apart (server/insight/synonyms.txt folds 坏了, 不亮 ... into
# 损坏) but say nothing about what the quarter was about.
NOT_TOPICS = frozenset({"损坏", "黑", "危险", "严重"})


@dataclass(frozen=True)
class Topic:
    word: str
    items: int  # how many items of the quarter use it
    share: float  # items / the quarter's items
    before: int = 0  # items of the quarter before that use it
    before_share: float = 0.0

    @property
    def growth(self) -> float | None:
        """Share now / share before; None for a word new this quarter."""
        return self.share / self.before_share if self.before_share else None


def document_frequency(texts: Iterable[str]) -> tuple[Counter, int]:
    counts: Counter = Counter()
    n = 0
    for text in texts:
        n += 1
        counts.update(set(tokens(text)) - NOT_TOPICS)
    return counts, n


def rank_top(now: Counter, n: int, limit: int = 20) -> list[Topic]:
    """The most used words of document frequencies `now` over `n` items, ties by the word so
    the order is stable."""
    ranked = sorted(now.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    return [Topic(word, k, k / n) for word, k in ranked]


def rank_rising(now: Counter, n: int, before: Counter, m: int, limit: int = 10) -> list[Topic]:
    """Words whose share of items grew against the quarter before: new words first (by count),
    then by growth."""
    out = []
    for word, k in now.items():
        if k < RISING_MIN_ITEMS:
            continue
        share = k / n
        before_share = before.get(word, 0) / m if m else 0.0
        if share <= before_share:
            continue
        out.append(Topic(word, k, share, before.get(word, 0), before_share))
    out.sort(key=lambda t: (t.growth is not None, -(t.growth or 0), -t.items, t.word))
    return out[:limit]


def top_words(texts: Iterable[str], limit: int = 20) -> list[Topic]:
    """The most used words of these texts."""
    counts, n = document_frequency(texts)
    return rank_top(counts, n, limit)


def rising(texts: Iterable[str], before: Iterable[str], limit: int = 10) -> list[Topic]:
    """Words rising in `texts` against `before`."""
    now, n = document_frequency(texts)
    then, m = document_frequency(before)
    return rank_rising(now, n, then, m, limit)
