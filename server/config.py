"""Settings, read from the environment once at start-up.

Every setting has a default that works on a fresh checkout: SQLite and an embedded Redis under
`instance/`, and the WeChat sandbox instead of WeChat. Production sets DATABASE_URL, REDIS_URL,
SECRET_KEY, PHONE_KEYS and the WECHAT_* values.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from server.wechat.sandbox import defaults as sandbox

ROOT = Path(__file__).resolve().parent.parent
# The sandbox's push token: public (it is in this repository), so never good for real WeChat.
SANDBOX_PUSH_TOKEN = "sandboxpushtoken"


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _int(name: str, default: int) -> int:
    return int(_env(name, str(default)))


def _float(name: str, default: float) -> float:
    return float(_env(name, str(default)))


def _list(name: str, default: str = "") -> list[str]:
    return [part.strip() for part in (_env(name, default) or "").split(",") if part.strip()]


def _engine_options(url: str) -> dict:
    options: dict = {"pool_pre_ping": True}
    if url.startswith("postgresql"):
        # PostgreSQL's JIT compiles any query it guesses to be big; for the overview's month of a
        # province that took a second of compiling to save milliseconds of running. Our queries
        # are short and repeated: plain execution is always the faster choice here.
        options["connect_args"] = {"options": "-c jit=off"}
    return options


def _database_url(instance: Path) -> str:
    url = _env("DATABASE_URL")
    if not url:
        return f"sqlite:///{instance / 'lianluozhan.db'}"
    # psycopg 3 is the driver we ship; accept the URLs people paste from their hosting panel.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _secret_key(instance: Path) -> str:
    """A stable key: from the environment, else generated once and kept in instance/."""
    key = _env("SECRET_KEY")
    if key:
        return key
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


@dataclass
class Templates:
    """Subscribe-message template ids, one per kind of notice."""

    reply: str
    new_item: str
    reminder: str
    long_term: frozenset[str] = field(default_factory=frozenset)

    def is_long_term(self, template_id: str) -> bool:
        return template_id in self.long_term


def load_config(overrides: dict | None = None) -> dict:
    """Flask config mapping from the environment, then `overrides` (used by tests)."""
    overrides = dict(overrides or {})
    instance = Path(
        overrides.pop("INSTANCE_PATH", None) or _env("INSTANCE_PATH", ROOT / "instance")
    )
    sandbox_port = _int("SANDBOX_PORT", 8001)
    wechat_appid = _env("WECHAT_APPID")
    using_sandbox = wechat_appid is None
    long_term_default = (
        "" if not using_sandbox else f"{sandbox.TEMPLATE_NEW_ITEM},{sandbox.TEMPLATE_REMINDER}"
    )

    config = {
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": overrides.get("SECRET_KEY") or _secret_key(instance),
        "SQLALCHEMY_DATABASE_URI": _database_url(instance),
        "REDIS_URL": _env("REDIS_URL"),  # None: embedded redis-server under instance/
        "RQ_QUEUE": _env("RQ_QUEUE", "default"),
        # Namespace of our own Redis keys (token cache, push nonces, scheduler slots).
        "KEY_PREFIX": _env("KEY_PREFIX", "lz"),
        "PUBLIC_URL": (_env("PUBLIC_URL", f"http://127.0.0.1:{_int('PORT', 8000)}")).rstrip("/"),
        # Phone numbers: Fernet keys, newest first; older keys still decrypt (rotation).
        "PHONE_KEYS": _list("PHONE_KEYS"),
        "TOKEN_MAX_AGE": _int("TOKEN_MAX_AGE", 30 * 24 * 3600),
        "TIMEZONE": "Asia/Shanghai",
        # Intake limits, also shown to the mini-program by /scan.
        "CONTENT_MAX_CHARS": _int("CONTENT_MAX_CHARS", 2000),
        "MAX_PHOTOS": _int("MAX_PHOTOS", 9),
        "MAX_UPLOAD_BYTES": _int("MAX_UPLOAD_BYTES", 10 * 1024 * 1024),
        # Any other API body (JSON) and WeChat's pushes: a submission is a few KB.
        "MAX_JSON_BYTES": _int("MAX_JSON_BYTES", 64 * 1024),
        "MAX_IMAGE_PIXELS": _int("MAX_IMAGE_PIXELS", 40_000_000),
        # Image decodes at once per web process, and how long an upload waits for its turn.
        "IMAGE_DECODE_SLOTS": _int("IMAGE_DECODE_SLOTS", 2),
        "IMAGE_DECODE_WAIT_SECONDS": _float("IMAGE_DECODE_WAIT_SECONDS", 10.0),
        # Pixels decoded per Beijing day per WeChat identity (about 40 full-size phone photos)
        # and per address (generous: carrier NAT puts thousands of phones behind one).
        "UPLOAD_PIXELS_CITIZEN_DAY": _int("UPLOAD_PIXELS_CITIZEN_DAY", 500_000_000),
        "UPLOAD_PIXELS_IP_DAY": _int("UPLOAD_PIXELS_IP_DAY", 20_000_000_000),
        "UPLOAD_DIR": _env("UPLOAD_DIR", str(instance / "uploads")),
        # WeChat: real when WECHAT_APPID is set, the sandbox otherwise.
        "WECHAT_SANDBOX": using_sandbox,
        "WECHAT_SANDBOX_URL": _env("WECHAT_SANDBOX_URL", f"http://127.0.0.1:{sandbox_port}").rstrip(
            "/"
        ),
        "WECHAT_APPID": wechat_appid or sandbox.APPID,
        "WECHAT_SECRET": _env("WECHAT_SECRET", sandbox.SECRET if using_sandbox else None),
        "WECHAT_TIMEOUT": _float("WECHAT_TIMEOUT", 5.0),
        # msg_sec_check on every submission ("wechat"), or none ("off": e.g. a deployment
        # outside WeChat, or a benchmark separating our cost from WeChat's).
        "CONTENT_CHECK": _env("CONTENT_CHECK", "wechat"),
        # The fallback when WeChat cannot be reached (server/intake/wordlist.py).
        "CONTENT_WORDLIST_FILE": _env("CONTENT_WORDLIST_FILE"),
        "WECHAT_MINIPROGRAM_STATE": _env("WECHAT_MINIPROGRAM_STATE", "formal"),
        "WECHAT_CODE_ENV": _env("WECHAT_CODE_ENV", "release"),
        "WECHAT_ENTRY_PAGE": _env("WECHAT_ENTRY_PAGE", "pages/entry/entry"),
        # The check file for 扫普通链接二维码打开小程序, served at /<name>.txt.
        "WECHAT_QR_VERIFY_FILE": _env("WECHAT_QR_VERIFY_FILE"),
        "WECHAT_QR_VERIFY_CONTENT": _env("WECHAT_QR_VERIFY_CONTENT", ""),
        "WECHAT_TEMPLATES": Templates(
            reply=_env("WECHAT_TEMPLATE_REPLY", sandbox.TEMPLATE_REPLY),
            new_item=_env("WECHAT_TEMPLATE_NEW_ITEM", sandbox.TEMPLATE_NEW_ITEM),
            reminder=_env("WECHAT_TEMPLATE_REMINDER", sandbox.TEMPLATE_REMINDER),
            long_term=frozenset(_list("WECHAT_LONG_TERM_TEMPLATES", long_term_default)),
        ),
        # Message push (消息推送): token and EncodingAESKey set in the mini-program console.
        # With real credentials there is no default: the callback refuses every push until the
        # console's Token is configured (server/wechat/callback.py).
        "WECHAT_PUSH_TOKEN": _env(
            "WECHAT_PUSH_TOKEN", SANDBOX_PUSH_TOKEN if using_sandbox else None
        ),
        "WECHAT_PUSH_AES_KEY": _env("WECHAT_PUSH_AES_KEY"),
        # Who counts one-time consents: the mini-program's report ("client") or WeChat's
        # subscribe_msg_popup_event ("push"). Counting both would double the credits.
        "CONSENT_SOURCE": _env("CONSENT_SOURCE", "client"),
        # Routing, notices and the sweep.
        "ROUTE_JOB_TIMEOUT": _int("ROUTE_JOB_TIMEOUT", 60),
        "NOTICE_RETRY_DELAYS": [int(x) for x in _list("NOTICE_RETRY_DELAYS", "10,60,300")],
        "SWEEP_INTERVAL": _int("SWEEP_INTERVAL", 60),
        "SWEEP_GRACE_SECONDS": _int("SWEEP_GRACE_SECONDS", 30),
        "NOTICE_STUCK_SECONDS": _int("NOTICE_STUCK_SECONDS", 600),
        # Seconds a message may wait to be routed before /readyz and the queue page raise an
        # alarm; 0: three sweeps past the grace period (server/api/health.py).
        "UNROUTED_ALARM_SECONDS": _int("UNROUTED_ALARM_SECONDS", 0),
        "REMIND_AFTER_HOURS": _float("REMIND_AFTER_HOURS", 48),
        "OVERDUE_AFTER_HOURS": _float("OVERDUE_AFTER_HOURS", 72),
        # One register file: a station's year fits easily; a province's quarter is exported
        # station by station (a bigger workbook would outlast a web request and Excel's patience).
        "REGISTER_MAX_ROWS": _int("REGISTER_MAX_ROWS", 20_000),
        "INVITE_TTL_HOURS": _int("INVITE_TTL_HOURS", 72),
        # Days after closing (or rejecting) an item when its photos, phone and place are deleted;
        # 0 keeps them. The text and the register entry stay.
        "RETENTION_DAYS": _int("RETENTION_DAYS", 0),
        # Hours after which a photo uploaded but never sent with a message is deleted; 0 keeps.
        "UNSUBMITTED_PHOTO_HOURS": _int("UNSUBMITTED_PHOTO_HOURS", 24),
        # Rate limits (server/platform/limits.py): "N/minute;M/day" per identity or IP; off for
        # benchmarks.
        "RATELIMIT_ENABLED": _env("RATE_LIMITS", "on") != "off",
        **{
            name: _env(name)
            for name in (
                "RATE_LIMIT_BIND_IP",
                "RATE_LIMIT_LOGIN_IP",
                "RATE_LIMIT_SUBMIT_CITIZEN",
                "RATE_LIMIT_SUBMIT_ATTEMPTS_CITIZEN",
                "RATE_LIMIT_SUBMIT_IP",
                "RATE_LIMIT_UPLOAD_CITIZEN",
                "RATE_LIMIT_UPLOAD_IP",
                "RATE_LIMIT_WRITE_CITIZEN",
            )
            if _env(name)
        },
        # Behind a reverse proxy, trust one X-Forwarded-For hop for the client's address.
        "PROXY_FIX": _env("PROXY_FIX", "off") == "on",
        # Who answers /healthz: ./scripts/run exports a fresh one and waits for it, so an old
        # copy or another program on the port is never taken for the app it just started.
        "INSTANCE_ID": _env("INSTANCE_ID") or secrets.token_hex(8),
        "MAX_CONTENT_LENGTH": None,  # set below from MAX_UPLOAD_BYTES
        "JSON_AS_ASCII": False,
    }
    config.update(overrides)
    config.setdefault(
        "SQLALCHEMY_ENGINE_OPTIONS", _engine_options(config["SQLALCHEMY_DATABASE_URI"])
    )
    # A multipart upload carries some framing on top of the file itself.
    config["MAX_CONTENT_LENGTH"] = config["MAX_UPLOAD_BYTES"] + 64 * 1024
    return config
