"""What the WeChat sandbox knows out of the box.

The web app's defaults (server/settings.py SANDBOX) point at the same appid, secret, templates
and pages, so a fresh checkout works with no configuration at all (tests/test_structure.py checks
that the two agree).
"""

APPID = "wx5e1f0c0de0000001"
SECRET = "sandbox-secret-not-for-production"

# Mini-program pages the sandbox treats as published (getwxacodeunlimit check_path, and the
# `page` of subscribe messages).
PAGES = (
    "pages/entry/entry",
    "pages/submit/submit",
    "pages/mine/mine",
    "pages/detail/detail",
    "pages/deputy/bind/bind",
    "pages/deputy/inbox/inbox",
    "pages/deputy/item/item",
    "pages/deputy/suggestions/suggestions",
    "pages/deputy/suggest/suggest",
    "pages/staff/bind/bind",
)

TEMPLATE_REPLY = "sbx-reply-tmpl-4Yh2kL9qW3xN7pR5tV8zB1cD"
TEMPLATE_NEW_ITEM = "sbx-newitem-tmpl-7Gm3nP6rS9uX2wZ5aC8eF0"
TEMPLATE_REMINDER = "sbx-remind-tmpl-2Jk5mQ8tV1yB4dG7hL0pS3"
TEMPLATE_PROGRESS = "sbx-progress-tmpl-5Rt8yU1iO4pA7sD0fG3hJ6"
TEMPLATE_SOLVED = "sbx-solved-tmpl-9Kl2zX5cV8bN1mQ4wE7rT0y"
TEMPLATE_RECEPTION = "sbx-reception-tmpl-3Fw6hN9kQ2sV5xB8dM1pR4"

# Template id -> title, consent kind and keyword fields (key -> WeChat data type), the way a
# template picked from WeChat's library looks in the console.
TEMPLATES = {
    TEMPLATE_REPLY: {
        "title": "留言回复通知",
        "kind": "one_time",
        "fields": {
            "character_string1": "character_string",  # 受理编号
            "thing2": "thing",  # 反映内容
            "thing3": "thing",  # 回复内容
            "name4": "name",  # 答复代表
            "time5": "time",  # 回复时间
        },
    },
    TEMPLATE_PROGRESS: {
        "title": "事项进展通知",
        "kind": "one_time",
        "fields": {
            "character_string1": "character_string",  # 受理编号
            "thing2": "thing",  # 反映内容
            "phrase3": "phrase",  # 办理状态
            "thing4": "thing",  # 进展说明
            "time5": "time",  # 更新时间
        },
    },
    TEMPLATE_SOLVED: {
        "title": "满意度评价提醒",
        "kind": "one_time",
        "fields": {
            "character_string1": "character_string",  # 受理编号
            "thing2": "thing",  # 反映内容
            "thing3": "thing",  # 温馨提示
        },
    },
    TEMPLATE_RECEPTION: {
        "title": "接待提醒",
        "kind": "one_time",
        "fields": {
            "thing1": "thing",  # 接待主题
            "thing2": "thing",  # 联络站
            "thing3": "thing",  # 接待时间
            "thing4": "thing",  # 接待地点
            "thing5": "thing",  # 温馨提示
        },
    },
    TEMPLATE_NEW_ITEM: {
        "title": "新留言提醒",
        "kind": "long_term",
        "fields": {
            "character_string1": "character_string",  # 受理编号
            "thing2": "thing",  # 类别
            "thing3": "thing",  # 内容摘要
            "thing4": "thing",  # 联络站
            "time5": "time",  # 提交时间
        },
    },
    TEMPLATE_REMINDER: {
        "title": "待办提醒",
        "kind": "long_term",
        "fields": {
            "character_string1": "character_string",  # 受理编号
            "thing2": "thing",  # 内容摘要
            "time3": "time",  # 提交时间
            "thing4": "thing",  # 提醒事项
        },
    },
}

# The mini-program's name, shown on the sandbox's page.
PUBLIC_NAME = "码上联络站"

# The mini-program's original id (原始ID): WeChat puts it in ToUserName of every push.
ORIGINAL_ID = "gh_5a0d1b0c0de1"

# getwxacodeunlimit without `page` opens the home page; the QR text names it like this.
DEFAULT_CODE_PAGE = "pages/index/index"

# msg_sec_check v2: words that make the sandbox answer "risky" (label 20006, 违法犯罪) or
# "review" (label 21000, 其他). Anything else passes (label 100).
SEC_RISKY_WORDS = ("赌博网站", "代开发票", "枪支弹药")
SEC_REVIEW_WORDS = ("加微信", "兼职刷单")

# The official account (服务号) bound to the mini-program under one open-platform account: its
# own appid, secret and original id; its users carry the same unionid as in the mini-program.
OA_APPID = "wx5e1f0c0de00000a2"
OA_SECRET = "sandbox-oa-secret-not-for-production"
OA_ORIGINAL_ID = "gh_5a0d1b0c0de2"

OA_TEMPLATE_REPLY = "sbx-oa-reply-Qz3xW8mL1vB6nC4kJ9hT2rY7"
OA_TEMPLATE_NEW_ITEM = "sbx-oa-newitem-Hs5dF2gK8lP3qW6eR1tY4u"
OA_TEMPLATE_REMINDER = "sbx-oa-remind-Vb7nM4cX1zA9sD3fG6hJ0k"
OA_TEMPLATE_RECEPTION = "sbx-oa-reception-Lk4jH7gF2dS9aP6oI3uY8t"

# Official-account templates from the category library: since 2023-05-04 only keyword fields
# (no first/remark), each value at most 20 characters on one line.
OA_TEMPLATES = {
    OA_TEMPLATE_REPLY: {
        "title": "留言回复通知",
        "fields": ("character_string1", "thing2", "thing3", "name4", "time5"),
    },
    OA_TEMPLATE_NEW_ITEM: {
        "title": "新留言提醒",
        "fields": ("character_string1", "thing2", "thing3", "thing4", "time5"),
    },
    OA_TEMPLATE_REMINDER: {
        "title": "待办提醒",
        "fields": ("character_string1", "thing2", "time3", "thing4"),
    },
    OA_TEMPLATE_RECEPTION: {
        "title": "接待提醒",
        "fields": ("thing1", "thing2", "thing3", "thing4", "thing5"),
    },
}

# Template messages one official account may send a day (WeChat's default).
OA_DAILY_QUOTA = 100_000
