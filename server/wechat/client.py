"""One way to reach WeChat (or the sandbox): a wechatpy client with our guard rails.

- The access token lives in Redis so every web process and worker shares one (WeChat limits
  how often a token may be fetched, and a new token retires the old one).
- wechatpy refetches the token on 40001/40014/42001 with no cap; a server that keeps answering
  40001 would recurse until RecursionError. We allow one refetch per call.
- Every call has a timeout, the token fetch included (wechatpy's has none).
- The token comes from `cgi-bin/stable_token` (force_refresh false), not `cgi-bin/token`: each
  cgi-bin/token fetch retires the previous token, so two processes (or two deployments sharing
  an appid, or a developer's script) that fetch their own evict each other's. The stable token
  is the same for every caller until it nears expiry.
"""

from __future__ import annotations

import logging
import os
import threading
import urllib.request

import redis
import requests
from flask import current_app
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException
from wechatpy.session import SessionStorage
from wechatpy.session.memorystorage import MemoryStorage
from wechatpy.session.redisstorage import RedisStorage

from server.platform.redis import get_redis

log = logging.getLogger(__name__)

TOKEN_ERRCODES = frozenset({40001, 40014, 42001})
# Worth trying again later: WeChat busy (-1), rate limited (45009, 45011), or no answer at all.
TRANSIENT_ERRCODES = frozenset({-1, 45009, 45011})
WECHAT_BASE = "https://api.weixin.qq.com"


class WeChatError(Exception):
    """A failed WeChat call; errcode None means no usable answer (timeout, network, HTTP).

    maybe_done: the request reached WeChat but no answer came back (read timeout), so WeChat
    may have acted on it. Sending it again could deliver a notice twice.
    """

    def __init__(self, errcode: int | None, errmsg: str, maybe_done: bool = False):
        super().__init__(f"{errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg
        self.maybe_done = maybe_done

    @property
    def transient(self) -> bool:
        return self.errcode is None or self.errcode in TRANSIENT_ERRCODES


class ResilientStorage(SessionStorage):
    """Redis for the shared token; a process-local copy while Redis is unreachable."""

    def __init__(self, connection: redis.Redis, prefix: str):
        self.shared = RedisStorage(connection, prefix=prefix)
        self.local = MemoryStorage()

    def get(self, key, default=None):
        try:
            return self.shared.get(key, default)
        except redis.RedisError:
            return self.local.get(key, default)

    def set(self, key, value, ttl=None):
        self.local.set(key, value, ttl)
        try:
            self.shared.set(key, value, ttl)
        except redis.RedisError:
            log.warning("redis unavailable: keeping the WeChat access token in memory")

    def delete(self, key):
        self.local.delete(key)
        try:
            self.shared.delete(key)
        except redis.RedisError:
            pass


class GuardedWeChatClient(WeChatClient):
    """wechatpy's client with a bounded token refetch, timeouts, and a configurable base URL."""

    MAX_TOKEN_REFETCH = 1

    def __init__(
        self,
        appid,
        secret,
        *,
        base_url: str = WECHAT_BASE,
        session=None,
        timeout=5.0,
        ca_bundle: str | None = None,
    ):
        super().__init__(appid, secret, session=session, timeout=timeout)
        self.base_url = base_url.rstrip("/")
        # wechatpy keeps base URLs per API object; point them all at base_url.
        self.API_BASE_URL = f"{self.base_url}/cgi-bin/"
        self.wxa.API_BASE_URL = f"{self.base_url}/"
        self._local = threading.local()
        # Read proxy settings from the environment once, not on every call (requests would).
        self._http.proxies = urllib.request.getproxies()
        self._http.verify = ca_bundle or True
        self._http.trust_env = False

    def fetch_access_token(self):
        """wechatpy has no stable_token: POST it ourselves (JSON body, not a query)."""
        res = self._http.post(
            url=f"{self.base_url}/cgi-bin/stable_token",
            json={
                "grant_type": "client_credential",
                "appid": self.appid,
                "secret": self.secret,
                "force_refresh": False,
            },
            timeout=self.timeout,
        )
        res.raise_for_status()
        result = res.json()
        if result.get("errcode"):
            raise WeChatClientException(result["errcode"], result.get("errmsg"), client=self)
        expires_in = result.get("expires_in", 7200)
        self.session.set(self.access_token_key, result["access_token"], expires_in)
        return result

    def _request(self, method, url_or_endpoint, **kwargs):
        depth = getattr(self._local, "depth", 0)
        self._local.depth = depth + 1
        try:
            return super()._request(method, url_or_endpoint, **kwargs)
        finally:
            self._local.depth = depth

    def _handle_result(self, res, method=None, url=None, result_processor=None, **kwargs):
        if getattr(self._local, "depth", 0) > self.MAX_TOKEN_REFETCH:
            result = res if isinstance(res, dict) else self._decode_result(res)
            errcode = int(result.get("errcode", 0) or 0) if isinstance(result, dict) else 0
            if errcode in TOKEN_ERRCODES:
                raise WeChatClientException(
                    errcode,
                    f"{result.get('errmsg')} (still refused after a new token)",
                    client=self,
                )
        return super()._handle_result(res, method, url, result_processor, **kwargs)


def _build_client(appid: str, secret: str) -> GuardedWeChatClient:
    config = current_app.config
    base_url = config["WECHAT_SANDBOX_URL"] if config["WECHAT_SANDBOX"] else WECHAT_BASE
    storage = ResilientStorage(get_redis(), prefix=f"{config['KEY_PREFIX']}:wechat:{appid}")
    return GuardedWeChatClient(
        appid,
        secret,
        base_url=base_url,
        session=storage,
        timeout=config["WECHAT_TIMEOUT"],
        ca_bundle=config["REQUESTS_CA_BUNDLE"],
    )


def get_client() -> GuardedWeChatClient:
    """The app's client; one per process (a forked worker child builds its own)."""
    key = ("wechat_client", os.getpid())
    client = current_app.extensions.get(key)
    if client is None:
        config = current_app.config
        client = _build_client(config["WECHAT_APPID"], config["WECHAT_SECRET"])
        current_app.extensions[key] = client
    return client


def get_official_client() -> GuardedWeChatClient:
    """The official account's client (its own appid, secret and access token); only called
    when WECHAT_OA is configured."""
    key = ("wechat_oa_client", os.getpid())
    client = current_app.extensions.get(key)
    if client is None:
        account = current_app.config["WECHAT_OA"]
        client = current_app.extensions[key] = _build_client(account.appid, account.secret)
    return client


def call(fn, *args, **kwargs):
    """Run one wechatpy call and turn every way it can fail into WeChatError."""
    try:
        return fn(*args, **kwargs)
    except WeChatClientException as exc:
        errcode = exc.errcode if exc.errcode is not None else None
        raise WeChatError(errcode, str(exc.errmsg or exc)) from exc
    except requests.ReadTimeout as exc:
        raise WeChatError(None, "timeout waiting for WeChat's answer", maybe_done=True) from exc
    except (requests.RequestException, ValueError) as exc:
        raise WeChatError(None, f"{type(exc).__name__}: {exc}"[:200]) from exc
    except RecursionError as exc:  # belt and braces: should be impossible with the guard
        raise WeChatError(None, "token refetch loop") from exc
