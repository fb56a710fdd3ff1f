"""The WeChat sandbox: a faithful local stand-in for WeChat's HTTP API (docs/wechat.md).

The names below load on first use, so that importing `defaults` (as the tests do) does
not pull in Flask routes, Pillow and qrcode.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from wechat_sandbox.app import create_sandbox_app
    from wechat_sandbox.qr import sandbox_code_text

__all__ = ["create_sandbox_app", "sandbox_code_text"]


def __getattr__(name: str) -> Any:
    if name == "create_sandbox_app":
        from wechat_sandbox.app import create_sandbox_app

        return create_sandbox_app
    if name == "sandbox_code_text":
        from wechat_sandbox.qr import sandbox_code_text

        return sandbox_code_text
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
