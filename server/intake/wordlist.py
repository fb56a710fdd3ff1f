"""The local content check: used when WeChat's msg_sec_check cannot be reached.

A deployment puts its own lists in CONTENT_WORDLIST_FILE: one word per line, `!` in front of a
word that must refuse the submission, plain words only flag it for staff review. Without a file
the short list below applies.
"""

from __future__ import annotations

import functools
import unicodedata
from pathlib import Path

from flask import current_app

DEFAULT_BLOCK = ("赌博网站", "代开发票", "枪支弹药", "毒品交易", "办理假证")
DEFAULT_REVIEW = ("加微信", "兼职刷单", "贷款秒批", "代办信用卡")

# What a reader does not see, so a word split by it still reads as the word: format characters
# (zero-width space and joiners, soft hyphen, BOM, bidi marks: category Cf), controls, every
# kind of space and separator, and combining marks (CGJ, variation selectors; after NFKC an
# accented letter is one character, so a mark left standing is decoration, not spelling) ...
INVISIBLE_CATEGORIES = {"Cf", "Cc", "Co", "Cn", "Cs", "Zs", "Zl", "Zp", "Mn", "Me"}
# ... and the letters and symbols that are drawn as blanks (Hangul fillers, the braille blank).
INVISIBLE_CHARS = {"\u115f", "\u1160", "\u3164", "\uffa0", "\u2800", "\u180e"}


def normalise(text: str) -> str:
    """Text as it reads: NFKC (full-width letters, Kangxi radicals and compatibility ideographs
    become the ordinary characters), lower case, and nothing invisible left in it."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return "".join(
        ch
        for ch in text
        if ch not in INVISIBLE_CHARS
        and not ch.isspace()
        and unicodedata.category(ch) not in INVISIBLE_CATEGORIES
    )


@functools.lru_cache(maxsize=8)
def _load(path: str | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    if not path:
        return _normalised(DEFAULT_BLOCK), _normalised(DEFAULT_REVIEW)
    block, review = [], []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        word = line.strip()
        if not word or word.startswith("#"):
            continue
        if word.startswith("!"):
            block.append(word[1:].strip())
        else:
            review.append(word)
    return _normalised(block), _normalised(review)


def _normalised(words) -> tuple[str, ...]:
    return tuple(word for word in (normalise(w) for w in words) if word)


def check(content: str) -> str:
    """ "risky" | "review" | "pass", by the configured word lists."""
    block, review = _load(current_app.config.get("CONTENT_WORDLIST_FILE"))
    # "赌 博 网站", "赌\u200b博网站" and "枪⽀弹药" (a Kangxi radical) read as the words they show.
    text = normalise(content)
    if any(word and word in text for word in block):
        return "risky"
    if any(word and word in text for word in review):
        return "review"
    return "pass"
