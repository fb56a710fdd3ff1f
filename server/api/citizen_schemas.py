"""Request and response shapes of the citizen API (docs/api.md)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from server.api.schemas import RequestSchema, text

PHONE = r"^(1\d{10}|0\d{2,3}-?\d{7,8})$"
# One wx.requestSubscribeMessage shows at most 3 templates, and each accept allows one message.
MAX_TEMPLATES_PER_REQUEST = 3


class TemplateIds(fields.List):
    """The templates accepted in one subscribe dialog: each counts once, at most 3 of them, so
    one report can grant no more than a tap could (it used to grant 1,000 credits)."""

    def __init__(self, **kwargs) -> None:
        limit = MAX_TEMPLATES_PER_REQUEST
        super().__init__(
            fields.String(validate=validate.Length(max=64, error="订阅模板编号无效")),
            validate=validate.Length(max=limit, error=f"一次最多订阅 {limit} 个模板"),
            **kwargs,
        )

    def _deserialize(self, value, attr, data, **kwargs):
        return list(dict.fromkeys(super()._deserialize(value, attr, data, **kwargs)))


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
    # 双公开: the citizen asks that this item never be published.
    no_publish = fields.Boolean(load_default=False, error_messages={"invalid": "应为是或否"})
    subscribed = TemplateIds(load_default=list)


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
    due_at = fields.String(
        allow_none=True, metadata={"description": "当前环节的办理期限；没有待办环节时为空"}
    )
    colour = fields.String(
        allow_none=True,
        metadata={
            "enum": ["green", "yellow", "red"],
            "description": "三色督办：green 正常，yellow 剩余不超过 1 个工作日，red 已超期",
        },
    )


class MessagePage(Schema):
    items = fields.List(fields.Nested(MessageSummary))
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()


class StageItem(Schema):
    stage = fields.String(metadata={"description": "这一步，用中文说明"})
    kind = fields.String()
    at = fields.String()
    by = fields.String(
        metadata={"description": "谁做的：群众、某某代表、承办单位名称、联络站、系统"}
    )


class MessageDetail(MessageSummary):
    photos = fields.List(fields.Nested(PhotoOut))
    location = fields.Dict(allow_none=True)
    contact_phone = fields.String(allow_none=True, metadata={"description": "已打码"})
    anonymous = fields.Boolean()
    no_publish = fields.Boolean(metadata={"description": "群众要求不公开"})
    deputy = fields.Dict(allow_none=True)
    rating_comment = fields.String(allow_none=True)
    ratings = fields.List(
        fields.Dict(), metadata={"description": "每一次评价：score、label、comment、reply_id"}
    )
    can_rate = fields.Boolean()
    can_follow_up = fields.Boolean()
    rejection = fields.Dict(
        allow_none=True, metadata={"description": "不予受理时：reason 理由、where 建议去向"}
    )
    notice_reachable = fields.Boolean(
        allow_none=True, metadata={"description": "下一次答复能否通过微信通知到（还有订阅次数）"}
    )
    thread = fields.List(fields.Nested(ThreadItem))
    timeline = fields.List(fields.Dict())
    stages = fields.List(
        fields.Nested(StageItem),
        metadata={"description": "办理过程的每一步（收到、代表受理、转交单位、签收、答复、评价）"},
    )
    stage = fields.Dict(
        allow_none=True,
        metadata={
            "description": "当前办理环节：name（deputy_answer、second_answer、triage、"
            "unit_sign、unit_answer、unit_second_answer）、label、holder（deputy|staff|unit）"
        },
    )
    merged_into = fields.Dict(
        allow_none=True,
        metadata={
            "description": "重复反映已合并到较早的反映：其 tracking_no、status、status_label"
        },
    )
    merged = fields.List(
        fields.Dict(), metadata={"description": "合并到本反映的重复反映：tracking_no"}
    )
    revisit = fields.Dict(
        allow_none=True,
        metadata={
            "description": "回访「问题解决了吗？」：asked_at、answered（null 待回答）、solved；"
            "可用 POST /messages/<id>/revisit 回答"
        },
    )
    joined = fields.Boolean(
        metadata={"description": "true：这是别人提的反映，我加入了它（只看得到办理进展和答复）"}
    )


class FollowupIn(RequestSchema):
    content = text(1000, "追问内容")
    # Templates the citizen allowed on this tap (wx.requestSubscribeMessage), for the answer.
    subscribed = fields.List(fields.String(validate=validate.Length(max=64)), load_default=list)


class JsonBoolean(fields.Boolean):
    """Only JSON true or false: 1, "yes" or "是" are refused, not guessed at."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class RevisitIn(RequestSchema):
    solved = JsonBoolean(
        required=True,
        error_messages={"required": "请回答问题是否解决", "invalid": "solved 应为 true 或 false"},
    )


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
    subscribed = fields.List(fields.String(validate=validate.Length(max=64)), load_default=list)


class SubscriptionsIn(RequestSchema):
    accepted = TemplateIds(required=True, error_messages={"required": "缺少 accepted"})


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
        fields.String(), metadata={"description": "今后的接待日（北京时间；法定节假日不接待）"}
    )
    reception_rules = fields.List(fields.String())
    receptions = fields.List(
        fields.Dict(), metadata={"description": "接待预告：{id, day, when, topic, place, deputies}"}
    )


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
    scope = fields.List(
        fields.Dict(),
        metadata={"description": "不在受理范围的事项及去向：[{topic, where}]，提交前展示"},
    )


class SimilarIn(RequestSchema):
    scene = text(64, "二维码")
    category = fields.Integer(
        load_default=None, allow_none=True, error_messages={"invalid": "类别无效"}
    )
    content = text(2000, "反映内容")


class NearbyItem(Schema):
    id = fields.Integer()
    excerpt = fields.String(metadata={"description": "内容开头，长数字已隐去"})
    status = fields.String()
    status_label = fields.String()
    category = fields.String()
    created_at = fields.String()
    supporters = fields.Integer(metadata={"description": "已加入这条反映的群众人数"})


class SimilarOut(Schema):
    items = fields.List(fields.Nested(NearbyItem))


class JoinOut(Schema):
    id = fields.Integer()
    tracking_no = fields.String()
    status = fields.String()
    status_label = fields.String()
    supporters = fields.Integer()
    joined = fields.Boolean(metadata={"description": "true：本次新加入；false：之前已加入"})
