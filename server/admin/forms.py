"""Reading what a person typed into a form: lenient about separators, strict about meaning.

Every parser returns (value, error): the error is a Chinese sentence shown next to the field.
"""

from __future__ import annotations

import re
from datetime import date

from server.platform.text import MAX_ID, UNWANTED_CHARS

_SEPARATORS = re.compile(r"[\s,，、;；]+")
# The dates the dashboard deals in: no station's record starts before 2000, and beyond these
# bounds Python's datetimes overflow one time zone conversion or one day's step later (a 500).
MIN_DATE = date(2000, 1, 1)
MAX_DATE = date(2099, 12, 31)
DATE_RANGE_ERROR = f"日期应在 {MIN_DATE.isoformat()} 到 {MAX_DATE.isoformat()} 之间"


def is_number(value: str) -> bool:
    """ASCII digits only: str.isdigit() also says yes to "²" (int() refuses it, a 500) and to
    full-width digits (which no select box sends)."""
    return value.isascii() and value.isdigit()


def text(form, name: str, label: str, max_len: int, required: bool = False, errors=None) -> str:
    value = (form.get(name) or "").strip()
    if errors is not None:
        if required and not value:
            errors[name] = f"请填写{label}"
        elif UNWANTED_CHARS.search(value):
            # The same characters the API refuses: a register could not hold them.
            errors[name] = f"{label}含有控制字符或无法识别的字符，请删除后再提交"
        elif len(value) > max_len:
            errors[name] = f"{label}不能超过 {max_len} 个字（现在 {len(value)} 个）"
    return value


def parse_date(value: str | None) -> tuple[date | None, str | None]:
    value = (value or "").strip()
    if not value:
        return None, None
    try:
        day = date.fromisoformat(value.replace("/", "-"))
    except ValueError:
        return None, "日期格式应为 2026-05-06"
    if not MIN_DATE <= day <= MAX_DATE:
        return None, DATE_RANGE_ERROR
    return day, None


def parse_int_list(value: str | None) -> tuple[list[int], str | None]:
    """'6, 16、26' -> [6, 16, 26]."""
    parts = [p for p in _SEPARATORS.split((value or "").strip()) if p]
    numbers = []
    for part in parts:
        part = part.rstrip("日号")
        if not is_number(part) or len(part) > 9:
            return [], f"“{part}”不是数字，请用逗号或顿号分隔，例如 6、16、26"
        numbers.append(int(part))
    return sorted(set(numbers)), None


def parse_date_list(value: str | None) -> tuple[list[str], str | None]:
    """One or more dates, one per line or separated by commas."""
    out = []
    for part in (p for p in _SEPARATORS.split((value or "").strip()) if p):
        day, error = parse_date(part)
        if error == DATE_RANGE_ERROR:
            return [], f"“{part}”：{error}"
        if error:
            return [], f"“{part}”不是有效日期，格式应为 2026-05-06"
        out.append(day.isoformat())
    return sorted(set(out)), None


def parse_int(value: str | None, default: int | None = None) -> int | None:
    """A whole number up to MAX_ID (ids are 32-bit columns), else `default`."""
    value = (value or "").strip()
    if not is_number(value) or len(value) > 10 or int(value) > MAX_ID:
        return default
    return int(value)


def parse_id(value: str | None) -> tuple[int | None, str | None]:
    """An id from a select box or a link: (None, None) when empty, an error when it is no id."""
    value = (value or "").strip()
    if not value:
        return None, None
    number = parse_int(value)
    if number is None:
        return None, "选择的内容无效，请重新选择"
    return number, None


def parse_ids(values: list[str]) -> tuple[list[int], str | None]:
    """Ids from checkboxes; an error if any of them is no id."""
    out = set()
    for value in values:
        number, error = parse_id(value)
        if error:
            return [], error
        if number is not None:
            out.add(number)
    return sorted(out), None
