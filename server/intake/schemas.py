"""Request and response shapes of the citizen API (docs/api.md)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from server.schemas import RequestSchema, text

PHONE = r"^(1\d{10}|0\d{2,3}-?\d{7,8})$"


class LocationIn(RequestSchema):
    lat = fields.Float(
        required=True,
        validate=validate.Range(-90, 90, error="纬度无效"),
        error_messages={"required": "缺少纬度", "invalid": "纬度无效"},
    )
    lng = fields.Float(
        required=True,
        validate=validate.Range(-180, 180, error="经度无效"),
        error_messages={"required": "缺少经度", "invalid": "经度无效"},
    )
    address = text(200, "地址", required=False, load_default="")


class MessageIn(RequestSchema):
    scene = text(64, "二维码")
    category = fields.Raw(
        required=True,
        metadata={
            "description": "类别 id 或名称",
            "oneOf": [{"type": "integer"}, {"type": "string"}],
        },
        error_messages={"required": "请选择类别", "null": "请选择类别"},
    )
    # The length limit is configuration (CONTENT_MAX_CHARS): checked in service.py.
    content = fields.String(
        required=True, error_messages={"required": "请填写反映内容", "null": "请填写反映内容"}
    )
    photos = fields.List(fields.String(), load_default=list)
    location = fields.Nested(LocationIn, allow_none=True, load_default=None)
    contact_phone = fields.String(
        allow_none=True,
        load_default=None,
        validate=validate.Regexp(PHONE, error="请填写正确的手机号或座机号"),
    )
    anonymous = fields.Boolean(load_default=False, error_messages={"invalid": "应为是或否"})
    subscribed = fields.List(fields.String(), load_default=list)


class MessageCreated(Schema):
    id = fields.Integer(required=True)
    tracking_no = fields.String(required=True)
    status = fields.String(required=True)


class PhotoOut(Schema):
    id = fields.String()
    url = fields.String()


class ThreadItem(Schema):
    kind = fields.String(metadata={"description": "reply | followup | event"})
    author = fields.String()
    content = fields.String()
    created_at = fields.String()


class MessageSummary(Schema):
    id = fields.Integer()
    tracking_no = fields.String()
    status = fields.String()
    status_label = fields.String()
    category = fields.String()
    content = fields.String()
    station = fields.String(allow_none=True)
    created_at = fields.String()
    replied = fields.Boolean()
    rating = fields.String(allow_none=True)


class MessagePage(Schema):
    items = fields.List(fields.Nested(MessageSummary))
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()


class MessageDetail(MessageSummary):
    photos = fields.List(fields.Nested(PhotoOut))
    location = fields.Dict(allow_none=True)
    contact_phone = fields.String(allow_none=True, metadata={"description": "已打码"})
    anonymous = fields.Boolean()
    deputy = fields.Dict(allow_none=True)
    rating_comment = fields.String(allow_none=True)
    can_rate = fields.Boolean()
    can_follow_up = fields.Boolean()
    thread = fields.List(fields.Nested(ThreadItem))
    timeline = fields.List(fields.Dict())


class FollowupIn(RequestSchema):
    content = text(1000, "追问内容")


class RatingIn(RequestSchema):
    score = fields.String(
        required=True,
        validate=validate.OneOf(
            ["satisfied", "basically_satisfied", "unsatisfied"],
            error="请选择满意、基本满意或不满意",
        ),
        error_messages={"required": "请选择评价"},
    )
    comment = text(500, "评价说明", required=False, load_default=None, allow_none=True)


class SubscriptionsIn(RequestSchema):
    accepted = fields.List(
        fields.String(), required=True, error_messages={"required": "缺少 accepted"}
    )


class SubscriptionsOut(Schema):
    credits = fields.Dict(keys=fields.String(), values=fields.Raw())


class UploadOut(Schema):
    upload_id = fields.String(required=True)
    width = fields.Integer()
    height = fields.Integer()
    size = fields.Integer()


class ScanStation(Schema):
    id = fields.Integer()
    name = fields.String()
    address = fields.String()
    reception_note = fields.String()
    reception_days = fields.List(
        fields.String(), metadata={"description": "今后的接待日（北京时间）"}
    )
    reception_rules = fields.List(fields.String())


class ScanOut(Schema):
    kind = fields.String(metadata={"enum": ["station", "deputy"]})
    scene = fields.String()
    station = fields.Nested(ScanStation, allow_none=True)
    deputy = fields.Dict(allow_none=True)
    on_duty = fields.List(fields.Dict())
    today = fields.String()
    categories = fields.List(fields.Dict())
    subscribe_templates = fields.Dict()
    limits = fields.Dict()
