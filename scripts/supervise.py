"""The pieces ./scripts/run starts, kept running until Ctrl-C.

The WeChat sandbox, the web app (gunicorn), the worker and the scheduler each run as a child
process in a session of its own, so Ctrl-C reaches only this supervisor, which then stops them
in order and the embedded Redis last. A piece that dies on its own is started again (after a
pause that grows if it keeps dying at once) and the rest keep running: a killed worker must not
take the dashboard down with it. The banner is printed only once /healthz answers with the
INSTANCE_ID this run exported, so another program on the port is never taken for our app.
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import redis  # noqa: E402

from server.platform.redis import embedded_paths, ensure_embedded_redis, stop_embedded_redis  # noqa: E402

VENV = ROOT / ".venv" / "bin"
START_TIMEOUT = 60.0  # seconds a piece may take to answer on its first start
STOP_TIMEOUT = 10.0  # seconds the pieces get to finish what they are doing on Ctrl-C
STEADY = 10.0  # a piece that ran this long before dying is restarted at once
MAX_PAUSE = 30.0
PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """Children in their own session would outlive a supervisor killed with SIGKILL."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except OSError:
        pass  # not Linux: Ctrl-C still stops everything; only a SIGKILL would leave orphans


def say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)


def _get_json(url: str) -> dict | None:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return json.loads(response.read() or b"{}") if response.status == 200 else None
    except (OSError, ValueError):
        return None


@dataclass
class Piece:
    name: str  # what the console calls it
    argv: list[str]
    check_url: str | None = None
    expect_instance: str | None = None
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    pause: float = 0.0
    restart_at: float | None = None
    waiting_ready: bool = False
    after_restart: list = field(default_factory=list)

    def start(self) -> None:
        self.process = subprocess.Popen(
            self.argv, cwd=ROOT, start_new_session=True, preexec_fn=_die_with_parent
        )
        self.started_at = time.monotonic()
        self.waiting_ready = self.check_url is not None

    def ready(self) -> bool:
        if self.check_url is None:
            return True
        answer = _get_json(self.check_url)
        if answer is None:
            return False
        return self.expect_instance is None or answer.get("instance") == self.expect_instance

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass


def _exit_text(code: int) -> str:
    if code < 0:
        try:
            return f"被信号 {signal.Signals(-code).name} 终止"
        except ValueError:
            return f"被信号 {-code} 终止"
    return f"退出码 {code}"


class Supervisor:
    def __init__(self, env: dict):
        self.env = env
        self.instance = Path(env["INSTANCE_PATH"])
        self.demo_file = self.instance / "demo.json"
        self.embedded_redis = not env.get("REDIS_URL")
        self.stopping = False
        host, port, sandbox_port = env["HOST"], env["PORT"], env["SANDBOX_PORT"]
        local = "127.0.0.1" if host in ("0.0.0.0", "::") else host
        flask = str(VENV / "flask")
        self.sandbox = None
        if not env.get("WECHAT_APPID"):
            self.sandbox = Piece(
                "微信沙箱",
                [
                    str(VENV / "python"),
                    *f"-m wechat_sandbox --host {host} --port {sandbox_port}".split(),
                ],
                check_url=f"http://{local}:{sandbox_port}/sandbox/faults",
            )
        self.web = Piece(
            "网站（gunicorn）",
            [
                str(VENV / "gunicorn"),
                *f"--bind {host}:{port} --workers 2 --threads 4 --access-logfile -".split(),
                *"--log-level warning server.wsgi:app".split(),
            ],
            check_url=f"http://{local}:{port}/healthz",
            expect_instance=env["INSTANCE_ID"],
        )
        self.worker = Piece("后台任务（worker）", [flask, "worker"])
        self.scheduler = Piece("定时任务（scheduler）", [flask, "scheduler"])
        if self.sandbox is not None:
            # The sandbox keeps its WeChat users in memory: after a restart the demo deputy's
            # user is gone and its invite code may be spent, so issue fresh ones.
            self.sandbox.after_restart.append(self._fresh_invites)
        self.pieces = [p for p in (self.sandbox, self.web, self.worker, self.scheduler) if p]

    # -- start ---------------------------------------------------------------------------

    def _wait_ready(self, piece: Piece) -> bool:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline and not self.stopping:
            if piece.process.poll() is not None:
                say(
                    f"{piece.name}没有启动（{_exit_text(piece.process.returncode)}），见上面的错误信息"
                )
                return False
            if piece.ready():
                piece.waiting_ready = False
                return True
            time.sleep(0.1)
        if not self.stopping:
            say(f"{piece.name} {START_TIMEOUT:.0f} 秒内没有应答")
        return False

    def start_all(self) -> bool:
        if self.sandbox is not None:
            self.sandbox.start()
            address = f"http://{self.env['HOST']}:{self.env['SANDBOX_PORT']}"
            say(f"启动微信沙箱（进程 {self.sandbox.process.pid}）{address}（未设置 WECHAT_APPID）")
            if not self._wait_ready(self.sandbox):
                return False
        for piece in (self.web, self.worker, self.scheduler):
            piece.start()
            say(f"启动{piece.name}（进程 {piece.process.pid}）")
        return self._wait_ready(self.web)

    def banner(self) -> None:
        demo = json.loads(self.demo_file.read_text())
        urls = demo["urls"]
        print()
        print("码上联络站已启动，按 Ctrl-C 全部停止。")
        print(f"  接口           {urls['api']}   （文档：{urls['docs']}）")
        print(
            f"  工作台         {urls['admin']}   "
            f"登录：{demo['admin']['username']} / {demo['admin']['password']}"
        )
        if urls.get("public"):
            print(f"  双公开         {urls['public']}")
        if self.sandbox is not None:
            print(f"  微信沙箱       {urls['sandbox']}")
        for s in demo["stations"]:
            print(f"  联络站  {s['scene']:<12} {s['name']}")
        for d in demo["deputies"]:
            print(f"  代表    {d['scene']:<12} {d['name']}  邀请码 {d['invite_code']}")
        for u in demo.get("units", []):
            login = u.get("login") or {}
            if login.get("username"):
                print(
                    f"  承办单位 {u['name']}  工作台登录：{login['username']} / "
                    f"{login.get('password') or '（见上次启动时的输出）'}"
                )
        for key, label in (("clerk", "联络站工作人员"), ("committee", "代表工委")):
            account = demo.get(key) or {}
            if account.get("username"):
                print(
                    f"  {label}  工作台登录：{account['username']} / "
                    f"{account.get('password') or '（见上次启动时的输出）'}"
                )
        print(f"  演示数据：{self.demo_file} · 走一遍闭环：./scripts/demo")
        print(flush=True)

    # -- keep running --------------------------------------------------------------------

    def _fresh_invites(self) -> None:
        result = subprocess.run(
            [str(VENV / "flask"), "seed-demo", "--out", str(self.demo_file)],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        if result.returncode == 0:
            say(f"沙箱重启后原有微信用户已清空：已重新生成代表邀请码（见 {self.demo_file}）")
        else:
            say(f"重新生成邀请码失败：{result.stderr.strip()[-300:]}")

    def _died(self, piece: Piece, now: float) -> None:
        code = piece.process.returncode
        # What it leaves behind goes too: gunicorn's workers, or the scheduler process an RQ
        # worker forks, which would otherwise keep taking jobs off the queue and drop them.
        try:
            os.killpg(piece.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        ran = now - piece.started_at
        piece.pause = 0.0 if ran >= STEADY else min(MAX_PAUSE, max(1.0, piece.pause * 2))
        piece.restart_at = now + piece.pause
        later = f"，{piece.pause:.0f} 秒后" if piece.pause else ""
        say(f"{piece.name}意外退出（{_exit_text(code)}）{later}正在重新启动，其他部分照常运行")

    def _restart(self, piece: Piece) -> None:
        piece.restart_at = None
        piece.start()
        say(f"{piece.name}已重新启动（进程 {piece.process.pid}）")
        for hook in piece.after_restart:
            if piece.ready() or self._wait_ready(piece):
                hook()

    def _check_redis(self) -> None:
        socket_path = embedded_paths(self.instance)["socket"]
        try:
            redis.Redis(unix_socket_path=str(socket_path), socket_timeout=1).ping()
            return
        except (redis.RedisError, OSError):
            pass
        say("内置 Redis 停止了，正在重新启动（排队的任务保存在磁盘上，不会丢失）")
        try:
            ensure_embedded_redis(self.instance)
            say("内置 Redis 已重新启动")
        except (OSError, RuntimeError, subprocess.CalledProcessError) as exc:
            say(f"内置 Redis 没能重新启动：{exc}；稍后再试")

    def watch(self) -> None:
        last_redis = time.monotonic()
        while not self.stopping:
            now = time.monotonic()
            for piece in self.pieces:
                if piece.restart_at is not None:
                    if now >= piece.restart_at and not self.stopping:
                        self._restart(piece)
                elif piece.process.poll() is not None:
                    self._died(piece, now)
                elif piece.waiting_ready and piece.ready():
                    piece.waiting_ready = False
                    say(f"{piece.name}已恢复应答")
            if self.embedded_redis and now - last_redis >= 2:
                last_redis = now
                self._check_redis()
            time.sleep(0.2)

    # -- stop ----------------------------------------------------------------------------

    def stop_all(self) -> None:
        self.stopping = True
        say("正在停止……")
        for piece in (self.web, self.scheduler, self.worker, self.sandbox):
            if piece is not None:
                piece.stop()
        deadline = time.monotonic() + STOP_TIMEOUT
        for piece in self.pieces:
            if piece.process is None:
                continue
            try:
                piece.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                say(f"{piece.name} {STOP_TIMEOUT:.0f} 秒内没有停止，强制结束")
                try:
                    os.killpg(piece.process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                piece.process.wait()
        if self.embedded_redis and stop_embedded_redis(self.instance):
            say("内置 Redis 已停止")
        say("已全部停止")


def main() -> int:
    supervisor = Supervisor(dict(os.environ))

    def on_signal(signum, frame):
        supervisor.stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    ok = False
    try:
        ok = supervisor.start_all()
        if ok and not supervisor.stopping:
            supervisor.banner()
            supervisor.watch()
    finally:
        supervisor.stop_all()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
