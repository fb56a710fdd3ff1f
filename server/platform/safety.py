"""Refuse to start a production deployment that is not safe yet, and say what to set.

A deployment counts as production when `ENV=production` or real WeChat credentials are set
(a WECHAT_APPID that is not the sandbox's). Then every process — the web app, `flask worker`,
`flask scheduler` — refuses to start while any setting below is missing or still at its
development or sandbox value: one line per setting, in Chinese and English, so whoever deploys
fixes them all in one go rather than one restart per setting. Issue 12 found what happens
otherwise: the sandbox's public push token, left in place, let anyone forge a push.

Over https the dashboard's session cookie is `Secure` (server/settings.py) and every answer
carries HSTS (`init_transport_security`).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, Response

from server.settings import SANDBOX

# How long a browser keeps to https once told (one year; WeChat's own domains use as much).
HSTS = "max-age=31536000"
MIN_SECRET_KEY_CHARS = 32
AES_KEY_CHARS = 43  # WeChat's EncodingAESKey: 43 characters of base64


@dataclass(frozen=True)
class Problem:
    setting: str
    zh: str
    en: str

    def line(self) -> str:
        return f"  - {self.setting}：{self.zh} / {self.en}"


class UnsafeStart(SystemExit):
    """Raised by the app factory: exits the process (gunicorn, `flask ...`) with the message."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(refusal_message(problems))


def is_production(config: dict) -> bool:
    return config.get("ENV") == "production" or not config["WECHAT_SANDBOX"]


def _secret_key(config: dict) -> list[Problem]:
    key = config.get("SECRET_KEY") or ""
    if config.get("SECRET_KEY_GENERATED") or not key:
        return [Problem("SECRET_KEY", "未设置", "not set")]
    if len(key) < MIN_SECRET_KEY_CHARS:
        return [
            Problem(
                "SECRET_KEY",
                f"太短（至少 {MIN_SECRET_KEY_CHARS} 个字符）",
                f"too short (at least {MIN_SECRET_KEY_CHARS} characters)",
            )
        ]
    return []


def _wechat(config: dict) -> list[Problem]:
    problems = []
    if config["WECHAT_APPID"] == SANDBOX["appid"]:
        problems.append(Problem("WECHAT_APPID", "仍是沙箱的 appid", "still the sandbox's appid"))
    if not config.get("WECHAT_SECRET") or config["WECHAT_SECRET"] == SANDBOX["secret"]:
        problems.append(
            Problem("WECHAT_SECRET", "未设置或仍是沙箱的值", "not set or the sandbox's value")
        )
    token = config.get("WECHAT_PUSH_TOKEN")
    if not token:
        problems.append(Problem("WECHAT_PUSH_TOKEN", "未设置", "not set"))
    elif token == SANDBOX["push_token"]:
        problems.append(
            Problem(
                "WECHAT_PUSH_TOKEN",
                "仍是沙箱的公开令牌 sandboxpushtoken",
                "still the sandbox's public token sandboxpushtoken",
            )
        )
    aes_key = config.get("WECHAT_PUSH_AES_KEY")
    if config.get("WECHAT_PUSH_MODE") == "safe" and not aes_key:
        problems.append(
            Problem(
                "WECHAT_PUSH_AES_KEY",
                "安全模式需要 EncodingAESKey",
                "safe mode needs the EncodingAESKey",
            )
        )
    elif aes_key and len(aes_key) != AES_KEY_CHARS:
        problems.append(
            Problem(
                "WECHAT_PUSH_AES_KEY",
                f"应为 {AES_KEY_CHARS} 个字符",
                f"must be {AES_KEY_CHARS} characters",
            )
        )
    templates = config["WECHAT_TEMPLATES"]
    for name, value, sandbox in (
        ("WECHAT_TEMPLATE_REPLY", templates.reply, SANDBOX["template_reply"]),
        ("WECHAT_TEMPLATE_NEW_ITEM", templates.new_item, SANDBOX["template_new_item"]),
        ("WECHAT_TEMPLATE_REMINDER", templates.reminder, SANDBOX["template_reminder"]),
    ):
        if value == sandbox:
            problems.append(Problem(name, "仍是沙箱的模板", "still the sandbox's template"))
    return problems


def unsafe_settings(config: dict) -> list[Problem]:
    """Every setting that is missing or left at a development/sandbox value."""
    problems = _secret_key(config)
    if not config.get("PHONE_KEYS"):
        problems.append(
            Problem("PHONE_KEYS", "未设置（手机号密钥）", "not set (the phone numbers' keys)")
        )
    problems += _wechat(config)
    if not config["PUBLIC_URL"].startswith("https://"):
        problems.append(
            Problem("PUBLIC_URL", "必须是 https:// 地址", "must be an https:// address")
        )
    if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        problems.append(
            Problem(
                "DATABASE_URL",
                "未设置或是 SQLite：生产环境请使用 PostgreSQL",
                "not set or SQLite: use PostgreSQL in production",
            )
        )
    if not config.get("REDIS_URL"):
        problems.append(
            Problem(
                "REDIS_URL",
                "未设置（内置 Redis 仅供开发演示）",
                "not set (the embedded Redis is for development only)",
            )
        )
    return problems


def refusal_message(problems: list[Problem]) -> str:
    head = (
        "生产环境配置不安全，拒绝启动。请设置以下配置项（见 .env.example）：\n"
        "Refusing to start: unsafe production settings. Set these (see .env.example):"
    )
    return "\n".join([head, *(problem.line() for problem in problems)])


def refuse_unsafe_start(config: dict) -> None:
    """Raise UnsafeStart when this is production and any setting is unsafe."""
    if not is_production(config):
        return
    problems = unsafe_settings(config)
    if problems:
        raise UnsafeStart(problems)


def init_transport_security(app: Flask) -> None:
    """HSTS on every answer when the public address is https."""
    if not app.config["PUBLIC_URL"].startswith("https://"):
        return

    @app.after_request
    def strict_transport(response: Response) -> Response:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
        return response
