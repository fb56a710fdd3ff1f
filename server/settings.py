"""Every setting, read from the environment once at start-up: its name, default and meaning.

This table is the only place the product reads the environment; the README's configuration
table is generated from it (`python -m server.settings`, checked by tests/test_settings.py).
Every setting has a default that works on a fresh checkout: SQLite and an embedded Redis under
`instance/`, and the WeChat sandbox instead of WeChat. Production sets DATABASE_URL, REDIS_URL,
SECRET_KEY, PHONE_KEYS and the WECHAT_* values.
"""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

# What the WeChat sandbox (wechat_sandbox/defaults.py) answers to out of the box: used when no
# WECHAT_APPID is set, so a fresh checkout needs no configuration. The product never imports the
# sandbox; tests/test_settings.py checks that the two agree.
SANDBOX = {
    "appid": "wx5e1f0c0de0000001",
    "secret": "sandbox-secret-not-for-production",
    "template_reply": "sbx-reply-tmpl-4Yh2kL9qW3xN7pR5tV8zB1cD",
    "template_new_item": "sbx-newitem-tmpl-7Gm3nP6rS9uX2wZ5aC8eF0",
    "template_reminder": "sbx-remind-tmpl-2Jk5mQ8tV1yB4dG7hL0pS3",
    # Public (it is in this repository), so never good for real WeChat.
    "push_token": "sandboxpushtoken",
}


def _text(raw: str) -> str:
    return raw


def _int(raw: str) -> int:
    return int(raw)


def _float(raw: str) -> float:
    return float(raw)


def _words(raw: str) -> list[str]:
    return [part.strip() for part in raw.split(",") if part.strip()]


def _ints(raw: str) -> list[int]:
    return [int(part) for part in _words(raw)]


def _on(raw: str) -> bool:
    return raw.strip().lower() in ("on", "1", "true", "yes")


@dataclass(frozen=True)
class Setting:
    """One environment variable. `default` is the value when it is unset or empty (a function of
    the environment read so far when it depends on other settings); `shown` is how the default
    reads in the README when it is not a plain value."""

    name: str
    default: Any
    meaning: str
    parse: Callable[[str], Any] = _text
    key: str | None = None  # the Flask config key, when it is not `name`
    shown: str | None = None
    group: str = ""

    @property
    def config_key(self) -> str:
        return self.key or self.name


def _sandboxed(env: dict) -> bool:
    return env.get("WECHAT_APPID") in (None, "", SANDBOX["appid"])


S = Setting
SETTINGS: tuple[Setting, ...] = (
    # -- where things are --------------------------------------------------------------------
    S("INSTANCE_PATH", lambda env: str(ROOT / "instance"), "SQLite file, embedded Redis, uploads, demo data", shown="`./instance`"),
    S("DATABASE_URL", None, "PostgreSQL in production: `postgresql://user:pass@host/db` (psycopg 3)", shown="SQLite file `instance/lianluozhan.db`"),
    S("REDIS_URL", None, "`redis://host:6379/0` in production", shown="embedded redis-server on `instance/redis.sock`"),
    S("SECRET_KEY", None, "signs API tokens, dashboard sessions and photo links; set it in production", shown="generated once into `instance/secret_key`"),
    S("PHONE_KEYS", [], "Fernet keys for contact phones, newest first (rotation: README)", _words, shown="derived from `SECRET_KEY`"),
    S("PUBLIC_URL", lambda env: f"http://127.0.0.1:{env.get('PORT') or 8000}", "the https address printed in plain QR codes (`/q/<scene>`)", shown="`http://127.0.0.1:$PORT`"),
    S("PORT", 8000, "where `./scripts/run` serves the app", _int),
    S("SANDBOX_PORT", 8001, "where `./scripts/run` serves the WeChat sandbox", _int),
    S("HOST", "127.0.0.1", "where `./scripts/run` listens (`0.0.0.0` for testing on a phone)"),
    S("UPLOAD_DIR", lambda env: str(Path(env["INSTANCE_PATH"]) / "uploads"), "where photos are stored", shown="`instance/uploads`"),
    S("RQ_QUEUE", "default", "the RQ queue's name"),
    S("KEY_PREFIX", "lz", "the namespace of our own Redis keys (token cache, push nonces, limits, scheduler slots)"),
    S("INSTANCE_ID", lambda env: secrets.token_hex(8), "what `GET /healthz` answers as `instance`; `./scripts/run` exports a fresh one and waits for it", shown="random per process start"),
    S("LOG_LEVEL", "INFO", "Python logging level"),
    S("WEB_CONCURRENCY", 2, "gunicorn worker processes (gunicorn.conf.py)", _int),
    S("GUNICORN_THREADS", 8, "threads per gunicorn worker", _int),
    S("GUNICORN_CLIENT_READ_TIMEOUT", 10.0, "seconds a client may take to send its request's headers and body to gunicorn", _float),
    S("GUNICORN_CLIENT_MIN_RATE", 1024.0, "bytes a second a slow client must keep sending after the grace period", _float),
    S("GUNICORN_CLIENT_RATE_GRACE", 5.0, "seconds before the minimum rate applies", _float),
    S("PROXY_FIX", False, "`on` behind a reverse proxy: the client address comes from `X-Forwarded-For`", _on, shown="`off`"),
    # -- WeChat --------------------------------------------------------------------------------
    S("WECHAT_APPID", lambda env: SANDBOX["appid"], "the mini-program's appid; set it (and the secret) to talk to real WeChat", shown="unset → the sandbox"),
    S("WECHAT_SECRET", lambda env: SANDBOX["secret"] if _sandboxed(env) else None, "the mini-program's AppSecret", shown="the sandbox's"),
    S("WECHAT_SANDBOX_URL", lambda env: f"http://127.0.0.1:{env.get('SANDBOX_PORT') or 8001}", "where the sandbox answers", shown="`http://127.0.0.1:$SANDBOX_PORT`"),
    S("WECHAT_TEMPLATE_REPLY", SANDBOX["template_reply"], "subscribe-message template for answers to citizens (keyword fields: `server/notices/layouts.py`)", shown="the sandbox's"),
    S("WECHAT_TEMPLATE_NEW_ITEM", SANDBOX["template_new_item"], "template for a new item to a deputy", shown="the sandbox's"),
    S("WECHAT_TEMPLATE_REMINDER", SANDBOX["template_reminder"], "template for reminders and follow-ups to a deputy", shown="the sandbox's"),
    S("WECHAT_LONG_TERM_TEMPLATES", lambda env: [SANDBOX["template_new_item"], SANDBOX["template_reminder"]] if _sandboxed(env) else [], "comma-separated template ids approved for long-term subscription (no credit counting)", _words, shown="new-item and reminder (sandbox)"),
    S("WECHAT_PUSH_TOKEN", lambda env: SANDBOX["push_token"] if _sandboxed(env) else None, "message push (消息推送) Token; with real credentials there is no default and every push is refused until it is set", shown="`sandboxpushtoken` (sandbox only)"),
    S("WECHAT_PUSH_AES_KEY", None, "message push EncodingAESKey (safe mode: plain pushes are then refused)", shown="unset"),
    S("CONSENT_SOURCE", "client", "who counts one-time consents: the mini-program's report (`client`) or WeChat's push events (`push`)"),
    S("WECHAT_TIMEOUT", 5.0, "seconds per WeChat call", _float),
    S("WECHAT_MINIPROGRAM_STATE", "formal", "which mini-program version notices open (`developer`, `trial`, `formal`)"),
    S("WECHAT_CODE_ENV", "release", "which mini-program version codes open (`develop`, `trial`, `release`)"),
    S("WECHAT_ENTRY_PAGE", "pages/entry/entry", "the page a mini-program code opens"),
    S("WECHAT_QR_VERIFY_FILE", None, "WeChat's check file name for 扫普通链接二维码打开小程序, served at `/<name>.txt`", shown="unset"),
    S("WECHAT_QR_VERIFY_CONTENT", "", "that file's content", shown="unset"),
    S("REQUESTS_CA_BUNDLE", None, "a CA bundle for reaching WeChat through an intranet's TLS proxy", shown="the system's"),
    # -- intake --------------------------------------------------------------------------------
    S("CONTENT_MAX_CHARS", 2000, "the longest message (the mini-program reads it from `/scan`)", _int),
    S("MAX_PHOTOS", 9, "photos per message", _int),
    S("MAX_UPLOAD_BYTES", 10 * 1024 * 1024, "the largest photo upload", _int, shown="10 MB"),
    S("MAX_JSON_BYTES", 64 * 1024, "the largest request body except a photo upload (413 beyond)", _int, shown="64 KB"),
    S("MAX_IMAGE_PIXELS", 40_000_000, "the most pixels one photo may decode to", _int),
    S("IMAGE_DECODE_SLOTS", 2, "photo decodes at once per web process", _int),
    S("IMAGE_DECODE_WAIT_SECONDS", 10.0, "how long an upload waits for a decode slot (429 beyond)", _float),
    S("UPLOAD_PIXELS_CITIZEN_DAY", 500_000_000, "pixels decoded per Beijing day per WeChat identity", _int),
    S("UPLOAD_PIXELS_IP_DAY", 20_000_000_000, "pixels decoded per Beijing day per address", _int),
    S("CONTENT_CHECK", "wechat", "`off` skips msg_sec_check (a deployment outside WeChat, or a benchmark)"),
    S("CONTENT_WORDLIST_FILE", None, "the local check used when WeChat is unreachable: one word a line, `!word` refuses, `word` flags", shown="built-in short list"),
    S("TOKEN_MAX_AGE", 30 * 24 * 3600, "seconds an API token is valid", _int, shown="30 days"),
    # -- routing, notices, the sweep -------------------------------------------------------------
    S("ROUTE_JOB_TIMEOUT", 60, "seconds a job may run before RQ stops it", _int),
    S("NOTICE_RETRY_DELAYS", [10, 60, 300], "seconds between attempts after a transient WeChat error; then `failed`", _ints, shown="`10,60,300`"),
    # -- deadlines, escalation, the call-back (server/routing/stages.py, escalation.py) ---------
    S("DEPUTY_ANSWER_HOURS", 24.0, "hours the accountable deputy has to answer an item (or a follow-up)", _float),
    S("DEPUTY_REANSWER_HOURS", 24.0, "hours the deputy has to answer again after 不满意 or 「没解决」", _float),
    S("TRIAGE_WORKDAYS", 1, "working days station staff have to hand on an item nobody could be routed to", _int),
    S("ESCALATE_COMMITTEE_WORKDAYS", 2, "working days past the deadline when the 代表工委 is told", _int),
    S("REVISIT_DAYS", 7, "days after closing when the citizen is asked 「问题解决了吗？」 (`0`: never)", _int),
    S("SWEEP_INTERVAL", 60, "seconds between sweeps", _int),
    S("SWEEP_GRACE_SECONDS", 30, "how old a lost row must be before the sweep picks it up again", _int),
    S("NOTICE_STUCK_SECONDS", 600, "seconds after which a notice stuck in `sending` is marked failed", _int),
    S("UNROUTED_ALARM_SECONDS", 0, "seconds a message may wait to be routed before `/readyz` and the queue page raise an alarm; `0`: three sweeps past the grace period", _int),
    S("INVITE_TTL_HOURS", 72, "how long a deputy invite code is valid", _int),
    S("RETENTION_DAYS", 0, "days after closing when an item's photos, phone, place and a walk-in visitor's name are deleted (`0` keeps)", _int),
    S("UNSUBMITTED_PHOTO_HOURS", 24, "hours after which a photo uploaded but never sent with a message is deleted (`0` keeps)", _int),
    # -- rate limits -----------------------------------------------------------------------------
    S("RATE_LIMITS", True, "`off` disables rate limits (benchmarks only)", _on, key="RATELIMIT_ENABLED", shown="`on`"),
    S("RATE_LIMIT_SUBMIT_CITIZEN", "5/minute;30/hour;100/day", "valid submissions per WeChat identity (a form sent back for a typo does not count)"),
    S("RATE_LIMIT_SUBMIT_ATTEMPTS_CITIZEN", "30/minute;300/day", "every submission attempt per WeChat identity"),
    S("RATE_LIMIT_SUBMIT_IP", "3000/minute", "submissions per address (generous: carrier NAT)"),
    S("RATE_LIMIT_UPLOAD_CITIZEN", "30/minute;300/day", "photo uploads per WeChat identity"),
    S("RATE_LIMIT_UPLOAD_IP", "3000/minute", "photo uploads per address"),
    S("RATE_LIMIT_LOGIN_IP", "60/minute", "WeChat sign-ins per address"),
    S("RATE_LIMIT_WRITE_CITIZEN", "30/minute", "follow-ups, ratings, replies, binding, consents per identity"),
    S("RATE_LIMIT_BIND_IP", "20/minute;200/day", "invite codes tried per address"),
    # -- the dashboard ---------------------------------------------------------------------------
    S("ADMIN_IDLE_MINUTES", 120, "signed out after this long without a request (an open overview's polling counts)", _int),
    S("ADMIN_SESSION_HOURS", 12, "signed out this long after signing in, whatever happens", _int),
    S("LOGIN_MAX_FAILURES", 5, "failed sign-ins per username and address before that pair waits", _int),
    S("LOGIN_MAX_FAILURES_PER_ADDRESS", 30, "failed sign-ins per address across all usernames", _int),
    S("LOGIN_LOCK_MINUTES", 15, "how long a locked sign-in waits", _int),
    S("ADMIN_POLL_MS", 3000, "how often the open overview asks for news (milliseconds)", _int),
    S("REGISTER_MAX_ROWS", 20_000, "the most rows one .xlsx register export holds (beyond: a message asking for a shorter range or one station)", _int),
    S("POSTER_FONT", None, "a .ttf/.otf/.ttc Chinese font for posters", shown="Noto Sans CJK (`fonts-noto-cjk`)"),
    S("POSTER_FONT_BOLD", None, "its bold face", shown="Noto Sans CJK Bold"),
)  # fmt: skip
del S


def _secret_key(instance: Path) -> str:
    """A stable key when none is set: generated once and kept in instance/."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


def _database_url(url: str | None, instance: Path) -> str:
    if not url:
        return f"sqlite:///{instance / 'lianluozhan.db'}"
    # psycopg 3 is the driver we ship; accept the URLs people paste from their hosting panel.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _engine_options(url: str) -> dict:
    options: dict = {"pool_pre_ping": True}
    if url.startswith("postgresql"):
        # PostgreSQL's JIT compiles any query it guesses to be big; for the overview's month of a
        # province that took a second of compiling to save milliseconds of running. Our queries
        # are short and repeated: plain execution is always the faster choice here.
        options["connect_args"] = {"options": "-c jit=off"}
    return options


@dataclass
class Templates:
    """Subscribe-message template ids, one per kind of notice."""

    reply: str
    new_item: str
    reminder: str
    long_term: frozenset[str] = field(default_factory=frozenset)

    def is_long_term(self, template_id: str) -> bool:
        return template_id in self.long_term


def read(environ: dict[str, str] | None = None) -> dict[str, Any]:
    """Each setting's value by its environment name: the environment's if set, else the default."""
    source = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        raw = source.get(setting.name)
        if raw not in (None, ""):
            try:
                values[setting.name] = setting.parse(raw)
            except ValueError:
                sys.exit(
                    f"设置 {setting.name} 的值无效 / invalid value for {setting.name}: {raw!r}"
                )
        elif callable(setting.default):
            values[setting.name] = setting.default({**source, **values})
        else:
            values[setting.name] = setting.default
    return values


def load_config(overrides: dict | None = None, environ: dict[str, str] | None = None) -> dict:
    """The Flask config from the environment, then `overrides` (used by tests)."""
    overrides = dict(overrides or {})
    source = dict(os.environ if environ is None else environ)
    if overrides.get("INSTANCE_PATH"):
        source["INSTANCE_PATH"] = str(overrides["INSTANCE_PATH"])
    values = read(source)
    instance = Path(values["INSTANCE_PATH"])
    config = {setting.config_key: values[setting.name] for setting in SETTINGS}
    config.update(
        {
            "SECRET_KEY": overrides.get("SECRET_KEY")
            or values["SECRET_KEY"]
            or _secret_key(instance),
            "SQLALCHEMY_DATABASE_URI": _database_url(values["DATABASE_URL"], instance),
            "PUBLIC_URL": values["PUBLIC_URL"].rstrip("/"),
            "WECHAT_SANDBOX": _sandboxed(source),
            "WECHAT_SANDBOX_URL": values["WECHAT_SANDBOX_URL"].rstrip("/"),
            "WECHAT_TEMPLATES": Templates(
                reply=values["WECHAT_TEMPLATE_REPLY"],
                new_item=values["WECHAT_TEMPLATE_NEW_ITEM"],
                reminder=values["WECHAT_TEMPLATE_REMINDER"],
                long_term=frozenset(values["WECHAT_LONG_TERM_TEMPLATES"]),
            ),
            "TIMEZONE": "Asia/Shanghai",
            "JSON_AS_ASCII": False,
        }
    )
    config.update(overrides)
    config.setdefault(
        "SQLALCHEMY_ENGINE_OPTIONS", _engine_options(config["SQLALCHEMY_DATABASE_URI"])
    )
    # A multipart upload carries some framing on top of the file itself.
    config["MAX_CONTENT_LENGTH"] = config["MAX_UPLOAD_BYTES"] + 64 * 1024
    return config


def _shown(setting: Setting) -> str:
    if setting.shown is not None:
        return setting.shown
    value = setting.default
    if isinstance(value, bool):
        return "`on`" if value else "`off`"
    if isinstance(value, list):
        return "`" + ",".join(str(v) for v in value) + "`" if value else "none"
    if value is None or value == "":
        return "unset"
    return f"`{value}`"


def markdown_table() -> str:
    """The README's configuration table."""
    lines = ["| variable | default | meaning |", "|---|---|---|"]
    lines += [f"| `{s.name}` | {_shown(s)} | {s.meaning} |" for s in SETTINGS]
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown_table())
