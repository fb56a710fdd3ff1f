"""Subscribe-message keyword types and the rules WeChat applies to their values (47003 if broken).

WeChat's documentation describes each type in a sentence; the rules below are the strict reading
of those sentences, so a value the sandbox accepts is one WeChat accepts too.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date

EXCEEDS = "exceeds limit"
INVALID = "invalid"
EMPTY = "is empty"

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_NUMBER = re.compile(r"[0-9]+(\.[0-9]+)?")
_LETTERS = re.compile(r"[A-Za-z]+")
_CHARACTER_STRING = re.compile(r"[\x21-\x7e]+")  # printable ASCII, no space
_CHINESE = re.compile(f"[{_CJK}]+")
_CHINESE_NAME = re.compile(f"[{_CJK}]+(·[{_CJK}]+)*")  # 阿卜杜·热合曼
_LATIN_NAME = re.compile(r"[A-Za-z]+([ .'-]+[A-Za-z]+)*\.?")
_PHONE = re.compile(r"[0-9+\- ]+")
_AMOUNT = re.compile(r"[¥￥]?[0-9]+(\.[0-9]{1,2})?元?")
_DATE_CN = r"(?P<y>[0-9]{4})年(?P<m>[0-9]{1,2})月(?P<d>[0-9]{1,2})日"
_DATE_ISO = r"(?P<y>[0-9]{4})-(?P<m>[0-9]{2})-(?P<d>[0-9]{2})"
_CLOCK = r"(?P<H>[0-9]{2}):(?P<M>[0-9]{2})"
_DATES = [re.compile(_DATE_CN), re.compile(_DATE_ISO)]
_TIMES = [
    re.compile(_CLOCK),
    re.compile(f"{_DATE_CN} {_CLOCK}"),
    re.compile(f"{_DATE_ISO} {_CLOCK}"),
]


def _limited(pattern: re.Pattern, limit: int, size: Callable[[str], int] = len):
    """A rule: the whole value matches `pattern`, and `size(value)` is at most `limit`."""

    def check(value: str) -> str | None:
        if not pattern.fullmatch(value):
            return INVALID
        return EXCEEDS if size(value) > limit else None

    return check


def _thing(value: str) -> str | None:
    return EXCEEDS if len(value) > 20 else None


def _symbol(value: str) -> str | None:
    if not all(unicodedata.category(ch)[0] in "PS" for ch in value):
        return INVALID
    return EXCEEDS if len(value) > 5 else None


def _name(value: str) -> str | None:
    # Ten Chinese characters or twenty letters; a mix of both is refused.
    if _CHINESE_NAME.fullmatch(value):
        return EXCEEDS if len(value) > 10 else None
    if _LATIN_NAME.fullmatch(value):
        return EXCEEDS if len(value) > 20 else None
    return INVALID


def _phone_number(value: str) -> str | None:
    if not _PHONE.fullmatch(value) or not any(ch.isdigit() for ch in value):
        return INVALID
    return EXCEEDS if len(value) > 17 else None


def _is_real_date(match: re.Match) -> bool:
    try:
        date(int(match["y"]), int(match["m"]), int(match["d"]))
    except ValueError:
        return False
    return True


def _is_real_clock(match: re.Match) -> bool:
    return int(match["H"]) <= 23 and int(match["M"]) <= 59


def _matches_one(value: str, patterns: list[re.Pattern]) -> re.Match | None:
    for pattern in patterns:
        match = pattern.fullmatch(value)
        if match:
            return match
    return None


def _date(value: str) -> str | None:
    match = _matches_one(value, _DATES)
    return None if match and _is_real_date(match) else INVALID


def _time(value: str) -> str | None:
    match = _matches_one(value, _TIMES)
    if not match or not _is_real_clock(match):
        return INVALID
    if "y" in match.groupdict() and not _is_real_date(match):
        return INVALID
    return None


def _digit_count(value: str) -> int:
    return sum(ch.isdigit() for ch in value)


def _whole_digits(value: str) -> int:
    # An amount may have ten digits before the decimal point.
    return _digit_count(value.split(".")[0])


DATA_TYPES: dict[str, Callable[[str], str | None]] = {
    "thing": _thing,
    "number": _limited(_NUMBER, 32, _digit_count),
    "letter": _limited(_LETTERS, 32),
    "symbol": _symbol,
    "character_string": _limited(_CHARACTER_STRING, 32),
    "phrase": _limited(_CHINESE, 5),
    "name": _name,
    "phone_number": _phone_number,
    "amount": _limited(_AMOUNT, 10, _whole_digits),
    "date": _date,
    "time": _time,
}


def _has_control_characters(value: str) -> bool:
    # Newlines, tabs and the other C0/C1 controls, plus the Unicode line/paragraph separators.
    return any(unicodedata.category(ch) in ("Cc", "Zl", "Zp") for ch in value)


def check_value(data_type: str, value: object) -> str | None:
    """What is wrong with `value` for a keyword of `data_type`: EMPTY, INVALID, EXCEEDS or None."""
    if value is None or value == "":
        return EMPTY
    if not isinstance(value, str) or _has_control_characters(value):
        return INVALID
    return DATA_TYPES[data_type](value)


def check_data(fields: dict[str, str], data: object) -> str | None:
    """The 47003 errmsg for a subscribe message's `data`, or None when WeChat would take it."""
    if not isinstance(data, dict) or not data:
        return "argument invalid! data is empty"
    for key in data:
        if key not in fields:
            return f"argument invalid! data.{key} is not a keyword of the template"
    for key, data_type in fields.items():
        entry = data.get(key)
        if entry is None:
            problem = EMPTY
        elif not isinstance(entry, dict):
            problem = INVALID
        else:
            problem = check_value(data_type, entry.get("value"))
        if problem:
            return f"argument invalid! data.{key}.value {problem}"
    return None
