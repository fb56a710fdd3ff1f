"""Shared marshmallow pieces: Chinese messages and the error/pagination shapes."""

from __future__ import annotations

import re

from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_load, validate

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


def _storable(value) -> bool:
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


class RequestSchema(Schema):
    """Request bodies ignore unknown fields, so older servers accept newer mini-programs."""

    class Meta:
        unknown = EXCLUDE

    @pre_load
    def refuse_unstorable_text(self, data, **kwargs):
        """A 422 naming the field, not a database error (500) when the row is written."""
        if not isinstance(data, dict):
            return data  # marshmallow answers "Invalid input type."
        bad = {
            key: [UNSTORABLE_TEXT]
            for key in (field.data_key or name for name, field in self.load_fields.items())
            if key in data and not _storable(data[key])
        }
        if bad:
            raise ValidationError(bad)
        return data


def text(max_chars: int, label: str, required: bool = True, **kwargs) -> fields.String:
    """A string field whose length errors read well in Chinese."""
    return fields.String(
        required=required,
        validate=validate.Length(max=max_chars, error=f"{label}不能超过{max_chars}字"),
        error_messages={"required": f"请填写{label}", "null": f"请填写{label}"},
        **kwargs,
    )


class ErrorBody(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True, metadata={"description": "给人看的中文说明"})
    fields = fields.Dict(metadata={"description": "字段 -> 中文说明"})


class ErrorSchema(Schema):
    error = fields.Nested(ErrorBody, required=True)


class PageQuery(RequestSchema):
    # Capped: a page number of 10**20 would overflow the database's OFFSET (a 500, not a 422).
    page = fields.Integer(
        load_default=1,
        validate=validate.Range(min=1, max=10000, error="页码应在 1 到 10000 之间"),
    )
    per_page = fields.Integer(
        load_default=20, validate=validate.Range(min=1, max=100, error="每页 1 到 100 条")
    )
