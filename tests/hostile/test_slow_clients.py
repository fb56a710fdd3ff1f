"""Issue 12, item 13: twelve slow-body connections held every gunicorn thread when the app was
reached without a buffering proxy. Gunicorn started the way ./scripts/run starts it (2 workers,
4 threads each, the repository's gunicorn.conf.py), a dozen clients that trickle their headers
or bodies or stall mid-body, and a normal request among them: it is answered, and the slow
connections are dropped. (Production still puts nginx in front: README, docs/security.md.)"""

from __future__ import annotations

import socket
import threading
import time

import pytest
import requests

from tests.served import Gunicorn

pytestmark = pytest.mark.slow

# Short limits for the test; the defaults are 10 s a read, 1 KB/s after 5 s of waiting.
PACE = {"GUNICORN_CLIENT_READ_TIMEOUT": "2", "GUNICORN_CLIENT_RATE_GRACE": "1"}
BODY = 20_000  # under MAX_JSON_BYTES: the app reads it all before answering


class SlowClient(threading.Thread):
    """An attacker's connection: a request sent a byte at a time (or not at all)."""

    def __init__(self, port: int, how: str, stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.port, self.how, self.stop = port, how, stop
        self.dropped = threading.Event()

    def run(self) -> None:
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        head = (
            "POST /api/v1/auth/wechat HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            "Content-Type: application/json\r\n"
            f"Content-Length: {BODY}\r\n"
        )
        try:
            if self.how == "slow headers":
                sock.sendall(head.encode() + b"X-Padding: ")
            else:
                sock.sendall(head.encode() + b'\r\n{"code": "')
            sock.settimeout(0.5)
            while not self.stop.is_set():
                if self.how != "stalled body":
                    sock.sendall(b"a")  # a byte every half second: alive, and useless
                try:
                    sock.recv(1024)  # the server closing, or answering a body cut short
                    break
                except TimeoutError:
                    continue
        except OSError:
            pass
        finally:
            self.dropped.set()
            sock.close()


@pytest.fixture
def gunicorn(live, tmp_path):
    server = Gunicorn(live.app, tmp_path, "--workers", "2", "--threads", "4", env=PACE).start()
    yield server
    server.stop()


def test_a_dozen_slow_clients_do_not_block_a_normal_request(live, gunicorn):
    stop = threading.Event()
    hows = ["slow body"] * 6 + ["stalled body"] * 3 + ["slow headers"] * 3
    attackers = [SlowClient(gunicorn.port, how, stop) for how in hows]
    try:
        for attacker in attackers:
            attacker.start()
        time.sleep(0.5)  # let them take the threads first
        answer = requests.get(f"{gunicorn.url}/api/v1/openapi.json", timeout=60)
        assert answer.status_code == 200
        for attacker in attackers:
            assert attacker.dropped.wait(60), f"a {attacker.how} client was never dropped"
        again = requests.get(f"{gunicorn.url}/readyz", timeout=60)
        assert again.status_code in (200, 503) and "healthy" in again.json()
    finally:
        stop.set()
        for attacker in attackers:
            attacker.join(timeout=10)
    errors = gunicorn.error_log.read_text()
    assert "Traceback" not in errors, errors


def test_a_slow_but_honest_client_still_gets_in(live, gunicorn):
    """A phone on a poor connection sends steadily (5 KB/s here, well above the minimum pace)
    for longer than the grace period: it is served."""
    code = live.sandbox.login_code(live.new_user())
    body = f'{{"code": "{code}", "padding": "{"x" * 16_000}"}}'.encode()

    def steadily():
        for index in range(0, len(body), 1024):
            yield body[index : index + 1024]
            time.sleep(0.2)

    answer = requests.post(
        f"{gunicorn.url}/api/v1/auth/wechat",
        data=steadily(),
        headers={"Content-Type": "application/json"},
        timeout=60,
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["role"] == "citizen"
