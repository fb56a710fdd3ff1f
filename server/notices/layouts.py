"""What each notice says, cut to WeChat's limits: pure, no database, no network.

LAYOUTS maps each kind of notice to a template and to the template's keyword fields. The keys
(thing2, time5 ...) belong to the template chosen in the WeChat console; a deployment whose
templates use other keys edits this table, nothing else. KINDS says which layout each notice
uses and where the recipient taps through to.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

from server.platform.clock import local_text

# kind -> (template attribute in config WECHAT_TEMPLATES, {template key: (type, source)})
LAYOUTS: dict[str, tuple[str, dict[str, tuple[str, str]]]] = {
    "new_item": (
        "new_item",
        {
            "character_string1": ("character_string", "tracking_no"),
            "thing2": ("thing", "category"),
            "thing3": ("thing", "summary"),
            "thing4": ("thing", "station"),
            "time5": ("time", "created_at"),
        },
    ),
    "reminder": (
        "reminder",
        {
            "character_string1": ("character_string", "tracking_no"),
            "thing2": ("thing", "summary"),
            "time3": ("time", "created_at"),
            "thing4": ("thing", "note"),
        },
    ),
    "reply": (
        "reply",
        {
            "character_string1": ("character_string", "tracking_no"),
            "thing2": ("thing", "summary"),
            "thing3": ("thing", "reply"),
            "name4": ("name", "deputy"),
            "time5": ("time", "replied_at"),
        },
    ),
    "progress": (
        "progress",
        {
            "character_string1": ("character_string", "tracking_no"),
            "thing2": ("thing", "summary"),
            "phrase3": ("phrase", "stage"),
            "thing4": ("thing", "reply"),
            "time5": ("time", "replied_at"),
        },
    ),
    "solved": (
        "solved",
        {
            "character_string1": ("character_string", "tracking_no"),
            "thing2": ("thing", "summary"),
            "thing3": ("thing", "question"),
        },
    ),
    # 接待提醒: a reception day the citizen asked about (the day before, or its cancellation).
    "reception": (
        "reception",
        {
            "thing1": ("thing", "topic"),
            "thing2": ("thing", "station"),
            "thing3": ("thing", "when"),
            "thing4": ("thing", "place"),
            "thing5": ("thing", "note"),
        },
    ),
}
# Which notice kinds use which layout, and where the recipient taps through to.
KINDS = {
    "new_item": ("new_item", "pages/deputy/item/item?id={id}"),
    "reminder": ("reminder", "pages/deputy/item/item?id={id}"),
    "reopened": ("reminder", "pages/deputy/item/item?id={id}"),
    "followup": ("reminder", "pages/deputy/item/item?id={id}"),
    # The escalation chain to a staff account's bound WeChat (station staff, the 代表工委, a
    # unit's clerks): they act on the dashboard, so the tap opens the mini-program's own page.
    "escalated": ("reminder", "pages/mine/mine"),
    # To a deputy's previous WeChat after the deputy was bound to another one.
    "rebound": ("reminder", "pages/mine/mine"),
    # A deputy asked to 附议 a 代表建议: they confirm (or decline) on the suggestions page.
    "co_invite": ("reminder", "pages/deputy/suggestions/suggestions"),
    "reply": ("reply", "pages/detail/detail?id={id}"),
    # A refusal reaches the citizen like an answer: what happened, and where to go instead.
    "rejected": ("reply", "pages/detail/detail?id={id}"),
    # Handed to a unit: the citizen learns who handles it and by when (name4: the unit).
    "transferred": ("reply", "pages/detail/detail?id={id}"),
    # The unit answered: the accountable deputy sees what the unit told the citizen.
    "unit_answered": ("reminder", "pages/deputy/item/item?id={id}"),
    # Progress on an item, or a further answer (a unit's, say).
    "progress": ("progress", "pages/detail/detail?id={id}"),
    # 「问题解决了吗」: an answered item the citizen has not rated yet.
    "solved": ("solved", "pages/detail/detail?id={id}"),
    # A duplicate merged into an earlier item: the citizen follows that one from now on.
    "merged": ("reply", "pages/detail/detail?id={id}"),
    # 督办: staff or the 代表工委 press the deputy who holds the item.
    "supervised": ("reminder", "pages/deputy/item/item?id={id}"),
    # Their item went into a 代表建议 (once per citizen and suggestion).
    "suggested": ("progress", "pages/detail/detail?id={id}"),
    # 回访: 「问题解决了吗？」 some days after closing, answered in the mini-program.
    "revisit": ("reply", "pages/detail/detail?id={id}"),
    # 接待预告: the day before a reception day, and when a published day is cancelled.
    "reception_reminder": ("reception", "pages/entry/entry"),
    "reception_cancelled": ("reception", "pages/entry/entry"),
}

# The citizen's templates, asked for together at each tap (WeChat shows at most three in one
# dialog), in the order the loop needs them: the answer, a second answer or progress, then
# 「问题解决了吗」.
CITIZEN_LAYOUTS = ("reply", "progress", "solved")

# kind -> the layouts whose credit it may spend, first choice first: a second answer goes out
# on the progress credit when the reply credit went on the first; the rating prompt spends only
# its own, so it never takes the credit an answer still needs.
SPEND_ORDER: dict[str, tuple[str, ...]] = {
    "reply": ("reply", "progress"),
    "rejected": ("reply", "progress"),
    "progress": ("progress", "reply"),
    "solved": ("solved",),
    # Good news, not an answer: never the credit the answer still needs.
    "suggested": ("progress",),
}

# What the fixed fields of the progress and solved templates say, per kind of notice.
STAGES = {"reply": "已答复", "rejected": "不予受理", "progress": "有新进展", "solved": "已答复",
          "suggested": "纳入建议"}  # fmt: skip
SOLVED_QUESTION = "问题解决了吗？点此评价"


def spend_order(kind: str) -> tuple[str, ...]:
    """The layouts a notice of `kind` may go out with, in order (deputies': their own only)."""
    return SPEND_ORDER.get(kind, (KINDS[kind][0],))


def layout_values(kind: str, values: dict) -> dict:
    """`values` with the fields a kind fills itself (the stage, the question)."""
    return {"stage": STAGES.get(kind, "有新进展"), "question": SOLVED_QUESTION, **values}


# WeChat's limits per data type (characters); see docs/wechat.md.
LIMITS = {"thing": 20, "character_string": 32, "number": 32, "letter": 32, "phrase": 5, "name": 10}
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
_NOT_CHARSTRING = re.compile(r"[^0-9A-Za-z!-/:-@\[-`{-~]")


def _clean(value: str) -> str:
    """No newlines or control characters (47003), whitespace collapsed."""
    value = unicodedata.normalize("NFC", str(value))
    return re.sub(r"\s+", " ", _CONTROL.sub(" ", value)).strip()


def shorten(value, kind: str) -> str:
    """Fit one value into a WeChat data type; long text ends in "…" (first 17 chars + "…")."""
    if kind == "time":
        if isinstance(value, datetime):
            return local_text(value, "%Y年%m月%d日 %H:%M")
        return _clean(value)
    text = _clean(value)
    if kind == "character_string":
        text = _NOT_CHARSTRING.sub("", text)
    if kind == "name":
        ascii_only = text.isascii()
        limit = 20 if ascii_only else LIMITS["name"]
        return (text[:limit] or "代表").strip()
    limit = LIMITS.get(kind)
    if limit and len(text) > limit:
        text = text[:17] + "…" if kind == "thing" else text[:limit]
    return text or ("无" if kind in ("thing", "phrase") else "-")


def transfer_text(due: datetime) -> str:
    """The citizen's notice when a unit takes over, within a `thing` (20 characters): the unit's
    name goes in the name field, so this says only what happens and by when."""
    return local_text(due, "已转交承办单位，预计%m月%d日前答复")


def build_data(layout: str, values: dict) -> dict[str, str]:
    _, fields = LAYOUTS[layout]
    return {key: shorten(values.get(source, ""), kind) for key, (kind, source) in fields.items()}


# An official-account template message: every keyword value at most 20 characters, one line.
OFFICIAL_LIMIT = 20


def official_data(data: dict[str, str]) -> dict[str, str]:
    """A subscribe message's values cut to the official account's limit (same keys: the
    deployment picks official-account templates with the same keywords)."""
    out = {}
    for key, value in data.items():
        text = _clean(value)
        out[key] = text[: OFFICIAL_LIMIT - 1] + "…" if len(text) > OFFICIAL_LIMIT else text
    return out


def message_values(message, **extra) -> dict:
    return {
        "tracking_no": message.tracking_no,
        "category": message.category.name,
        "summary": message.content,
        "station": message.station.name if message.station else "代表直通",
        "created_at": message.created_at,
        **extra,
    }


def template_attr(kind: str) -> str:
    """The WECHAT_TEMPLATES attribute (reply, new_item, reminder ...) a kind is first sent with."""
    return LAYOUTS[KINDS[kind][0]][0]


def official_attr(kind: str) -> str | None:
    """The official account's template for a kind (WECHAT_OA: reply, new_item, reminder), None
    when it has none (the rating prompt and progress go by subscribe message only)."""
    attr = template_attr(kind)
    return attr if attr in ("reply", "new_item", "reminder", "reception") else None
