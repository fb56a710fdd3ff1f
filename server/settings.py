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
    "template_progress": "sbx-progress-tmpl-5Rt8yU1iO4pA7sD0fG3hJ6",
    "template_solved": "sbx-solved-tmpl-9Kl2zX5cV8bN1mQ4wE7rT0y",
    "template_reception": "sbx-reception-tmpl-3Fw6hN9kQ2sV5xB8dM1pR4",
    # Public (it is in this repository), so never good for real WeChat.
    "push_token": "sandboxpushtoken",
    # The official account bound to the sandbox's mini-program by unionid.
    "oa_appid": "wx5e1f0c0de00000a2",
    "oa_secret": "sandbox-oa-secret-not-for-production",
    "oa_template_reply": "sbx-oa-reply-Qz3xW8mL1vB6nC4kJ9hT2rY7",
    "oa_template_new_item": "sbx-oa-newitem-Hs5dF2gK8lP3qW6eR1tY4u",
    "oa_template_reminder": "sbx-oa-remind-Vb7nM4cX1zA9sD3fG6hJ0k",
    "oa_template_reception": "sbx-oa-reception-Lk4jH7gF2dS9aP6oI3uY8t",
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


def _one_of(*choices: str) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        if raw.strip() not in choices:
            raise ValueError(raw)
        return raw.strip()

    return parse


def _audit_days(raw: str) -> int:
    days = int(raw)
    if 0 < days < MIN_AUDIT_RETENTION_DAYS:
        # 网络安全法 第二十一条: network logs are kept for no less than six months.
        raise ValueError(
            f"至少 {MIN_AUDIT_RETENTION_DAYS} 天 / at least {MIN_AUDIT_RETENTION_DAYS} days"
        )
    return days


MIN_AUDIT_RETENTION_DAYS = 180


def _days_by_kind(raw: str) -> dict[str, int]:
    """`咨询:2,投诉:15`: working days per category kind."""
    out = {}
    for part in _words(raw):
        kind, sep, days = part.partition(":")
        if not sep or not kind.strip() or int(days) < 1:
            raise ValueError(part)
        out[kind.strip()] = int(days)
    return out


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
    S("ENV", "development", "`production` refuses to start with any setting left unset or at its development/sandbox value (as do real WeChat credentials)"),
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
    S("LOG_FORMAT", "text", "`json`: one JSON object a line (time, level, logger, message, request_id, job_id) for a log collector; `text`: readable lines"),
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
    S("WECHAT_TEMPLATE_PROGRESS", SANDBOX["template_progress"], "subscribe-message template for progress and a second answer (asked with the reply template at each tap)", shown="the sandbox's"),
    S("WECHAT_TEMPLATE_SOLVED", SANDBOX["template_solved"], "subscribe-message template for 「问题解决了吗」 after an answer", shown="the sandbox's"),
    S("WECHAT_TEMPLATE_RECEPTION", SANDBOX["template_reception"], "subscribe-message template 「接待提醒」: the day before a reception day a citizen asked about, and its cancellation", shown="the sandbox's"),
    S("WECHAT_LONG_TERM_TEMPLATES", lambda env: [SANDBOX["template_new_item"], SANDBOX["template_reminder"]] if _sandboxed(env) else [], "comma-separated template ids approved for long-term subscription (no credit counting)", _words, shown="new-item and reminder (sandbox)"),
    S("WECHAT_OA_APPID", lambda env: SANDBOX["oa_appid"] if _sandboxed(env) else None, "the official account (服务号) bound to the mini-program by unionid: template messages to followers who have no subscribe credit left; unset: no official account", shown="the sandbox's (sandbox only)"),
    S("WECHAT_OA_SECRET", lambda env: SANDBOX["oa_secret"] if _sandboxed(env) else None, "the official account's AppSecret", shown="the sandbox's (sandbox only)"),
    S("WECHAT_OA_TEMPLATE_REPLY", lambda env: SANDBOX["oa_template_reply"] if _sandboxed(env) else None, "official-account template for answers (same keyword keys as the subscribe template, each value ≤ 20 characters)", shown="the sandbox's (sandbox only)"),
    S("WECHAT_OA_TEMPLATE_NEW_ITEM", lambda env: SANDBOX["oa_template_new_item"] if _sandboxed(env) else None, "official-account template for a new item to a deputy", shown="the sandbox's (sandbox only)"),
    S("WECHAT_OA_TEMPLATE_REMINDER", lambda env: SANDBOX["oa_template_reminder"] if _sandboxed(env) else None, "official-account template for reminders and follow-ups", shown="the sandbox's (sandbox only)"),
    S("WECHAT_OA_TEMPLATE_RECEPTION", lambda env: SANDBOX["oa_template_reception"] if _sandboxed(env) else None, "official-account template 「接待提醒」 (optional: without it reception notices go by subscribe message only)", shown="the sandbox's (sandbox only)"),
    S("WECHAT_PUSH_TOKEN", lambda env: SANDBOX["push_token"] if _sandboxed(env) else None, "message push (消息推送) Token; with real credentials there is no default and every push is refused until it is set", shown="`sandboxpushtoken` (sandbox only)"),
    S("WECHAT_PUSH_AES_KEY", None, "message push EncodingAESKey (safe mode: plain pushes are then refused)", shown="unset"),
    S("WECHAT_PUSH_MODE", lambda env: "safe" if env.get("WECHAT_PUSH_AES_KEY") else "plain", "the console's 消息加密方式: `plain` (明文) or `safe` (安全模式, needs WECHAT_PUSH_AES_KEY)", shown="`safe` with an AES key, else `plain`"),
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
    S("CONTENT_CHECK", "wechat", "`wechat`: msg_sec_check, the local word list when WeChat is unreachable; `local`: the local word list only, in process (a deployment outside WeChat; the benchmark's in-process check); `off`: no check", _one_of("wechat", "local", "off")),
    S("CONTENT_WORDLIST_FILE", None, "the local check used when WeChat is unreachable: one word a line, `!word` refuses, `word` flags", shown="built-in short list"),
    S("TOKEN_MAX_AGE", 30 * 24 * 3600, "seconds an API token is valid", _int, shown="30 days"),
    # -- routing, notices, the sweep -------------------------------------------------------------
    S("ROUTE_JOB_TIMEOUT", 60, "seconds a job may run before RQ stops it", _int),
    S("NOTICE_RETRY_DELAYS", [10, 60, 300], "seconds between attempts after a transient WeChat error; then `failed`", _ints, shown="`10,60,300`"),
    S("SOLVED_ASK_AFTER_HOURS", 72.0, "hours after an answer the citizen has not rated before 「问题解决了吗？点此评价」 is sent (once per answer, on its own template's credit); the 回访 after closing is then not pushed again for that answer", _float),
    # -- deadlines of each stage (working days: the working-day calendar; see docs/architecture.md)
    S("DEPUTY_ANSWER_HOURS", 24.0, "hours the accountable deputy has to take up or answer an item (its `due_at`)", _float),
    S("TRIAGE_WORKDAYS", 1, "working days staff have to hand on an item nobody could take, or one a unit returned", _int),
    S("UNIT_SIGN_WORKDAYS", 1, "working days a unit has to sign for (签收) an item handed to it", _int),
    S("UNIT_ANSWER_WORKDAYS", 7, "working days a new unit has to answer by default (each unit's own `answer_days` is editable)", _int),
    S("UNIT_ANSWER_WORKDAYS_BY_KIND", {"咨询": 2, "求助": 10, "建议": 10, "投诉": 15}, "working days to answer per category kind (12345-style), over the unit's own", _days_by_kind, shown="`咨询:2,求助:10,建议:10,投诉:15`"),
    S("UNIT_PRIORITY_WORKDAYS", 3, "working days to answer a 重点督办 item when staff give no shorter deadline", _int),
    S("SECOND_ANSWER_WORKDAYS", 5, "working days for the second answer after the citizen's 不满意 or 「没解决」 (deputy or unit: one model, working days)", _int),
    # -- 代表建议 (server/suggestions/) ---------------------------------------------------------
    S("SUGGESTION_SIGN_WORKDAYS", 3, "working days the 主办 unit has to sign for a suggestion handed to it", _int),
    S("SUGGESTION_ANSWER_WORKDAYS", 60, "working days the 主办 unit has to answer a suggestion (about three months, as suggestion rules set)", _int),
    S("SUGGESTION_SECOND_ANSWER_WORKDAYS", 20, "working days for the second answer after the 领衔 deputy's 不满意", _int),
    S("SUGGESTION_EVALUATION_WORKDAYS", 10, "working days the evaluation period runs after the answer; the unit sees the ratings only once it closes (背靠背)", _int),
    S("SUGGESTION_PDF_MAX_BYTES", 10 * 1024 * 1024, "the largest answer document (PDF) a unit may upload (at most MAX_UPLOAD_BYTES)", _int, shown="10 MB"),
    S("ESCALATE_COMMITTEE_WORKDAYS", 2, "working days past the deadline when the 代表工委 is told", _int),
    S("REVISIT_DAYS", 7, "days after closing when the citizen is asked 「问题解决了吗？」 (回访: pushed unless SOLVED_ASK_AFTER_HOURS already asked about the same answer, else shown in the mini-program; `0`: never)", _int),
    S("FAIR_MIN_ITEMS", 10, "fewest items in the period before the responsiveness tables show a deputy's, station's or unit's figures (fewer: shown as 样本不足)", _int),
    S("SIMILAR_LIMIT", 5, "how many similar past items the deputy's item detail and the citizen's 「附近已有类似反映」 show", _int),
    S("SWEEP_INTERVAL", 60, "seconds between sweeps", _int),
    S("SWEEP_GRACE_SECONDS", 30, "how old a lost row must be before the sweep picks it up again", _int),
    S("NOTICE_STUCK_SECONDS", 600, "seconds after which a notice stuck in `sending` is marked failed", _int),
    S("UNROUTED_ALARM_SECONDS", 0, "seconds a message may wait to be routed before `/readyz` and the queue page raise an alarm; `0`: three sweeps past the grace period", _int),
    S("INVITE_TTL_HOURS", 72, "how long a deputy invite code is valid", _int),
    S("STAFF_WECHAT_CODE_MINUTES", 10, "minutes the dashboard's one-time 绑定微信 code (and its QR) works for a staff account", _int),
    S("RETENTION_DAYS", 0, "days after closing when an item's photos, phone, place and a walk-in visitor's name are deleted (`0` keeps)", _int),
    S("UNSUBMITTED_PHOTO_HOURS", 24, "hours after which a photo uploaded but never sent with a message is deleted (`0` keeps)", _int),
    # -- rate limits -----------------------------------------------------------------------------
    S("RATE_LIMITS", True, "`off` disables rate limits (benchmarks only)", _on, key="RATELIMIT_ENABLED", shown="`on`"),
    S("RATE_LIMIT_SUBMIT_CITIZEN", "5/minute;30/hour;100/day", "valid submissions per WeChat identity (a form sent back for a typo does not count)"),
    S("RATE_LIMIT_SUBMIT_ATTEMPTS_CITIZEN", "30/minute;300/day", "every submission attempt per WeChat identity"),
    S("RATE_LIMIT_WEB_IP", "10/hour;30/day", "web-form submissions (outside WeChat, no identity) per address"),
    S("RATE_LIMIT_WEB_PHONE", "5/hour;10/day", "web-form submissions per contact phone number"),
    S("WEB_CHALLENGE_AFTER", 3, "web-form submissions from one address within an hour after which the form asks an arithmetic question", _int),
    S("RATE_LIMIT_SUBMIT_IP", "3000/minute", "submissions per address (generous: carrier NAT)"),
    S("RATE_LIMIT_UPLOAD_CITIZEN", "30/minute;300/day", "photo uploads per WeChat identity"),
    S("RATE_LIMIT_UPLOAD_IP", "3000/minute", "photo uploads per address"),
    S("RATE_LIMIT_LOGIN_IP", "60/minute", "WeChat sign-ins per address"),
    S("RATE_LIMIT_WRITE_CITIZEN", "30/minute", "follow-ups, ratings, replies, binding, consents per identity"),
    S("RATE_LIMIT_BIND_IP", "20/minute;200/day", "invite codes tried per address"),
    # -- the dashboard ---------------------------------------------------------------------------
    S("ADMIN_IDLE_MINUTES", 20, "signed out after this long without a request (an open overview's polling counts; 等保: 15–30)", _int),
    S("ADMIN_SESSION_HOURS", 12, "signed out this long after signing in, whatever happens", _int),
    S("LOGIN_MAX_FAILURES", 5, "failed sign-ins per username and address before that pair waits", _int),
    S("LOGIN_MAX_FAILURES_PER_ADDRESS", 30, "failed sign-ins per address across all usernames", _int),
    S("LOGIN_LOCK_MINUTES", 15, "how long a locked sign-in waits", _int),
    S("PASSWORD_MIN_LENGTH", 8, "the shortest staff password", _int),
    S("PASSWORD_MIN_CLASSES", 3, "how many of the four kinds of character (lower case, upper case, digits, symbols) a password needs", _int),
    S("PASSWORD_MAX_AGE_DAYS", 90, "days after which a staff password must be changed at the next sign-in (`0`: never)", _int),
    S("PASSWORD_HISTORY", 5, "a new password may not be any of the account's last this many", _int),
    S("TOTP_REQUIRED_ROLES", ["admin", "security_admin", "audit_admin"], "roles that must sign in with an authenticator app's code (TOTP) as well; others may enrol", _words, shown="`admin,security_admin,audit_admin`"),
    S("TOTP_ISSUER", "码上联络站", "the name authenticator apps show for the dashboard's codes"),
    S("AUDIT_RETENTION_DAYS", 0, "days the audit log is kept (`0` keeps it all; otherwise at least 180, as the Cybersecurity Law requires)", _audit_days),
    S("PUBLIC_CACHE_SECONDS", 300, "seconds browsers and proxies may keep a public page or feed (双公开); a withdrawn publication can stay in their caches that long", _int),
    S("ADMIN_POLL_MS", 3000, "how often the open overview asks for news (milliseconds)", _int),
    S("REGISTER_IMMEDIATE_ROWS", 5_000, "register exports up to this many rows are built in the request; larger ones in the background, with a progress bar and a download link", _int),
    S("EXPORT_JOB_TIMEOUT", 1800, "seconds a background register export may run", _int),
    S("ANALYSIS_JOB_TIMEOUT", 1800, "seconds the quarterly analysis job (topics and clusters of a quarter) may run", _int),
    S("RECEPTION_REMIND_INTERVAL", 900, "seconds between passes that remind subscribers the day before a reception day (and cancel days that became holidays)", _int),
    S("RECEPTION_REMIND_FROM_HOUR", 9, "Beijing hour of the day before a reception day from which its reminders go out", _int),
    S("EXPORT_CLEAN_INTERVAL", 3600, "seconds between deletions of register export files older than a day", _int),
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
    progress: str = ""
    solved: str = ""
    reception: str = ""
    long_term: frozenset[str] = field(default_factory=frozenset)

    def is_long_term(self, template_id: str) -> bool:
        return template_id in self.long_term


@dataclass(frozen=True)
class OfficialAccount:
    """The official account (服务号): its credentials and a template per kind of notice."""

    appid: str
    secret: str
    reply: str
    new_item: str
    reminder: str
    reception: str = ""  # optional: 接待提醒 goes by subscribe message only without it


def _official_account(values: dict) -> OfficialAccount | None:
    """None unless the appid, the secret and every required template id are set."""
    names = ("APPID", "SECRET", "TEMPLATE_REPLY", "TEMPLATE_NEW_ITEM", "TEMPLATE_REMINDER")
    parts = [values[f"WECHAT_OA_{name}"] for name in names]
    if not all(parts):
        return None
    return OfficialAccount(*parts, reception=values["WECHAT_OA_TEMPLATE_RECEPTION"] or "")


def read(environ: dict[str, str] | None = None) -> dict[str, Any]:
    """Each setting's value by its environment name: the environment's if set, else the default."""
    source = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        raw = source.get(setting.name)
        if raw not in (None, ""):
            try:
                values[setting.name] = setting.parse(raw)
            except ValueError as exc:
                why = f" ({exc})" if "/" in str(exc) else ""
                sys.exit(
                    f"设置 {setting.name} 的值无效 / invalid value for {setting.name}: {raw!r}{why}"
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
            # Generated into instance/: fine on one machine, never for production.
            "SECRET_KEY_GENERATED": not (overrides.get("SECRET_KEY") or values["SECRET_KEY"]),
            "SQLALCHEMY_DATABASE_URI": _database_url(values["DATABASE_URL"], instance),
            "PUBLIC_URL": values["PUBLIC_URL"].rstrip("/"),
            "WECHAT_SANDBOX": _sandboxed(source),
            "WECHAT_SANDBOX_URL": values["WECHAT_SANDBOX_URL"].rstrip("/"),
            "WECHAT_TEMPLATES": Templates(
                reply=values["WECHAT_TEMPLATE_REPLY"],
                new_item=values["WECHAT_TEMPLATE_NEW_ITEM"],
                reminder=values["WECHAT_TEMPLATE_REMINDER"],
                progress=values["WECHAT_TEMPLATE_PROGRESS"],
                solved=values["WECHAT_TEMPLATE_SOLVED"],
                reception=values["WECHAT_TEMPLATE_RECEPTION"],
                long_term=frozenset(values["WECHAT_LONG_TERM_TEMPLATES"]),
            ),
            "WECHAT_OA": _official_account(values),
            "TIMEZONE": "Asia/Shanghai",
            "JSON_AS_ASCII": False,
        }
    )
    config.update(overrides)
    # Over https the browser must never send the dashboard's cookie in the clear.
    config.setdefault("SESSION_COOKIE_SECURE", config["PUBLIC_URL"].startswith("https://"))
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
