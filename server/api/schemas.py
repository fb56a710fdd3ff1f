"""Shared marshmallow pieces: Chinese messages and the error/pagination shapes."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_load, validate

from server.platform.text import UNSTORABLE_TEXT, storable


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
            if key in data and not storable(data[key])
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
