"""Issue 19, item 1: a production start with a missing or sandbox setting is refused, naming
each setting in Chinese and English — by the app factory, `flask worker` and `flask scheduler`.
Over https the dashboard's cookie is Secure and every answer carries HSTS."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from server import create_app
from server.platform.safety import HSTS, UnsafeStart, unsafe_settings
from server.settings import SANDBOX, load_config
from tests.ops.test_locks import ROOT


@pytest.fixture(autouse=True)
def _keep_the_session_apps_limiter():
    """create_app() here builds throwaway apps, and Flask-Limiter's one Limiter takes the
    storage of the last app it was given: the test session's app would count its limits in
    a throwaway instance's store (never cleaned between tests) for the rest of the run."""
    from server.platform.limits import limiter

    kept = limiter._storage, limiter._limiter
    yield
    limiter._storage, limiter._limiter = kept


AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
SAFE = {
    "ENV": "production",
    "SECRET_KEY": "k" * 48,
    "PHONE_KEYS": "4Ne8T3hR8I6mW9wB3S0b9dE8vN2qC6sH1tY7uJ5kL0o=",
    "WECHAT_APPID": "wx1234567890abcdef",
    "WECHAT_SECRET": "the-real-app-secret",
    "WECHAT_PUSH_TOKEN": "the-consoles-own-token",
    "WECHAT_PUSH_AES_KEY": AES_KEY,
    "WECHAT_TEMPLATE_REPLY": "real-reply-template",
    "WECHAT_TEMPLATE_NEW_ITEM": "real-new-item-template",
    "WECHAT_TEMPLATE_REMINDER": "real-reminder-template",
    "PUBLIC_URL": "https://lz.example.gov.cn",
    "DATABASE_URL": "postgresql://lz:pw@db.example/lz",
    "REDIS_URL": "redis://redis.example:6379/0",
}

# Each way to be unsafe: what the environment says, and the setting the refusal must name.
UNSAFE = {
    "secret key unset": ({"SECRET_KEY": ""}, "SECRET_KEY"),
    "secret key short": ({"SECRET_KEY": "short"}, "SECRET_KEY"),
    "phone keys unset": ({"PHONE_KEYS": ""}, "PHONE_KEYS"),
    "push token unset": ({"WECHAT_PUSH_TOKEN": ""}, "WECHAT_PUSH_TOKEN"),
    "push token sandbox": ({"WECHAT_PUSH_TOKEN": SANDBOX["push_token"]}, "WECHAT_PUSH_TOKEN"),
    "safe mode no key": (
        {"WECHAT_PUSH_AES_KEY": "", "WECHAT_PUSH_MODE": "safe"},
        "WECHAT_PUSH_AES_KEY",
    ),
    "aes key malformed": ({"WECHAT_PUSH_AES_KEY": "short"}, "WECHAT_PUSH_AES_KEY"),
    "secret sandbox": ({"WECHAT_SECRET": SANDBOX["secret"]}, "WECHAT_SECRET"),
    "template sandbox": (
        {"WECHAT_TEMPLATE_REPLY": SANDBOX["template_reply"]},
        "WECHAT_TEMPLATE_REPLY",
    ),
    "public url http": ({"PUBLIC_URL": "http://lz.example.gov.cn"}, "PUBLIC_URL"),
    "public url unset": ({"PUBLIC_URL": ""}, "PUBLIC_URL"),
    "database unset": ({"DATABASE_URL": ""}, "DATABASE_URL"),
    "database sqlite": ({"DATABASE_URL": "sqlite:////tmp/x.db"}, "DATABASE_URL"),
    "redis embedded": ({"REDIS_URL": ""}, "REDIS_URL"),
    "appid sandbox": ({"WECHAT_APPID": SANDBOX["appid"]}, "WECHAT_APPID"),
}


@pytest.fixture
def production_env(monkeypatch, tmp_path):
    def apply(**changes: str) -> None:
        for name, value in {**SAFE, **changes, "INSTANCE_PATH": str(tmp_path)}.items():
            monkeypatch.setenv(name, value)

    return apply


def test_the_safe_configuration_has_no_problems(tmp_path):
    config = load_config(environ={**SAFE, "INSTANCE_PATH": str(tmp_path)})
    assert unsafe_settings(config) == []


@pytest.mark.parametrize("case", list(UNSAFE), ids=list(UNSAFE))
def test_each_unsafe_setting_is_refused_by_name(production_env, case):
    changes, name = UNSAFE[case]
    production_env(**changes)
    with pytest.raises(UnsafeStart) as refused:
        create_app()
    assert [problem.setting for problem in refused.value.problems] == [name]
    message = str(refused.value)
    assert name in message and "拒绝启动" in message and "Refusing to start" in message


def test_real_credentials_alone_mean_production(production_env, monkeypatch):
    """No ENV=production, but a real appid: still refused, every problem at once."""
    production_env(PHONE_KEYS="", REDIS_URL="", WECHAT_PUSH_TOKEN="")
    monkeypatch.delenv("ENV")
    with pytest.raises(UnsafeStart) as refused:
        create_app()
    names = {problem.setting for problem in refused.value.problems}
    assert names == {"PHONE_KEYS", "REDIS_URL", "WECHAT_PUSH_TOKEN"}


def test_development_starts_with_every_default(tmp_path):
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["SESSION_COOKIE_SECURE"] is False
    assert "Strict-Transport-Security" not in app.test_client().get("/healthz").headers


@pytest.mark.parametrize("command", [["worker", "--burst"], ["scheduler", "--once"]])
def test_worker_and_scheduler_refuse_too(tmp_path, command):
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("WECHAT_", "DATABASE_"))},
        **SAFE,
        "INSTANCE_PATH": str(tmp_path),
        "PHONE_KEYS": "",
        "WECHAT_PUSH_TOKEN": SANDBOX["push_token"],
        "FLASK_APP": "server",
    }
    done = subprocess.run(
        [sys.executable, "-m", "flask", *command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    for text in ("拒绝启动", "PHONE_KEYS", "WECHAT_PUSH_TOKEN", "沙箱的公开令牌"):
        assert text in done.stderr, done.stderr
    assert "Traceback" not in done.stderr


def test_https_means_secure_cookies_and_hsts(tmp_path):
    app = create_app({"INSTANCE_PATH": str(tmp_path), "PUBLIC_URL": "https://lz.example.gov.cn"})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    client = app.test_client()
    for path in ("/healthz", "/admin/login", "/api/v1/no-such-thing", "/q/s.nowhere"):
        answer = client.get(path)
        assert answer.headers.get("Strict-Transport-Security") == HSTS, path
    cookies = app.test_client().get("/admin/login").headers.getlist("Set-Cookie")
    assert cookies and all("Secure" in cookie for cookie in cookies), cookies
