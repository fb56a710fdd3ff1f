"""Reading what a person typed into a form: lenient about separators, strict about meaning.

Every parser returns (value, error): the error is a Chinese sentence shown next to the field.
"""

from __future__ import annotations

import re
from datetime import date

from server.schemas import UNWANTED_CHARS

_SEPARATORS = re.compile(r"[\s,，、;；]+")


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
        return date.fromisoformat(value.replace("/", "-")), None
    except ValueError:
        return None, "日期格式应为 2026-05-06"


def parse_int_list(value: str | None) -> tuple[list[int], str | None]:
    """'6, 16、26' -> [6, 16, 26]."""
    parts = [p for p in _SEPARATORS.split((value or "").strip()) if p]
    numbers = []
    for part in parts:
        part = part.rstrip("日号")
        if not part.isdigit():
            return [], f"“{part}”不是数字，请用逗号或顿号分隔，例如 6、16、26"
        numbers.append(int(part))
    return sorted(set(numbers)), None


def parse_date_list(value: str | None) -> tuple[list[str], str | None]:
    """One or more dates, one per line or separated by commas."""
    out = []
    for part in (p for p in _SEPARATORS.split((value or "").strip()) if p):
        day, error = parse_date(part)
        if error:
            return [], f"“{part}”不是有效日期，格式应为 2026-05-06"
        out.append(day.isoformat())
    return sorted(set(out)), None


def parse_int(value: str | None, default: int | None = None) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() else default
