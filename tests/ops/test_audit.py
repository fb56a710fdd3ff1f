"""scripts/audit tells three outcomes apart: audited and clean, a vulnerability, and nothing
audited at all (pip-audit itself prints "No known vulnerabilities found" when every package was
skipped because the advisory source had nothing to say, as on a mirror without per-release
JSON). A stand-in pip-audit plays each answer; the real one runs in ./scripts/test."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.ops.test_locks import ROOT

CLEAN = {"dependencies": [{"name": "flask", "version": "3.1.3", "vulns": []}], "fixes": []}
VULNERABLE = {
    "dependencies": [
        {"name": "flask", "version": "3.1.3", "vulns": []},
        {
            "name": "requests",
            "version": "2.34.2",
            "vulns": [{"id": "PYSEC-0000-0", "fix_versions": ["9.9"], "description": "bad"}],
        },
    ],
    "fixes": [],
}
ALL_SKIPPED = {
    "dependencies": [
        {"name": "flask", "skip_reason": "Dependency not found on PyPI and could not be audited"}
    ],
    "fixes": [],
}


def run_audit(tmp_path, answers: dict[str, dict | None]):
    """answers: per vulnerability service, the JSON to print, or None to fail like no network."""
    fake = tmp_path / "pip-audit"
    fake.write_text(
        f"#!{sys.executable}\n"
        "import json, sys\n"
        f"answers = {json.dumps(answers)}\n"
        "service = sys.argv[sys.argv.index('--vulnerability-service') + 1]\n"
        "answer = answers.get(service)\n"
        "if answer is None:\n"
        "    sys.exit('ConnectionError: Failed to resolve the advisory host')\n"
        "print(json.dumps(answer))\n"
        "sys.exit(1 if any(d.get('vulns') for d in answer['dependencies']) else 0)\n"
    )
    fake.chmod(0o755)
    return subprocess.run(
        [str(ROOT / "scripts" / "audit")],
        env={**os.environ, "PIP_AUDIT": str(fake)},
        capture_output=True,
        text=True,
    )


def test_clean_audit_passes(tmp_path):
    done = run_audit(tmp_path, {"pypi": CLEAN})
    assert done.returncode == 0, done.stdout
    assert "1 packages" in done.stdout and "0 known vulnerabilities" in done.stdout


def test_a_vulnerability_fails_and_is_named(tmp_path):
    done = run_audit(tmp_path, {"pypi": VULNERABLE})
    assert done.returncode == 1
    assert "requests 2.34.2: PYSEC-0000-0" in done.stdout


@pytest.mark.parametrize(
    "answers",
    [{"pypi": ALL_SKIPPED, "osv": None}, {"pypi": None, "osv": None}],
    ids=["mirror-without-advisories", "no-network"],
)
def test_nothing_audited_is_a_skip_not_a_pass(tmp_path, answers):
    done = run_audit(tmp_path, answers)
    assert done.returncode == 75
    assert "NOT audited" in done.stdout


def test_the_second_service_is_used_when_the_first_has_nothing(tmp_path):
    done = run_audit(tmp_path, {"pypi": ALL_SKIPPED, "osv": VULNERABLE})
    assert done.returncode == 1
    assert "pip-audit (osv)" in done.stdout
