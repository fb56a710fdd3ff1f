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
}
# Which notice kinds use which layout, and where the recipient taps through to.
KINDS = {
    "new_item": ("new_item", "pages/deputy/item/item?id={id}"),
    "reminder": ("reminder", "pages/deputy/item/item?id={id}"),
    "reopened": ("reminder", "pages/deputy/item/item?id={id}"),
    "followup": ("reminder", "pages/deputy/item/item?id={id}"),
    # To a deputy's previous WeChat after the deputy was bound to another one.
    "rebound": ("reminder", "pages/mine/mine"),
    "reply": ("reply", "pages/detail/detail?id={id}"),
    # A refusal reaches the citizen like an answer: what happened, and where to go instead.
    "rejected": ("reply", "pages/detail/detail?id={id}"),
    # A duplicate merged into an earlier item: the citizen follows that one from now on.
    "merged": ("reply", "pages/detail/detail?id={id}"),
    # 督办: staff or the 代表工委 press the deputy who holds the item.
    "supervised": ("reminder", "pages/deputy/item/item?id={id}"),
    # 回访: 「问题解决了吗？」 some days after closing, answered in the mini-program.
    "revisit": ("reply", "pages/detail/detail?id={id}"),
}

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


def build_data(layout: str, values: dict) -> dict[str, str]:
    _, fields = LAYOUTS[layout]
    return {key: shorten(values.get(source, ""), kind) for key, (kind, source) in fields.items()}


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
    """The WECHAT_TEMPLATES attribute (reply, new_item, reminder) a kind of notice is sent with."""
    return LAYOUTS[KINDS[kind][0]][0]
