"""How alike two items are, over their jieba words (order and filler ignored, synonyms folded,
so 「小区门口路灯坏了」 and 「路灯不亮，就在小区门口」 are alike).

The score is the Dice coefficient of the two word sets, 2|A∩B| / (|A|+|B|), computed by
rapidfuzz as the Indel similarity of the sorted word lists (for sorted distinct lists the
longest common subsequence is the intersection), in C, one item against a whole block per call.
Facility words of the domain dictionary (路灯, 电梯 ...) count twice, and two items
naming facilities with none in common are never alike: 「小区电梯坏了」 is not 「小区路灯坏了」,
however many other words they share.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rapidfuzz import process
from rapidfuzz.distance import Indel

from server.insight.text import facility_words, tokens

# Two items at or above this score are "the same matter" (0-1).
SAME = 0.6
# Fewer words than this and a single shared word decides: too little to judge.
MIN_WORDS = 2
_TWICE = "\u0001"  # the second copy of a domain word, sorted right after it


def words_of(text: str) -> list[str]:
    """What the scorer compares: the item's distinct words, sorted, domain words twice."""
    return words_from(tokens(text))


def words_from(found: Iterable[str]) -> list[str]:
    """`words_of` for words already cut (the analysis job cuts each item once)."""
    domain = facility_words()
    out = []
    for word in sorted(set(found)):
        out.append(word)
        if word in domain:
            out.append(word + _TWICE)
    return out


def facilities(words: Sequence[str]) -> frozenset[str]:
    return frozenset(w for w in words if w.endswith(_TWICE))


def comparable(words: Sequence[str]) -> bool:
    return len([w for w in words if not w.endswith(_TWICE)]) >= MIN_WORDS


def score(a: Sequence[str], b: Sequence[str]) -> float:
    """The score of two `words_of` lists."""
    fa, fb = facilities(a), facilities(b)
    if fa and fb and not fa & fb:
        return 0.0
    return Indel.normalized_similarity(a, b)


def alike(
    query: Sequence[str], choices: Sequence[Sequence[str]], cutoff: float = SAME
) -> list[tuple[int, float]]:
    """(index, score) of the choices at or above `cutoff`, best first."""
    found = process.extract(
        query, choices, scorer=Indel.normalized_similarity, score_cutoff=cutoff, limit=None
    )
    mine = facilities(query)
    out = []
    for _, value, index in found:
        theirs = facilities(choices[index])
        if mine and theirs and not mine & theirs:
            continue
        out.append((index, value))
    return out
