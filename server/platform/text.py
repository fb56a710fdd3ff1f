"""What text and ids we can keep: the limits of our columns and of the files we write."""

from __future__ import annotations

import re

# Ids are 32-bit integer columns: a larger number names no row, and the database driver could
# not even bind it (SQLite raises OverflowError, PostgreSQL an out-of-range error: a 500).
MAX_ID = 2**31 - 1

UNSTORABLE_TEXT = "不能包含空字符（\\u0000）、控制字符或无法识别的字符"

# Characters no register can hold: C0 controls other than tab and line breaks (openpyxl refuses
# them: one in a message made every export covering it a 500) and Unicode noncharacters
# (U+FFFE, U+FFFF, U+FDD0..U+FDEF and the last two of every plane: a corrupt workbook).
UNWANTED_CHARS = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufdd0-\ufdef\ufffe\uffff"
    + "".join(rf"\U{plane:04x}fffe\U{plane:04x}ffff" for plane in range(1, 17))
    + "]"
)


def clean_text(value: str) -> str:
    """The text without the characters UNWANTED_CHARS names (for writing rows stored earlier)."""
    return UNWANTED_CHARS.sub("", value)


def storable(value) -> bool:
    """False for text we refuse to keep: NUL (PostgreSQL refuses it in text columns), other
    control characters and noncharacters (see UNWANTED_CHARS), and lone UTF-16 surrogates from
    JSON like "\\ud800" (no UTF-8 encoding exists for them).
    Iterative: a value may be nested as deep as the JSON parser allows."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if UNWANTED_CHARS.search(item):
                return False
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return False
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return True
