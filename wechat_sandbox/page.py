"""`GET /sandbox/`: a page for people — who the sandbox users are and what WeChat "delivered"."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from markupsafe import Markup

from wechat_sandbox.state import SandboxState

SHANGHAI = ZoneInfo("Asia/Shanghai")

_STYLE = """
body{font-family:-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;margin:0;padding:12px;
background:#f5f5f5;color:#222;line-height:1.5}
h1{font-size:1.3em;margin:.2em 0}h2{font-size:1.1em;margin:1.2em 0 .4em}
.note{background:#fff7e0;border:1px solid #f0d890;padding:8px;border-radius:6px}
.card{background:#fff;border-radius:8px;padding:10px;margin:8px 0;box-shadow:0 1px 2px #0001}
.muted{color:#888;font-size:.9em}code{word-break:break-all}
dl{margin:.3em 0}dt{color:#666;float:left;clear:left;margin-right:.5em}dd{margin:0 0 .2em}
"""


def _local_time(iso: str | None) -> str:
    if not iso:
        return "—"
    return datetime.fromisoformat(iso).astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")


def _consent_text(consent: dict) -> str:
    if consent["kind"] == "one_time":
        return f"一次性订阅，剩余 {consent['credits']} 次"
    return "长期订阅，已允许" if consent["accepted"] else "长期订阅，未允许"


def _user_card(user: dict, templates: dict) -> Markup:
    rows = Markup("").join(
        Markup("<dt>{}</dt><dd>{}</dd>").format(
            templates[template_id]["title"], _consent_text(consent)
        )
        for template_id, consent in user["consents"].items()
    )
    return Markup(
        '<div class="card"><strong>{}</strong><div class="muted">openid <code>{}</code></div>'
        '<div class="muted">最近登录 {}</div><dl>{}</dl></div>'
    ).format(user["nickname"], user["openid"], _local_time(user["last_login_at"]), rows)


def _data_rows(data: dict) -> Markup:
    return Markup("").join(
        Markup("<dt>{}</dt><dd>{}</dd>").format(key, entry.get("value", ""))
        for key, entry in data.items()
        if isinstance(entry, dict)
    )


def _message_card(message: dict, templates: dict, nicknames: dict) -> Markup:
    template = templates.get(message["template_id"], {})
    return Markup(
        '<div class="card"><strong>{}</strong> <span class="muted">{}</span>'
        '<div class="muted">发给 {}（<code>{}</code>）</div><dl>{}</dl>'
        '<div class="muted">页面 {} · {} · msgid {}</div></div>'
    ).format(
        template.get("title", message["template_id"]),
        _local_time(message["sent_at"]),
        nicknames.get(message["openid"], "?"),
        message["openid"],
        _data_rows(message["data"]),
        message["page"] or "（无）",
        message["miniprogram_state"],
        message["msgid"],
    )


def render_page(state: SandboxState) -> str:
    templates = state.config.templates
    users = state.snapshot_users()
    messages = list(reversed(state.sent_messages()))
    nicknames = {user["openid"]: user["nickname"] for user in users}
    user_cards = Markup("").join(_user_card(u, templates) for u in users)
    message_cards = Markup("").join(_message_card(m, templates, nicknames) for m in messages)
    return str(
        Markup(
            '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            "<title>微信沙箱 · {name}</title><style>{style}</style></head><body>"
            "<h1>微信沙箱 · {name}</h1>"
            '<p class="note">这是本地的微信沙箱，不是真正的微信：这里的用户、订阅和通知都只存在于'
            "沙箱的内存里，重启后清空。页面上的时间为北京时间。</p>"
            "<h2>用户（{user_count}）</h2>{users}"
            "<h2>已发送的订阅消息（{message_count}，最新的在前）</h2>{messages}"
            "</body></html>"
        ).format(
            name=state.config.public_name,
            style=Markup(_STYLE),
            user_count=len(users),
            users=user_cards or Markup('<p class="muted">还没有用户。</p>'),
            message_count=len(messages),
            messages=message_cards or Markup('<p class="muted">还没有发送过消息。</p>'),
        )
    )
