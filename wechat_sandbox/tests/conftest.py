"""Fixtures: a live sandbox on a free port, and a receiver for its pushes."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from flask import Flask, request
from werkzeug.serving import make_server

if TYPE_CHECKING:
    from wechat_sandbox.testing import SandboxServer

# Let a bare `pytest wechat_sandbox/tests` import the project, before any project config.
ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    from wechat_sandbox.testing import start_sandbox

    server = start_sandbox()
    yield server
    server.stop()


@pytest.fixture
def make_sandbox() -> Iterator[Callable[..., SandboxServer]]:
    """A sandbox with custom settings (e.g. short lifetimes)."""
    from wechat_sandbox.testing import start_sandbox

    servers: list[SandboxServer] = []

    def make(**settings: object) -> SandboxServer:
        servers.append(start_sandbox(settings=settings))
        return servers[-1]

    yield make
    for server in servers:
        server.stop()


class Receiver:
    """A tiny app standing in for our server's push endpoint; remembers every request."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        app = Flask(__name__)

        @app.post("/wechat/callback")
        def callback() -> str:
            self.requests.append(
                {
                    "args": request.args.to_dict(),
                    "body": request.get_data(),
                    "content_type": request.content_type,
                }
            )
            return "success"

        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.port}/wechat/callback"
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )
        self._thread.start()

    def wait_for(self, count: int, timeout: float = 5.0) -> list[dict]:
        deadline = time.monotonic() + timeout
        while len(self.requests) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(self.requests) >= count, f"got {len(self.requests)} pushes, wanted {count}"
        return self.requests

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.stop()
