"""./scripts/run and ./scripts/demo as a new user runs them: real processes on free ports, a
private instance directory (SQLite, embedded Redis), pieces killed with SIGKILL."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest
import redis
import requests

from server.settings import load_config
from tests.support.stack import BACKEND

ROOT = Path(__file__).resolve().parent.parent
# Generous: a first start installs nothing but still migrates, seeds and starts five processes
# on a shared 2-core machine. These bound a wait for an event, they are not speed checks.
START = 180
EVENT = 90

pytestmark = pytest.mark.skipif(
    BACKEND != "embedded", reason="scripts/run brings its own SQLite and Redis: once is enough"
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run_env(instance: Path, port: int, sandbox_port: int) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("WECHAT_", "DATABASE_", "REDIS_", "LZ_", "INSTANCE_"))
    }
    env.pop("HOST", None)
    env.update(INSTANCE_PATH=str(instance), PORT=str(port), SANDBOX_PORT=str(sandbox_port))
    return env


class Console:
    """A process's output, read line by line as it comes."""

    def __init__(self, process: subprocess.Popen):
        self.process = process
        self.lines: list[str] = []
        self.changed = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            with self.changed:
                self.lines.append(line.rstrip("\n"))
                self.changed.notify_all()

    def text(self) -> str:
        with self.changed:
            return "\n".join(self.lines)

    def wait_for(self, pattern: str, after: int = 0, timeout: float = EVENT) -> re.Match:
        """The first line from index `after` on that matches; fails with the output so far."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                for line in self.lines[after:]:
                    found = re.search(pattern, line)
                    if found:
                        return found
                left = deadline - time.monotonic()
                if left <= 0 or (self.process.poll() is not None and not self._pending()):
                    pytest.fail(f"no line matching {pattern!r}:\n" + "\n".join(self.lines[-60:]))
                self.changed.wait(min(left, 0.5))

    def _pending(self) -> bool:
        return not self.process.stdout.closed

    def mark(self) -> int:
        with self.changed:
            return len(self.lines)


def start_run(instance: Path, port: int, sandbox_port: int) -> tuple[subprocess.Popen, Console]:
    process = subprocess.Popen(
        ["scripts/run"],
        cwd=ROOT,
        env=run_env(instance, port, sandbox_port),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    return process, Console(process)


def demo(instance: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["scripts/demo"],
        cwd=ROOT,
        env={**os.environ, "INSTANCE_PATH": str(instance)},
        capture_output=True,
        text=True,
        timeout=EVENT,
    )


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead but still listed until its parent reaps it.
    status = Path(f"/proc/{pid}/stat")
    return status.exists() and status.read_text().split()[2] != "Z"


def test_healthz_names_the_instance(live, monkeypatch):
    answer = live.http.get(f"{live.url}/healthz", timeout=10)
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok", "instance": live.app.config["INSTANCE_ID"]}
    monkeypatch.setenv("INSTANCE_ID", "run-42")
    assert load_config({"INSTANCE_PATH": str(ROOT / "instance")})["INSTANCE_ID"] == "run-42"
    monkeypatch.delenv("INSTANCE_ID")
    first, second = (load_config({"INSTANCE_PATH": str(ROOT / "instance")}) for _ in range(2))
    assert first["INSTANCE_ID"] and first["INSTANCE_ID"] != second["INSTANCE_ID"]


@pytest.mark.parametrize("busy", ["PORT", "SANDBOX_PORT"])
def test_a_busy_port_is_named_before_anything_starts(tmp_path, busy):
    ports = {"PORT": free_port(), "SANDBOX_PORT": free_port()}
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", ports[busy]))
        holder.listen()
        result = subprocess.run(
            ["scripts/run"],
            cwd=ROOT,
            env=run_env(tmp_path, ports["PORT"], ports["SANDBOX_PORT"]),
            capture_output=True,
            text=True,
            timeout=START,
        )
    assert result.returncode == 1
    assert f"端口 {ports[busy]} 已被占用，请用 {busy}=… ./scripts/run" in result.stderr
    assert "已启动" not in result.stdout and "登录" not in result.stdout
    assert not (tmp_path / "lianluozhan.db").exists()  # nothing was started or written
    other = "SANDBOX_PORT" if busy == "PORT" else "PORT"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", ports[other]))  # and nothing listens on the other port


def test_demo_help_prints_usage_and_runs_nothing(tmp_path):
    result = demo(tmp_path)  # no demo.json here: running it would fail
    assert result.returncode == 1 and "找不到" in result.stderr
    result = subprocess.run(
        ["scripts/demo", "--help"],
        cwd=ROOT,
        env={**os.environ, "INSTANCE_PATH": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=EVENT,
    )
    assert result.returncode == 0, result.stderr
    assert "usage: ./scripts/demo" in result.stdout and "演示一遍闭环" in result.stdout
    assert "失败" not in result.stdout + result.stderr


def test_run_restarts_what_dies_and_ctrl_c_stops_everything(tmp_path):
    port, sandbox_port = free_port(), free_port()
    process, console = start_run(tmp_path, port, sandbox_port)
    pids = {}
    try:
        console.wait_for(r"码上联络站已启动", timeout=START)
        for label in (
            "微信沙箱",
            "网站（gunicorn）",
            "后台任务（worker）",
            "定时任务（scheduler）",
        ):
            pids[label] = int(console.wait_for(rf"启动{re.escape(label)}（进程 (\d+)）")[1])
        health = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=10).json()
        assert health["status"] == "ok" and health["instance"]

        first = demo(tmp_path)
        assert first.returncode == 0, first.stdout + first.stderr
        assert "闭环完成" in first.stdout
        # Act 2: handed to a unit, which answers through its integration key; rated.
        assert "第二幕" in first.stdout and "签收" in first.stdout
        assert "群众对单位的答复评价“满意”" in first.stdout, first.stdout
        # Act 3 ends with the suggestion published, its phone number gone.
        assert "第三幕" in first.stdout and "批准公开" in first.stdout, first.stdout

        # A killed worker comes back, and the loop still closes through the new one.
        mark = console.mark()
        os.kill(pids["后台任务（worker）"], signal.SIGKILL)
        console.wait_for(r"后台任务（worker）意外退出（被信号 SIGKILL 终止）", mark)
        console.wait_for(r"后台任务（worker）已重新启动（进程 \d+）", mark)

        # The web app: restarted, and the console says when it answers again.
        mark = console.mark()
        os.kill(pids["网站（gunicorn）"], signal.SIGKILL)
        console.wait_for(r"网站（gunicorn）已重新启动", mark)
        console.wait_for(r"网站（gunicorn）已恢复应答", mark)
        again = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=10).json()
        assert again["instance"] == health["instance"]

        # The sandbox forgets its WeChat users: the demo deputy is made anew, without a word
        # of failure (it used to print 「失败：… 用户不存在」 first).
        mark = console.mark()
        os.kill(pids["微信沙箱"], signal.SIGKILL)
        console.wait_for(r"微信沙箱已重新启动", mark)
        console.wait_for(r"已重新生成代表邀请码", mark)
        second = demo(tmp_path)
        assert second.returncode == 0, second.stdout + second.stderr + console.text()[-6000:]
        assert "失败" not in second.stdout + second.stderr
        assert "绑定了微信" in second.stdout and "闭环完成" in second.stdout

        mark = console.mark()
        os.kill(pids["定时任务（scheduler）"], signal.SIGKILL)
        console.wait_for(r"定时任务（scheduler）已重新启动", mark)
        assert process.poll() is None  # through all of it, the system stayed up
        children = _children(process.pid)
        assert len(children) >= 4
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)  # what Ctrl-C sends
    assert process.wait(timeout=EVENT) == 0
    console.wait_for(r"已全部停止")
    assert "内置 Redis 已停止" in console.text()
    for pid in [*pids.values(), *children]:
        assert not alive(pid), pid
    with pytest.raises((redis.ConnectionError, FileNotFoundError)):
        redis.Redis(unix_socket_path=str(tmp_path / "redis.sock"), socket_timeout=1).ping()


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)
    return [int(p) for p in out.stdout.split()]
