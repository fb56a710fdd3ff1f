"""The local content check: used when WeChat's msg_sec_check cannot be reached.

A deployment puts its own lists in CONTENT_WORDLIST_FILE: one word per line, `!` in front of a
word that must refuse the submission, plain words only flag it for staff review. Without a file
the short list below applies.
"""

from __future__ import annotations

import functools
from pathlib import Path

from flask import current_app

DEFAULT_BLOCK = ("赌博网站", "代开发票", "枪支弹药", "毒品交易", "办理假证")
DEFAULT_REVIEW = ("加微信", "兼职刷单", "贷款秒批", "代办信用卡")


@functools.lru_cache(maxsize=8)
def _load(path: str | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    if not path:
        return DEFAULT_BLOCK, DEFAULT_REVIEW
    block, review = [], []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        word = line.strip()
        if not word or word.startswith("#"):
            continue
        if word.startswith("!"):
            block.append(word[1:].strip())
        else:
            review.append(word)
    return tuple(block), tuple(review)


def check(content: str) -> str:
    """ "risky" | "review" | "pass", by the configured word lists."""
    block, review = _load(current_app.config.get("CONTENT_WORDLIST_FILE"))
    text = "".join(content.split())  # "赌 博 网站" is still 赌博网站
    if any(word and word in text for word in block):
        return "risky"
    if any(word and word in text for word in review):
        return "review"
    return "pass"
