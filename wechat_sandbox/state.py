"""Everything the sandbox remembers, in memory, behind one lock (the server is threaded)."""

from __future__ import annotations

import base64
import hashlib
import logging
import random
import secrets
import string
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

from flask import current_app

from wechat_sandbox import push
from wechat_sandbox.config import SandboxConfig
from wechat_sandbox.errors import ControlError, WeChatError

log = logging.getLogger(__name__)

EXTENSION = "wechat_sandbox"  # key of the state in app.extensions

_URLSAFE = string.ascii_letters + string.digits + "-_"
_ALNUM = string.ascii_letters + string.digits


def _random_text(alphabet: str, length: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


def _utc_iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="milliseconds")


@dataclass
class User:
    openid: str
    nickname: str
    created_at: float
    last_login_at: float | None = None
    session_key: str | None = None
    # One open-platform account binds the mini-program and the official account: the same
    # person has one unionid in both, and a different openid in each.
    unionid: str = ""
    oa_openid: str | None = None  # set on the first follow
    follows: bool = False


@dataclass
class Code:
    """A wx.login() code or a getPhoneNumber code: single use, short-lived."""

    openid: str
    issued_at: float
    phone: str | None = None
    used: bool = False


@dataclass
class Faults:
    error_rate: float = 0.0
    errcode: int = -1
    latency_ms: float = 0.0
    paths: tuple[str, ...] | None = None  # None: every WeChat path
    times: int | None = None  # None: no limit
    times_left: int | None = None

    def applies_to(self, path: str) -> bool:
        return self.paths is None or path.startswith(self.paths)

    def to_dict(self) -> dict:
        return {
            "error_rate": self.error_rate,
            "errcode": self.errcode,
            "latency_ms": self.latency_ms,
            "paths": list(self.paths) if self.paths is not None else None,
            "times": self.times,
            "times_left": self.times_left,
        }


@dataclass
class Consent:
    credits: int = 0  # one_time: messages the user still allows
    accepted: bool = False  # long_term: accepted and not rejected since


@dataclass
class Outcome:
    """What a fault roll decided for one call: wait this long, then maybe fail."""

    delay: float = 0.0
    errcode: int | None = None


# WeChat's token rules (developers.weixin.qq.com, 获取接口调用凭据 / 获取稳定版接口调用凭据).
OLD_TOKEN_GRACE = 300.0  # a cgi-bin/token token works this long after a newer one is issued
STABLE_RENEW_BEFORE = 300.0  # stable_token hands out a new token this close to expiry
FORCE_REFRESH_INTERVAL = 30.0
FORCE_REFRESH_PER_DAY = 20


@dataclass
class SandboxState:
    config: SandboxConfig
    lock: threading.Lock = field(default_factory=threading.Lock)
    users: dict[str, User] = field(default_factory=dict)
    login_codes: dict[str, Code] = field(default_factory=dict)
    phone_codes: dict[str, Code] = field(default_factory=dict)
    tokens: dict[str, float] = field(default_factory=dict)  # token -> expires at
    # cgi-bin/token and cgi-bin/stable_token keep apart: each retires only its own older token.
    plain_token: str | None = None
    stable_token: str | None = None
    force_refreshes: list[float] = field(default_factory=list)  # when, this day
    oa_stable_token: str | None = None
    oa_force_refreshes: list[float] = field(default_factory=list)
    oa_tokens: dict[str, float] = field(default_factory=dict)  # the official account's
    oa_users: dict[str, str] = field(default_factory=dict)  # oa_openid -> mini-program openid
    oa_sent: list[dict] = field(default_factory=list)
    oa_sent_on: Counter = field(default_factory=Counter)  # Beijing date -> template messages
    consents: dict[tuple[str, str], Consent] = field(default_factory=dict)
    sent: list[dict] = field(default_factory=list)
    faults: Faults = field(default_factory=Faults)
    calls: Counter = field(default_factory=Counter)
    faults_injected: Counter = field(default_factory=Counter)
    push_results: Counter = field(default_factory=Counter)
    push_config: push.PushConfig | None = None
    # WeChat's msgids are large 64-bit numbers that grow over time.
    last_msgid: int = field(default_factory=lambda: 17 * 10**17 + random.randrange(10**17))
    _random: random.Random = field(default_factory=random.Random, init=False)
    _pusher: push.Pusher = field(init=False)

    def __post_init__(self) -> None:
        self._pusher = push.Pusher(self.config.push_timeout, self._count_push)
        # Openids of one mini-program share their first characters on WeChat; so do ours.
        digest = hashlib.sha256(self.config.appid.encode()).digest()
        self._openid_prefix = "o" + base64.urlsafe_b64encode(digest).decode()[:5]

    # -- lifecycle ---------------------------------------------------------------------------

    def reset(self) -> None:
        with self.lock:
            self.users.clear()
            self.login_codes.clear()
            self.phone_codes.clear()
            self.tokens.clear()
            self.plain_token = self.stable_token = self.oa_stable_token = None
            self.force_refreshes.clear()
            self.oa_force_refreshes.clear()
            self.oa_tokens.clear()
            self.oa_users.clear()
            self.oa_sent.clear()
            self.oa_sent_on.clear()
            self.consents.clear()
            self.sent.clear()
            self.faults = Faults()
            self.calls.clear()
            self.faults_injected.clear()
            self.push_results.clear()
            self.push_config = None

    def close(self) -> None:
        self._pusher.close()

    # -- faults and counters -----------------------------------------------------------------

    def count_call(self, path: str) -> Outcome:
        """Count a WeChat call and roll the configured faults for it."""
        with self.lock:
            self.calls[path] += 1
            faults = self.faults
            if not faults.applies_to(path):
                return Outcome()
            outcome = Outcome(delay=faults.latency_ms / 1000)
            if faults.times_left == 0 or self._random.random() >= faults.error_rate:
                return outcome
            if faults.times_left is not None:
                faults.times_left -= 1
            self.faults_injected[path] += 1
            outcome.errcode = faults.errcode
            return outcome

    def set_faults(self, faults: Faults) -> None:
        with self.lock:
            self.faults = faults

    def faults_view(self) -> dict:
        with self.lock:
            return self.faults.to_dict()

    def stats(self) -> dict:
        with self.lock:
            return {
                "calls": dict(self.calls),
                "faults": dict(self.faults_injected),
                "push": {
                    "delivered": self.push_results["delivered"],
                    "failed": self.push_results["failed"],
                },
            }

    def _count_push(self, ok: bool) -> None:
        with self.lock:
            self.push_results["delivered" if ok else "failed"] += 1

    # -- access tokens -----------------------------------------------------------------------

    def _new_token(self) -> str:
        # WeChat's tokens: a short numeric prefix, then 130-odd URL-safe characters.
        return f"{secrets.randbelow(90) + 10}_{_random_text(_URLSAFE, 133)}"

    def _retire(self, token: str | None, now: float, grace: float) -> None:
        if token in self.tokens:
            self.tokens[token] = min(self.tokens[token], now + grace)

    def issue_token(self, grant_type: str | None, appid: str | None, secret: str | None) -> dict:
        """cgi-bin/token, for the mini-program or for the official account (each has its own
        tokens). The mini-program's: every fetch issues a new token, and the previous one stops
        working OLD_TOKEN_GRACE seconds later (so processes fetching their own evict each other)."""
        official = appid is not None and appid == self.config.oa_appid
        if official:
            self._check_app(appid, secret, 40001, self.config.oa_appid, self.config.oa_secret)
        else:
            self._check_app(appid, secret, bad_secret=40001)
        if grant_type != "client_credential":
            raise WeChatError(40002)
        token, now = self._new_token(), time.time()
        with self.lock:
            if official:
                self.oa_tokens[token] = now + self.config.token_ttl
            else:
                self._retire(self.plain_token, now, OLD_TOKEN_GRACE)
                self.plain_token = token
                self.tokens[token] = now + self.config.token_ttl
        return {"access_token": token, "expires_in": int(self.config.token_ttl)}

    def issue_stable_token(
        self, grant_type: object, appid: object, secret: object, force_refresh: object
    ) -> dict:
        """cgi-bin/stable_token: in the normal mode the same token while more than
        STABLE_RENEW_BEFORE seconds of it are left (then a new one, the old still valid until it
        expires); force_refresh retires the old one at once, at most once per
        FORCE_REFRESH_INTERVAL seconds and FORCE_REFRESH_PER_DAY times a day."""
        if not isinstance(appid, str) or not isinstance(secret, str):
            raise WeChatError(41002 if not appid else 40001)
        # The official account has stable tokens of its own (its own appid, its own tokens).
        official = appid == self.config.oa_appid
        if official:
            self._check_app(appid, secret, 40001, self.config.oa_appid, self.config.oa_secret)
        else:
            self._check_app(appid, secret, bad_secret=40001)
        if grant_type != "client_credential":
            raise WeChatError(40002)
        if force_refresh not in (None, True, False):
            raise WeChatError(47001)
        now = time.time()
        tokens = self.oa_tokens if official else self.tokens
        with self.lock:
            current = self.oa_stable_token if official else self.stable_token
            refreshes = self.oa_force_refreshes if official else self.force_refreshes
            left = tokens.get(current, 0.0) - now if current else 0.0
            if not force_refresh and left > STABLE_RENEW_BEFORE:
                return {"access_token": current, "expires_in": int(left)}
            if force_refresh:
                refreshes[:] = [t for t in refreshes if now - t < 86400]
                if refreshes and now - refreshes[-1] < FORCE_REFRESH_INTERVAL:
                    raise WeChatError(45011)
                if len(refreshes) >= FORCE_REFRESH_PER_DAY:
                    raise WeChatError(45009)
                refreshes.append(now)
                if official:
                    tokens.pop(current, None)
                else:
                    self._retire(current, now, 0.0)
            token = self._new_token()
            if official:
                self.oa_stable_token = token
            else:
                self.stable_token = token
            tokens[token] = now + self.config.token_ttl
        return {"access_token": token, "expires_in": int(self.config.token_ttl)}

    def check_token(self, token: str | None, official: bool = False) -> None:
        """`official`: the path belongs to the official account, whose tokens are its own."""
        if not token:
            raise WeChatError(41001)
        with self.lock:
            expires_at = (self.oa_tokens if official else self.tokens).get(token)
        if expires_at is None:
            raise WeChatError(40001)
        if time.time() >= expires_at:
            raise WeChatError(42001)

    def expire_tokens(self) -> int:
        now = time.time()
        with self.lock:
            for tokens in (self.tokens, self.oa_tokens):
                for token in tokens:
                    tokens[token] = min(tokens[token], now)
            return len(self.tokens) + len(self.oa_tokens)

    def _check_app(
        self,
        appid: str | None,
        secret: str | None,
        bad_secret: int,
        expected_appid: str | None = None,
        expected_secret: str | None = None,
    ) -> None:
        if not appid:
            raise WeChatError(41002)
        if appid != (expected_appid or self.config.appid):
            raise WeChatError(40013)
        if not secret:
            raise WeChatError(41004)
        if secret != (expected_secret or self.config.secret):
            raise WeChatError(bad_secret)

    # -- users, login and phone codes --------------------------------------------------------

    def create_user(self, nickname: str) -> User:
        openid = self._openid_prefix + _random_text(_URLSAFE, 22)
        user = User(
            openid=openid,
            nickname=nickname,
            created_at=time.time(),
            unionid="oUnion" + _random_text(_URLSAFE, 22),
        )
        with self.lock:
            self.users[openid] = user
        return user

    def _user(self, openid: object) -> User:
        user = self.users.get(openid) if isinstance(openid, str) else None
        if user is None:
            raise ControlError(404, "用户不存在")
        return user

    def issue_login_code(self, openid: object) -> str:
        code = _random_text(_ALNUM, 32)
        with self.lock:
            user = self._user(openid)
            self.login_codes[code] = Code(openid=user.openid, issued_at=time.time())
        return code

    def issue_phone_code(self, openid: object, phone: str) -> str:
        code = _random_text(_ALNUM, 64)
        with self.lock:
            user = self._user(openid)
            self.phone_codes[code] = Code(openid=user.openid, issued_at=time.time(), phone=phone)
        return code

    def _take_code(
        self, codes: dict[str, Code], code: object, ttl: float, used_errcode: int
    ) -> Code:
        """Spend a single-use code (caller holds the lock)."""
        entry = codes.get(code) if isinstance(code, str) else None
        if entry is None or time.time() - entry.issued_at > ttl:
            raise WeChatError(40029)
        if entry.used:
            raise WeChatError(used_errcode)
        entry.used = True
        return entry

    def code_to_session(self, appid: str | None, secret: str | None, js_code: str | None) -> dict:
        self._check_app(appid, secret, bad_secret=40125)
        if not js_code:
            raise WeChatError(41008)
        with self.lock:
            entry = self._take_code(self.login_codes, js_code, self.config.code_ttl, 40163)
            user = self.users[entry.openid]
            user.last_login_at = time.time()
            # WeChat may hand out a fresh session_key on every login.
            user.session_key = base64.b64encode(secrets.token_bytes(16)).decode()
            return {
                "session_key": user.session_key,
                "openid": user.openid,
                "unionid": user.unionid,
            }

    def phone_number(self, code: object) -> dict:
        with self.lock:
            entry = self._take_code(self.phone_codes, code, self.config.phone_code_ttl, 40029)
        return {
            "phoneNumber": entry.phone,
            "purePhoneNumber": entry.phone,
            "countryCode": "86",
            "watermark": {"timestamp": int(time.time()), "appid": self.config.appid},
        }

    def require_active(self, openid: object) -> None:
        """msg_sec_check only takes users who opened the mini-program in the last two hours."""
        with self.lock:
            user = self.users.get(openid) if isinstance(openid, str) else None
            if user is None:
                raise WeChatError(40003)
            last = user.last_login_at
        if last is None or time.time() - last > self.config.active_ttl:
            raise WeChatError(61010)

    # -- subscribe messages ------------------------------------------------------------------

    def template(self, template_id: object) -> dict | None:
        return self.config.templates.get(template_id) if isinstance(template_id, str) else None

    def record_consent(self, openid: object, template_id: object, decision: str) -> dict:
        template = self.template(template_id)
        if template is None:
            raise ControlError(400, "模板不存在")
        with self.lock:
            user = self._user(openid)
            consent = self.consents.setdefault((user.openid, template_id), Consent())
            if template["kind"] == "one_time":
                # Rejecting a popup never takes back consents given earlier.
                consent.credits += decision == "accept"
            else:
                consent.accepted = decision == "accept"
            # Queued under the lock, so pushes reach the app in the order things happened.
            self._push(
                push.popup_event(self.config.original_id, user.openid, template_id, decision)
            )
            return self._consent_view(user.openid, template_id, template, consent)

    @staticmethod
    def _consent_view(openid: str, template_id: str, template: dict, consent: Consent) -> dict:
        one_time = template["kind"] == "one_time"
        return {
            "openid": openid,
            "template_id": template_id,
            "kind": template["kind"],
            "credits": consent.credits if one_time else 0,
            "accepted": consent.credits > 0 if one_time else consent.accepted,
        }

    def spend_consent(self, openid: str, template_id: str, record: dict) -> int:
        """Check consent, spend a one-time credit and log the message; returns its msgid."""
        template = self.config.templates[template_id]
        with self.lock:
            consent = self.consents.get((openid, template_id), Consent())
            if template["kind"] == "one_time":
                if consent.credits <= 0:
                    raise WeChatError(43101)
                consent.credits -= 1
            elif not consent.accepted:
                raise WeChatError(43101)
            self.last_msgid += random.randrange(1, 1000)
            msgid = self.last_msgid
            self.sent.append({"msgid": msgid, **record, "sent_at": _utc_iso(time.time())})
            self._push(push.sent_event(self.config.original_id, openid, template_id, msgid))
        return msgid

    def require_user(self, openid: object) -> None:
        with self.lock:
            if not isinstance(openid, str) or openid not in self.users:
                raise WeChatError(40003)

    def sent_messages(self, openid: str | None = None) -> list[dict]:
        with self.lock:
            return [dict(m) for m in self.sent if openid is None or m["openid"] == openid]

    def snapshot_users(self) -> list[dict]:
        """Users with their consent per template, for the control API and the page."""
        with self.lock:
            return [self._user_view(user) for user in self.users.values()]

    def _user_view(self, user: User) -> dict:
        consents = {}
        for template_id, template in self.config.templates.items():
            consent = self.consents.get((user.openid, template_id), Consent())
            view = self._consent_view(user.openid, template_id, template, consent)
            consents[template_id] = {k: view[k] for k in ("kind", "credits", "accepted")}
        return {
            "openid": user.openid,
            "nickname": user.nickname,
            "created_at": _utc_iso(user.created_at),
            "last_login_at": _utc_iso(user.last_login_at) if user.last_login_at else None,
            "consents": consents,
            "unionid": user.unionid,
            "oa_openid": user.oa_openid,
            "follows_oa": user.follows,
        }

    # -- the official account ----------------------------------------------------------------

    def follow(self, openid: object, follow: bool) -> dict:
        """The mini-program user `openid` follows (or unfollows) the official account."""
        with self.lock:
            user = self._user(openid)
            if user.oa_openid is None:
                # Another app, another openid for the same person ("oA": ours, not WeChat's).
                user.oa_openid = "oA" + _random_text(_URLSAFE, 26)
                self.oa_users[user.oa_openid] = user.openid
            changed = user.follows != follow
            user.follows = follow
            if changed:
                self._push(
                    push.follow_event(self.config.oa_original_id, user.oa_openid, follow),
                    self.config.oa_appid,
                )
            return {"oa_openid": user.oa_openid, "unionid": user.unionid, "follows": follow}

    def _oa_user(self, oa_openid: object) -> User:
        """Caller holds the lock."""
        openid = self.oa_users.get(oa_openid) if isinstance(oa_openid, str) else None
        if openid is None:
            raise WeChatError(40003)
        return self.users[openid]

    def oa_user_info(self, oa_openid: object) -> dict:
        """`/cgi-bin/user/info`: whether the person follows, and the unionid binding both apps."""
        with self.lock:
            user = self._oa_user(oa_openid)
            if not user.follows:
                return {"subscribe": 0, "openid": user.oa_openid, "unionid": user.unionid}
            return {
                "subscribe": 1,
                "openid": user.oa_openid,
                "language": "zh_CN",
                "subscribe_time": int(user.created_at),
                "unionid": user.unionid,
                "subscribe_scene": "ADD_SCENE_QR_CODE",
            }

    def oa_template(self, template_id: object) -> dict | None:
        if not isinstance(template_id, str):
            return None
        return self.config.oa_templates.get(template_id)

    def send_template(self, oa_openid: object, template_id: str, record: dict) -> int:
        """Deliver a template message to a follower within the daily quota; returns its msgid."""
        day = datetime.fromtimestamp(time.time() + 8 * 3600, UTC).date().isoformat()
        with self.lock:
            user = self._oa_user(oa_openid)
            if not user.follows:
                raise WeChatError(43004)
            if self.oa_sent_on[day] >= self.config.oa_daily_quota:
                raise WeChatError(45009)
            self.oa_sent_on[day] += 1
            self.last_msgid += random.randrange(1, 1000)
            msgid = self.last_msgid
            self.oa_sent.append(
                {
                    "msgid": msgid,
                    "oa_openid": user.oa_openid,
                    "openid": user.openid,
                    **record,
                    "sent_at": _utc_iso(time.time()),
                }
            )
        return msgid

    def oa_sent_messages(self, oa_openid: str | None = None) -> list[dict]:
        with self.lock:
            return [dict(m) for m in self.oa_sent if oa_openid in (None, m["oa_openid"])]

    # -- push --------------------------------------------------------------------------------

    def set_push(self, config: push.PushConfig | None) -> None:
        with self.lock:
            self.push_config = config

    def _push(self, event: push.PushEvent, appid: str | None = None) -> None:
        """Queue `event` for the app when push is on (caller holds the lock). The deployment
        points both apps' message push at the same URL and Token; `appid` is whose event it is
        (an encrypted push names it)."""
        config = self.push_config
        if config is None:
            return
        try:
            delivery = push.build_delivery(config, appid or self.config.appid, event)
        except Exception:  # a push problem must never fail the WeChat call
            log.exception("could not build the push for %s", event.event)
            return
        self._pusher.submit(delivery)


def get_state() -> SandboxState:
    """The sandbox state of the app handling the current request."""
    return current_app.extensions[EXTENSION]
