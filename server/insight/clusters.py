"""Clusters of similar items: the same matter raised by several citizens.

Items are compared only within a block of the same station and category ("same place and
category"), so a quarter is many small comparisons instead of one of 250,000 squared; within a
block two items whose words score at least `similarity.SAME` are joined, and the clusters are the
connected groups (union-find). A cluster needs at least `MIN_SIZE` items: one complaint is not a
pattern.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from server.insight import similarity
from server.insight.text import tokens

MIN_SIZE = 2


@dataclass(frozen=True)
class Item:
    id: int
    station_id: int | None
    category_id: int | None
    content: str
    words: tuple[str, ...] | None = None  # its jieba words, when already cut


@dataclass
class Found:
    station_id: int | None
    category_id: int | None
    item_ids: list[int]
    keywords: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        return "、".join(self.keywords[:3]) or "相似反映"


def _root(parent: dict[int, int], i: int) -> int:
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


def _block(items: list[Item], words: list[str]) -> list[list[int]]:
    """Connected groups (indexes into `items`) of one block."""
    parent = {i: i for i in range(len(items))}
    usable = [i for i, w in enumerate(words) if similarity.comparable(w)]
    for position, i in enumerate(usable):
        rest = [words[j] for j in usable[position + 1 :]]
        if not rest:
            break
        for offset, _ in similarity.alike(words[i], rest):
            j = usable[position + 1 + offset]
            a, b = _root(parent, i), _root(parent, j)
            if a != b:
                parent[b] = a
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(len(items)):
        groups[_root(parent, i)].append(i)
    return [g for g in groups.values() if len(g) >= MIN_SIZE]


def keywords(items: Iterable[Item], limit: int = 5) -> list[str]:
    """The words most of the cluster's items share."""
    counts: Counter = Counter()
    for item in items:
        counts.update(set(item.words if item.words is not None else tokens(item.content)))
    return [w for w, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]]


def cluster(items: Iterable[Item]) -> list[Found]:
    """The clusters of these items, largest first."""
    blocks: dict[tuple, list[Item]] = defaultdict(list)
    for item in items:
        blocks[item.station_id, item.category_id].append(item)
    out = []
    for (station_id, category_id), members in blocks.items():
        if len(members) < MIN_SIZE:
            continue
        words = [
            similarity.words_from(m.words)
            if m.words is not None
            else similarity.words_of(m.content)
            for m in members
        ]
        for group in _block(members, words):
            chosen = [members[i] for i in group]
            out.append(
                Found(
                    station_id,
                    category_id,
                    sorted(m.id for m in chosen),
                    keywords(chosen),
                )
            )
    out.sort(key=lambda f: (-len(f.item_ids), f.item_ids[0]))
    return out
