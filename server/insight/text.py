"""Chinese words of an item's text: jieba with our domain dictionary (place and facility words a
clerk would group by: 路灯, 井盖, 垃圾分类 ...) and a stop-word list of the filler every complaint
carries (希望, 问题, 附近 ...). One tokenizer for the topics and the clusters, loaded once per
process: jieba's own dictionary takes about a second to load."""

from __future__ import annotations

import logging
import re
import threading
from functools import cache
from pathlib import Path

import jieba

# jieba announces its dictionary loading on stderr at INFO; the worker's log needs none of it.
jieba.setLogLevel(logging.WARNING)

HERE = Path(__file__).parent
DOMAIN_WORDS = HERE / "words.txt"
STOP_WORDS = HERE / "stopwords.txt"
SYNONYMS = HERE / "synonyms.txt"
# A token counts when it has a Chinese character or is a word of letters; numbers, punctuation
# and single characters (的, 灯) carry no topic.
_MEANINGFUL = re.compile(r"[\u4e00-\u9fff]{2,}|[A-Za-z]{2,}")
_lock = threading.Lock()
# jieba's HMM guesses words missing from its dictionary (a new place name); it doubles the cost
# (about 1.5 ms instead of 0.7 ms a sentence on the bench machine: minutes for a province's
# quarter) and the topics and clusters turn on dictionary words (ours: words.txt).
HMM = False


@cache
def stop_words() -> frozenset[str]:
    return frozenset(w.strip() for w in STOP_WORDS.read_text("utf-8").splitlines() if w.strip())


@cache
def synonyms() -> dict[str, str]:
    pairs = (
        line.split("\t")
        for line in SYNONYMS.read_text("utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    )
    return {word.strip(): canonical.strip() for word, canonical in pairs}


def _dictionary() -> list[list[str]]:
    lines = DOMAIN_WORDS.read_text("utf-8").splitlines()
    return [line.split() for line in lines if line.strip() and not line.startswith("#")]


@cache
def domain_words() -> tuple[str, ...]:
    """Every word of the domain dictionary, places and facilities."""
    return tuple(parts[0] for parts in _dictionary())


@cache
def facility_words() -> frozenset[str]:
    """The facilities and matters (路灯, 井盖, 停车 ...): the dictionary less its places."""
    return frozenset(parts[0] for parts in _dictionary() if parts[-1] != "ns")


@cache
def _tokenizer() -> jieba.Tokenizer:
    with _lock:
        tokenizer = jieba.Tokenizer()
        tokenizer.initialize()
        for parts in _dictionary():
            tokenizer.add_word(parts[0], int(parts[1]), parts[2])
        for word in synonyms():  # cut as one word, so it can be counted as its canonical one
            tokenizer.add_word(word, 50000)
        return tokenizer


def tokens(text: str) -> list[str]:
    """The meaningful words of `text`, in order, repeats kept, each synonym counted as its
    canonical word (不亮 and 坏了 are both 损坏)."""
    stops, same = stop_words(), synonyms()
    out = []
    for word in _tokenizer().lcut(text or "", HMM=HMM):
        word = same.get(word, word)
        if word not in stops and (_MEANINGFUL.fullmatch(word) or word in same.values()):
            out.append(word)
    return out
