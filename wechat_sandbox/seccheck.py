"""msg_sec_check v2: a word list stands in for WeChat's content model."""

from __future__ import annotations

from dataclasses import dataclass

LABEL_PASS = 100
LABEL_ILLEGAL = 20006  # 违法犯罪
LABEL_OTHER = 21000  # 其他


@dataclass(frozen=True)
class Verdict:
    suggest: str  # pass | review | risky
    label: int
    keyword: str | None = None


def _first_hit(text: str, words: tuple) -> str | None:
    return next((word for word in words if word in text), None)


def judge(texts: list[str], risky_words: tuple, review_words: tuple) -> Verdict:
    """The verdict for the joined texts: risky beats review beats pass."""
    text = "\n".join(texts)
    word = _first_hit(text, risky_words)
    if word:
        return Verdict("risky", LABEL_ILLEGAL, word)
    word = _first_hit(text, review_words)
    if word:
        return Verdict("review", LABEL_OTHER, word)
    return Verdict("pass", LABEL_PASS)


def detail(verdict: Verdict) -> list[dict]:
    """WeChat's `detail`: one entry per strategy that looked at the text."""
    entries = [
        {
            "strategy": "content_model",
            "errcode": 0,
            "suggest": verdict.suggest,
            "label": verdict.label,
            "prob": 90 if verdict.keyword else 0,
        }
    ]
    if verdict.keyword:
        entries.append(
            {
                "strategy": "keyword",
                "errcode": 0,
                "suggest": verdict.suggest,
                "label": verdict.label,
                "level": 20 if verdict.suggest == "review" else 90,
                "keyword": verdict.keyword,
            }
        )
    return entries
