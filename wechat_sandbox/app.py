"""The WeChat sandbox as a Flask app: WeChat's paths plus the sandbox's own control routes."""

from __future__ import annotations

from flask import Flask, Response

from wechat_sandbox import control_routes, wechat_routes
from wechat_sandbox.config import SandboxConfig
from wechat_sandbox.errors import ControlError, WeChatError
from wechat_sandbox.qr import sandbox_code_text
from wechat_sandbox.state import EXTENSION, SandboxState

__all__ = ["create_sandbox_app", "sandbox_code_text"]


def create_sandbox_app(settings: dict | None = None) -> Flask:
    """A fresh sandbox with its own in-memory state.

    `settings` overrides defaults.py (APPID, SECRET, TEMPLATES, PAGES, PUBLIC_NAME, ORIGINAL_ID,
    DEFAULT_CODE_PAGE, SEC_RISKY_WORDS, SEC_REVIEW_WORDS) and the lifetimes in seconds
    (TOKEN_TTL, CODE_TTL, PHONE_CODE_TTL, ACTIVE_TTL, PUSH_TIMEOUT).
    """
    config = SandboxConfig.from_settings(settings)
    app = Flask(__name__)
    # Chinese stays readable in answers, and keys keep the order WeChat uses.
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    app.extensions[EXTENSION] = SandboxState(config)
    app.register_blueprint(wechat_routes.bp)
    app.register_blueprint(control_routes.bp)
    app.register_error_handler(WeChatError, _wechat_error)
    app.register_error_handler(ControlError, _control_error)
    return app


def _wechat_error(error: WeChatError) -> Response:
    return error.to_response()


def _control_error(error: ControlError) -> tuple[Response, int]:
    return error.to_response()
