"""Run a sandbox on a free port in a background thread, for tests anywhere in the project."""

from __future__ import annotations

import threading
from typing import Self

import requests
from flask import Flask
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from wechat_sandbox.app import create_sandbox_app
from wechat_sandbox.state import EXTENSION, SandboxState


class _QuietHandler(WSGIRequestHandler):
    """No access-log line per request: test output stays readable (errors are still logged).
    HTTP/1.1 keeps connections alive, as WeChat does."""

    protocol_version = "HTTP/1.1"

    def log_request(self, *args: object, **kwargs: object) -> None:
        pass


class SandboxServer:
    """A running sandbox: `.url`, `.app`, `.state`, `.stop()`, and shortcuts to the control API."""

    def __init__(self, app: Flask, server: BaseWSGIServer) -> None:
        self.app = app
        self._server = server
        self.url = f"http://{server.host}:{server.port}"
        # A short poll interval: stop() waits up to one interval for the loop to notice.
        self._thread = threading.Thread(
            target=server.serve_forever, args=(0.05,), name="wechat-sandbox", daemon=True
        )
        self._http = requests.Session()

    @property
    def state(self) -> SandboxState:
        return self.app.extensions[EXTENSION]

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        self.state.close()
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- the control API, as a phone (or a test) would drive it ---------------------------------

    def control(self, method: str, path: str, **kwargs: object) -> dict:
        """Call `/sandbox/<path>` and return its JSON; raises on a 4xx/5xx answer."""
        answer = self._http.request(method, f"{self.url}/sandbox/{path}", timeout=10, **kwargs)
        answer.raise_for_status()
        return answer.json()

    def new_user(self, nickname: str | None = None) -> str:
        body = {"nickname": nickname} if nickname else {}
        return self.control("POST", "users", json=body)["openid"]

    def login_code(self, openid: str) -> str:
        return self.control("POST", "login_code", json={"openid": openid})["code"]

    def consent(self, openid: str, template_id: str, decision: str = "accept") -> dict:
        body = {"openid": openid, "template_id": template_id, "decision": decision}
        return self.control("POST", "consent", json=body)

    def sent(self, openid: str | None = None) -> list[dict]:
        return self.control("GET", "sent", params={"openid": openid} if openid else {})["sent"]

    def follow_oa(self, openid: str, follow: bool = True) -> dict:
        """The mini-program user `openid` follows the official account: {oa_openid, unionid}."""
        return self.control("POST", "oa/follow", json={"openid": openid, "follow": follow})

    def oa_sent(self, oa_openid: str | None = None) -> list[dict]:
        params = {"oa_openid": oa_openid} if oa_openid else {}
        return self.control("GET", "oa/sent", params=params)["sent"]

    def faults(self, **settings: object) -> dict:
        return self.control("POST", "faults", json=settings)

    def stats(self) -> dict:
        return self.control("GET", "stats")

    def reset(self) -> None:
        self.control("POST", "reset")


def start_sandbox(
    host: str = "127.0.0.1", port: int = 0, settings: dict | None = None
) -> SandboxServer:
    """Serve a fresh sandbox on `host:port` (0: a free port) until `.stop()`."""
    app = create_sandbox_app(settings)
    server = make_server(host, port, app, threaded=True, request_handler=_QuietHandler)
    return SandboxServer(app, server).start()
