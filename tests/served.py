"""The app under gunicorn, started by a test with the repository's gunicorn.conf.py, on the same
database, Redis and sandbox as the test's own app."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from server.platform.redis import redis_url

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Gunicorn:
    def __init__(self, app, directory: Path, *args: str, env: dict | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.access_log = directory / "access.log"
        self.error_log = directory / "error.log"
        config = app.config
        self.env = {
            **os.environ,
            "DATABASE_URL": config["SQLALCHEMY_DATABASE_URI"],
            "REDIS_URL": redis_url(app),
            "SECRET_KEY": config["SECRET_KEY"],
            "KEY_PREFIX": config["KEY_PREFIX"],
            "RQ_QUEUE": config["RQ_QUEUE"],
            "INSTANCE_PATH": config["INSTANCE_PATH"],
            "UPLOAD_DIR": config["UPLOAD_DIR"],
            "WECHAT_SANDBOX_URL": config["WECHAT_SANDBOX_URL"],
            "LOG_LEVEL": "WARNING",
            **(env or {}),
        }
        self.args = args
        self.process: subprocess.Popen | None = None

    def start(self) -> Gunicorn:
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self.process = subprocess.Popen(
            [
                str(gunicorn),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--access-logfile",
                str(self.access_log),
                "--error-logfile",
                str(self.error_log),
                *self.args,
                "server.wsgi:app",
            ],
            cwd=ROOT,  # where gunicorn finds gunicorn.conf.py
            env=self.env,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.error_log.read_text()}")
            try:
                requests.get(f"{self.url}/api/v1/openapi.json", timeout=10)
                return self
            except (requests.ConnectionError, requests.Timeout):
                time.sleep(0.1)  # still starting (a busy machine takes seconds to import)
        raise RuntimeError("gunicorn did not start")

    def access_lines(self, until: str) -> list[str]:
        """The access log once a line holds `until`: gunicorn writes a request's line just
        after sending the answer, so the client may read the answer first."""
        lines: list[str] = []
        for _ in range(200):
            if self.access_log.exists():
                lines = self.access_log.read_text().splitlines()
                if any(until in line for line in lines):
                    break
            time.sleep(0.05)
        return lines

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
